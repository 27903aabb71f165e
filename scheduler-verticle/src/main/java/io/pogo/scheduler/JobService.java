package io.pogo.scheduler;

import io.pogo.core.Addresses;
import io.pogo.core.Addresses.SupervisorOps;
import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.scheduler.config.JobRequest;
import io.pogo.scheduler.config.JobRequestParser;
import io.pogo.scheduler.config.NamespaceConfig;
import io.pogo.scheduler.config.NamespaceConfigParser;
import io.pogo.scheduler.config.NamespaceNames;
import io.pogo.scheduler.config.Targets;
import io.pogo.scheduler.engine.HostRun;
import io.pogo.scheduler.engine.HostState;
import io.pogo.scheduler.engine.JobEngine;
import io.pogo.scheduler.engine.JobRun;
import io.pogo.scheduler.engine.JobState;
import io.pogo.scheduler.engine.TaskKill;
import io.pogo.scheduler.engine.TaskStart;
import io.pogo.scheduler.engine.Transition;
import io.pogo.scheduler.plan.Plan;
import io.pogo.scheduler.plan.Planner;
import io.pogo.scheduler.store.JobStore;
import io.pogo.scheduler.store.StoreFencedException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The scheduler's runtime around the pure {@link JobEngine}: requests in, tasks out, state persisted.
 *
 * <p>Ordering rules that make failover safe: a host's dispatch is stored (state {@code ready}, task id, node)
 * before the task is sent, so a new scheduler knows whom to ask about it; a worker's report is acknowledged only once
 * its outcome is stored, so a report lost with the scheduler is sent again to the next one. A new scheduler first
 * tells every node its (higher) epoch, so no dispatch of the old one can start after it loaded the state.
 * Confined to the scheduler verticle's event loop; every engine call and store callback runs there.
 */
final class JobService {
  private static final Logger log = LoggerFactory.getLogger(JobService.class);
  /** Job records kept (views, hosts, outputs); older ended jobs are deleted. */
  static final int MAX_JOBS_KEPT = 1_000;
  /** Ended jobs kept in the engine (the rest are served from the store). */
  static final int MAX_ENDED_IN_MEMORY = 20;
  static final long NODE_REFRESH_MS = 5_000;
  static final long RESEND_MIN_MS = 250;
  static final long RESEND_MAX_MS = 5_000;

  private final Vertx vertx;
  private final Context context;
  private final JobStore store;
  private final long requestTimeoutMs;
  private final io.micrometer.core.instrument.MeterRegistry metrics;
  private final JobEngine engine = new JobEngine();
  private final WorkerDirectory workers = new WorkerDirectory();
  private final Map<String, Namespace> namespaces = new TreeMap<>();
  /** Every kept job's last stored view, by id. */
  private final Map<String, JsonObject> index = new HashMap<>();
  private final Map<String, Long> seqOf = new HashMap<>();
  /** Kept jobs by the client's request id (idempotency key), and the creations still under way. */
  private final Map<String, String> jobByRequestId = new HashMap<>();
  private final Map<String, Future<JsonObject>> creating = new HashMap<>();
  private long epoch;
  private boolean fenced;
  private Runnable onSuperseded = () -> { };
  /** Whether the last node listing succeeded: only then may a node missing from it count as gone. */
  private boolean nodesKnown;
  private boolean kicked;
  // Write batching: what the next store write carries, and what waits for it to be stored.
  private Map<String, JsonObject> pendingJobs = new LinkedHashMap<>();
  private Map<String, JsonObject> pendingSpecs = new LinkedHashMap<>();
  private Map<String, JsonObject> pendingHosts = new LinkedHashMap<>();
  private Map<String, JsonObject> pendingOutputs = new LinkedHashMap<>();
  private List<TaskStart> pendingStarts = new ArrayList<>();
  private List<TaskKill> pendingKills = new ArrayList<>();
  private List<Promise<Void>> pendingAcks = new ArrayList<>();
  private boolean writing;
  private long tickTimer = -1;
  private long refreshTimer = -1;

  record Namespace(String name, NamespaceConfig config, JsonObject record) {
  }

