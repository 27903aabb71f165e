package io.pogo.web;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;

/**
 * The route table of a node's HTTP face, in the order requests meet it: the bearer check on every path, then per
 * route the body limit and media-type gate (mutating routes only), then the handler; one failure handler and the
 * router's 404/405 hooks render every error through {@link Problems}. Handlers live in small classes; this class
 * only wires them.
 */
final class ApiRouter {
  static final String API = "/api/v1";
  static final String OPENAPI_PATH = API + "/openapi.json";

  private ApiRouter() {
  }

  /**
   * @param openApi the OpenAPI document, served as-is
   */
  static Router create(Vertx vertx, WebSettings settings, Buffer openApi) {
    EventBusGateway bus = new EventBusGateway(vertx);
    ChildHandlers children = new ChildHandlers(bus, settings);
    NodeHandlers node = new NodeHandlers(bus, settings);
    SchedulerCalls scheduler = new SchedulerCalls(bus, settings);
    NamespaceHandlers namespaces = new NamespaceHandlers(scheduler);
    JobHandlers jobs = new JobHandlers(scheduler);
    Problems problems = new Problems(settings.options().maxBodyBytes());
    Handler<RoutingContext> body = BodyHandler.create(false).setBodyLimit(settings.options().maxBodyBytes());
    Handler<RoutingContext> json = RequestBodies.requireJsonContentType();
    Handler<RoutingContext> yamlOrJson = RequestBodies.requireYamlOrJsonContentType();

    Router router = Router.router(vertx);
    router.route().handler(new BearerAuth(settings.options().token(), settings.readsNeedToken()));

    router.get("/health").handler(node::live);
    router.get("/health/ready").handler(node::ready);
    router.get(API + "/node").handler(node::info);
    router.get(API + "/nodes").handler(node::nodes);
    router.get(API + "/cluster").handler(node::cluster);
    router.post(API + "/cluster/rebalance").handler(node::rebalance);
    router.post(API + "/node/drain").handler(body).handler(json).handler(node::drain);

    router.post(ChildHandlers.BASE).handler(body).handler(json).handler(children::create);
    router.post(ChildHandlers.BASE + "/batch").handler(body).handler(json).handler(children::batch);
    router.get(ChildHandlers.BASE).handler(children::list);
    router.get(ChildHandlers.BASE + "/:id").handler(children::get);
    router.delete(ChildHandlers.BASE + "/:id").handler(children::stop);
    router.post(ChildHandlers.BASE + "/:id/restart").handler(body).handler(json).handler(children::restart);
    router.get(ChildHandlers.BASE + "/:id/logs").handler(children::logs);
    router.get(ChildHandlers.BASE + "/:id/await").handler(children::await);

    router.get(NamespaceHandlers.BASE).handler(namespaces::list);
    router.put(NamespaceHandlers.BASE + "/:ns").handler(body).handler(yamlOrJson).handler(namespaces::put);
    router.get(NamespaceHandlers.BASE + "/:ns").handler(namespaces::get);
    router.delete(NamespaceHandlers.BASE + "/:ns").handler(namespaces::delete);
    router.get(NamespaceHandlers.BASE + "/:ns/budget").handler(namespaces::budget);

    router.post(JobHandlers.PLAN).handler(body).handler(json).handler(jobs::plan);
    router.post(JobHandlers.BASE).handler(body).handler(json).handler(jobs::run);
    router.get(JobHandlers.BASE).handler(jobs::list);
    router.get(JobHandlers.BASE + "/:id").handler(jobs::get);
    router.get(JobHandlers.BASE + "/:id/hosts").handler(jobs::hosts);
    router.get(JobHandlers.BASE + "/:id/hosts/:host/output").handler(jobs::output);
    router.post(JobHandlers.BASE + "/:id/halt").handler(body).handler(json).handler(jobs::halt);
    router.post(JobHandlers.BASE + "/:id/resume").handler(body).handler(json).handler(jobs::resume);
    router.post(JobHandlers.BASE + "/:id/retry").handler(body).handler(json).handler(jobs::retry);
    router.post(JobHandlers.BASE + "/:id/skip").handler(body).handler(json).handler(jobs::skip);
    router.post(JobHandlers.BASE + "/:id/alter").handler(body).handler(json).handler(jobs::alter);

    router.get(API + "/events").handler(new EventStream(vertx, EventStream.DEFAULT_HEARTBEAT_MS,
        EventStream.DEFAULT_WRITE_QUEUE_MAX_BYTES));
    router.get("/metrics").handler(metrics(settings));
    router.get(OPENAPI_PATH).handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, Responses.JSON).end(openApi));

    router.route().failureHandler(problems);
    router.errorHandler(404, problems);
    router.errorHandler(405, problems);
    return router;
  }

  /** Prometheus text from the node's own registry; a 404 problem when the node runs without metrics. */
  private static Handler<RoutingContext> metrics(WebSettings settings) {
    String registryName = settings.options().metricsRegistryName();
    if (BackendRegistries.getNow(registryName) == null) {
      return ctx -> ctx.fail(new PogoException(ErrorCode.NOT_FOUND, "metrics are not enabled on this node"));
    }
    return PrometheusScrapingHandler.create(registryName);
  }
}
