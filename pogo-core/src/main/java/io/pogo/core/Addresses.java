package io.pogo.core;

/**
 * Every event-bus address Pogo uses, in one place. Requests are imperative ({@code pogo.child.start}),
 * events are published under {@code pogo.events.*}. The message shapes are documented in
 * {@code docs/event-bus.md}; bodies are JSON objects, failures are {@link io.pogo.core.error.PogoException}s
 * carried as {@code Message.fail(code, json)}.
 */
public final class Addresses {
  private Addresses() {
  }

  /** Start a child from a spec. Body: the spec. Reply: the child record. Served by every registry verticle. */
  public static final String CHILD_START = "pogo.child.start";
  /**
   * Start a child without waiting for it to run. Body: the spec. Reply: the record as claimed (state {@code starting})
   * once it is in the table; then {@link #CHILD_AWAIT} waits for the state wanted.
   */
  public static final String CHILD_START_ASYNC = "pogo.child.start.async";
  /**
   * Start several children. Body: {@code {"children":[spec...],"onError":"rollback|continue"}}. With {@code rollback}
   * (the default) all start or none stays; with {@code continue} each stands alone. Reply:
   * {@code {"results":[{"id","ok","record"|"error"}],"started","failed"}}.
   */
  public static final String CHILD_START_BATCH = "pogo.child.start.batch";
  /**
   * Wait until a child is in one of some states. Body: {@code {"id","states":["running"],"timeout":"30s"}}. Reply: the
   * record; fails with TIMEOUT, CHILD_NOT_FOUND (gone, or its start was refused) or INVALID_STATE (it ended in a
   * state not waited for).
   */
  public static final String CHILD_AWAIT = "pogo.child.await";
  /** Stop a child and remove it from the table. Body: {@code {"id"}}. Reply: the final record (state {@code stopped}). */
  public static final String CHILD_STOP = "pogo.child.stop";
  /** Restart a child by hand (also revives {@code failed} and {@code exited} children). Body: {@code {"id"}}. Reply: the record. */
  public static final String CHILD_RESTART = "pogo.child.restart";
  /** Look up one child. Body: {@code {"id"}}. Reply: the record. */
  public static final String CHILD_GET = "pogo.child.get";
  /** List children. Body: {@code {"scope":"local|global","node","tags":{k:v},"state"}}. Reply: {@code {"children":[...]}}. */
  public static final String CHILD_LIST = "pogo.child.list";
  /** Recent output of a process child. Body: {@code {"id","tail"}}. Reply: {@code {"id","lines":[...],"dropped"}}. */
  public static final String CHILD_LOGS = "pogo.child.logs";
  /** The node that serves the request describes itself. Reply: node info. */
  public static final String NODE_INFO = "pogo.node.info";

  /** The cluster's nodes. Body: {@code {}}. Reply: {@code {"nodes":[{"name","tags","state","children","weight","roles"}]}}. */
  public static final String NODES_LIST = "pogo.nodes.list";
  /** The cluster as the serving node sees it. Reply: {@code {"members","quorum","partitioned",...}}. */
  public static final String CLUSTER_INFO = "pogo.cluster.info";
  /** Ask every node to move its children to their placement owners now. Published; body {@code {}}. */
  public static final String CLUSTER_REBALANCE = "pogo.cluster.rebalance";
  /** Look up a child's assignment (node, epoch) for a supervisor about to start it. Body: {@code {"id"}}. */
  public static final String REGISTRY_ASSIGNMENT = "pogo.registry.assignment";

  /**
   * This node's registry drains the node (local delivery only). Body: {@code {"timeoutMs"}}. Reply, once nothing
   * movable is left: {@code {"node","remaining"}}; fails with TIMEOUT.
   */
  public static final String REGISTRY_DRAIN = "pogo.registry.drain";

  /**
   * The node's verticles are all deployed (local delivery only): its registry publishes it as {@code up}, a placement
   * candidate. Until then it is {@code joining}, so no child is moved to a supervisor that does not answer yet.
   */
  public static final String REGISTRY_READY = "pogo.registry.ready";

  /** Supervisor-state reports into the registry. Body: {@code {"record","remove"}}; fails with FENCED for a stale owner. */
  public static final String REGISTRY_REPORT = "pogo.registry.report";