  /** @param metrics the hosting node's registry (a private one when metrics are off) */
  JobService(Vertx vertx, Context context, JobStore store, long requestTimeoutMs,
             io.micrometer.core.instrument.MeterRegistry metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.context = context;
    this.store = store;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  // ---- start-up and failover ---------------------------------------------------------------------------------------

  /** Takes over: a new epoch, fence the workers, load the state, settle the tasks in flight. */
  Future<Void> start() {
    return store.increment("epoch")
        .compose(e -> {
          epoch = e;
          store.writeAs(e);
          return refreshNodes();
        })
        .compose(v -> store.namespaces())
        .compose(ns -> {
          ns.forEach((name, rec) -> namespaces.put(name, new Namespace(name,
              NamespaceConfigParser.parse(rec.getJsonObject("config")), rec)));
          return store.jobs();
        })
        .compose(this::restoreJobs)
        .compose(v -> reconcile())
        .onSuccess(v -> {
          tickTimer = vertx.setPeriodic(1_000, id -> {
            // timeouts are checked once a second, not on every pass: a tick walks every active job's hosts
            engine.tick(System.currentTimeMillis());
            kick();
          });
          refreshTimer = vertx.setPeriodic(NODE_REFRESH_MS, id -> refreshNodes().onComplete(ar -> checkLostNodes()));
          long active = engine.jobs().stream().filter(j -> !j.state().ended()).count();
          log.info("scheduler epoch {} took over: {} namespaces, {} kept jobs, {} active, workers {}", epoch,
              namespaces.size(), index.size(), active, workers.nodes());
          kick();
        });
  }

  void stop() {
    if (tickTimer >= 0) {
      vertx.cancelTimer(tickTimer);
    }
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
  }

  private Future<Void> restoreJobs(List<JsonObject> stored) {
    List<JsonObject> records = new ArrayList<>(stored);
    records.sort(Comparator.comparingLong(r -> r.getLong("seq", 0L)));
    List<Future<?>> loads = new ArrayList<>();
    for (JsonObject rec : records) {
      String id = rec.getString("id");
      index.put(id, rec.getJsonObject("view"));
      seqOf.put(id, rec.getLong("seq", 0L));
      String requestId = rec.getJsonObject("view").getString("requestId");
      if (requestId != null) {
        jobByRequestId.put(requestId, id);
      }
      if (JobState.fromWire(rec.getString("state")).ended()) {
        continue;
      }
      loads.add(restore(rec));
    }
    return Future.all(loads).mapEmpty();
  }

  /** Rebuilds one job in the engine from its stored record, spec and hosts (the plan is made again). */
  private Future<Void> restore(JsonObject rec) {
    String id = rec.getString("id");
    return store.spec(id).compose(spec -> {
      if (spec == null) {
        log.error("job {} has a record but no spec in the store; it cannot be continued", id);
        return Future.succeededFuture();
      }
      JobRequest request = JobRequestParser.parse(spec.getJsonObject("request"));
      JsonObject snapshot = spec.getJsonObject("config");
      NamespaceConfig cfg = snapshot == null ? null : NamespaceConfigParser.parse(snapshot);
      Plan plan = Planner.plan(cfg, hostNames(spec));
      return store.hosts(id, plan.hosts()).map(hosts -> {
        if (engine.job(id) == null) {
          engine.restore(rec, request, plan, snapshot, hosts);
        }
        return null;
      });
    });
  }

  private static List<String> hostNames(JsonObject spec) {
    return spec == null ? List.of() : spec.getJsonArray("hosts", new JsonArray()).stream().map(String.class::cast).toList();
  }

  /** Asks each node about the tasks this scheduler believes in flight there, and settles each one. */
  private Future<Void> reconcile() {
    Map<String, List<HostRun>> byNode = new HashMap<>();
    for (JobRun job : engine.jobs()) {
      for (HostRun h : job.hosts()) {
        if (h.state().active()) {
          byNode.computeIfAbsent(h.node(), k -> new ArrayList<>()).add(h);
        }
      }
    }
    List<Future<?>> asks = new ArrayList<>();
    long now = System.currentTimeMillis();
    byNode.forEach((node, hosts) -> {
      if (!workers.member(node)) {
        if (nodesKnown) {
          hosts.forEach(h -> engine.lost(h.taskId(), "worker node " + node + " left the cluster while the task ran", now));
        }
        // else: the nodes are unknown for now; the periodic check settles these tasks once a listing succeeds
        return;
      }
      JsonArray ids = new JsonArray(hosts.stream().map(HostRun::taskId).toList());
      asks.add(request(node, SupervisorOps.TASK_STATUS, new JsonObject().put("taskIds", ids)).onComplete(ar -> {
        if (ar.failed()) {
          log.warn("cannot ask node {} about {} tasks: {}; counting them as running", node, hosts.size(), ar.cause().getMessage());
          hosts.forEach(h -> workers.taken(node));
          return;
        }
        Map<String, JsonObject> byId = new HashMap<>();
        for (Object o : ar.result().getJsonArray("tasks", new JsonArray())) {
          JsonObject t = (JsonObject) o;
          byId.put(t.getString("taskId"), t);
        }
        long at = System.currentTimeMillis();
        for (HostRun h : hosts) {
          JsonObject t = byId.get(h.taskId());
          String state = t == null ? "unknown" : t.getString("state");
          switch (state) {
            case "running", "starting" -> {
              workers.taken(node);
              if (h.state() == HostState.READY && "running".equals(state)) {
                engine.started(h.taskId(), t.getLong("startedAt", at), at);
              }
            }
            case "finished" -> {
              workers.taken(node);
              applyReport(t);
            }
            default -> {
              if (h.state() == HostState.READY) {
                // The dispatch never arrived: sending it again is safe, the task id makes it idempotent.
                workers.taken(node);
                pendingStarts.add(new TaskStart(h.taskId(), h.job().id(), h.host(), h.attempts(), node,
                    JobEngine.argv(h.job().request().command(), h.host()), h.job().hostTimeoutMs(),
                    h.job().request().outputLimitBytes()));
              } else {
                engine.lost(h.taskId(), "worker node " + node + " does not know the task (it restarted)", at);
              }
            }
          }
        }
      }));
    });
    return Future.join(asks).mapEmpty();
  }

  /** Learns the live nodes and their task places, and tells each node this scheduler's epoch. */
  private Future<Void> refreshNodes() {
    // This node's own registry answers: a request that may go to any member would sometimes reach a member that has
    // just died (its consumer is still registered) and time out, right when a new scheduler takes over after a crash.
    return vertx.eventBus().<JsonObject>request(Addresses.NODES_LIST, new JsonObject(), Requests.local(requestTimeoutMs))
        .recover(t -> vertx.eventBus().<JsonObject>request(Addresses.NODES_LIST, new JsonObject(),
            Requests.options(requestTimeoutMs)))
        .map(m -> m.body().getJsonArray("nodes", new JsonArray()))
        .compose(nodes -> {
          Map<String, Integer> live = new LinkedHashMap<>();
          Set<String> present = new java.util.HashSet<>();
          List<Future<?>> asks = new ArrayList<>();
          for (Object o : nodes) {
            JsonObject n = (JsonObject) o;
            String name = n.getString("name");
            JsonArray roles = n.getJsonArray("roles", new JsonArray());
            present.add(name);
            // a draining or leaving node takes no new task, but what runs there runs on
            if (!"up".equals(n.getString("state")) || (!roles.isEmpty() && !roles.contains("supervisor"))) {
              continue;
            }
            live.put(name, null);
            asks.add(request(name, SupervisorOps.TASK_STATUS, new JsonObject().put("taskIds", new JsonArray()))
                .onSuccess(r -> workers.capacity(name, r.getInteger("capacity", WorkerDirectory.DEFAULT_CAPACITY))));
          }
          workers.nodes(live, present);
          nodesKnown = true;
          return Future.join(asks).<Void>mapEmpty().otherwiseEmpty();
        })
        .recover(t -> {
          nodesKnown = false;
          log.warn("scheduler cannot list the cluster's nodes: {}", PogoException.from(t).getMessage());
          return Future.succeededFuture();
        });
  }

  /**
   * A node that has just joined reaches this node's view of the cluster a moment later: while some agent host has no
   * node of its name, list the nodes again, until the deadline (then the host fails, naming the missing node).
   */
  private Future<Void> refreshUntilKnown(List<String> hosts, long deadline) {
    return refreshNodes().compose(v -> {
      if (System.currentTimeMillis() >= deadline || hosts.stream().allMatch(workers::known)) {
        return Future.succeededFuture();
      }
      Promise<Void> again = Promise.promise();
      vertx.setTimer(AGENT_JOIN_RECHECK_MS, t -> refreshUntilKnown(hosts, deadline).onComplete(again));
      return again.future();
    });
  }

  /** How long an agent job waits for a node named like one of its hosts to appear before that host fails. */
  static final long AGENT_JOIN_GRACE_MS = 3_000;
  static final long AGENT_JOIN_RECHECK_MS = 250;

  /** A node joined, started or began to stop: list the nodes again now. */
  void nodesChanged() {
    refreshNodes().onComplete(ar -> kick());
  }

  /** A node gone from the cluster takes its tasks with it: they are lost (failed, retryable). */
  void nodeLeft(String node) {
    long now = System.currentTimeMillis();
    int n = 0;
    for (JobRun job : engine.jobs()) {
      for (HostRun h : job.hosts()) {
        if (h.state().active() && node.equals(h.node()) && engine.lost(h.taskId(), "worker node " + node
            + " left the cluster while the task ran", now)) {
          n++;
        }
      }
    }
    workers.nodes(without(workers.nodes(), node));
    if (n > 0) {
      log.warn("node {} left: {} tasks lost", node, n);
    }
    kick();
  }

  private static Map<String, Integer> without(Set<String> nodes, String gone) {
    Map<String, Integer> m = new LinkedHashMap<>();
    nodes.forEach(x -> {
      if (!x.equals(gone)) {
        m.put(x, null);
      }
    });
    return m;
  }

  private void checkLostNodes() {
    if (!nodesKnown) {
      return;
    }
    Set<String> gone = new TreeSet<>();
    for (JobRun job : engine.jobs()) {
      for (HostRun h : job.hosts()) {
        if (h.state().active() && h.node() != null && !workers.member(h.node())) {
          gone.add(h.node());
        }
      }
    }
    gone.forEach(this::nodeLeft);
  }

  // ---- the pass: dispatch, persist, send -------------------------------------------------------------------------

  /** Schedules one pass on the event loop; many kicks before it runs make one pass. */
  void kick() {
    if (!kicked && !fenced) {
      kicked = true;
      context.runOnContext(v -> {
        kicked = false;
        pass();
      });
    }
  }

  private void pass() {
    if (fenced) {
      return;
    }
    long now = System.currentTimeMillis();
    workers.now(now);
    List<TaskStart> starts = engine.dispatch(now, workers);
    pendingStarts.addAll(starts);
    pendingKills.addAll(engine.drainKills());
    publish(engine.drainTransitions());
    retain();
    write();
  }

  /** Completes once everything changed so far is stored. */
  private Future<Void> persisted() {
    if (fenced) {
      return Future.failedFuture(superseded());
    }
    Promise<Void> p = Promise.promise();
    pendingAcks.add(p);
    write();
    return p.future();
  }

  private void write() {
    if (fenced) {
      pendingAcks.forEach(p -> p.tryFail(superseded()));
      pendingAcks.clear();
      return;
    }
    if (writing) {
      return;
    }
    // counts and summaries change with every host: a job whose hosts changed is written with them
    Set<JobRun> changed = new java.util.LinkedHashSet<>(engine.drainDirtyJobs());
    for (HostRun h : engine.drainDirtyHosts()) {
      pendingHosts.put(JobStore.key(h.job().id(), h.host()), h.toRecord());
      changed.add(h.job());
    }
    for (JobRun j : changed) {
      JsonObject rec = record(j);
      pendingJobs.put(j.id(), rec);
      index.put(j.id(), rec.getJsonObject("view"));
    }
    List<TaskStart> starts = pendingStarts;
    List<TaskKill> kills = pendingKills;
    List<Promise<Void>> acks = pendingAcks;
    pendingStarts = new ArrayList<>();
    pendingKills = new ArrayList<>();
    pendingAcks = new ArrayList<>();
    if (pendingJobs.isEmpty() && pendingSpecs.isEmpty() && pendingHosts.isEmpty() && pendingOutputs.isEmpty()) {
      release(starts, kills, acks);
      return;
    }
    Map<String, JsonObject> specs = pendingSpecs;
    pendingSpecs = new LinkedHashMap<>();
    Map<String, JsonObject> jobs = pendingJobs;
    Map<String, JsonObject> hosts = pendingHosts;
    Map<String, JsonObject> outputs = pendingOutputs;
    pendingJobs = new LinkedHashMap<>();
    pendingHosts = new LinkedHashMap<>();
    pendingOutputs = new LinkedHashMap<>();
    writing = true;
    store.write(jobs, specs, hosts, outputs).onComplete(ar -> {
      writing = false;
      if (ar.failed() && ar.cause() instanceof StoreFencedException f) {
        // a newer scheduler has written: nothing of this batch is sent or acknowledged, and nothing is tried again
        fence(f.getMessage());
        acks.forEach(p -> p.tryFail(superseded()));
        pendingStarts.clear();
        pendingKills.clear();
        write(); // fails what waits for the next batch
        return;
      }
      if (ar.failed()) {
        // Nothing is sent or acknowledged before it is stored: keep the batch (newer changes win) and try again.
        log.error("scheduler cannot store {} jobs / {} hosts / {} outputs ({}); retrying in 1 s", jobs.size(), hosts.size(),
            outputs.size(), ar.cause().toString());
        specs.putAll(pendingSpecs);
        pendingSpecs = specs;
        jobs.putAll(pendingJobs);
        hosts.putAll(pendingHosts);
        outputs.putAll(pendingOutputs);
        pendingJobs = jobs;
        pendingHosts = hosts;
        pendingOutputs = outputs;
        starts.addAll(pendingStarts);
        kills.addAll(pendingKills);
        acks.addAll(pendingAcks);
        pendingStarts = starts;
        pendingKills = kills;
        pendingAcks = acks;
        vertx.setTimer(1_000, id -> write());
        return;
      }
      release(starts, kills, acks);
      if (engine.hasDirty() || !pendingAcks.isEmpty() || !pendingStarts.isEmpty() || !pendingOutputs.isEmpty()) {
        write();
      }
    });
  }

  private void release(List<TaskStart> starts, List<TaskKill> kills, List<Promise<Void>> acks) {
    starts.forEach(s -> send(s, RESEND_MIN_MS));
    kills.forEach(this::sendKill);
    acks.forEach(Promise::complete);
  }

  private JsonObject record(JobRun j) {
    return j.toRecord().put("epoch", epoch);
  }

  private void send(TaskStart s, long backoff) {
    if (fenced) {
      return;
    }
    JsonObject body = new JsonObject().put("taskId", s.taskId()).put("job", s.job()).put("host", s.host())
        .put("attempt", s.attempt()).put("argv", new JsonArray(s.argv())).put("timeoutMs", s.timeoutMs())
        .put("outputLimit", s.outputLimitBytes());
    request(s.node(), SupervisorOps.TASK_RUN, body).onComplete(ar -> {
      long now = System.currentTimeMillis();
      HostRun h = engine.current(s.taskId());
      if (h == null || !h.state().active()) {
        return;
      }
      if (ar.succeeded()) {
        JsonObject r = ar.result();
        if ("running".equals(r.getString("state"))) {
          if (engine.started(s.taskId(), r.getLong("startedAt", now), now)) {
            kick();
          }
        } else if ("finished".equals(r.getString("state"))) {
          applyReport(r);
        }
        return;
      }
      PogoException e = PogoException.from(ar.cause());
      switch (e.code()) {
        case FENCED -> fence(e.getMessage());
        case BUSY -> {
          workers.busy(s.node(), now + 1_000);
          vertx.setTimer(backoff, id -> send(s, Math.min(RESEND_MAX_MS, backoff * 2)));
        }
        case VALIDATION_FAILED -> {
          workers.freed(s.node());
          engine.finished(s.taskId(), null, false, "the worker refused the task: " + e.getMessage(), now, now);
          kick();
        }
        default -> {
          if (nodesKnown && !workers.member(s.node())) {
            workers.freed(s.node());
            engine.lost(s.taskId(), "worker node " + s.node() + " left the cluster before it confirmed the task", now);
            kick();
          } else {
            log.debug("dispatch of {} to {} failed ({}); sending it again in {} ms", s.taskId(), s.node(), e.getMessage(), backoff);
            vertx.setTimer(backoff, id -> send(s, Math.min(RESEND_MAX_MS, backoff * 2)));
          }
        }
      }
    });
  }

  private void sendKill(TaskKill k) {
    request(k.node(), SupervisorOps.TASK_KILL, new JsonObject().put("taskId", k.taskId()).put("reason", k.reason()))
        .onComplete(ar -> {
          if (ar.succeeded() && "unknown".equals(ar.result().getString("state"))) {
            HostRun h = engine.current(k.taskId());
            if (h != null && h.state() == HostState.READY) {
              // never arrived: nothing to kill; the dispatch retry finds the host ended and stops
              engine.finished(k.taskId(), null, false, "never started", System.currentTimeMillis(), System.currentTimeMillis());
              workers.freed(k.node());
              kick();
            }
          } else if (ar.failed()) {
            log.warn("kill of task {} on {} failed: {}", k.taskId(), k.node(), ar.cause().getMessage());
          }
        });
  }

  private void fence(String why) {
    if (!fenced) {
      fenced = true;
      log.error("scheduler epoch {} is superseded ({}); it stops dispatching and answering", epoch, why);
      onSuperseded.run();
    }
  }

  void onSuperseded(Runnable action) {
    this.onSuperseded = action;
  }

  /** What a request to a superseded scheduler gets: nothing it did after that is stored, so sending it again is safe. */
  private PogoException superseded() {
    return new PogoException(ErrorCode.UNAVAILABLE, "the scheduler that took this request (epoch " + epoch + ") was "
        + "superseded by a newer one; send it again");
  }

  /** A store refusal means a newer scheduler has written: step down, and tell the caller to ask again. */
  private <T> Future<T> stepDownIfFenced(Future<T> write) {
    return write.recover(t -> {
      if (t instanceof StoreFencedException f) {
        fence(f.getMessage());
        return Future.failedFuture(superseded());
      }
      return Future.failedFuture(t);
    });
  }

  private Future<JsonObject> request(String node, String op, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(Addresses.supervisor(node, op), body.put("schedulerEpoch", epoch),
        Requests.options(requestTimeoutMs)).map(m -> m.body());
  }

  private void publish(List<Transition> transitions) {
    for (Transition t : transitions) {
      io.micrometer.core.instrument.Counter.builder(t.host() == null ? io.pogo.core.MetricNames.JOB_TRANSITIONS
              : io.pogo.core.MetricNames.HOST_TRANSITIONS).tag("state", t.state())
          .description(t.host() == null ? "job transitions" : "job host transitions").register(metrics).increment();
      if (t.host() == null) {
        log.info("job {} {}: {}", t.job(), t.state(), t.reason());
      } else {
        log.debug("job {} host {} {}: {}", t.job(), t.host(), t.state(), t.reason());
      }
      vertx.eventBus().publish(Addresses.EVENTS_JOB, t.toJson());
    }
  }

  /** Keeps at most {@link #MAX_JOBS_KEPT} jobs and {@link #MAX_ENDED_IN_MEMORY} ended ones in memory. */
  private void retain() {
    List<JobRun> ended = engine.jobs().stream().filter(j -> j.state().ended() && countActive(j) == 0).toList();
    for (int i = 0; i < ended.size() - MAX_ENDED_IN_MEMORY; i++) {
      if (!pendingJobs.containsKey(ended.get(i).id()) && !writing) {
        engine.forget(ended.get(i).id());
      }
    }
    if (index.size() <= MAX_JOBS_KEPT) {
      return;
    }
    List<String> oldest = index.keySet().stream().filter(id -> engine.job(id) == null)
        .sorted(Comparator.comparingLong(id -> seqOf.getOrDefault(id, 0L))).toList();
    for (int i = 0; i < oldest.size() && index.size() > MAX_JOBS_KEPT; i++) {
      String id = oldest.get(i);
      JsonObject gone = index.remove(id);
      seqOf.remove(id);
      if (gone != null && gone.getString("requestId") != null) {
        jobByRequestId.remove(gone.getString("requestId"), id);
      }
      stepDownIfFenced(store.spec(id).compose(spec -> {
        Map<String, Integer> hosts = new HashMap<>();
        hostNames(spec).forEach(n -> hosts.put(n, JobRequest.MAX_RETRIES + 1));
        return store.deleteJob(id, hosts);
      })).onFailure(t -> log.warn("cannot delete old job {}: {}", id, t.getMessage()));
    }
  }

  private static int countActive(JobRun j) {
    return j.count(HostState.READY) + j.count(HostState.RUNNING);
  }

  // ---- worker reports ----------------------------------------------------------------------------------------------

  /** {@code pogo.scheduler.task.report}: stores the outcome and the output, then acknowledges. */
  Future<JsonObject> report(JsonObject body) {
    applyReport(body);
    return persisted().map(v -> new JsonObject());
  }

  private void applyReport(JsonObject r) {
    String taskId = r.getString("taskId");
    String[] parts = taskId == null ? new String[0] : taskId.split("/");
    if (parts.length != 3) {
      return;
    }
    long now = System.currentTimeMillis();
    JsonObject output = r.getJsonObject("output");
    if (output != null) {
      pendingOutputs.put(JobStore.outputKey(parts[0], parts[1], Integer.parseInt(parts[2])), new JsonObject()
          .put("attempt", Integer.parseInt(parts[2])).put("node", r.getString("node"))
          .put("exitCode", r.getInteger("exitCode")).put("reason", r.getString("reason"))
          .put("startedAt", r.getLong("startedAt")).put("endedAt", r.getLong("endedAt"))
          .put("lines", output.getJsonArray("lines", new JsonArray())).put("truncated", output.getBoolean("truncated", false)));
    }
    HostRun h = engine.current(taskId);
    if (h == null || !h.state().active()) {
      return;
    }
    String node = h.node();
    if (h.state() == HostState.READY && r.getLong("startedAt") != null) {
      // the end overtook the start reply: record the worker's start time (and the running transition) first
      engine.started(taskId, r.getLong("startedAt"), now);
    }
    boolean applied;
    if (r.getBoolean("lost", false)) {
      applied = engine.lost(taskId, r.getString("reason", "its worker stopped"), now);
    } else {
      applied = engine.finished(taskId, r.getInteger("exitCode"), r.getBoolean("timedOut", false),
          r.getBoolean("killed", true), r.getString("reason"), r.getLong("endedAt", now), now);
    }
    if (applied) {
      workers.freed(node);
      kick();
    }
  }

  // ---- namespaces --------------------------------------------------------------------------------------------------

  Future<JsonObject> putNamespace(JsonObject body) {
    String name = body.getString("name");
    List<FieldError> errors = new ArrayList<>();
    if (name == null || !NamespaceNames.valid(name)) {
      errors.add(new FieldError("name", "\"" + name + "\" is not a namespace name (" + NamespaceNames.RULE + ")"));
    }
    Object raw = body.getValue("config");
    NamespaceConfig cfg = null;
    try {
      if (raw instanceof String text) {
        cfg = NamespaceConfigParser.parse(text);
      } else if (raw instanceof JsonObject json) {
        cfg = NamespaceConfigParser.parse(json);
      } else {
        errors.add(new FieldError("config", "required: the namespace config as YAML or JSON"));
      }
    } catch (PogoException e) {
      errors.addAll(e.errors().isEmpty() ? List.of(new FieldError("config", e.getMessage())) : e.errors());
    }
    if (cfg != null) {
      try {
        // a sequence circle shows now, not when some job happens to cover it
        Planner.plan(cfg, configHosts(cfg));
      } catch (PogoException circle) {
        errors.addAll(circle.errors());
      }
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(PogoException.validation(errors));
    }
    Namespace old = namespaces.get(name);
    int version = old == null ? 1 : old.record().getInteger("version", 0) + 1;
    JsonObject rec = new JsonObject().put("name", name).put("config", cfg.source()).put("version", version)
        .put("updatedAt", System.currentTimeMillis());
    Namespace ns = new Namespace(name, cfg, rec);
    return stepDownIfFenced(store.putNamespace(name, rec)).map(v -> {
      namespaces.put(name, ns);
      log.info("namespace {} {} (version {})", name, old == null ? "created" : "replaced", version);
      vertx.eventBus().publish(Addresses.EVENTS_JOB, new JsonObject().put("type", old == null ? "namespace.created"
          : "namespace.replaced").put("namespace", name).put("version", version).put("at", rec.getLong("updatedAt")));
      return describe(ns, true);
    });
  }

  Future<JsonObject> getNamespace(JsonObject body) {
    return Future.succeededFuture(describe(requireNamespace(body.getString("name")), true));
  }

  Future<JsonObject> listNamespaces(JsonObject body) {
    JsonArray out = new JsonArray();
    namespaces.values().forEach(ns -> out.add(describe(ns, false)));
    return Future.succeededFuture(new JsonObject().put("namespaces", out));
  }

  Future<JsonObject> deleteNamespace(JsonObject body) {
    Namespace ns = requireNamespace(body.getString("name"));
    List<String> using = engine.jobs().stream()
        .filter(j -> !j.state().ended() && ns.name().equals(j.request().namespace())).map(JobRun::id).toList();
    if (!using.isEmpty()) {
      return Future.failedFuture(new PogoException(ErrorCode.INVALID_STATE, "namespace " + ns.name()
          + " is used by jobs that have not ended: " + String.join(", ", using) + "; halt or finish them first"));
    }
    return stepDownIfFenced(store.removeNamespace(ns.name())).map(v -> {
      namespaces.remove(ns.name());
      log.info("namespace {} deleted", ns.name());
      vertx.eventBus().publish(Addresses.EVENTS_JOB, new JsonObject().put("type", "namespace.deleted")
          .put("namespace", ns.name()).put("at", System.currentTimeMillis()));
      return new JsonObject().put("name", ns.name());
    });
  }

  Future<JsonObject> budget(JsonObject body) {
    Namespace ns = requireNamespace(body.getString("name"));
    Plan all = Planner.plan(ns.config(), configHosts(ns.config()));
    return Future.succeededFuture(new JsonObject().put("namespace", ns.name())
        .put("slots", engine.budget(ns.name(), all.slots())));
  }

  private static List<String> configHosts(NamespaceConfig cfg) {
    Set<String> hosts = new TreeSet<>();
    cfg.tags().values().forEach(hosts::addAll);
    cfg.sequences().forEach(s -> s.steps().forEach(st -> {
      if (st.host() != null) {
        hosts.add(st.host());
      }
    }));
    return new ArrayList<>(hosts);
  }

  private Namespace requireNamespace(String name) {
    Namespace ns = name == null ? null : namespaces.get(name);
    if (ns == null) {
      throw new PogoException(ErrorCode.NAMESPACE_NOT_FOUND, "no namespace \"" + name + "\"; create it with PUT /api/v1/namespaces/"
          + name + " or pogo ns put " + name + " FILE");
    }
    return ns;
  }

  private static JsonObject describe(Namespace ns, boolean withConfig) {
    JsonObject json = new JsonObject().put("name", ns.name()).put("version", ns.record().getInteger("version"))
        .put("updatedAt", ns.record().getLong("updatedAt")).mergeIn(NamespaceConfigParser.describe(ns.config()));
    if (withConfig) {
      json.put("config", ns.record().getJsonObject("config"));
    }
    return json;
  }

  // ---- plan and run ------------------------------------------------------------------------------------------------

  private record Prepared(JobRequest request, Namespace namespace, Plan plan) {
  }

  private Prepared prepare(JsonObject body) {
    JobRequest req = JobRequestParser.parse(body);
    Namespace ns = null;
    if (req.namespace() != null) {
      ns = namespaces.get(req.namespace());
      if (ns == null) {
        throw PogoException.validation("namespace", "no namespace \"" + req.namespace() + "\" (create it first with PUT "
            + "/api/v1/namespaces/" + req.namespace() + ")");
      }
    }
    List<String> hosts = Targets.expand(req.targets(), ns == null ? null : ns.config(), JobRequest.MAX_HOSTS);
    Plan plan = Planner.plan(ns == null ? null : ns.config(), hosts);
    return new Prepared(req, ns, plan);
  }

  Future<JsonObject> plan(JsonObject body) {
    JsonObject b = body.copy();
    if (!b.containsKey("command")) {
      // a plan does not run anything: the command is optional
      b.put("command", new JsonArray().add("true"));
    }
    Prepared p = prepare(b);
    int concurrency = p.request().concurrency() == null ? Integer.MAX_VALUE
        : p.request().concurrency().resolve(p.plan().hosts().size());
    return Future.succeededFuture(PlanView.toJson(p.request().namespace(), p.plan(),
        p.request().namespace() == null ? new io.pogo.scheduler.engine.Ledger() : engine.ledgerOf(p.request().namespace()),
        concurrency));
  }

  /**
   * Creates a job, or, for a request id already seen (a client retrying after a timeout or a failover), answers with
   * the job it created, {@code created: false}: a retry never makes a second job. A request id names one piece of
   * work: reused for other targets, command, namespace or mode it is refused.
   */
  Future<JsonObject> run(JsonObject body) {
    Prepared p = prepare(body);
    String requestId = p.request().requestId();
    if (requestId == null) {
      return create(p).map(view -> view.put("created", true));
    }
    Future<JsonObject> under = creating.get(requestId);
    if (under != null) {
      return under.compose(view -> replay(p.request(), view));
    }
    String existing = jobByRequestId.get(requestId);
    if (existing != null) {
      JobRun job = engine.job(existing);
      JsonObject view = job != null ? job.toJson() : index.get(existing);
      if (view != null) {
        return replay(p.request(), view);
      }
    }
    Future<JsonObject> created = create(p);
    creating.put(requestId, created);
    return created.andThen(ar -> {
      creating.remove(requestId);
      if (ar.succeeded()) {
        jobByRequestId.put(requestId, ar.result().getString("id"));
      }
    }).map(view -> view.copy().put("created", true));
  }

  private static Future<JsonObject> replay(JobRequest asked, JsonObject view) {
    if (!work(view).equals(work(JobRequestParser.toJson(asked)))) {
      return Future.failedFuture(new PogoException(ErrorCode.REQUEST_ID_REUSED, "requestId \"" + asked.requestId()
          + "\" was already used for job " + view.getString("id") + ", which has other targets, command, namespace or "
          + "mode; use a new requestId for new work"));
    }
    return Future.succeededFuture(view.copy().put("created", false));
  }

  /** What a reused request id must repeat (timeouts and limits may have been altered since): from a request or a view. */
  private static JsonObject work(JsonObject request) {
    JsonObject r = new JsonObject();
    for (String f : List.of("namespace", "targets", "command", "mode")) {
      if (request.getValue(f) != null) {
        r.put(f, request.getValue(f));
      }
    }
    return r;
  }

  private Future<JsonObject> create(Prepared p) {
    JsonObject snapshot = p.namespace() == null ? null : p.namespace().record().getJsonObject("config");
    // agent mode fails a host with no node of its name at once: know every node that has joined until now first
    Future<Void> nodesKnownNow = p.request().mode() == io.pogo.scheduler.config.JobMode.AGENT
        ? refreshUntilKnown(p.plan().hosts(), System.currentTimeMillis() + AGENT_JOIN_GRACE_MS) : Future.succeededFuture();
    return nodesKnownNow.compose(v -> store.increment("jobSeq")).compose(seq -> {
      String id = "j" + seq;
      JobRun job = engine.submit(id, p.request(), p.plan(), snapshot, System.currentTimeMillis());
      pendingSpecs.put(id, job.toSpec());
      seqOf.put(id, seq);
      publish(engine.drainTransitions());
      return persisted().map(v -> {
        kick();
        return job.toJson();
      });
    });
  }

  // ---- views -------------------------------------------------------------------------------------------------------

  Future<JsonObject> get(JsonObject body) {
    String id = body.getString("id");
    JobRun job = id == null ? null : engine.job(id);
    if (job != null) {
      return Future.succeededFuture(job.toJson());
    }
    JsonObject view = id == null ? null : index.get(id);
    if (view == null) {
      return Future.failedFuture(new PogoException(ErrorCode.JOB_NOT_FOUND, "no job " + id));
    }
    return Future.succeededFuture(publicView(view));
  }

  private static JsonObject publicView(JsonObject view) {
    return view.copy();
  }

  Future<JsonObject> list(JsonObject body) {
    String state = body.getString("state");
    String user = body.getString("user");
    String namespace = body.getString("namespace");
    int limit = Math.max(1, Math.min(1000, body.getInteger("limit", 50)));
    int offset = Math.max(0, body.getInteger("offset", 0));
    List<JsonObject> all = new ArrayList<>();
    index.forEach((id, view) -> {
      JobRun live = engine.job(id);
      all.add(live != null ? live.toJson() : publicView(view));
    });
    List<JsonObject> matching = all.stream()
        .filter(j -> state == null || state.equals(j.getString("state")))
        .filter(j -> user == null || user.equals(j.getString("user")))
        .filter(j -> namespace == null || namespace.equals(j.getString("namespace")))
        .sorted(Comparator.comparingLong((JsonObject j) -> seqOf.getOrDefault(j.getString("id"), 0L)).reversed())
        .toList();
    JsonArray page = new JsonArray();
    matching.stream().skip(offset).limit(limit).forEach(page::add);
    return Future.succeededFuture(new JsonObject().put("jobs", page).put("total", matching.size())
        .put("limit", limit).put("offset", offset));
  }

  Future<JsonObject> hosts(JsonObject body) {
    String id = body.getString("id");
    String state = body.getString("state");
    int limit = Math.max(1, Math.min(10_000, body.getInteger("limit", 1000)));
    int offset = Math.max(0, body.getInteger("offset", 0));
    return hostViews(id).map(all -> {
      List<JsonObject> matching = all.stream().filter(h -> state == null || state.equals(h.getString("state"))).toList();
      JsonArray page = new JsonArray();
      matching.stream().skip(offset).limit(limit).forEach(page::add);
      return new JsonObject().put("id", id).put("hosts", page).put("total", matching.size()).put("limit", limit)
          .put("offset", offset);
    });
  }

  private Future<List<JsonObject>> hostViews(String id) {
    JobRun job = id == null ? null : engine.job(id);
    if (job != null) {
      return Future.succeededFuture(job.hosts().stream().map(HostRun::toJson).toList());
    }
    JsonObject view = id == null ? null : index.get(id);
    if (view == null) {
      return Future.failedFuture(new PogoException(ErrorCode.JOB_NOT_FOUND, "no job " + id));
    }
    return store.spec(id).compose(spec -> {
      List<String> names = hostNames(spec);
      return store.hosts(id, names).map(found -> {
        List<JsonObject> out = new ArrayList<>();
        for (String n : names) {
          JsonObject r = found.get(n);
          if (r != null) {
            out.add(HostRun.publicView(r));
          }
        }
        return out;
      });
    });
  }

  Future<JsonObject> output(JsonObject body) {
    String id = body.getString("id");
    String host = body.getString("host");
    Integer attempt = body.getInteger("attempt");
    long after = body.getLong("after", -1L);
    return hostViews(id).compose(all -> {
      JsonObject h = all.stream().filter(x -> x.getString("host").equals(host)).findFirst().orElse(null);
      if (h == null) {
        return Future.failedFuture(PogoException.validation("host", "\"" + host + "\" is not a host of job " + id));
      }
      int attempts = h.getInteger("attempts", 0);
      if (attempt != null && (attempt < 1 || attempt > attempts)) {
        return Future.failedFuture(PogoException.validation("attempt", "host " + host + " has "
            + (attempts == 0 ? "not run yet" : "attempts 1 to " + attempts) + "; got " + attempt));
      }
      return store.outputs(id, host, attempts).compose(stored -> {
        Map<Integer, JsonObject> byAttempt = new TreeMap<>();
        for (JsonObject o : stored) {
          byAttempt.put(o.getInteger("attempt"), o.copy().put("running", false));
        }
        Future<Void> live = Future.succeededFuture();
        boolean active = HostState.fromWire(h.getString("state")).active();
        if (active && !byAttempt.containsKey(attempts) && h.getString("node") != null) {
          live = request(h.getString("node"), SupervisorOps.TASK_OUTPUT, new JsonObject().put("taskId", h.getString("taskId"))
              .put("after", after))
              .onSuccess(r -> byAttempt.put(attempts, new JsonObject().put("attempt", attempts).put("node", h.getString("node"))
                  .put("startedAt", h.getLong("startedAt")).put("lines", r.getJsonArray("lines"))
                  .put("truncated", r.getBoolean("truncated", false)).put("running", true)))
              .<Void>mapEmpty().otherwiseEmpty();
        }
        return live.map(v -> {
          JsonArray out = new JsonArray();
          byAttempt.forEach((a, o) -> {
            if (attempt != null && !attempt.equals(a)) {
              return;
            }
            JsonArray lines = new JsonArray();
            for (Object l : o.getJsonArray("lines", new JsonArray())) {
              if (((JsonObject) l).getLong("seq", 0L) > after) {
                lines.add(l);
              }
            }
            out.add(o.copy().put("lines", lines).put("state", a == attempts ? h.getString("state") : "ended"));
          });
          return new JsonObject().put("id", id).put("host", host).put("state", h.getString("state")).put("attempts", out);
        });
      });
    });
  }

  // ---- control -----------------------------------------------------------------------------------------------------

  Future<JsonObject> halt(JsonObject body) {
    return control(body.getString("id"), () -> engine.halt(body.getString("id"), body.getBoolean("kill", false), body.getString("reason"),
        System.currentTimeMillis()));
  }

  Future<JsonObject> resume(JsonObject body) {
    return control(body.getString("id"), () -> engine.resume(body.getString("id"), System.currentTimeMillis()));
  }

  Future<JsonObject> retry(JsonObject body) {
    return control(body.getString("id"), () -> engine.retry(body.getString("id"), hostList(body), System.currentTimeMillis()));
  }

  Future<JsonObject> skip(JsonObject body) {
    return control(body.getString("id"), () -> engine.skip(body.getString("id"), hostList(body), System.currentTimeMillis()));
  }

  Future<JsonObject> alter(JsonObject body) {
    JsonObject changes = body.copy();
    changes.remove("id");
    return control(body.getString("id"), () -> engine.alter(body.getString("id"), changes, System.currentTimeMillis()));
  }

  private static List<String> hostList(JsonObject body) {
    Object hosts = body.getValue("hosts");
    if (!(hosts instanceof JsonArray arr)) {
      throw PogoException.validation("hosts", "must be a list of host names");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      if (!(arr.getValue(i) instanceof String s)) {
        throw PogoException.validation("hosts[" + i + "]", "must be a host name");
      }
      out.add(s);
    }
    return out;
  }

  private Future<JsonObject> control(String id, java.util.function.Supplier<JobRun> op) {
    return loaded(id).compose(v -> {
      JobRun job = op.get();
      pass();
      return persisted().map(x -> job.toJson());
    });
  }

  /** An ended job the engine forgot comes back from the store before a control acts on it. */
  private Future<Void> loaded(String id) {
    if (id == null || engine.job(id) != null || !index.containsKey(id)) {
      return Future.succeededFuture();
    }
    return store.job(id).compose(rec -> rec == null || engine.job(id) != null ? Future.succeededFuture() : restore(rec));
  }
}
