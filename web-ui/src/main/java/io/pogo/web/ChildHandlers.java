package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.MIMEHeader;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code /api/v1/children} routes: each validates what HTTP adds (path id, query), forwards to the node's
 * registry over the event bus and maps the reply. The registry owns the real validation of specs and states;
 * its errors pass through unchanged. Failures go to {@code ctx.fail}, never to a status of their own.
 */
final class ChildHandlers {
  static final String BASE = "/api/v1/children";
  /** How many starts of a batch the registry runs at once ({@code BatchStart.PARALLEL}); bounds a batch's wait. */
  static final int BATCH_PARALLEL = io.pogo.core.Limits.BATCH_PARALLEL;
  private static final Set<String> CREATE_PARAMS = Set.of("wait");
  private static final Pattern ID = Pattern.compile(ChildSpec.ID_PATTERN);

  private final EventBusGateway bus;
  private final WebSettings settings;

  ChildHandlers(EventBusGateway bus, WebSettings settings) {
    this.bus = bus;
    this.settings = settings;
  }

  /**
   * {@code POST /api/v1/children?wait=true|false}: body = spec. By default (wait=true) the reply comes once the child
   * has settled: 201 with the record and its Location. With wait=false it comes as soon as the child is claimed in
   * the registry: 202 with the record (state {@code starting}); {@code GET .../{id}/await} waits for the rest.
   */
  void create(RoutingContext ctx) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(ctx.queryParams(), CREATE_PARAMS, errs);
    Boolean wait = QueryParams.bool(ctx.queryParams(), "wait", errs);
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    JsonObject spec = RequestBodies.requireObject(ctx, "a child spec");
    boolean async = Boolean.FALSE.equals(wait);
    bus.request(async ? Addresses.CHILD_START_ASYNC : Addresses.CHILD_START, spec, settings.requestTimeoutMs())
        .onSuccess(record -> {
          String location = BASE + "/" + record.getString("id", spec.getString("id"));
          if (async) {
            Responses.accepted(ctx, location, record);
          } else {
            Responses.created(ctx, location, record);
          }
        })
        .onFailure(ctx::fail);
  }

  /**
   * {@code POST /api/v1/children/batch}: body {@code {"children":[spec...],"onError":"rollback|continue"}}; 200 with
   * {@code {"results":[{"index","id","ok","record"|"error"}],"started","failed","rolledBack":false}}, also when some
   * children failed in continue mode. A rolled-back batch is a problem with the first failing child's code, carrying
   * the same members ({@code results}, {@code started}, {@code failed}, {@code rolledBack: true}) as extensions.
   */
  void batch(RoutingContext ctx) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(ctx.queryParams(), Set.of(), errs);
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    JsonObject body = RequestBodies.requireObject(ctx, "a batch: {\"children\":[spec...],\"onError\"}");
    JsonArray children = body.getValue("children") instanceof JsonArray a ? a : new JsonArray();
    long timeout = settings.batchRequestTimeoutMs(children.size(), longestShutdown(children));
    bus.request(Addresses.CHILD_START_BATCH, body, timeout)
        .onSuccess(reply -> Responses.ok(ctx, reply))
        .onFailure(err -> {
          PogoException pe = PogoException.from(err);
          if (pe.details() != null && pe.details().getValue("results") instanceof JsonArray) {
            ctx.put(Problems.EXTENSIONS, pe.details());
            pe = new PogoException(pe.code(), pe.getMessage(), pe.errors(), null);
          }
          ctx.fail(pe);
        });
  }

  /** The longest shutdown timeout among a batch's specs (a rollback waits for their stops); lenient: bad values count as the default. */
  static long longestShutdown(JsonArray children) {
    long longest = ChildSpec.DEFAULT_SHUTDOWN_TIMEOUT_MS;
    for (Object o : children) {
      if (o instanceof JsonObject spec && spec.getValue("shutdownTimeout") != null) {
        try {
          longest = Math.max(longest, Math.min(ChildSpec.MAX_SHUTDOWN_TIMEOUT_MS, Durations.parseMillis(spec.getValue("shutdownTimeout"))));
        } catch (IllegalArgumentException invalid) {
          // the registry refuses the spec, naming the field
        }
      }
    }
    return longest;
  }

  /**
   * {@code GET /api/v1/children/{id}/await?states=running[,exited]&timeout=30s}: 200 with the record once the child is
   * in one of the states; TIMEOUT (504), CHILD_NOT_FOUND (404) or INVALID_STATE (409, it ended in another state).
   */
  void await(RoutingContext ctx) {
    String id = childId(ctx);
    AwaitParams params = AwaitParams.parse(ctx.queryParams());
    bus.request(Addresses.CHILD_AWAIT, params.toRequest(id), settings.awaitRequestTimeoutMs(params.timeoutMs()))
        .onSuccess(record -> Responses.ok(ctx, record))
        .onFailure(ctx::fail);
  }

  /** {@code GET /api/v1/children?scope&node&tag&state}: 200 {@code {"children":[...],"count":n}}. */
  void list(RoutingContext ctx) {
    JsonObject query = ChildListParams.parse(ctx.queryParams());
    bus.request(Addresses.CHILD_LIST, query, settings.requestTimeoutMs())
        .onSuccess(reply -> {
          JsonArray children = reply.getJsonArray("children", new JsonArray());
          Responses.ok(ctx, reply.copy().put("children", children).put("count", children.size()));
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET /api/v1/children/{id}}: 200 record. */
  void get(RoutingContext ctx) {
    forward(ctx, Addresses.CHILD_GET, settings.requestTimeoutMs());
  }

  /** {@code DELETE /api/v1/children/{id}}: waits for the child's graceful stop; 200 with the final record. */
  void stop(RoutingContext ctx) {
    forward(ctx, Addresses.CHILD_STOP, settings.shutdownRequestTimeoutMs());
  }

  /** {@code POST /api/v1/children/{id}/restart}: 200 record. */
  void restart(RoutingContext ctx) {
    forward(ctx, Addresses.CHILD_RESTART, settings.shutdownRequestTimeoutMs());
  }

  /** {@code GET /api/v1/children/{id}/logs?tail&format&replica}: the reply as JSON, or as text lines. */
  void logs(RoutingContext ctx) {
    String id = childId(ctx);
    LogParams params = LogParams.parse(ctx.queryParams());
    boolean text = params.text() != null ? params.text() : prefersText(ctx.parsedHeaders().accept());
    JsonObject request = new JsonObject().put("id", id).put("tail", params.tail());
    if (params.replica() != null) {
      request.put("replica", params.replica());
    }
    bus.request(Addresses.CHILD_LOGS, request, settings.requestTimeoutMs())
        .onSuccess(reply -> {
          if (text) {
            Responses.text(ctx, LogText.render(reply));
          } else {
            Responses.ok(ctx, reply);
          }
        })
        .onFailure(ctx::fail);
  }

  private void forward(RoutingContext ctx, String address, long timeoutMs) {
    bus.request(address, new JsonObject().put("id", childId(ctx)), timeoutMs)
        .onSuccess(record -> Responses.ok(ctx, record))
        .onFailure(ctx::fail);
  }

  /** The path id, checked against the id rule so a typo gets a 400 naming {@code id} rather than a lookup. */
  static String childId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !ID.matcher(id).matches()) {
      throw PogoException.validation("id", "\"" + id + "\" is not a child id: " + ChildSpec.ID_RULE);
    }
    return id;
  }

  /** True when the client's most preferred media type is {@code text/plain}; JSON otherwise. */
  static boolean prefersText(List<MIMEHeader> accept) {
    if (accept.isEmpty()) {
      return false;
    }
    MIMEHeader first = accept.get(0);
    return "text".equals(first.component()) && "plain".equals(first.subComponent());
  }
}
