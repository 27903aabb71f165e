package io.pogo.web;

import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * The HTTP face's only way into the node: event-bus requests with local delivery (the node that serves the
 * HTTP call answers it) and an explicit timeout. Every failure comes out as a {@link PogoException}, so the
 * problem renderer sees one vocabulary ({@code NO_HANDLERS} is {@code UNAVAILABLE}, a timeout is {@code TIMEOUT}).
 */
final class EventBusGateway {
  private final Vertx vertx;

  EventBusGateway(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Sends {@code body} to {@code address} on this node and expects a JSON object back. */
  /** Publishes to every node (fire and forget). */
  void publish(String address, JsonObject body) {
    vertx.eventBus().publish(address, body);
  }

  Future<JsonObject> request(String address, JsonObject body, long timeoutMs) {
    return vertx.eventBus().<Object>request(address, body, Requests.local(timeoutMs))
        .transform(ar -> ar.succeeded()
            ? replyBody(address, ar.result())
            : Future.failedFuture(PogoException.from(ar.cause())));
  }

  private static Future<JsonObject> replyBody(String address, Message<Object> reply) {
    if (reply.body() instanceof JsonObject json) {
      return Future.succeededFuture(json);
    }
    String got = reply.body() == null ? "nothing" : reply.body().getClass().getSimpleName();
    return Future.failedFuture(new PogoException(ErrorCode.INTERNAL,
        address + " replied with " + got + " instead of a JSON object"));
  }
}
