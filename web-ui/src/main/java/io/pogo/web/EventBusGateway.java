package io.pogo.web;

import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * The HTTP face's only way into the node: event-bus requests with an explicit timeout, delivered locally (the node
 * that serves the HTTP call answers it) or, for cluster singletons, to the one node that serves the address. Every
 * failure comes out as a {@link PogoException}, so the problem renderer sees one vocabulary ({@code NO_HANDLERS} is
 * {@code UNAVAILABLE}, a timeout is {@code TIMEOUT}).
 */
final class EventBusGateway {
  private final Vertx vertx;

  EventBusGateway(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Publishes to every node (fire and forget). */
  void publish(String address, JsonObject body) {
    vertx.eventBus().publish(address, body);
  }

  /** Sends {@code body} to {@code address} on this node and expects a JSON object back. */
  Future<JsonObject> request(String address, JsonObject body, long timeoutMs) {
    return send(address, body, Requests.local(timeoutMs));
  }

  /**
   * Sends {@code body} to whichever node serves {@code address}: for cluster singletons such as the scheduler, which
   * runs on one node of the cluster, not necessarily this one.
   *
   * @param whenNobodyServes the message of the UNAVAILABLE failure when no node serves the address
   */
  Future<JsonObject> requestAnyNode(String address, JsonObject body, long timeoutMs, String whenNobodyServes) {
    return vertx.eventBus().<Object>request(address, body, Requests.options(timeoutMs))
        .transform(ar -> ar.succeeded() ? replyBody(address, ar.result()) : Future.failedFuture(
            ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
                ? new PogoException(ErrorCode.UNAVAILABLE, whenNobodyServes)
                : PogoException.from(ar.cause())));
  }

  private Future<JsonObject> send(String address, JsonObject body, DeliveryOptions options) {
    return vertx.eventBus().<Object>request(address, body, options)
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
