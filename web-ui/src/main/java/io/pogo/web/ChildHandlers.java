package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.MIMEHeader;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code /api/v1/children} routes: each validates what HTTP adds (path id, query), forwards to the node's
 * registry over the event bus and maps the reply. The registry owns the real validation of specs and states;
 * its errors pass through unchanged. Failures go to {@code ctx.fail}, never to a status of their own.
 */
final class ChildHandlers {
  static final String BASE = "/api/v1/children";
  private static final Pattern ID = Pattern.compile(ChildSpec.ID_PATTERN);

  private final EventBusGateway bus;
  private final WebSettings settings;

  ChildHandlers(EventBusGateway bus, WebSettings settings) {
    this.bus = bus;
    this.settings = settings;
  }

  /** {@code POST /api/v1/children}: body = spec; 201 with the record and its Location. */
  void create(RoutingContext ctx) {
    JsonObject spec = RequestBodies.requireObject(ctx, "a child spec");
    bus.request(Addresses.CHILD_START, spec, settings.requestTimeoutMs())
        .onSuccess(record -> Responses.created(ctx, BASE + "/" + record.getString("id", spec.getString("id")), record))
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

  /** {@code GET /api/v1/children/{id}/logs?tail&format}: the reply as JSON, or as text lines. */
  void logs(RoutingContext ctx) {
    String id = childId(ctx);
    LogParams params = LogParams.parse(ctx.queryParams());
    boolean text = params.text() != null ? params.text() : prefersText(ctx.parsedHeaders().accept());
    bus.request(Addresses.CHILD_LOGS, new JsonObject().put("id", id).put("tail", params.tail()),
            settings.requestTimeoutMs())
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
