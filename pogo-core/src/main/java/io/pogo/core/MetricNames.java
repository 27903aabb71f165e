package io.pogo.core;

/**
 * Pogo's own metrics, as Micrometer names (Prometheus shows {@code pogo.child.transitions} as
 * {@code pogo_child_transitions_total}). Served by each node at {@code GET /metrics} with Vert.x's and the JVM's.
 */
public final class MetricNames {
  private MetricNames() {
  }

  /** Gauge, tag {@code state}: children of this node in each state. */
  public static final String CHILDREN = "pogo.children";
  /** Counter, tags {@code state} (the new state) and {@code kind}: child transitions on this node. */
  public static final String CHILD_TRANSITIONS = "pogo.child.transitions";
  /** Counter, tag {@code kind}: restarts by policy (after an exit) on this node. */
  public static final String CHILD_RESTARTS = "pogo.child.restarts";
  /** Timer, tag {@code kind}: from {@code starting} to {@code running}. */
  public static final String CHILD_START = "pogo.child.start";
  /** Counter, tag {@code state}: job transitions, counted by the node that runs the scheduler. */
  public static final String JOB_TRANSITIONS = "pogo.job.transitions";
  /** Counter, tag {@code state}: job host transitions, counted by the node that runs the scheduler. */
  public static final String HOST_TRANSITIONS = "pogo.job.host.transitions";
  /** Gauge: job tasks this node runs as a worker. */
  public static final String TASKS_RUNNING = "pogo.tasks.running";
  /** Counter, tag {@code outcome} (succeeded, failed, timed_out, killed, not_started, lost): tasks this node ran. */
  public static final String TASKS_ENDED = "pogo.tasks.ended";
}
