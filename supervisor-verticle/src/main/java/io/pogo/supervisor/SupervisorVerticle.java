package io.pogo.supervisor;

import io.pogo.core.Addresses;
import io.pogo.core.EventBusService;
import io.pogo.core.Addresses.SupervisorOps;
import io.pogo.core.Requests;
import io.pogo.core.child.ChildKind;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ChildState;
import io.pogo.core.child.LogLine;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.event.ChildEvent;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.supervisor.runtime.ChildInstance;
import io.pogo.supervisor.runtime.ChildLog;
import io.pogo.supervisor.runtime.HangDetector;
import io.pogo.supervisor.runtime.ProcessLauncher;
import io.pogo.supervisor.runtime.VerticleRunner;
import io.pogo.supervisor.runtime.WatchdogProcessLauncher;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The supervisor of one node: hosts its children (verticles and OS processes), applies their restart policies,
 * reports every transition to the registry and publishes it on {@code pogo.events.child}. It answers the
 * node-addressed operations {@code pogo.supervisor.<node>.*} and describes the node on {@code pogo.node.info}.
 * Children declared in the node's config are started by the node once every verticle is up.
 * One bad child never touches another: each has its own {@link SupervisedChild}, and nothing escalates.
 */
public final class SupervisorVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(SupervisorVerticle.class);

  /** By registry key: the child id for replica 0, {@code id~r} for replica r. */
  private final Map<String, SupervisedChild> children = new LinkedHashMap<>();
  private final Map<String, ChildLog> logs = new HashMap<>();
  private NodeOptions options;
  private ProcessLauncher processes;
  private VerticleRunner verticles;
  private long startedAt;
  private long childrenStarted;
  private long childrenFailed;
  private SupervisorMetrics metrics;
  /** When each child object was created here (System.nanoTime), so a fencing check never acts on a newer start. */
  private final Map<SupervisedChild, Long> createdAt = new HashMap<>();
  /** Children handing over to a new instance elsewhere (start-then-stop), until when (nanoTime): not fenced meanwhile. */
  private final Map<SupervisedChild, Long> handingOver = new HashMap<>();
  /** The node's local facts, written by its registry: {@code quorum} (Boolean) among them. */
  private java.util.Map<Object, Object> nodeFacts;
  private long fenceTimer = -1;
  private HangDetector hang;
  private io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> holdBack;
  private long heldBack;
  private io.pogo.supervisor.task.TaskWorker tasks;

  @Override
  public Future<?> start() {
    options = NodeOptionsValidator.parse(config(), "node");
    nodeFacts = vertx.sharedData().getLocalMap("pogo.node");
    // the scheduler, a child that may run on any node, finds its host node's metrics registry by this name
    nodeFacts.put("name", options.name());
    startedAt = System.currentTimeMillis();
    Path dataDir = Path.of(options.dataDir()).toAbsolutePath();
    verticles = new VerticleRunner(vertx, Thread.currentThread().getContextClassLoader(), System::currentTimeMillis);
    metrics = new SupervisorMetrics(BackendRegistries.getNow(options.metricsRegistryName()));
    return vertx.executeBlocking(() -> {
          Files.createDirectories(dataDir);
          WatchdogProcessLauncher launcher = new WatchdogProcessLauncher(dataDir.resolve("bin"), dataDir, options.processLeaseMs());
          // a node without its quorum stops renewing its processes' leases: they stop even if this JVM hangs
          launcher.setLeaseValid(this::quorumHere);
          return (ProcessLauncher) launcher;
        })
        .compose(launcher -> {
          processes = launcher;
          String node = options.name();
          tasks = new io.pogo.supervisor.task.TaskWorker(vertx, context, node, options.maxTasks(), launcher,
              options.requestTimeoutMs(), metrics.registry());
          EventBusService service = new EventBusService(vertx.eventBus())
              .serve(Addresses.supervisor(node, SupervisorOps.START), this::startChild)
              .serve(Addresses.supervisor(node, SupervisorOps.STOP), this::stopChild)
              .serve(Addresses.supervisor(node, SupervisorOps.RESTART), this::restartChild)
              .serve(Addresses.supervisor(node, SupervisorOps.LOGS), this::childLogs)
              .serve(Addresses.supervisor(node, SupervisorOps.RUNNING), b -> Future.succeededFuture(running()))
              .serve(Addresses.supervisor(node, SupervisorOps.RELEASE), this::release)
              .serve(Addresses.supervisor(node, SupervisorOps.HANDOVER), this::handover)
              .serve(Addresses.supervisor(node, SupervisorOps.TASK_RUN), tasks::run)
              .serve(Addresses.supervisor(node, SupervisorOps.TASK_KILL), tasks::kill)
              .serve(Addresses.supervisor(node, SupervisorOps.TASK_STATUS), tasks::status)
              .serve(Addresses.supervisor(node, SupervisorOps.TASK_OUTPUT), tasks::output)
              .serve(Addresses.nodeInfo(node), b -> Future.succeededFuture(nodeInfo()))
              .serve(Addresses.NODE_INFO, b -> Future.succeededFuture(nodeInfo()));
          vertx.eventBus().<JsonObject>consumer(Addresses.EVENTS_CLUSTER, msg -> onClusterEvent(msg.body()));
          fenceTimer = vertx.setPeriodic(FENCE_CHECK_MS, id -> checkAssignments());
          hang = new HangDetector(System::nanoTime, options.processLeaseMs(), gapMs -> context.runOnContext(v -> fenceAfterHang(gapMs)));
          holdBack = this::holdBackWhileSuspect;
          vertx.eventBus().addOutboundInterceptor(holdBack);
          hang.start();
          return service.ready();
        })
        .mapEmpty();
  }

  /**
   * After this JVM was frozen longer than the process lease, the node's children may already run elsewhere: each
   * local instance keeps running only if the registry confirms, by a direct lookup, that it still owns it at its
   * epoch; anything else (assigned elsewhere, gone, no answer) stops it. Until every child is decided, what they send
   * on the event bus is held back.
   */
  private void fenceAfterHang(long gapMs) {
    List<Future<?>> decided = new ArrayList<>();
    for (SupervisedChild child : List.copyOf(children.values())) {
      if (child.isFenced() || child.state() == ChildState.STOPPED) {
        continue;
      }
      JsonObject ask = new JsonObject().put("id", child.spec().id()).put("replica", child.replica());
      decided.add(vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_ASSIGNMENT, ask, toRegistry())
          .transform(ar -> {
            boolean ours = ar.succeeded() && options.name().equals(ar.result().body().getString("node"))
                && ar.result().body().getLong("epoch", 0L) == child.epoch();
            if (ours || child.isFenced() || children.get(child.key()) != child) {
              return Future.succeededFuture();
            }
            String why = ar.failed() ? "its ownership could not be confirmed (" + PogoException.from(ar.cause()).getMessage() + ")"
                : "the registry assigns it to " + ar.result().body().getString("node") + " at epoch " + ar.result().body().getLong("epoch");
            log.warn("child {} (epoch {}) fenced on {} after a freeze of {} ms: {}", child.key(), child.epoch(), options.name(), gapMs, why);
            return child.fence("node " + options.name() + " was frozen for " + gapMs + " ms: " + why).andThen(x -> forget(child));
          }));
    }
    Future.join(decided).onComplete(ar -> {
      if (heldBack > 0) {
        log.warn("{} event-bus message(s) sent on node {} while it resumed from its freeze were held back", heldBack, options.name());
        heldBack = 0;
      }
      hang.fenced();
    });
  }

  /**
   * Between the end of a freeze and the fencing of its children, messages sent from anything but the supervisor
   * itself are dropped: a frozen verticle child must not act on a world that moved on without it.
   */
  private void holdBackWhileSuspect(io.vertx.core.eventbus.DeliveryContext<Object> delivery) {
    if (hang.suspect() && io.vertx.core.Vertx.currentContext() != context) {
      context.runOnContext(v -> heldBack++);
      return;
    }
    delivery.next();
  }

  /**
   * Whether this node's side of the cluster has its quorum, as its registry last saw it (the node's local map, so no
   * event is needed: one can be lost while members merge). Read by the process lease thread too. True without a registry.
   */
  private boolean quorumHere() {
    Object known = nodeFacts == null ? null : nodeFacts.get("quorum");
    return !(known instanceof Boolean b) || b;
  }

  /** How often the supervisor compares what it runs with what the registry assigns to it. */
  static final long FENCE_CHECK_MS = 3_000;

  private void onClusterEvent(JsonObject event) {
    if (!options.name().equals(event.getString("node"))) {
      return;
    }
    if ("quorum.lost".equals(event.getString("type"))) {
      for (SupervisedChild child : List.copyOf(children.values())) {
        fence(child, "node " + options.name() + " lost its quorum");
      }
    }
    // quorum.regained: the registry re-adopts this node's children at the next epoch
  }

  /**
   * The level-triggered half of fencing: any local instance whose record is gone or names another node or epoch
   * is stopped. Children created after the listing was asked for are left alone (their record may be newer).
   */
  private void checkAssignments() {
    if (!quorumHere()) {
      // the level-triggered half of quorum.lost (an event can be lost, for example while members merge)
      for (SupervisedChild child : List.copyOf(children.values())) {
        fence(child, "node " + options.name() + " lacks its quorum");
      }
      return;
    }
    long asked = System.nanoTime();
    JsonObject query = new JsonObject().put("scope", "local").put("node", options.name());
    vertx.eventBus().<JsonObject>request(Addresses.CHILD_LIST, query, toRegistry())
        .onSuccess(reply -> {
          Map<String, Long> assigned = new HashMap<>();
          reply.body().getJsonArray("children").forEach(o -> {
            JsonObject r = (JsonObject) o;
            assigned.put(ChildRecord.key(r), r.getLong("epoch"));
          });
          for (SupervisedChild child : List.copyOf(children.values())) {
            Long created = createdAt.get(child);
            boolean older = created != null && created - asked < 0;
            Long epoch = assigned.get(child.key());
            Long handover = handingOver.get(child);
            boolean movingOn = handover != null && handover - System.nanoTime() > 0;
            if (older && !movingOn && child.state() != ChildState.STOPPED && !child.isFenced()
                && (epoch == null || epoch != child.epoch())) {
              confirmThenFence(child);
            }
          }
        })
        .onFailure(err -> log.debug("assignment check on {} skipped: {}", options.name(), err.getMessage()));
  }

  /**
   * A listing is a query, and a query can miss a record being rewritten: ask for the child's own record before acting.
   * Assigned elsewhere, or gone: fence.
   */
  private void confirmThenFence(SupervisedChild child) {
    JsonObject ask = new JsonObject().put("id", child.spec().id()).put("replica", child.replica());
    vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_ASSIGNMENT, ask, toRegistry()).onComplete(ar -> {
      if (child.isFenced() || child.state() == ChildState.STOPPED || children.get(child.key()) != child) {
        return;
      }
      if (ar.succeeded()) {
        JsonObject a = ar.result().body();
        if (!options.name().equals(a.getString("node")) || a.getLong("epoch", 0L) != child.epoch()) {
          fence(child, "the registry assigns it to " + a.getString("node") + " at epoch " + a.getLong("epoch"));
        }
        return;
      }
      PogoException pe = PogoException.from(ar.cause());
      if (pe.code() == ErrorCode.CHILD_NOT_FOUND) {
        fence(child, "its record is gone"); // stopped (the stop raced a move), or lost with more members than it has backups
      } else {
        log.debug("assignment of {} not confirmed on {}: {}", child.key(), options.name(), pe.getMessage());
      }
    });
  }

  private void fence(SupervisedChild child, String why) {
    if (child.isFenced() || child.state() == ChildState.STOPPED) {
      return;
    }
    log.warn("child {} (epoch {}) fenced on {}: {}", child.spec().id(), child.epoch(), options.name(), why);
    child.fence(why).onComplete(ar -> forget(child));
  }

  private void forget(SupervisedChild child) {
    String key = child.key();
    if (children.get(key) == child) {
      children.remove(key);
      logs.remove(key);
    }
    createdAt.remove(child);
    handingOver.remove(child);
  }

  /**
   * A start-then-stop move begins: the mover asks for the instance's state, and the instance keeps running (not
   * fenced by the assignment check) until the new one runs and the mover releases it, or for a bounded time.
   */
  private Future<JsonObject> handover(JsonObject body) {
    SupervisedChild child = children.get(key(body));
    if (child == null || child.epoch() != body.getLong("epoch", -1L) || child.isFenced() || child.state() == ChildState.STOPPED) {
      return Future.succeededFuture(new JsonObject().putNull("state"));
    }
    long bound = 3 * options.requestTimeoutMs() + child.spec().shutdownTimeoutMs();
    handingOver.put(child, System.nanoTime() + bound * 1_000_000);
    return child.handOver()
        .timeout(options.requestTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .map(state -> new JsonObject().put("state", state))
        .recover(err -> {
          log.warn("child {} (epoch {}) gave no state for its move: {}; it moves without", child.key(), child.epoch(),
              err.toString());
          return Future.succeededFuture(new JsonObject().putNull("state"));
        });
  }

  /** Stops the local instance of a child that moves away; the registry is written by the mover, not here. */
  private Future<JsonObject> release(JsonObject body) {
    String id = body.getString("id");
    long epoch = body.getLong("epoch", -1L);
    SupervisedChild child = children.get(key(body));
    if (child == null || child.epoch() != epoch || child.isFenced() || child.state() == ChildState.STOPPED) {
      return Future.succeededFuture(new JsonObject()); // nothing of that epoch runs here
    }
    log.info("child {} (epoch {}) released on {} to move", id, epoch, options.name());
    return child.fence(body.getString("reason", "moving to another node"))
        .andThen(ar -> forget(child))
        .map(r -> new JsonObject());
  }

  private JsonObject running() {
    JsonArray list = new JsonArray();
    for (SupervisedChild c : children.values()) {
      if (c.state() != ChildState.STOPPED && !c.isFenced()) {
        list.add(new JsonObject().put("id", c.spec().id()).put("replica", c.replica()).put("epoch", c.epoch())
            .put("state", c.state().wire()));
      }
    }
    return new JsonObject().put("children", list);
  }

  @Override
  public Future<?> stop() {
    if (fenceTimer >= 0) {
      vertx.cancelTimer(fenceTimer);
    }
    if (hang != null) {
      hang.close();
      vertx.eventBus().removeOutboundInterceptor(holdBack);
    }
    if (tasks != null) {
      tasks.stopping();
    }
    // The records stay as they are: once this member has left, the survivors adopt these children (stopped here
    // first, then started there). Writing "stopped" would make them look finished and keep them down.
    List<Future<ChildRecord>> stops = new ArrayList<>();
    for (SupervisedChild child : List.copyOf(children.values())) {
      stops.add(child.fence("node " + options.name() + " is shutting down; its children move to other nodes"));
    }
    return Future.join(stops)
        .transform(ar -> {
          if (ar.failed()) {
            log.warn("some children could not report their stop while node {} shut down: {}", options.name(), ar.cause().getMessage());
          }
          return vertx.executeBlocking(() -> {
            processes.shutdownAll();
            return null;
          });
        });
  }

  private Future<JsonObject> startChild(JsonObject body) {
    ChildSpec spec = ChildSpecValidator.parse(body.getJsonObject("spec"));
    long epoch = body.getLong("epoch", 1L);
    int replica = body.getInteger("replica", 0);
    String key = ChildRecord.key(spec.id(), replica);
    if (!quorumHere()) {
      return Future.failedFuture(new PogoException(ErrorCode.QUORUM_LOST, "node " + options.name()
          + " lacks its quorum and starts nothing"));
    }
    SupervisedChild existing = children.get(key);
    Future<?> before = Future.succeededFuture();
    if (existing != null && existing.state() != ChildState.STOPPED && !existing.isFenced()) {
      if (existing.epoch() == epoch && existing.spec().equals(spec)) {
        // a retried start: same answer, and the table gets the instance's state again (a new claim of a lost
        // record says starting)
        ChildRecord now = existing.record();
        return vertx.eventBus().request(Addresses.REGISTRY_REPORT, new JsonObject().put("record", now.toJson()).put("remove", false),
            toRegistry()).transform(ar -> Future.succeededFuture(now.toJson()));
      }
      if (existing.epoch() > epoch && existing.spec().equals(spec)) {
        return Future.failedFuture(fenced(key, epoch, "epoch " + existing.epoch() + " already runs here"));
      }
      before = existing.fence("epoch " + epoch + " replaces it").onComplete(ar -> forget(existing));
    }
    // node-local checks block on the file system and class loading
    return before.compose(v -> vertx.executeBlocking(() -> {
          if (spec.kind() == ChildKind.PROCESS) {
            processes.check(spec);
            return (Class<? extends Deployable>) null;
          }
          return verticles.check(spec);
        }, false))
        .compose(verticleClass -> verifyAssignment(spec.id(), replica, epoch).map(verticleClass))
        .compose(verticleClass -> {
          SupervisedChild current = children.get(key);
          if (current != null && current.state() != ChildState.STOPPED && !current.isFenced()) {
            return current.epoch() == epoch ? Future.succeededFuture(current.record().toJson())
                : Future.failedFuture(fenced(key, epoch, "epoch " + current.epoch() + " runs here"));
          }
          ChildLog childLog = spec.kind() == ChildKind.PROCESS
              ? new ChildLog(spec.logMaxLines(), spec.logMaxBytes(), System::currentTimeMillis) : null;
          Host host = new Host(verticleClass, childLog, replica, epoch);
          if (body.containsKey("handover")) {
            host.handOver(body.getJsonObject("handover"));
          }
          SupervisedChild child = new SupervisedChild(spec, replica, epoch, host);
          children.put(key, child);
          createdAt.put(child, System.nanoTime());
          if (childLog != null) {
            logs.put(key, childLog);
          }
          childrenStarted++;
          return child.start().map(ChildRecord::toJson);
        });
  }

  /** An instance starts only once the registry confirms this node owns the child at this epoch. */
  private Future<Void> verifyAssignment(String id, int replica, long epoch) {
    JsonObject ask = new JsonObject().put("id", id).put("replica", replica);
    return vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_ASSIGNMENT, ask, toRegistry())
        .compose(reply -> {
          JsonObject a = reply.body();
          if (options.name().equals(a.getString("node")) && a.getLong("epoch", 0L) == epoch) {
            return Future.succeededFuture();
          }
          return Future.failedFuture(fenced(ChildRecord.key(id, replica), epoch, "the registry assigns it to " + a.getString("node") + " at epoch "
              + a.getLong("epoch")));
        });
  }

  /**
   * Requests to the registry go to this node's own when it has one: a clustered request may be routed to the
   * registry of a node that just died and is not yet noticed, and wait its whole timeout.
   */
  private DeliveryOptions toRegistry() {
    return options.hasRole("registry") ? Requests.local(options.requestTimeoutMs()) : Requests.options(options.requestTimeoutMs());
  }

  private PogoException fenced(String id, long epoch, String why) {
    return new PogoException(ErrorCode.FENCED, "node " + options.name() + " will not run child \"" + id + "\" at epoch "
        + epoch + ": " + why);
  }

  /** The registry key a request names: {@code id} and {@code replica} (0 when absent). */
  private static String key(JsonObject body) {
    return ChildRecord.key(body.getString("id"), body.getInteger("replica", 0));
  }

  private Future<JsonObject> stopChild(JsonObject body) {
    String id = key(body);
    SupervisedChild child = children.get(id);
    if (child == null || child.isFenced()) {
      // not here, or leaving (a move, a fence): this node writes nothing more for it, so the registry must follow the
      // record to wherever it now points (or remove it if it still points here)
      return Future.failedFuture(notHere(id));
    }
    return child.stop("stopped by request", true)
        .andThen(ar -> forget(child))
        .map(ChildRecord::toJson);
  }

  private Future<JsonObject> restartChild(JsonObject body) {
    String id = key(body);
    SupervisedChild child = children.get(id);
    if (child == null) {
      return Future.failedFuture(notHere(id));
    }
    return child.restart().map(ChildRecord::toJson);
  }

  private Future<JsonObject> childLogs(JsonObject body) {
    String id = key(body);
    if (!children.containsKey(id)) {
      return Future.failedFuture(notHere(id));
    }
    ChildLog childLog = logs.get(id);
    if (childLog == null) {
      return Future.failedFuture(new PogoException(ErrorCode.INVALID_STATE, "child \"" + id + "\" is a verticle: its "
          + "output goes to the node's log"));
    }
    int tail = Math.max(1, Math.min(body.getInteger("tail", 200), ChildSpec.MAX_LOG_MAX_LINES));
    JsonArray lines = new JsonArray();
    for (LogLine l : childLog.tail(tail)) {
      lines.add(l.toJson());
    }
    return Future.succeededFuture(new JsonObject().put("id", body.getString("id")).put("replica", body.getInteger("replica", 0))
        .put("node", options.name()).put("lines", lines)
        .put("dropped", childLog.dropped()).put("total", childLog.total()));
  }

  private PogoException notHere(String id) {
    return new PogoException(ErrorCode.CHILD_NOT_FOUND, "node " + options.name() + " does not run a child \"" + id + "\"");
  }

  private JsonObject nodeInfo() {
    Map<ChildState, Integer> byState = new EnumMap<>(ChildState.class);
    for (SupervisedChild c : children.values()) {
      byState.merge(c.state(), 1, Integer::sum);
    }
    JsonObject states = new JsonObject();
    byState.forEach((s, n) -> states.put(s.wire(), n));
    long now = System.currentTimeMillis();
    return options.toPublicJson()
        .put("startedAt", startedAt)
        .put("uptimeMs", now - startedAt)
        .put("pid", ProcessHandle.current().pid())
        .put("version", SupervisorVerticle.class.getPackage().getImplementationVersion())
        .put("children", new JsonObject().put("total", children.size()).put("byState", states)
            .put("startedSinceBoot", childrenStarted).put("failedSinceBoot", childrenFailed));
  }

  /** The node as one child sees it. */
  private final class Host implements ChildHost {
    private final Class<? extends Deployable> verticleClass;
    private final ChildLog childLog;
    private final int replica;
    private final long epoch;

    Host(Class<? extends Deployable> verticleClass, ChildLog childLog, int replica, long epoch) {
      this.verticleClass = verticleClass;
      this.childLog = childLog;
      this.replica = replica;
      this.epoch = epoch;
    }

    @Override
    public String nodeName() {
      return options.name();
    }

    @Override
    public long now() {
      return System.currentTimeMillis();
    }

    /** The state handed over by the instance this one replaces (start-then-stop): given to the first start only. */
    private boolean handedOver;
    private JsonObject handoverState;

    void handOver(JsonObject state) {
      handedOver = true;
      handoverState = state;
    }

    /** The first instance is started right after its assignment was checked; every later one checks it again. */
    private boolean started;

    @Override
    public Future<ChildInstance> startInstance(ChildSpec spec) {
      if (hang.suspect()) {
        return Future.failedFuture(new PogoException(ErrorCode.FENCED, "node " + options.name() + " is resuming from a "
            + "freeze longer than its lease: it starts nothing until its children are fenced"));
      }
      if (!started) {
        started = true;
        return launch(spec);
      }
      // a restart by policy or by hand: the child may have moved on while this node could not tell (a freeze, a
      // partition), so an instance starts only while the registry still assigns it here at this epoch
      return verifyAssignment(spec.id(), replica, epoch).compose(v -> launch(spec));
    }

    private Future<ChildInstance> launch(ChildSpec spec) {
      if (spec.kind() == ChildKind.VERTICLE) {
        boolean first = handedOver;
        handedOver = false;
        return verticles.start(spec, verticleClass, context, first, handoverState);
      }
      // a process learns who it is: its id, its ownership epoch and its node (for its own logs and fencing)
      ChildSpec told = spec.withEnv(Map.of("POGO_CHILD_ID", spec.id(), "POGO_REPLICA", Integer.toString(replica),
          "POGO_EPOCH", Long.toString(epoch), "POGO_NODE", options.name()));
      return vertx.executeBlocking(() -> processes.start(told, childLog, context), false);
    }

    @Override
    public long setTimer(long delayMs, Runnable action) {
      return vertx.setTimer(delayMs, id -> action.run());
    }

    @Override
    public void cancelTimer(long timerId) {
      vertx.cancelTimer(timerId);
    }

    @Override
    public void published(ChildState from, ChildRecord record) {
      if (record.state() == ChildState.FAILED) {
        childrenFailed++;
      }
      metrics.transition(from, record);
      vertx.eventBus().publish(Addresses.EVENTS_CHILD, ChildEvent.of(from, record).toJson());
    }

    @Override
    public Future<Void> report(ChildRecord record, boolean remove) {
      JsonObject body = new JsonObject().put("record", record.toJson()).put("remove", remove);
      return vertx.eventBus().request(Addresses.REGISTRY_REPORT, body, toRegistry())
          .onFailure(err -> {
            if (PogoException.from(err).code() == ErrorCode.FENCED) {
              SupervisedChild child = children.get(record.key());
              if (child != null && child.epoch() == record.epoch()) {
                context.runOnContext(v -> fence(child, "the registry refused its report: " + PogoException.from(err).getMessage()));
              }
            }
          })
          .mapEmpty();
    }
  }
}
