package io.pogo.supervisor.examples;

import io.pogo.core.child.ChildExit;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * An example verticle child that shows each way a verticle child can end. Config:
 * {@code failStart} (true: its start fails), {@code crashAfter} (ms: then {@link ChildExit#crash}),
 * {@code exitAfter} (ms: then {@link ChildExit#normal}), {@code undeployAfter} (ms: then it undeploys itself).
 */
public class FlakyVerticle extends VerticleBase {
  @Override
  public Future<?> start() {
    if (config().getBoolean("failStart", false)) {
      return Future.failedFuture(new IllegalStateException("configured to fail its start"));
    }
    Long crashAfter = config().getLong("crashAfter");
    if (crashAfter != null) {
      vertx.setTimer(Math.max(1, crashAfter), t -> ChildExit.crash(context, "configured to crash after " + crashAfter + " ms"));
    }
    Long exitAfter = config().getLong("exitAfter");
    if (exitAfter != null) {
      vertx.setTimer(Math.max(1, exitAfter), t -> ChildExit.normal(context));
    }
    Long undeployAfter = config().getLong("undeployAfter");
    if (undeployAfter != null) {
      vertx.setTimer(Math.max(1, undeployAfter), t -> vertx.undeploy(deploymentID()));
    }
    return Future.succeededFuture();
  }
}
