package io.pogo.scheduler;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deployed on every node with the {@code scheduler} role: makes sure the cluster runs the scheduler singleton, a
 * child like any other ({@value #CHILD_ID}, a permanent verticle child), so Pogo's own supervision and placement
 * keep exactly one running and move it when its node leaves. Every node asks; the first start wins and the others
 * get {@code ALREADY_STARTED}. It checks again every {@value #CHECK_MS} ms and revives the child if it has failed.
 */
public final class SchedulerBootstrap extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SchedulerBootstrap.class);
  public static final String CHILD_ID = "pogo-scheduler";
  static final long CHECK_MS = 10_000;
  static final long RETRY_MIN_MS = 500;

  private NodeOptions options;
  private long timer = -1;
  private boolean stopped;

  /** The scheduler's child spec. */
  public static JsonObject spec(long requestTimeoutMs) {
    return new JsonObject().put("id", CHILD_ID).put("kind", "verticle")
        .put("verticle", SchedulerVerticle.class.getName())
        .put("config", new JsonObject().put("requestTimeout", Durations.format(requestTimeoutMs)))
        .put("restart", "permanent").put("maxRestarts", 10).put("restartWindow", "1m")
        .put("metadata", new JsonObject().put("pogo", "scheduler"));
  }

  @Override
  public Future<?> start() {
    options = NodeOptionsValidator.parse(config(), "node");
    schedule(RETRY_MIN_MS);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.succeededFuture();
  }

  private void schedule(long delay) {
    if (!stopped) {
      timer = vertx.setTimer(delay, id -> ensure(delay));
    }
  }

  private void ensure(long lastDelay) {
    var bus = vertx.eventBus();
    bus.<JsonObject>request(Addresses.CHILD_GET, new JsonObject().put("id", CHILD_ID), Requests.options(options.requestTimeoutMs()))
        .compose(found -> {
          String state = found.body().getString("state");
          if ("failed".equals(state) || "exited".equals(state)) {
            log.warn("the scheduler child is {}; restarting it", state);
            return bus.<JsonObject>request(Addresses.CHILD_RESTART, new JsonObject().put("id", CHILD_ID),
                Requests.options(options.requestTimeoutMs())).mapEmpty();
          }
          return Future.<Void>succeededFuture();
        }, missing -> {
          if (PogoException.from(missing).code() != ErrorCode.CHILD_NOT_FOUND) {
            return Future.failedFuture(missing);
          }
          return bus.<JsonObject>request(Addresses.CHILD_START, spec(options.requestTimeoutMs()),
                  Requests.options(options.requestTimeoutMs() * 3))
              .<Void>mapEmpty()
              .recover(t -> PogoException.from(t).code() == ErrorCode.ALREADY_STARTED ? Future.succeededFuture() : Future.failedFuture(t));
        })
        .onComplete(ar -> {
          if (ar.succeeded()) {
            schedule(CHECK_MS);
          } else {
            long next = Math.min(CHECK_MS, lastDelay * 2);
            log.debug("cannot ensure the scheduler child yet ({}); again in {} ms", PogoException.from(ar.cause()).getMessage(), next);
            schedule(next);
          }
        });
  }
}
