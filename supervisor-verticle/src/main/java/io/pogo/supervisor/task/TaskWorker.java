package io.pogo.supervisor.task;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.child.ChildKind;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ExitInfo;
import io.pogo.core.child.ExitKind;
import io.pogo.core.child.LogLine;
import io.pogo.core.child.MigrationMode;
import io.pogo.core.child.RestartType;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.supervisor.runtime.ChildInstance;
import io.pogo.supervisor.runtime.ChildLog;
import io.pogo.supervisor.runtime.ProcessLauncher;
import io.pogo.supervisor.runtime.WatchdogProcessLauncher;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker half of jobs on one node: runs the tasks the scheduler dispatches, as process children under the same
 * watchdog as supervised processes (so none outlives its node), kills them at their timeout, keeps their output
 * (the first {@code outputLimit} characters) and reports each end to the scheduler until the scheduler confirms it
 * has stored it, so a scheduler failover loses no result.
 *
 * <p>Dispatch is idempotent by task id: a repeated {@code task.run} answers the task's state instead of starting it
 * again. Every request carries the scheduler's epoch; once a newer scheduler has spoken, an older one's dispatches
 * are refused ({@code FENCED}), so a scheduler that was frozen and came back cannot start a host twice.
 * Confined to the supervisor's event loop.
 */
public final class TaskWorker {
  private static final Logger log = LoggerFactory.getLogger(TaskWorker.class);
  /** SIGTERM, then SIGKILL after this long, for a timeout or a kill. */
  static final long KILL_GRACE_MS = 5_000;
  /** At most this many task starts in flight per node. */
  static final int STARTER_THREADS = 64;
  static final long REPORT_RETRY_MIN_MS = 250;
  static final long REPORT_RETRY_MAX_MS = 5_000;
  /** Ended and reported tasks are remembered this long (status queries after a scheduler failover)... */
  static final long KEEP_ENDED_MS = 15 * 60_000;
  /** ... and at most this many. Unreported ones are always kept: at most {@code maxTasks} can be pending. */
  static final int KEEP_ENDED_MAX = 20_000;

  private final Vertx vertx;
  private final Context context;
  private final String node;
  private final int capacity;
  private final ProcessLauncher launcher;
  private final long requestTimeoutMs;
  private final Map<String, Task> tasks = new LinkedHashMap<>();
  private volatile int running;
  private long highestEpoch;
  private boolean stopping;
  private long started;
  private long failedToStart;

  private final io.micrometer.core.instrument.MeterRegistry metrics;
  /**
   * Starting a task blocks a thread until its watchdog reports the pid; Vert.x's shared pool of 20 threads capped the
   * starts in flight at 20 whatever maxTasks said, so tasks start on a pool of their own.
   */
  private final io.vertx.core.WorkerExecutor starter;

