package io.pogo.supervisor.runtime;

import io.pogo.core.child.ExitInfo;
import io.vertx.core.Future;

/**
 * One running instance of a child, whatever its kind. Futures complete on the context given to the runtime
 * that started the instance (the supervisor's), so the supervisor's state stays confined to its event loop.
 */
public interface ChildInstance {

  /** Process kind: the OS pid of the child command (not of its watchdog); null for verticles. */
  Long pid();

  /** Verticle kind: the Vert.x deployment id; null for processes. */
  String deploymentId();

  /** Epoch ms when the instance started. */
  long startedAt();

  /**
   * Completes once, when the instance has ended: by itself ({@code NORMAL}/{@code ABNORMAL}), or after
   * {@link #stop(long)} ({@code SHUTDOWN}). Never fails.
   */
  Future<ExitInfo> exit();

  /**
   * Stops the instance gracefully (SIGTERM to the whole process tree; a verticle's stop), then forcefully
   * after {@code timeoutMs} (SIGKILL to the tree; the undeploy is abandoned). Completes when the instance has
   * ended, i.e. when {@link #exit()} has completed. Idempotent.
   */
  Future<Void> stop(long timeoutMs);

  /**
   * The instance's state for a start-then-stop move (a verticle implementing {@link io.pogo.core.child.Handover});
   * null when it keeps none. The instance keeps running.
   */
  default Future<io.vertx.core.json.JsonObject> handOver() {
    return Future.succeededFuture(null);
  }
}
