package io.pogo.web;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Requests to the scheduler, shared by the job and namespace routes. The scheduler is a cluster singleton, so a
 * request goes to whichever node runs it, not to this node. While it moves to another node (failover) nobody serves
 * its addresses for a moment: that is answered with a message that says so, and every UNAVAILABLE from the scheduler
 * carries {@code Retry-After}, since retrying is the right thing to do.
 */
final class SchedulerCalls {
  static final String UNAVAILABLE_MESSAGE =
      "the scheduler is not running or is moving to another node; retry in a few seconds";
  /** About the time a singleton takes to restart on another node after a graceful leave. */
  static final int RETRY_AFTER_SECONDS = 2;

  private final EventBusGateway bus;
  private final WebSettings settings;

  SchedulerCalls(EventBusGateway bus, WebSettings settings) {
    this.bus = bus;
    this.settings = settings;
  }

  Future<JsonObject> request(String address, JsonObject body) {
    return bus.requestAnyNode(address, body, settings.requestTimeoutMs(), UNAVAILABLE_MESSAGE);
  }

  /** Fails the request with the scheduler's error, adding {@code Retry-After} to an UNAVAILABLE. */
  static void fail(RoutingContext ctx, Throwable failure) {
    PogoException pe = PogoException.from(failure);
    if (pe.code() == ErrorCode.UNAVAILABLE) {
      ctx.put(Problems.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
    ctx.fail(pe);
  }
}