  public TaskWorker(Vertx vertx, Context context, String node, int capacity, ProcessLauncher launcher, long requestTimeoutMs,
                    io.micrometer.core.instrument.MeterRegistry metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.starter = vertx.createSharedWorkerExecutor("pogo-task-starter-" + node, Math.max(1, Math.min(capacity, STARTER_THREADS)));
    io.micrometer.core.instrument.Gauge.builder(io.pogo.core.MetricNames.TASKS_RUNNING, this, TaskWorker::running)
        .description("job tasks this node runs").register(metrics);
    this.context = context;
    this.node = node;
    this.capacity = capacity;
    this.launcher = launcher;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  private final class Task {
    final String id;
    final String job;
    final String host;
    final int attempt;
    final List<String> argv;
    final long timeoutMs;
    final ChildLog output;
    final Promise<JsonObject> startReply = Promise.promise();
    String state = "starting";
    ChildInstance instance;
    Long pid;
    Long startedAt;
    Long endedAt;
    Integer exitCode;
    String reason;
    boolean timedOut;
    boolean killed;
    boolean lost;
    boolean reported;
    long timer = -1;
    long reportDelay = REPORT_RETRY_MIN_MS;

    Task(String id, String job, String host, int attempt, List<String> argv, long timeoutMs, int outputLimit) {
      this.id = id;
      this.job = job;
      this.host = host;
      this.attempt = attempt;
      this.argv = argv;
      this.timeoutMs = timeoutMs;
      this.output = ChildLog.head(outputLimit, System::currentTimeMillis);
    }

    JsonObject status() {
      JsonObject json = new JsonObject().put("taskId", id).put("job", job).put("host", host).put("attempt", attempt)
          .put("node", node).put("state", state).put("startedAt", startedAt);
      if (pid != null) {
        json.put("pid", pid);
      }
      if ("finished".equals(state)) {
        json.put("endedAt", endedAt).put("exitCode", exitCode).put("reason", reason).put("timedOut", timedOut)
            .put("killed", killed).put("lost", lost).put("reported", reported);
      }
      return json;
    }
  }

  // ---- requests ------------------------------------------------------------------------------------------------

  /** {@code task.run}: start a task, or answer the state of one already known. */
  public Future<JsonObject> run(JsonObject body) {
    String id = body.getString("taskId");
    fence(body);
    Task known = tasks.get(id);
    if (known != null) {
      return "starting".equals(known.state) ? known.startReply.future() : Future.succeededFuture(known.status());
    }
    List<FieldError> errors = new ArrayList<>();
    if (id == null || id.isBlank()) {
      errors.add(new FieldError("taskId", "required"));
    }
    JsonArray argvJson = body.getJsonArray("argv");
    List<String> argv = new ArrayList<>();
    if (argvJson == null || argvJson.isEmpty()) {
      errors.add(new FieldError("argv", "must be a non-empty list of strings"));
    } else {
      for (int i = 0; i < argvJson.size(); i++) {
        if (!(argvJson.getValue(i) instanceof String s) || (i == 0 && s.isEmpty())) {
          errors.add(new FieldError("argv[" + i + "]", "must be a string" + (i == 0 ? " naming a program" : "")));
        } else {
          argv.add(s);
        }
      }
    }
    long timeoutMs = body.getLong("timeoutMs", 0L);
    if (timeoutMs <= 0) {
      errors.add(new FieldError("timeoutMs", "must be a positive number of milliseconds"));
    }
    int outputLimit = body.getInteger("outputLimit", 64 << 10);
    if (outputLimit < 1) {
      errors.add(new FieldError("outputLimit", "must be positive"));
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(PogoException.validation(errors));
    }
    if (stopping) {
      return Future.failedFuture(new PogoException(ErrorCode.BUSY, "node " + node + " is stopping; it takes no new tasks"));
    }
    if (running >= capacity) {
      return Future.failedFuture(new PogoException(ErrorCode.BUSY, "node " + node + " runs " + running
          + " tasks, its maximum (maxTasks " + capacity + ")"));
    }
    Task t = new Task(id, body.getString("job"), body.getString("host"), body.getInteger("attempt", 0), argv, timeoutMs,
        outputLimit);
    tasks.put(id, t);
    running++;
    ChildSpec spec = spec(t);
    starter.executeBlocking(() -> {
      launcher.check(spec);
      return launcher.start(spec, t.output, context);
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        failedToStart++;
        String why = ar.cause() instanceof PogoException pe ? pe.getMessage() : String.valueOf(ar.cause().getMessage());
        t.output.append(ChildLog.STREAM_POGO, "could not start: " + why);
        end(t, null, "could not start: " + why);
        t.startReply.complete(t.status());
        return;
      }
      started++;
      t.instance = ar.result();
      t.pid = t.instance.pid();
      t.startedAt = t.instance.startedAt();
      t.state = "running";
      t.timer = vertx.setTimer(t.timeoutMs, x -> {
        t.timer = -1;
        if ("running".equals(t.state) && !t.killed) {
          t.timedOut = true;
          t.output.append(ChildLog.STREAM_POGO, "timed out after " + t.timeoutMs + " ms: killing it");
          t.instance.stop(KILL_GRACE_MS);
        }
      });
      t.instance.exit().onComplete(exit -> ended(t, exit.result()));
      if (t.killed) {
        t.instance.stop(KILL_GRACE_MS);
      }
      t.startReply.complete(t.status());
    });
    return t.startReply.future();
  }

  /** {@code task.kill}. */
  public Future<JsonObject> kill(JsonObject body) {
    fence(body);
    String id = body.getString("taskId");
    Task t = id == null ? null : tasks.get(id);
    if (t == null) {
      return Future.succeededFuture(new JsonObject().put("taskId", id).put("node", node).put("state", "unknown"));
    }
    if (!"finished".equals(t.state) && !t.killed) {
      t.killed = true;
      t.output.append(ChildLog.STREAM_POGO, "killed: " + body.getString("reason", "by the scheduler"));
      if (t.instance != null) {
        t.instance.stop(KILL_GRACE_MS);
      }
    }
    return Future.succeededFuture(t.status());
  }

  /** {@code task.status}: what this worker runs or ran; also how the scheduler's epoch reaches the worker. */
  public Future<JsonObject> status(JsonObject body) {
    fence(body);
    JsonArray ids = body.getJsonArray("taskIds");
    JsonArray out = new JsonArray();
    if (ids == null) {
      tasks.values().forEach(t -> out.add(t.status()));
    } else {
      for (Object o : ids) {
        Task t = o instanceof String s ? tasks.get(s) : null;
        out.add(t != null ? t.status() : new JsonObject().put("taskId", o).put("node", node).put("state", "unknown"));
      }
    }
    return Future.succeededFuture(new JsonObject().put("node", node).put("capacity", capacity).put("running", running)
        .put("started", started).put("failedToStart", failedToStart).put("tasks", out));
  }

  /** {@code task.output}: lines after a sequence number, to follow a running task. */
  public Future<JsonObject> output(JsonObject body) {
    String id = body.getString("taskId");
    Task t = id == null ? null : tasks.get(id);
    if (t == null) {
      return Future.failedFuture(new PogoException(ErrorCode.NOT_FOUND, "node " + node + " knows no task " + id));
    }
    long after = body.getLong("after", -1L);
    return Future.succeededFuture(new JsonObject().put("taskId", id).put("running", !"finished".equals(t.state))
        .put("truncated", t.output.cut()).put("lines", lines(t.output.after(after))));
  }