  /** Published for every child transition. Body: a {@link io.pogo.core.event.ChildEvent}. */
  public static final String EVENTS_CHILD = "pogo.events.child";
  /** Published for node lifecycle: node.started, node.stopping, node.joined, node.left. Body: {@code {"type","node","at"}}. */
  public static final String EVENTS_NODE = "pogo.events.node";

  /** Published when this side of the cluster loses or regains its quorum. Body: {@code {"type","node","members","quorum","at"}}. */
  public static final String EVENTS_CLUSTER = "pogo.events.cluster";

  // ---- Jobs (served by the scheduler, a cluster singleton; see docs/jobs.md for every field) ----

  /**
   * Create or replace a namespace config. Body: {@code {"name","config": "<YAML or JSON text>"}} or
   * {@code {"name","config": {...}}}. Reply: the namespace ({@code {"name","config":{...},"version","updatedAt",
   * "hosts","tags","sequences","constraints"}}). Fails with VALIDATION_FAILED listing every error with its path.
   */
  public static final String NAMESPACE_PUT = "pogo.namespace.put";
  /** One namespace. Body: {@code {"name"}}. Reply: as {@link #NAMESPACE_PUT}. NOT_FOUND if there is none. */
  public static final String NAMESPACE_GET = "pogo.namespace.get";
  /** Every namespace. Body: {@code {}}. Reply: {@code {"namespaces":[{"name","version","updatedAt","hosts",...}]}}. */
  public static final String NAMESPACE_LIST = "pogo.namespace.list";
  /** Delete a namespace. Body: {@code {"name"}}. Reply: {@code {"name"}}. INVALID_STATE while an active job uses it. */
  public static final String NAMESPACE_DELETE = "pogo.namespace.delete";
  /**
   * A namespace's shared limits and their use across jobs. Body: {@code {"name"}}. Reply:
   * {@code {"namespace","slots":[{"slot","limit","rule","population","used","holders":[{"job","host","state"}]}]}}.
   */
  public static final String NAMESPACE_BUDGET = "pogo.namespace.budget";
  /**
   * Dry run: the schedule a job would get, without running anything. Body: a job request (as {@link #JOB_RUN}).
   * Reply: {@code {"namespace","hosts","sequences":[{"name","steps":[{"ref","hosts"}]}],"unsequenced",
   * "constraints":{host:[slot...]},"slots":[...],"firstWave":[host...],"waiting":[{"host","reason"}]}}.
   */
  public static final String PLAN = "pogo.plan";
  /**
   * Run a job. Body: {@code {"namespace","targets":[...],"command":[...],"mode","concurrency","hostTimeout",
   * "jobTimeout","maxFailures","retries","user","outputLimit"}} (all but targets and command optional). Reply: the
   * job (as {@link #JOB_GET}), carrying {@code id}.
   */
  public static final String JOB_RUN = "pogo.job.run";
  /**
   * One job. Body: {@code {"id"}}. Reply: {@code {"id","state","reason","namespace","user","command","mode",...,
   * "createdAt","endedAt","counts":{state:n},"total","summary"}}. JOB_NOT_FOUND if unknown.
   */
  public static final String JOB_GET = "pogo.job.get";
  /** Jobs, newest first. Body: {@code {"state","user","namespace","limit","offset"}}. Reply: {@code {"jobs":[...],"total"}}. */
  public static final String JOB_LIST = "pogo.job.list";
  /**
   * A job's hosts. Body: {@code {"id","state","limit","offset"}}. Reply: {@code {"id","hosts":[{"host","state",
   * "reason","attempts","exitCode","startedAt","endedAt","node","taskId"}],"total"}}.
   */
  public static final String JOB_HOSTS = "pogo.job.hosts";
  /**
   * One host's output. Body: {@code {"id","host","attempt","after"}} (attempt: default all; after: a line
   * sequence number, to follow). Reply: {@code {"id","host","attempts":[{"attempt","state","lines":[{"seq","ts",
   * "stream","text"}],"truncated","running"}]}}.
   */
  public static final String JOB_OUTPUT = "pogo.job.output";
  /** Stop dispatching. Body: {@code {"id","kill":false,"reason"}}. Reply: the job. INVALID_STATE if it has ended. */
  public static final String JOB_HALT = "pogo.job.halt";
  /** Resume a halted job. Body: {@code {"id"}}. Reply: the job. */
  public static final String JOB_RESUME = "pogo.job.resume";
  /** Run hosts again. Body: {@code {"id","hosts":[...]}}. Reply: the job. VALIDATION_FAILED naming a host not in the job. */
  public static final String JOB_RETRY = "pogo.job.retry";
  /** Give hosts up. Body: {@code {"id","hosts":[...]}}. Reply: the job. */
  public static final String JOB_SKIP = "pogo.job.skip";
  /** Change a job's settings. Body: {@code {"id","hostTimeout","jobTimeout","maxFailures","retries","concurrency"}}. */
  public static final String JOB_ALTER = "pogo.job.alter";

