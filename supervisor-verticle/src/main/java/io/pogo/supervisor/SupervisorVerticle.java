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
import io.pogo.supervisor.runtime.ProcessLauncher;
import io.pogo.supervisor.runtime.VerticleRunner;
import io.pogo.supervisor.runtime.WatchdogProcessLauncher;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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

  private final Map<String, SupervisedChild> children = new LinkedHashMap<>();
  private final Map<String, ChildLog> logs = new HashMap<>();
  private NodeOptions options;
  private ProcessLauncher processes;
  private VerticleRunner verticles;
  private long startedAt;
  private long childrenStarted;
  private long childrenFailed;
  private SupervisorMetrics metrics;

  @Override
  public Future<?> start() {
    options = NodeOptionsValidator.parse(config(), "node");
    startedAt = System.currentTimeMillis();
    Path dataDir = Path.of(options.dataDir()).toAbsolutePath();
    verticles = new VerticleRunner(vertx, Thread.currentThread().getContextClassLoader(), System::currentTimeMillis);
    metrics = new SupervisorMetrics(BackendRegistries.getNow(options.metricsRegistryName()));
    return vertx.executeBlocking(() -> {
          Files.createDirectories(dataDir);
          return (ProcessLauncher) new WatchdogProcessLauncher(dataDir.resolve("bin"), dataDir, options.processLeaseMs());
        })
        .compose(launcher -> {
          processes = launcher;
          String node = options.name();
          EventBusService service = new EventBusService(vertx.eventBus())
              .serve(Addresses.supervisor(node, SupervisorOps.START), this::startChild)
              .serve(Addresses.supervisor(node, SupervisorOps.STOP), this::stopChild)
              .serve(Addresses.supervisor(node, SupervisorOps.RESTART), this::restartChild)
              .serve(Addresses.supervisor(node, SupervisorOps.LOGS), this::childLogs)
              .serve(Addresses.nodeInfo(node), b -> Future.succeededFuture(nodeInfo()))
              .serve(Addresses.NODE_INFO, b -> Future.succeededFuture(nodeInfo()));
          return service.ready();
        })
        .mapEmpty();
  }

  @Override
  public Future<?> stop() {
    List<Future<ChildRecord>> stops = new ArrayList<>();
    for (SupervisedChild child : List.copyOf(children.values())) {
      stops.add(child.stop("node " + options.name() + " shut down", false));
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
    if (children.containsKey(spec.id())) {
      SupervisedChild existing = children.get(spec.id());
      return Future.failedFuture(new PogoException(ErrorCode.ALREADY_STARTED, "child \"" + spec.id()
          + "\" is already started on node " + options.name() + " (state " + existing.state().wire() + ")",
          List.of(), new JsonObject().put("id", spec.id()).put("node", options.name()).put("state", existing.state().wire())));
    }
    // node-local checks block on the file system and class loading
    return vertx.executeBlocking(() -> {
      if (spec.kind() == ChildKind.PROCESS) {
        processes.check(spec);
        return (Class<? extends Deployable>) null;
      }
      return verticles.check(spec);
    }, false).compose(verticleClass -> {
      if (children.containsKey(spec.id())) {
        return Future.failedFuture(new PogoException(ErrorCode.ALREADY_STARTED, "child \"" + spec.id()
            + "\" is already started on node " + options.name()));
      }
      ChildLog childLog = spec.kind() == ChildKind.PROCESS
          ? new ChildLog(spec.logMaxLines(), spec.logMaxBytes(), System::currentTimeMillis) : null;
      SupervisedChild child = new SupervisedChild(spec, epoch, new Host(verticleClass, childLog));
      children.put(spec.id(), child);
      if (childLog != null) {
        logs.put(spec.id(), childLog);
      }
      childrenStarted++;
      return child.start().map(ChildRecord::toJson);
    });
  }

  private Future<JsonObject> stopChild(JsonObject body) {
    String id = body.getString("id");
    SupervisedChild child = children.get(id);
    if (child == null) {
      return Future.failedFuture(notHere(id));
    }
    return child.stop("stopped by request", true)
        .andThen(ar -> {
          if (children.get(id) == child) {
            children.remove(id);
            logs.remove(id);
          }
        })
        .map(ChildRecord::toJson);
  }

  private Future<JsonObject> restartChild(JsonObject body) {
    String id = body.getString("id");
    SupervisedChild child = children.get(id);
    if (child == null) {
      return Future.failedFuture(notHere(id));
    }
    return child.restart().map(ChildRecord::toJson);
  }

  private Future<JsonObject> childLogs(JsonObject body) {
    String id = body.getString("id");
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
    return Future.succeededFuture(new JsonObject().put("id", id).put("node", options.name()).put("lines", lines)
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

    Host(Class<? extends Deployable> verticleClass, ChildLog childLog) {
      this.verticleClass = verticleClass;
      this.childLog = childLog;
    }

    @Override
    public String nodeName() {
      return options.name();
    }

    @Override
    public long now() {
      return System.currentTimeMillis();
    }

    @Override
    public Future<ChildInstance> startInstance(ChildSpec spec) {
      if (spec.kind() == ChildKind.VERTICLE) {
        return verticles.start(spec, verticleClass, context);
      }
      return vertx.executeBlocking(() -> processes.start(spec, childLog, context), false);
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
      return vertx.eventBus().request(Addresses.REGISTRY_REPORT, body, Requests.options(options.requestTimeoutMs()))
          .mapEmpty();
    }
  }
}
