package io.pogo.scheduler.engine;

/** Chooses the node a task runs on, given what the scheduler knows of the nodes and their free task places. */
public interface Placer {

  /** The outcome for one task. */
  sealed interface Placement permits Node, Busy, Impossible {
  }

  /** Run it there; the placer counts the place as taken. */
  record Node(String name) implements Placement {
  }

  /** Not now (every eligible node is full); the host keeps waiting with this reason. */
  record Busy(String reason) implements Placement {
  }

  /** Never (agent mode: no node has the host's name); the attempt fails with this reason. */
  record Impossible(String reason) implements Placement {
  }

  Placement place(JobRun job, HostRun host);
}
