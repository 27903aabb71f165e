package io.pogo.core.child;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * How a verticle child tells its supervisor that it is done. A verticle child:
 * <ul>
 *   <li><b>fails to start</b> when its {@code start} fails (an abnormal exit);</li>
 *   <li><b>exits normally</b> when it undeploys itself ({@code vertx.undeploy(context.deploymentID())}) or calls
 *       {@link #normal(Context)};</li>
 *   <li><b>crashes</b> when it calls {@link #crash(Context, String)}: it is undeployed and the exit is abnormal,
 *       so {@code permanent} and {@code transient} children are restarted.</li>
 * </ul>
 * An exception thrown by a handler is not a crash (Vert.x logs it and the verticle keeps running); call
 * {@code crash} where your verticle cannot go on.
 */
public final class ChildExit {
  /** Context key under which the exit is recorded before the undeploy. */
  public static final String CONTEXT_KEY = "pogo.child.exit";

  private ChildExit() {
  }

  /** Ends this verticle child normally. */
  public static Future<Void> normal(Context context) {
    return exit(context, ExitKind.NORMAL, "exited normally");
  }

  /** Ends this verticle child with a crash; the reason is kept as the child's {@code lastExit.message}. */
  public static Future<Void> crash(Context context, String reason) {
    return exit(context, ExitKind.ABNORMAL, "crashed: " + reason);
  }

  private static Future<Void> exit(Context context, ExitKind kind, String message) {
    String deploymentId = context.deploymentID();
    if (deploymentId == null) {
      return Future.failedFuture(new IllegalStateException("ChildExit must be called from a verticle's own context"));
    }
    context.put(CONTEXT_KEY, new JsonObject().put("kind", kind.wire()).put("message", message));
    return context.owner().undeploy(deploymentId);
  }
}