  /** The node is stopping: no new tasks; the launcher's shutdown kills running ones, and they are reported lost. */
  public void stopping() {
    stopping = true;
    starter.close();
  }

  public int running() {
    return running;
  }

  // ---- ends and reports ------------------------------------------------------------------------------------------

  private void fence(JsonObject body) {
    long epoch = body.getLong("schedulerEpoch", 0L);
    if (epoch < highestEpoch) {
      throw new PogoException(ErrorCode.FENCED, "scheduler epoch " + epoch + " is stale: node " + node
          + " already follows epoch " + highestEpoch);
    }
    highestEpoch = epoch;
  }

  private void ended(Task t, ExitInfo info) {
    String reason;
    Integer code = info.code();
    if (info.kind() == ExitKind.SHUTDOWN && !t.killed && !t.timedOut) {
      t.lost = true;
      reason = "node " + node + " stopped while the task ran";
    } else {
      reason = info.message();
    }
    end(t, code, reason);
  }

  private void end(Task t, Integer exitCode, String reason) {
    if (t.timer >= 0) {
      vertx.cancelTimer(t.timer);
      t.timer = -1;
    }
    running--;
    t.state = "finished";
    t.exitCode = exitCode;
    t.reason = reason;
    t.endedAt = System.currentTimeMillis();
    t.instance = null;
    String outcome = t.lost ? "lost" : t.timedOut ? "timed_out" : t.killed ? "killed" : t.startedAt == null ? "not_started"
        : Integer.valueOf(0).equals(exitCode) ? "succeeded" : "failed";
    io.micrometer.core.instrument.Counter.builder(io.pogo.core.MetricNames.TASKS_ENDED).tag("outcome", outcome)
        .description("job tasks this node ran").register(metrics).increment();
    report(t);
    evict();
  }

  private void report(Task t) {
    JsonObject body = t.status().put("output", new JsonObject().put("lines", lines(t.output.after(-1)))
        .put("truncated", t.output.cut()).put("cutChars", t.output.cutChars()));
    vertx.eventBus().<JsonObject>request(Addresses.SCHEDULER_TASK_REPORT, body, Requests.options(requestTimeoutMs))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            t.reported = true;
            return;
          }
          // No scheduler right now (it is moving) or it did not store the result: keep trying, it must not be lost.
          log.debug("report of task {} not stored yet ({}); again in {} ms", t.id, ar.cause().getMessage(), t.reportDelay);
          long delay = t.reportDelay;
          t.reportDelay = Math.min(REPORT_RETRY_MAX_MS, t.reportDelay * 2);
          vertx.setTimer(delay, x -> report(t));
        });
  }

  private void evict() {
    long cutoff = System.currentTimeMillis() - KEEP_ENDED_MS;
    int ended = tasks.size() - running;
    Iterator<Task> it = tasks.values().iterator();
    while (it.hasNext() && ended > 0) {
      Task t = it.next();
      if (!"finished".equals(t.state) || !t.reported) {
        continue;
      }
      if (ended > KEEP_ENDED_MAX || t.endedAt < cutoff) {
        it.remove();
        ended--;
      } else {
        break;
      }
    }
  }

  private static JsonArray lines(List<LogLine> lines) {
    JsonArray out = new JsonArray();
    for (LogLine l : lines) {
      out.add(new JsonObject().put("seq", l.seq()).put("ts", l.at()).put("stream", stream(l.stream())).put("text", l.text()));
    }
    return out;
  }

  private static String stream(String s) {
    return switch (s) {
      case ChildLog.STREAM_OUT -> "stdout";
      case ChildLog.STREAM_ERR -> "stderr";
      default -> s;
    };
  }

  private ChildSpec spec(Task t) {
    String id = ("task-" + t.id).replaceAll("[^A-Za-z0-9._-]", "_");
    if (id.length() > 128) {
      id = id.substring(0, 128);
    }
    Map<String, String> env = Map.of("POGO_JOB", String.valueOf(t.job), "POGO_HOST", String.valueOf(t.host),
        "POGO_TASK_ID", t.id, "POGO_ATTEMPT", Integer.toString(t.attempt), "POGO_NODE", node);
    return new ChildSpec(id, ChildKind.PROCESS, RestartType.TEMPORARY, 0, ChildSpec.DEFAULT_RESTART_WINDOW_MS,
        ChildSpec.DEFAULT_BACKOFF_INITIAL_MS, ChildSpec.DEFAULT_BACKOFF_MAX_MS, KILL_GRACE_MS,
        Map.of(WatchdogProcessLauncher.TASK_METADATA, t.id), null, Map.of(), 1, MigrationMode.STOP_THEN_START,
        null, null, 1, t.argv, env, null, Integer.MAX_VALUE, Integer.MAX_VALUE);
  }
}
