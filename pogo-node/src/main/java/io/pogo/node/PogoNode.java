package io.pogo.node;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One Pogo node: a clustered Vert.x instance (Hazelcast, configured by {@link ClusterConfig}) with the verticles
 * of its roles deployed by class name, each with {@link NodeOptions#toJson()} as its config.
 *
 * <p>{@link #start} and {@link #stop} work in-JVM (tests start several nodes side by side); the CLI adds a JVM
 * shutdown hook with {@link #installShutdownHook()}.
 */
public final class PogoNode {
  private static final Logger LOG = LoggerFactory.getLogger(PogoNode.class);

  /** Undeploying the verticles (the supervisor stops its children) may take this long. */
  public static final long UNDEPLOY_TIMEOUT_MS = 20_000;
  /** Leaving the cluster may take this long. */
  public static final long LEAVE_TIMEOUT_MS = 10_000;
  /**
   * A stopping node first drains for at most this long: its children move one by one to other nodes (stopped here,
   * then started there). What has not moved by then is stopped with the node and adopted by the survivors once it
   * has left.
   */
  public static final long SHUTDOWN_DRAIN_MS = 30_000;
  /** The default and the bound of a drain asked for through the API. */
  public static final long DEFAULT_DRAIN_TIMEOUT_MS = 300_000;
  public static final long MAX_DRAIN_TIMEOUT_MS = 3_600_000;
  /** Name of the local map where the HTTP verticle publishes its real port ({@code httpPort}). */
  public static final String LOCAL_MAP = "pogo.node";

  /**
   * A verticle a node deploys when it has {@code role}.
   *
   * @param optional skip it (with a DEBUG log) when the class is not on the classpath
   */
  public record NodeVerticle(String role, String className, boolean optional) {
  }

  /** The standard verticles, in deployment order. */
  public static List<NodeVerticle> standardVerticles() {
    return List.of(
        new NodeVerticle("registry", "io.pogo.registry.RegistryVerticle", false),
        new NodeVerticle("supervisor", "io.pogo.supervisor.SupervisorVerticle", false),
        new NodeVerticle("scheduler", "io.pogo.scheduler.SchedulerBootstrap", true),
        new NodeVerticle("http", "io.pogo.web.HttpVerticle", false));
  }

  private final NodeOptions options;
  private final Vertx vertx;
  private final HazelcastClusterManager clusterManager;
  private final List<String> deploymentIds;
  private Future<Void> stopping;
  /** What to do once a drain asked for through the API (with exit) has stopped the node: the CLI exits the JVM. */
  private volatile Runnable onDrainedExit = () -> { };

  private PogoNode(NodeOptions options, Vertx vertx, HazelcastClusterManager clusterManager, List<String> deploymentIds) {
    this.options = options;
    this.vertx = vertx;
    this.clusterManager = clusterManager;
    this.deploymentIds = deploymentIds;
  }

  /** Starts a node with the standard verticles. */
  public static Future<PogoNode> start(NodeOptions options) {
    return start(options, standardVerticles());
  }

  /**
   * Starts a node: checks its ports and data directory, joins the cluster, deploys the verticles whose role the
   * node has (in list order), then asks the cluster to start the children declared in its config. Fails with a
   * {@link NodeStartException} whose message names what failed; nothing is left running then.
   */
  public static Future<PogoNode> start(NodeOptions options, List<NodeVerticle> verticles) {
    Logging.init();
    try {
      preflight(options, verticles);
    } catch (NodeStartException e) {
      return Future.failedFuture(e);
    }
    HazelcastClusterManager cm = new HazelcastClusterManager(ClusterConfig.hazelcast(options));
    String where = ClusterConfig.hostPort(options.clusterHost(), options.clusterPort());
    // The result is a context-free promise: after a failed start the node's Vert.x is closed, and a future bound to
    // one of its (terminated) event loops would never report anything.
    Promise<PogoNode> result = Promise.promise();
    Vertx.builder()
        .with(ClusterConfig.vertx(options))
        .withMetrics(new MicrometerMetricsFactory())
        .withClusterManager(cm)
        .buildClustered()
        .onComplete(built -> {
          if (built.failed()) {
            result.fail(new NodeStartException("cannot join cluster \"" + options.clusterName() + "\" on " + where + ": "
                + rootMessage(built.cause()), built.cause()));
            return;
          }
          Vertx vertx = built.result();
          List<String> ids = new ArrayList<>();
          PogoNode node = new PogoNode(options, vertx, cm, ids);
          deployAll(vertx, options, verticles, 0, ids)
              .compose(v -> node.markReady())
              .compose(v -> node.serveDrain())
              .compose(v -> node.startDeclaredChildren())
              .onComplete(deployed -> {
                if (deployed.succeeded()) {
                  vertx.eventBus().publish(Addresses.EVENTS_NODE, new JsonObject().put("type", "node.started")
                      .put("node", options.name()).put("at", System.currentTimeMillis()));
                  result.complete(node);
                } else {
                  close(vertx).onComplete(closed -> result.fail(deployed.cause()));
                }
              });
        });
    return result.future();
  }

  private static void preflight(NodeOptions o, List<NodeVerticle> verticles) {
    for (NodeVerticle v : verticles) {
      if (o.hasRole(v.role()) && !v.optional() && !classExists(v.className())) {
        throw new NodeStartException(v.className() + " (role " + v.role() + ") is not on the classpath; "
            + "rebuild the jar, or leave the role out with --roles", null);
      }
    }
    try {
      Files.createDirectories(Path.of(o.dataDir()));
    } catch (IOException | RuntimeException e) {
      throw new NodeStartException("cannot create the data directory " + o.dataDir() + ": " + rootMessage(e), e);
    }
    ensureFree(o.clusterHost(), o.clusterPort(), "cluster port", "--cluster-port");
    boolean http = verticles.stream().anyMatch(v -> v.role().equals("http")) && o.hasRole("http");
    if (http && o.httpPort() != 0) {
      ensureFree(o.httpHost(), o.httpPort(), "HTTP port", "--http-port");
    }
  }

  private static void ensureFree(String host, int port, String what, String flag) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      String hp = ClusterConfig.hostPort(host, port);
      String hint = e instanceof java.net.BindException && String.valueOf(e.getMessage()).contains("in use")
          ? " (is another Pogo node running? choose another with " + flag + ")" : "";
      throw new NodeStartException("cannot use " + what + " " + hp + ": " + e.getMessage() + hint, e);
    }
  }

  private static Future<Void> deployAll(Vertx vertx, NodeOptions o, List<NodeVerticle> verticles, int i, List<String> ids) {
    if (i == verticles.size()) {
      return Future.succeededFuture();
    }
    NodeVerticle v = verticles.get(i);
    if (!o.hasRole(v.role())) {
      return deployAll(vertx, o, verticles, i + 1, ids);
    }
    if (v.optional() && !classExists(v.className())) {
      LOG.debug("Skipping role {}: {} is not on the classpath", v.role(), v.className());
      return deployAll(vertx, o, verticles, i + 1, ids);
    }
    return vertx.deployVerticle(v.className(), new DeploymentOptions().setConfig(o.toJson()))
        .recover(t -> Future.failedFuture(new NodeStartException("deploying " + v.className() + " (role " + v.role()
            + ") failed: " + (root(t) instanceof ClassNotFoundException ? "class not found on the classpath" : rootMessage(t)), t)))
        .compose(id -> {
          ids.add(id);
          LOG.debug("Deployed {} (role {}) as {}", v.className(), v.role(), id);
          return deployAll(vertx, o, verticles, i + 1, ids);
        });
  }

  private static boolean classExists(String name) {
    try {
      Class.forName(name, false, PogoNode.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** What to run after a drain with exit has stopped this node (the CLI: exit the JVM). */
  public void onDrainedExit(Runnable action) {
    onDrainedExit = action;
  }

  static final long READY_TIMEOUT_MS = 30_000;

  /** Every verticle is deployed: the registry may now publish this node as a placement candidate. */
  private Future<Void> markReady() {
    if (!options.hasRole("registry")) {
      return Future.succeededFuture();
    }
    // a start-up step, not a user's request: it writes and re-reads the node records in Hazelcast, which on a loaded
    // machine can take longer than one request timeout, and failing the whole start for that helps nobody
    return vertx.eventBus().request(Addresses.REGISTRY_READY, new JsonObject(),
            Requests.local(Math.max(READY_TIMEOUT_MS, options.requestTimeoutMs())))
        .<Void>mapEmpty()
        .recover(t -> t instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
            ? Future.succeededFuture() // a node assembled without the registry verticle (tests, embedding)
            : Future.failedFuture(t));
  }

  private Future<Void> serveDrain() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.nodeDrain(options.name()), msg -> {
      JsonObject body = msg.body() == null ? new JsonObject() : msg.body();
      boolean exit;
      long timeout;
      try {
        List<io.pogo.core.error.FieldError> errors = new ArrayList<>();
        for (String key : body.fieldNames()) {
          if (!key.equals("exit") && !key.equals("timeout")) {
            errors.add(new io.pogo.core.error.FieldError(key, "unknown field; a drain takes exit and timeout"));
          }
        }
        Object e = body.getValue("exit", true);
        if (!(e instanceof Boolean)) {
          errors.add(new io.pogo.core.error.FieldError("exit", "must be true or false"));
        }
        exit = !(e instanceof Boolean b) || b;
        timeout = DEFAULT_DRAIN_TIMEOUT_MS;
        if (body.getValue("timeout") != null) {
          try {
            timeout = io.pogo.core.json.Durations.parseMillis(body.getValue("timeout"));
            if (timeout < 1_000 || timeout > MAX_DRAIN_TIMEOUT_MS) {
              errors.add(new io.pogo.core.error.FieldError("timeout", "must be from 1s to 1h"));
            }
          } catch (IllegalArgumentException ex) {
            errors.add(new io.pogo.core.error.FieldError("timeout", ex.getMessage()));
          }
        }
        if (!errors.isEmpty()) {
          throw PogoException.validation(errors);
        }
      } catch (PogoException pe) {
        pe.failMessage(msg);
        return;
      }
      if (!options.hasRole("registry")) {
        new PogoException(ErrorCode.INVALID_STATE, "node " + options.name() + " has no registry role: it hosts no "
            + "children to drain").failMessage(msg);
        return;
      }
      LOG.info("Node {} drains (timeout {} ms){}", options.name(), timeout, exit ? ", then stops" : "");
      msg.reply(new JsonObject().put("node", options.name()).put("state", "draining").put("exit", exit)
          .put("timeout", io.pogo.core.json.Durations.format(timeout)));
      drain(timeout).onComplete(ar -> {
        if (exit) {
          stop().onComplete(stopped -> onDrainedExit.run());
        }
      });
    }).completion();
  }

  /** Moves this node's children to other nodes; never fails (what cannot move within the timeout is logged). */
  private Future<Void> drain(long timeoutMs) {
    if (!options.hasRole("registry") || !options.hasRole("supervisor")) {
      return Future.succeededFuture();
    }
    long started = System.currentTimeMillis();
    return vertx.eventBus().<JsonObject>request(Addresses.REGISTRY_DRAIN, new JsonObject().put("timeoutMs", timeoutMs),
            Requests.local(timeoutMs + options.requestTimeoutMs()))
        .map(reply -> {
          JsonObject r = reply.body();
          LOG.info("Node {} drained in {} ms; {} child record(s) left here (finished, pinned here, or with no other "
              + "eligible node)", options.name(), System.currentTimeMillis() - started, r.getInteger("remaining"));
          vertx.eventBus().publish(Addresses.EVENTS_NODE, new JsonObject().put("type", "node.drained")
              .put("node", options.name()).put("remaining", r.getInteger("remaining")).put("at", System.currentTimeMillis()));
          return (Void) null;
        })
        .recover(err -> {
          LOG.warn("Node {} did not finish draining: {}; what is left stops with the node and is adopted elsewhere",
              options.name(), PogoException.from(err).getMessage());
          return Future.succeededFuture();
        });
  }

  /**
   * Asks the cluster to start each child declared in the config. A child that already runs (another node with the
   * same config started it) is fine; any other failure is logged and does not stop the node.
   */
  private Future<Void> startDeclaredChildren() {
    Future<Void> chain = Future.succeededFuture();
    for (JsonObject spec : options.children()) {
      chain = chain.compose(v -> requestWithRetry(Addresses.CHILD_START, spec, System.currentTimeMillis() + options.requestTimeoutMs())
          .map(reply -> {
            LOG.info("Started child {} from the config on node {}", spec.getString("id"), reply.getString("node"));
            return (Void) null;
          })
          .recover(t -> {
            PogoException pe = PogoException.from(t);
            if (pe.code() == ErrorCode.ALREADY_STARTED) {
              LOG.info("Child {} from the config already runs: {}", spec.getString("id"), pe.getMessage());
            } else {
              LOG.warn("Could not start child {} from the config: {}", spec.getString("id"), pe.getMessage());
            }
            return Future.succeededFuture();
          }));
    }
    return chain;
  }

  /** A request that retries while nobody serves the address yet (subscriptions propagate asynchronously). */
  private Future<JsonObject> requestWithRetry(String address, JsonObject body, long deadline) {
    return vertx.eventBus().<JsonObject>request(address, body, Requests.options(options.requestTimeoutMs()))
        .map(m -> m.body())
        .recover(t -> {
          if (t instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
              && System.currentTimeMillis() < deadline) {
            Promise<JsonObject> p = Promise.promise();
            vertx.setTimer(200, id -> requestWithRetry(address, body, deadline).onComplete(p));
            return p.future();
          }
          return Future.failedFuture(t);
        });
  }

  /**
   * Stops the node: drains it (its children move to other nodes, break-before-make), undeploys its verticles in
   * reverse order (the supervisor stops what is left), then leaves the cluster. Each phase is bounded
   * ({@link #SHUTDOWN_DRAIN_MS}, {@link #UNDEPLOY_TIMEOUT_MS}, {@link #LEAVE_TIMEOUT_MS}). Idempotent.
   */
  public synchronized Future<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    LOG.info("Stopping node {}", options.name());
    vertx.eventBus().publish(Addresses.EVENTS_NODE,
        new JsonObject().put("type", "node.stopping").put("node", options.name()).put("at", System.currentTimeMillis()));
    List<String> reversed = new ArrayList<>(deploymentIds);
    java.util.Collections.reverse(reversed);
    Future<Void> undeploy = drain(SHUTDOWN_DRAIN_MS);
    for (String id : reversed) {
      undeploy = undeploy.compose(v -> vertx.undeploy(id).recover(t -> {
        LOG.warn("Undeploying {} failed: {}", id, rootMessage(t));
        return Future.succeededFuture();
      }));
    }
    Promise<Void> done = Promise.promise(); // context-free, like start()'s
    stopping = done.future();
    undeploy.timeout(SHUTDOWN_DRAIN_MS + options.requestTimeoutMs() + UNDEPLOY_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(undeployed -> {
      if (undeployed.failed()) {
        LOG.warn("Verticles did not stop within {} ms; leaving the cluster anyway", UNDEPLOY_TIMEOUT_MS);
      }
      close(vertx).onComplete(closed -> {
        if (closed.succeeded()) {
          LOG.info("Node {} stopped", options.name());
        } else {
          LOG.warn("Node {} did not leave the cluster cleanly: {}", options.name(), rootMessage(closed.cause()));
        }
        done.handle(closed);
      });
    });
    return stopping;
  }

  /**
   * Closes Vert.x (leaving the cluster) within {@link #LEAVE_TIMEOUT_MS}. The close is started from a thread of its
   * own, outside any Vert.x context: a close called on an event loop would try to report its end on that very event
   * loop after it has been shut down, and the future would never complete.
   */
  private static Future<Void> close(Vertx vertx) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread closer = new Thread(() -> vertx.close().onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(null);
      } else {
        done.completeExceptionally(ar.cause());
      }
    }), "pogo-close");
    closer.setDaemon(true);
    closer.start();
    return Future.fromCompletionStage(done.orTimeout(LEAVE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(t -> CompletableFuture.failedFuture(t instanceof java.util.concurrent.TimeoutException
            ? new IllegalStateException("did not leave the cluster within " + LEAVE_TIMEOUT_MS + " ms") : t)));
  }

  /**
   * Stops the node when the JVM is asked to exit (SIGTERM, SIGINT), waiting at most for both phases of
   * {@link #stop()} plus a second.
   */
  public Thread installShutdownHook() {
    Thread hook = new Thread(() -> {
      try {
        stop().toCompletionStage().toCompletableFuture()
            .get(SHUTDOWN_DRAIN_MS + options.requestTimeoutMs() + UNDEPLOY_TIMEOUT_MS + LEAVE_TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("Shutdown of node {} incomplete: {}", options.name(), rootMessage(e));
      }
    }, "pogo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  public NodeOptions options() {
    return options;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Members of the cluster as this node sees them. */
  public int members() {
    return clusterManager.getNodes().size();
  }

  /** The HTTP port: the one the HTTP verticle published, else the configured one. */
  public int httpPort() {
    Object p = vertx.sharedData().getLocalMap(LOCAL_MAP).get("httpPort");
    if (p instanceof Number n) {
      return n.intValue();
    }
    if (p instanceof String s && s.matches("\\d{1,5}")) {
      return Integer.parseInt(s);
    }
    return options.httpPort();
  }

  /** The API's base URL, or null when this node has no HTTP role. */
  public String apiUrl() {
    if (!options.hasRole("http")) {
      return null;
    }
    return "http://" + ClusterConfig.hostPort(options.httpHost(), httpPort()) + "/api/v1";
  }

  /** The one-line "ready" banner. */
  public String banner() {
    String api = apiUrl() == null ? "no API (role http not on this node)" : "API " + apiUrl();
    int n = members();
    return "Pogo node " + options.name() + " ready: " + api + " (cluster " + options.clusterName() + " on "
        + ClusterConfig.hostPort(options.clusterHost(), options.clusterPort()) + ", " + n + " member" + (n == 1 ? "" : "s") + ")";
  }

  static Throwable root(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  static String rootMessage(Throwable t) {
    Throwable root = root(t);
    String msg = root.getMessage();
    if (msg == null || msg.isBlank()) {
      msg = root.getClass().getSimpleName();
    }
    return msg.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  /** A start failure whose message is one line naming what failed. */
  public static final class NodeStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NodeStartException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
