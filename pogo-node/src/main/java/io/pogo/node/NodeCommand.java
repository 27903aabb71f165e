package io.pogo.node;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/** {@code pogo node}: runs a node in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a Pogo node in the foreground until Ctrl-C or SIGTERM.",
        "Settings come from the config file, then POGO_* environment variables, then these flags."})
class NodeCommand implements Callable<Integer> {
  final CliContext ctx;

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (see example-pogo.yaml)")
  Path config;
  @Option(names = "--name", paramLabel = "NAME", description = "node name, unique in the cluster (default: short host name)")
  String name;
  @Option(names = "--tags", paramLabel = "K=V,...", description = "node tags, e.g. colo=east,role=web")
  String tags;
  @Option(names = "--roles", paramLabel = "ROLE,...", description = "verticles to run: registry,supervisor,scheduler,http (default: all)")
  String roles;
  @Option(names = "--http-host", paramLabel = "HOST", description = "HTTP API address (default 127.0.0.1; others need --token)")
  String httpHost;
  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP API port (default 8080; 0: any free port)")
  String httpPort;
  @Option(names = "--cluster-name", paramLabel = "NAME", description = "cluster name (default pogo)")
  String clusterName;
  @Option(names = "--cluster-host", paramLabel = "HOST", description = "address for cluster traffic (default 127.0.0.1)")
  String clusterHost;
  @Option(names = "--cluster-port", paramLabel = "PORT", description = "Hazelcast port (default 5701)")
  String clusterPort;
  @Option(names = "--join", paramLabel = "HOST:PORT,...", description = "members to join (default: none, a cluster of one)")
  String join;
  @Option(names = "--data-dir", paramLabel = "DIR", description = "where the node keeps its files (default pogo-data)")
  String dataDir;
  @Option(names = "--heartbeat", paramLabel = "DURATION", description = "cluster heartbeat interval (default 1s)")
  String heartbeat;
  @Option(names = "--failure-timeout", paramLabel = "DURATION", description = "a silent member is declared dead after this (default 10s)")
  String failureTimeout;
  @Option(names = "--process-lease", paramLabel = "DURATION", description = "process children stop by themselves when their node is silent this long (default 5s)")
  String processLease;
  @Option(names = "--request-timeout", paramLabel = "DURATION", description = "timeout of event-bus requests (default 5s)")
  String requestTimeout;
  @Option(names = "--token", paramLabel = "TOKEN", description = "bearer token the API requires (at least 16 characters)")
  String token;
  @Option(names = "--weight", paramLabel = "N", description = "this node's share of children relative to others (default 1)")
  String weight;
  @Option(names = "--quorum", paramLabel = "majority|none|N", description = "majority of the largest cluster seen (default), "
      + "none (availability mode: both sides of a partition keep running), or a static member count")
  String quorum;
  @Option(names = "--rebalance-on-join", paramLabel = "true|false", description = "move children to a node that joins when it becomes their owner (default true)")
  String rebalanceOnJoin;
  @Option(names = "--max-tasks", paramLabel = "N", description = "job tasks this node runs at once as a worker (default 256)")
  String maxTasks;

  NodeCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  /** The flags that were given, by config key. */
  Map<String, String> flags() {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("name", name);
    f.put("tags", tags);
    f.put("roles", roles);
    f.put("httpHost", httpHost);
    f.put("httpPort", httpPort);
    f.put("clusterName", clusterName);
    f.put("clusterHost", clusterHost);
    f.put("clusterPort", clusterPort);
    f.put("join", join);
    f.put("dataDir", dataDir);
    f.put("heartbeat", heartbeat);
    f.put("failureTimeout", failureTimeout);
    f.put("processLease", processLease);
    f.put("requestTimeout", requestTimeout);
    f.put("token", token);
    f.put("weight", weight);
    f.put("quorum", quorum);
    f.put("rebalanceOnJoin", rebalanceOnJoin);
    f.put("maxTasks", maxTasks);
    f.values().removeIf(java.util.Objects::isNull);
    return f;
  }

  /** Loads and validates the settings; prints every problem and returns null if they are wrong. */
  NodeOptions options() {
    try {
      return new NodeConfigLoader(ctx.env(), ctx.defaultNodeName().get()).load(config, flags());
    } catch (PogoException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("error: invalid node settings" + (config == null ? "" : " (config file " + config + ")"));
      for (FieldError fe : e.errors()) {
        err.println("  " + fe.field() + ": " + fe.message());
      }
      if (e.errors().isEmpty()) {
        err.println("  " + e.getMessage());
      }
      err.flush();
      return null;
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    NodeOptions options = options();
    if (options == null) {
      return CliException.USAGE;
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PogoNode node;
    try {
      node = PogoNode.start(options).toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String msg = cause instanceof PogoNode.NodeStartException ? cause.getMessage() : PogoNode.rootMessage(cause);
      err.println("error: cannot start node " + options.name() + ": " + msg);
      err.flush();
      return 1;
    }
    node.installShutdownHook();
    // a drain asked for through the API ends with the node stopped: then the process exits (the hook finds it stopped)
    node.onDrainedExit(() -> new Thread(() -> System.exit(0), "pogo-exit").start());
    out.println(node.banner());
    afterStart(node, out);
    out.flush();
    new CountDownLatch(1).await(); // until the JVM exits; the shutdown hook stops the node
    return 0;
  }

  void afterStart(PogoNode node, PrintWriter out) {
  }

  /** {@code pogo up}: a node with defaults, and where to go next. */
  @Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Start a single Pogo node with defaults (API on 127.0.0.1:8080) and say where to reach it.",
          "Accepts the same flags as 'pogo node'. Stop it with Ctrl-C."})
  static final class Up extends NodeCommand {
    Up(CliContext ctx) {
      super(ctx);
    }

    @Override
    void afterStart(PogoNode node, PrintWriter out) {
      String api = node.apiUrl();
      if (api == null) {
        out.println("This node has no HTTP role: reach the cluster through a node that has one.");
        return;
      }
      String root = api.substring(0, api.length() - "/api/v1".length());
      out.println("  API doc: " + api + "/openapi.json");
      String flag = root.equals(ApiClient.DEFAULT_API) ? "" : " --api " + root;
      out.println("  Try:     ./pogo child start" + flag + " --id hello -- sh -c 'while true; do date; sleep 5; done'");
      out.println("           ./pogo child ls" + flag);
      out.println("  Stop:    Ctrl-C (children on this node are stopped first)");
    }
  }
}
