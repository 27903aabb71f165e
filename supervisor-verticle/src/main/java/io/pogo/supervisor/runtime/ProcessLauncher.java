package io.pogo.supervisor.runtime;

import io.pogo.core.child.ChildSpec;
import io.vertx.core.Context;

import java.io.IOException;

/**
 * Starts process children under a watchdog, so that no process of a child's tree outlives its node (even a
 * {@code kill -9} of the node's JVM) and a child stops by itself when its node stops renewing its lease.
 * Both methods block (file system, fork): call them from a worker thread.
 */
public interface ProcessLauncher {

  /**
   * Node-local checks before anything starts: argv[0] resolves to an executable file (on PATH if it has no
   * slash), cwd exists and is a directory.
   *
   * @throws io.pogo.core.error.PogoException VALIDATION_FAILED naming {@code argv[0]} or {@code cwd}
   */
  void check(ChildSpec spec);

  /**
   * Starts one instance. Its stdout and stderr lines go to {@code log}; {@link ChildInstance#exit()} and
   * {@link ChildInstance#stop(long)} complete on {@code context}.
   */
  ChildInstance start(ChildSpec spec, ChildLog log, Context context) throws IOException;

  /** Stops every live instance (node shutdown): SIGTERM, then SIGKILL after each child's shutdown timeout. Blocks. */
  void shutdownAll();
}
