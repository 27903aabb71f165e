package io.pogo.web;

import io.pogo.core.Addresses;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.MIMEHeader;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * The {@code /api/v1/namespaces} routes: namespace configs (tags, sequences, constraints) and their shared budget,
 * kept by the scheduler. The names and configs are the scheduler's to validate; its errors pass through unchanged,
 * each naming the config path that is wrong.
 */
final class NamespaceHandlers {
  static final String BASE = "/api/v1/namespaces";

  private final SchedulerCalls scheduler;

  NamespaceHandlers(SchedulerCalls scheduler) {
    this.scheduler = scheduler;
  }

  /**
   * {@code PUT /api/v1/namespaces/{ns}}, body: the config as YAML or JSON text, forwarded as text (the scheduler
   * parses either, and reports errors with their config paths). 200 with the namespace.
   */
  void put(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    String config = RequestBodies.requireText(ctx, "the namespace config, as YAML (Content-Type: application/yaml) "
        + "or JSON (application/json)");
    forward(ctx, Addresses.NAMESPACE_PUT, new JsonObject().put("name", ctx.pathParam("ns")).put("config", config));
  }

  /** {@code GET /api/v1/namespaces}: 200 {@code {"namespaces":[...]}} without their configs. */
  void list(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    forward(ctx, Addresses.NAMESPACE_LIST, new JsonObject());
  }

  /**
   * {@code GET /api/v1/namespaces/{ns}}: 200 with the namespace as JSON; with {@code Accept: application/yaml}, its
   * config alone as YAML, which is what PUT takes back.
   */
  void get(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    boolean yaml = prefersYaml(ctx.parsedHeaders().accept());
    ctx.response().putHeader(HttpHeaders.VARY, "Accept");
    scheduler.request(Addresses.NAMESPACE_GET, name(ctx))
        .onSuccess(ns -> {
          if (yaml) {
            Responses.yaml(ctx, YamlText.render(ns.getValue("config") instanceof JsonObject c ? c : new JsonObject()));
          } else {
            Responses.ok(ctx, ns);
          }
        })
        .onFailure(t -> SchedulerCalls.fail(ctx, t));
  }

  /** {@code DELETE /api/v1/namespaces/{ns}}: 200 {@code {"name"}}; INVALID_STATE (409) while an active job uses it. */
  void delete(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    forward(ctx, Addresses.NAMESPACE_DELETE, name(ctx));
  }

  /** {@code GET /api/v1/namespaces/{ns}/budget}: 200 with every slot's limit, use and holders across jobs. */
  void budget(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    forward(ctx, Addresses.NAMESPACE_BUDGET, name(ctx));
  }

  private void forward(RoutingContext ctx, String address, JsonObject body) {
    scheduler.request(address, body)
        .onSuccess(reply -> Responses.ok(ctx, reply))
        .onFailure(t -> SchedulerCalls.fail(ctx, t));
  }

  private static JsonObject name(RoutingContext ctx) {
    return new JsonObject().put("name", ctx.pathParam("ns"));
  }

  /** True when the client's most preferred media type is a YAML one; JSON otherwise. */
  static boolean prefersYaml(List<MIMEHeader> accept) {
    return !accept.isEmpty() && RequestBodies.isYaml(accept.get(0).component() + "/" + accept.get(0).subComponent());
  }
}
