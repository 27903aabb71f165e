package io.pogo.scheduler.engine;

import io.pogo.scheduler.config.JobRequest;
import io.pogo.scheduler.config.JobRequestParser;
import io.pogo.scheduler.config.NamespaceConfig;
import io.pogo.scheduler.config.NamespaceConfigParser;
import io.pogo.scheduler.config.Targets;
import io.pogo.scheduler.plan.Plan;
import io.pogo.scheduler.plan.Planner;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A {@link JobEngine} with a fake clock and fake nodes: the test decides where each task is placed, and when each
 * dispatched task starts and ends. Namespaces are registered by name with their config, so jobs are planned like
 * the scheduler plans them (targets expanded, then {@link Planner}).
 */
final class FakeFleet {
  long now = 1_700_000_000_000L;
  JobEngine engine = new JobEngine();
  /** Where the fake placer puts a host; a node named {@code n1} by default. */
  BiFunction<JobRun, HostRun, Placer.Placement> placement = (job, host) -> new Placer.Node("n1");
  /** Every task ever dispatched, by task id. */
  final Map<String, TaskStart> tasks = new LinkedHashMap<>();
  final List<Transition> transitions = new ArrayList<>();
  final List<TaskKill> kills = new ArrayList<>();
  private final Map<String, NamespaceConfig> namespaces = new LinkedHashMap<>();

  final Placer placer = (job, host) -> placement.apply(job, host);

  NamespaceConfig namespace(String name, String yaml) {
    NamespaceConfig config = NamespaceConfigParser.parse(yaml);
    namespaces.put(name, config);
    return config;
  }

  /** Submits a job; {@code request} holds the request fields except targets and command (which are filled in). */
  JobRun submit(String id, JsonObject request, String... targets) {
    JsonObject body = request.copy().put("targets", new JsonArray(List.of(targets)))
        .put("command", new JsonArray(List.of("deploy", "{host}")));
    JobRequest req = JobRequestParser.parse(body);
    NamespaceConfig config = req.namespace() == null ? null : namespaces.get(req.namespace());
    Plan plan = Planner.plan(config, Targets.expand(req.targets(), config, JobRequest.MAX_HOSTS));
    JobRun job = engine.submit(id, req, plan, config == null ? null : config.source(), now);
    drain();
    return job;
  }

  JobRun submit(String id, String namespace, String... targets) {
    return submit(id, new JsonObject().put("namespace", namespace), targets);
  }

  /** One dispatch pass; returns the tasks it started. */
  List<TaskStart> dispatch() {
    List<TaskStart> out = engine.dispatch(now, placer);
    for (TaskStart t : out) {
      if (tasks.put(t.taskId(), t) != null) {
        throw new AssertionError("task " + t.taskId() + " dispatched twice");
      }
    }
    drain();
    return out;
  }

  /** One dispatch pass; returns {@code job/host} of each task it started, in dispatch order. */
  List<String> dispatched() {
    return dispatch().stream().map(t -> t.job() + "/" + t.host()).toList();
  }

  void tick() {
    engine.tick(now);
    drain();
  }

  void advance(long ms) {
    now += ms;
  }

  void drain() {
    transitions.addAll(engine.drainTransitions());
    kills.addAll(engine.drainKills());
  }

  HostRun host(String job, String host) {
    HostRun h = engine.job(job).host(host);
    if (h == null) {
      throw new AssertionError(host + " is not a host of " + job);
    }
    return h;
  }

  HostState state(String job, String host) {
    return host(job, host).state();
  }

  String reason(String job, String host) {
    return host(job, host).reason();
  }

  String taskId(String job, String host) {
    return host(job, host).taskId();
  }

  boolean start(String job, String host) {
    boolean applied = engine.started(taskId(job, host), now, now);
    drain();
    return applied;
  }

  /** The worker reports the host's current task ended with {@code exitCode} (starting it first if it is ready). */
  boolean end(String job, String host, Integer exitCode, boolean timedOut) {
    if (state(job, host) == HostState.READY) {
      start(job, host);
    }
    boolean applied = engine.finished(taskId(job, host), exitCode, timedOut, null, now, now);
    drain();
    return applied;
  }

  boolean succeed(String job, String host) {
    return end(job, host, 0, false);
  }

  boolean fail(String job, String host) {
    return end(job, host, 1, false);
  }

  boolean timeOut(String job, String host) {
    return end(job, host, 143, true);
  }

  boolean lose(String job, String host) {
    boolean applied = engine.lost(taskId(job, host), "worker node n1 left the cluster", now);
    drain();
    return applied;
  }

  /** Each given host's current task ends with exit 0. */
  void succeedAll(String job, String... hosts) {
    for (String h : hosts) {
      if (!succeed(job, h)) {
        throw new AssertionError("the success of " + job + "/" + h + " did not apply");
      }
    }
  }

  /** The transitions of one host ({@code host} given) or of the job itself ({@code host} null), as state names. */
  List<String> statesOf(String job, String host) {
    return transitions.stream().filter(t -> t.job().equals(job) && java.util.Objects.equals(t.host(), host))
        .map(Transition::state).toList();
  }

  /** What a scheduler stores about a job: its record, its spec and its hosts' records, as JSON text would give them back. */
  record Stored(JsonObject job, JsonObject spec, Map<String, JsonObject> hosts) {
  }

  /** Every job's stored records, oldest job first. */
  Map<String, Stored> store() {
    List<JobRun> bySeq = new ArrayList<>(engine.jobs());
    bySeq.sort(java.util.Comparator.comparingLong(j -> j.toRecord().getLong("seq")));
    Map<String, Stored> out = new LinkedHashMap<>();
    for (JobRun job : bySeq) {
      Map<String, JsonObject> hosts = new LinkedHashMap<>();
      for (HostRun h : job.hosts()) {
        hosts.put(h.host(), new JsonObject(h.toRecord().encode()));
      }
      out.put(job.id(), new Stored(new JsonObject(job.toRecord().encode()), new JsonObject(job.toSpec().encode()), hosts));
    }
    return out;
  }

  /** Rebuilds a job the way the scheduler does: request and plan made again from the spec's request and config. */
  void restore(Stored stored) {
    JsonObject spec = stored.spec();
    JobRequest req = JobRequestParser.parse(spec.getJsonObject("request"));
    JsonObject snapshot = spec.getJsonObject("config");
    NamespaceConfig cfg = snapshot == null ? null : NamespaceConfigParser.parse(snapshot);
    Plan plan = Planner.plan(cfg, spec.getJsonArray("hosts").stream().map(String.class::cast).toList());
    engine.restore(stored.job(), req, plan, snapshot, stored.hosts());
  }

  /** A failover: a new engine rebuilt from what the old one stored. */
  void failover() {
    Map<String, Stored> stored = store();
    engine = new JobEngine();
    stored.values().forEach(this::restore);
  }
}