  /** Workers report task starts and ends to the scheduler. Body: a task report; reply {@code {}} once it is stored. */
  public static final String SCHEDULER_TASK_REPORT = "pogo.scheduler.task.report";

  /** Published for every job and host transition. Body: {@code {"type":"job.state|host.state","job","host","state","reason","at"}}. */
  public static final String EVENTS_JOB = "pogo.events.job";

  /** The address prefix of one node's supervisor: {@code pogo.supervisor.<node>.<op>}. */
  public static String supervisor(String node, String op) {
    return "pogo.supervisor." + node + "." + op;
  }

  /** The address where one node describes itself. */
  public static String nodeInfo(String node) {
    return "pogo.node." + node + ".info";
  }

  /**
   * Drain one node: its children move to other nodes (break-before-make, or start-then-stop for children that ask for
   * it), then, unless {@code exit} is false, the node leaves the cluster and its process exits. A drained node that
   * stays up hosts nothing new until it restarts. Body: {@code {"exit":true,"timeout":"5m"}}. Reply at once:
   * {@code {"node","state":"draining","children"}}; progress shows in {@code pogo.nodes.list} and in events.
   */
  public static String nodeDrain(String node) {
    return "pogo.node." + node + ".drain";
  }

  /** Operations of a node's supervisor (the second half of {@link #supervisor(String, String)}). */
  public static final class SupervisorOps {
    private SupervisorOps() {
    }

    public static final String START = "start";
    public static final String STOP = "stop";
    public static final String RESTART = "restart";
    public static final String LOGS = "logs";
    /**
     * Stop the local instance of a child that is about to move, without writing to the registry (the mover
     * reassigns it next). Body: {@code {"id","epoch"}}. Reply: {@code {}} once the instance is gone.
     */
    public static final String RELEASE = "release";
    /**
     * Ask the local instance of a child that moves start-then-stop for its state (see {@code Handover}); it keeps
     * running until released. Body: {@code {"id","replica","epoch"}}. Reply: {@code {"state": {...}|null}}.
     */
    public static final String HANDOVER = "handover";
    /** The children this supervisor runs: {@code {"children":[{"id","replica","epoch","state"}]}}. */
    public static final String RUNNING = "running";
    /**
     * Run a job task (worker side). Body: {@code {"taskId","job","host","attempt","argv","timeoutMs",
     * "outputLimit","schedulerEpoch"}}. Idempotent by taskId: a repeat answers the task's current state. Reply:
     * {@code {"taskId","state":"running|finished","startedAt",...}}. Fails BUSY when the node runs its maximum of
     * tasks, FENCED when a newer scheduler has spoken to this worker.
     */
    public static final String TASK_RUN = "task.run";
    /** Kill a running task. Body: {@code {"taskId","reason"}}. Reply: {@code {"taskId","state"}}. */
    public static final String TASK_KILL = "task.kill";
    /**
     * Tasks this worker knows. Body: {@code {"schedulerEpoch","taskIds":[...]}} (no ids: all). Reply:
     * {@code {"node","capacity","running","tasks":[{"taskId","state",...}]}}. A newer epoch fences older schedulers.
     */
    public static final String TASK_STATUS = "task.status";
    /** Output of a task this worker runs or ran. Body: {@code {"taskId","after"}}. Reply: {@code {"lines":[...],"truncated","running"}}. */
    public static final String TASK_OUTPUT = "task.output";
  }
}
