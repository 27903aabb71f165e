package io.pogo.bench;

import io.pogo.supervisor.examples.EchoVerticle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The cluster benchmark: Pogo nodes as separate JVMs ({@code java -jar pogo.jar node ...}) on loopback, driven over
 * HTTP from this JVM (which is no member of any cluster), each figure against a baseline measured in the same run:
 * <ol>
 *   <li>failover after {@code kill -9} of the node holding 1,000 children (3 nodes), against Vert.x's own HA
 *       failover of one verticle with the same Hazelcast failure detection (3 HA JVMs, same ClusterConfig);</li>
 *   <li>children started per second through one node of a 3-node cluster, against a 1-node cluster;</li>
 *   <li>GET /api/v1/children/{id} latency on a node that does not host the child, against the hosting node;</li>
 *   <li>children moved when a 4th node joins a 3-node cluster (against the ideal 1/4), and the time to settle.</li>
 * </ol>
 * Prints a report on stdout and writes it as JSON ({@code bench-cluster.json}); node logs go to
 * {@code cluster-logs/}. Every wait has a deadline and every node is killed at the end (and by a shutdown hook).
 */
final class ClusterBench {
  private static final String ECHO = EchoVerticle.class.getName();
  /** Timeout of one HTTP call to a node. */
  private static final long CALL_MS = 30_000;
  /** Limit of one batch of starts or stops. */
  private static final long BATCH_MS = 180_000;
  /** How long a node may take to start and see the cluster. */
  private static final long NODE_START_MS = 90_000;
  /** How long a failover may take before the trial is declared failed. */
  private static final long FAILOVER_MS = 120_000;
  /** How long a join may take to settle. */
  private static final long SETTLE_MS = 180_000;
  /** The kill comes at least this long after the last node joined (partition migrations done) and 1 s after the last operation. */
  private static final long SETTLE_BEFORE_KILL_MS = 5_000;
  /** A join has settled once no child moved for this long (the reconciler's tick is 2 s) and all run. */
  private static final long QUIET_MS = 5_000;

  record Settings(boolean quick, Path outDir, int runs, int failoverChildren, int haReference, int children,
                  int concurrency, int warmup, int lookupWarmup, int lookupMeasured, String heartbeat,
                  String failureTimeout, String nodeHeap, Path pogoJar, Path benchJar, Set<String> phases) {
    static Settings parse(String[] args) {
      boolean quick = List.of(args).contains("--quick");
      Path out = null;
      Path pogoJar = null;
      Integer runs = null;
      Integer foChildren = null;
      Integer haRef = null;
      Integer children = null;
      int conc = 64;
      String hb = "1s";
      String ft = "5s";
      String heap = "384m";
      Set<String> phases = Set.of("failover", "scale");
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--quick" -> { }
          case "--out" -> out = Path.of(value(args, ++i));
          case "--pogo-jar" -> pogoJar = Path.of(value(args, ++i));
          case "--runs" -> runs = positive(value(args, ++i), "--runs");
          case "--failover-children" -> foChildren = positive(value(args, ++i), "--failover-children");
          case "--ha-reference" -> haRef = nonNegative(value(args, ++i), "--ha-reference");
          case "--children" -> children = positive(value(args, ++i), "--children");
          case "--concurrency" -> conc = positive(value(args, ++i), "--concurrency");
          case "--heartbeat" -> hb = value(args, ++i);
          case "--failure-timeout" -> ft = value(args, ++i);
          case "--node-heap" -> heap = value(args, ++i);
          case "--phases" -> {
            phases = Set.of(value(args, ++i).split(","));
            if (!Set.of("failover", "scale").containsAll(phases)) {
              throw new IllegalArgumentException("--phases: a list of failover, scale");
            }
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (out == null) {
        out = Main.defaultOutDir();
      }
      Path benchJar = Main.benchJar();
      if (pogoJar == null) {
        pogoJar = benchJar == null ? Path.of("pogo-node", "target", "pogo.jar")
            : benchJar.toAbsolutePath().getParent().resolve("../../pogo-node/target/pogo.jar").normalize();
      }
      if (!Files.isRegularFile(pogoJar)) {
        throw new IllegalArgumentException("no Pogo node jar at " + pogoJar + " (build it: ./mvnw -o -q -B -pl pogo-node -am "
            + "package -DskipTests, or give --pogo-jar)");
      }
      if (benchJar == null || !Files.isRegularFile(benchJar)) {
        throw new IllegalArgumentException("run the benchmark from its jar (java -jar pogo-bench/target/pogo-bench.jar "
            + "cluster): the Vert.x HA baseline starts JVMs from it");
      }
      if (quick) {
        return new Settings(true, out, runs == null ? 1 : runs, foChildren == null ? 100 : foChildren,
            haRef == null ? 100 : haRef, children == null ? 1_000 : children, conc, 200, 50, 200, hb, ft, heap, pogoJar,
            benchJar, phases);
      }
      return new Settings(false, out, runs == null ? 5 : runs, foChildren == null ? 1_000 : foChildren,
          haRef == null ? 1_000 : haRef, children == null ? 10_000 : children, conc, 1_000, 200, 1_000, hb, ft, heap,
          pogoJar, benchJar, phases);
    }

    private static String value(String[] args, int i) {
      if (i >= args.length) {
        throw new IllegalArgumentException(args[i - 1] + " needs a value");
      }
      return args[i];
    }

    private static int positive(String s, String opt) {
      int v = nonNegative(s, opt);
      if (v == 0) {
        throw new IllegalArgumentException(opt + ": must be positive");
      }
      return v;
    }

    private static int nonNegative(String s, String opt) {
      try {
        int v = Integer.parseInt(s);
        if (v >= 0) {
          return v;
        }
      } catch (NumberFormatException ignored) {
        // below
      }
      throw new IllegalArgumentException(opt + ": \"" + s + "\" is not a non-negative integer");
    }
  }

  private final Settings s;
  private final long startNanos = System.nanoTime();
  private final JsonObject report = new JsonObject();
  private final StringBuilder text = new StringBuilder();
  private final Path logDir;
  private final String runTag = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> oddities = new ArrayList<>();
  private Http http;

  ClusterBench(Settings s) {
    this.s = s;
    this.logDir = s.outDir().resolve("cluster-logs");
  }

  int run() {
    int rc = 0;
    report.put("benchmark", "cluster").put("startedAt", Instant.now().toString()).put("quick", s.quick());
    report.put("environment", environment());
    header();
    try {
      deleteTree(logDir);
      Files.createDirectories(logDir);
      http = new Http(s.concurrency() + 16);
      if (s.phases().contains("failover")) {
        failover();
      }
      if (s.phases().contains("scale")) {
        scale();
      }
    } catch (Throwable t) {
      rc = 1;
      report.put("error", String.valueOf(t));
      line("");
      line("BENCHMARK FAILED: " + t);
      t.printStackTrace();
    } finally {
      NodeProc.killAll();
      if (http != null) {
        http.close();
      }
    }
    if (!oddities.isEmpty()) {
      line("");
      line("Oddities seen during the run:");
      oddities.forEach(o -> line("  - " + o));
    }
    report.put("oddities", new JsonArray(new ArrayList<>(oddities)));
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    report.put("durationS", Stats.r(seconds));
    line("");
    line(String.format("total %.1f s; JSON: %s; node logs: %s; node processes left: %d", seconds, jsonPath(), logDir,
        NodeProc.running()));
    report.put("text", text.toString());
    try {
      Files.writeString(jsonPath(), report.encodePrettily() + "\n");
    } catch (IOException e) {
      System.err.println("cannot write " + jsonPath() + ": " + e);
      rc = 1;
    }
    return rc;
  }

  private Path jsonPath() {
    return s.outDir().resolve("bench-cluster.json");
  }

  // ---------------------------------------------------------------- environment

  private JsonObject environment() {
    RuntimeMXBean rt = ManagementFactory.getRuntimeMXBean();
    List<String> jvmArgs = rt.getInputArguments();
    String javaCmd = System.getProperty("sun.java.command", "?");
    String command = "java " + String.join(" ", jvmArgs) + (javaCmd.contains(".jar") ? " -jar " : " ") + javaCmd;
    return new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"))
        .put("loadAverageAtStart", Stats.r(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
        .put("javaVersion", System.getProperty("java.runtime.version", System.getProperty("java.version")))
        .put("vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"))
        .put("jvmArgs", new JsonArray(new ArrayList<>(jvmArgs)))
        .put("command", command)
        .put("pogoJar", s.pogoJar().toString())
        .put("benchJar", s.benchJar().toString())
        .put("nodeJvm", "-Xms64m -Xmx" + s.nodeHeap())
        .put("heartbeat", s.heartbeat())
        .put("failureTimeout", s.failureTimeout());
  }

  private void header() {
    JsonObject env = report.getJsonObject("environment");
    line("Pogo cluster benchmark" + (s.quick() ? " (QUICK: smoke-test counts, figures not meaningful)" : ""));
    line("  started   " + report.getString("startedAt"));
    line("  machine   " + env.getInteger("cores") + " cores, " + env.getString("os") + ", load average at start "
        + env.getDouble("loadAverageAtStart"));
    line("  java      " + env.getString("javaVersion") + " (" + env.getString("vm") + ")");
    line("  command   " + env.getString("command"));
    line("  nodes     separate JVMs on 127.0.0.1, java -Xms64m -Xmx" + s.nodeHeap() + ": Pogo = pogo.jar node --heartbeat "
        + s.heartbeat() + " --failure-timeout " + s.failureTimeout() + " (defaults otherwise: quorum majority, rebalance");
    line("            on join); Vert.x HA = pogo-bench.jar ha-node: HA group, quorum 2, and Pogo's own ClusterConfig");
    line("            (Hazelcast deadline detector, heartbeat " + s.heartbeat() + ", max no heartbeat " + s.failureTimeout()
        + ", TCP-IP join). Children: " + ECHO.substring(ECHO.lastIndexOf('.') + 1) + " verticles over HTTP (Vert.x client, "
        + s.concurrency() + " in flight)");
  }

  // ---------------------------------------------------------------- clusters of node processes

  /** A cluster of node processes with ports chosen up front (so every node's join list is known). */
  private final class Cluster implements AutoCloseable {
    final String label;
    final String clusterName;
    final boolean ha;
    final int[] clusterPorts;
    final NodeProc[] nodes;
    final Path dataRoot;
    long lastReadyNanos;

    Cluster(String label, int maxNodes, boolean ha) throws IOException {
      this.label = label;
      this.ha = ha;
      this.clusterName = "cbench-" + runTag + "-" + label;
      clusterPorts = new int[maxNodes];
      for (int i = 0; i < maxNodes; i++) {
        clusterPorts[i] = fixedPort(clusterPorts);
      }
      nodes = new NodeProc[maxNodes];
      dataRoot = Files.createTempDirectory("pogo-cbench-");
    }

    String name(int i) {
      return (ha ? "ha" : "n") + (i + 1);
    }

    /** Join list of node i: nodes 1..max(3, i+1) of this cluster. */
    String join(int i) {
      int upTo = Math.min(nodes.length, Math.max(3, i + 1));
      List<String> m = new ArrayList<>();
      for (int k = 0; k < upTo; k++) {
        m.add("127.0.0.1:" + clusterPorts[k]);
      }
      return String.join(",", m);
    }

    NodeProc launch(int i, int deploy) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Path log = logDir.resolve(label + "-" + name(i) + ".log");
      List<String> cmd = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx" + s.nodeHeap()));
      if (ha) {
        cmd.addAll(List.of("-jar", s.benchJar().toString(), "ha-node", "--name", name(i), "--cluster-name", clusterName,
            "--cluster-port", String.valueOf(clusterPorts[i]), "--join", join(i), "--heartbeat", s.heartbeat(),
            "--failure-timeout", s.failureTimeout(), "--quorum", "2", "--data-dir", dataRoot.resolve(name(i)).toString()));
        if (deploy > 0) {
          cmd.addAll(List.of("--deploy", String.valueOf(deploy), "--deploy-after-members", "3"));
        }
      } else {
        cmd.addAll(List.of("-jar", s.pogoJar().toString(), "node", "--name", name(i), "--cluster-name", clusterName,
            "--cluster-port", String.valueOf(clusterPorts[i]), "--join", join(i), "--http-port", "0",
            "--data-dir", dataRoot.resolve(name(i)).toString(), "--heartbeat", s.heartbeat(), "--failure-timeout",
            s.failureTimeout()));
      }
      nodes[i] = NodeProc.launch(name(i), clusterPorts[i], 0, dataRoot.resolve(name(i)), log, cmd);
      return nodes[i];
    }

    /** Launches node i and waits until it is ready and every live node of the cluster sees i+1 members. */
    NodeProc start(int i, int deploy) throws Exception {
      NodeProc n = launch(i, deploy);
      awaitReady(n, i + 1);
      lastReadyNanos = System.nanoTime();
      return n;
    }

    void awaitReady(NodeProc n, int members) throws Exception {
      if (ha) {
        if (n.awaitLine(l -> l.startsWith("HA-NODE-READY"), NODE_START_MS) == null) {
          throw new IllegalStateException(label + ": " + n + " did not start: " + tail(n.log).trim());
        }
        if (n.awaitLine(l -> l.equals("HA-MEMBERS " + members), NODE_START_MS) == null) {
          throw new IllegalStateException(label + ": " + n + " never saw " + members + " members: " + tail(n.log).trim());
        }
        return;
      }
      NodeProc.Line banner = n.awaitLine(l -> l.contains(" ready: "), NODE_START_MS);
      if (banner == null) {
        throw new IllegalStateException(label + ": " + n + " did not start: " + tail(n.log).trim());
      }
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("API http://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(banner.text());
      if (!m.find()) {
        throw new IllegalStateException(label + ": no API address in the banner of " + n + ": " + banner.text());
      }
      n.httpPort = Integer.parseInt(m.group(1));
      long deadline = System.nanoTime() + NODE_START_MS * 1_000_000;
      while (true) {
        boolean all = true;
        for (NodeProc p : live()) {
          JsonObject c;
          try {
            c = Http.await(http.getJson(p.httpPort, "/api/v1/cluster", 5_000), 6_000);
          } catch (Exception e) {
            all = false;
            break;
          }
          if (c.getInteger("members", 0) != members || c.getJsonArray("nodes", new JsonArray()).size() != members
              || !c.getJsonObject("quorum", new JsonObject()).getBoolean("present", false)) {
            all = false;
            break;
          }
        }
        if (all) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(label + ": the nodes never all saw " + members + " members");
        }
        Thread.sleep(200);
      }
    }

    List<NodeProc> live() {
      return Stream.of(nodes).filter(n -> n != null && n.alive()).toList();
    }

    NodeProc byName(String name) {
      return Stream.of(nodes).filter(n -> n != null && n.name.equals(name)).findFirst().orElse(null);
    }

    long cpuMs() {
      return live().stream().mapToLong(NodeProc::cpuMs).sum();
    }

    @Override
    public void close() throws Exception {
      for (NodeProc n : nodes) {
        if (n != null) {
          n.kill9();
        }
      }
      deleteTree(dataRoot);
    }
  }

  /**
   * A fresh cluster of {@code count} nodes started one after another (node {@code deployIndex} of an HA cluster
   * deploys {@code deploy} HA verticles). On a shared, overloaded machine a starting cluster can split (a JVM starved
   * of CPU for longer than the failure timeout is suspected and removed); then the attempt is recorded as an oddity
   * and the cluster formed again from scratch, up to 3 attempts.
   */
  private Cluster form(String label, int max, boolean ha, int count, int deployIndex, int deploy) throws Exception {
    for (int attempt = 1; ; attempt++) {
      Cluster c = new Cluster(attempt == 1 ? label : label + "-try" + attempt, max, ha);
      try {
        for (int i = 0; i < count; i++) {
          c.start(i, i == deployIndex ? deploy : 0);
        }
        return c;
      } catch (IllegalStateException e) {
        c.close();
        oddities.add(String.format("%s: forming the cluster failed (attempt %d, load average %.1f): %s", label, attempt,
            ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), firstAndLast(e.getMessage())));
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  /**
   * A cluster port, fixed before the node starts (the others' join lists name it): a free port below Linux's
   * ephemeral range (32768-60999), so that no outgoing connection of this busy machine takes it in the meantime.
   */
  static int fixedPort(int[] taken) throws IOException {
    java.util.Random rnd = new java.util.Random();
    for (int tries = 0; tries < 1_000; tries++) {
      int port = 20_000 + rnd.nextInt(12_000);
      if (java.util.Arrays.stream(taken).anyMatch(p -> p == port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        return port;
      } catch (IOException busy) {
        // try another
      }
    }
    throw new IOException("no free port in 20000-31999");
  }

  static String tail(Path log) {
    try {
      List<String> l = Files.readAllLines(log);
      return "\n    " + String.join("\n    ", l.subList(Math.max(0, l.size() - 15), l.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  // ---------------------------------------------------------------- children

  private static JsonObject spec(String id) {
    return new JsonObject().put("id", id).put("kind", "verticle").put("verticle", ECHO)
        .put("config", new JsonObject().put("address", "bench." + id));
  }

  /** Starts ids prefix+from .. prefix+(to-1) through one node, with the benchmark's concurrency. */
  private Bounded.Result startChildren(int port, String prefix, int from, int to) {
    return Bounded.run(to - from, s.concurrency(), BATCH_MS,
        i -> http.startChild(port, spec(prefix + (from + i)), CALL_MS).toCompletionStage());
  }

  private Bounded.Result stopChildren(int port, List<String> ids) {
    return Bounded.run(ids.size(), 16, BATCH_MS, i -> http.stopChild(port, ids.get(i), CALL_MS).toCompletionStage());
  }

  private static List<String> ids(String prefix, int from, int to) {
    List<String> ids = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      ids.add(prefix + i);
    }
    return ids;
  }

  /**
   * Set-up, not measured: starts the ids (32 in flight); on an overloaded machine a start can time out (HTTP 504
   * after the node's 5 s request timeout) and still happen, so those the registry then lacks are started again, up to
   * 3 rounds; then waits (up to 60 s) until every one of them is running. Retries are recorded as oddities.
   */
  private void startAll(int port, List<String> ids, String what) throws Exception {
    List<String> todo = ids;
    for (int round = 1; !todo.isEmpty(); round++) {
      Set<String> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
      List<String> batch = todo;
      Bounded.Result r = Bounded.run(batch.size(), 32, BATCH_MS, i -> http.startChild(port, spec(batch.get(i)), CALL_MS)
          .onFailure(e -> failed.add(batch.get(i))).toCompletionStage());
      if (failed.isEmpty() && !r.timedOut()) {
        break;
      }
      oddities.add(String.format("%s: %d of %d starts failed in round %d (load average %.1f), e.g. %s", what, r.total() - r.ok(),
          r.total(), round, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
          r.firstErrors().isEmpty() ? "-" : r.firstErrors().get(0).lines().findFirst().orElse("")));
      if (round == 3) {
        throw new IllegalStateException(what + ": starts still failing after 3 rounds: " + r.firstErrors());
      }
      Thread.sleep(2_000);
      Map<String, JsonObject> now = listing(port);
      todo = batch.stream().filter(id -> !now.containsKey(id)).toList();
    }
    awaitRunning(port, new HashSet<>(ids), what);
  }

  /** Waits (up to 60 s) until the listing has every id, running. */
  private void awaitRunning(int port, Set<String> ids, String what) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      Map<String, JsonObject> now = listing(port);
      long missing = ids.stream().filter(id -> !now.containsKey(id) || !"running".equals(now.get(id).getString("state"))).count();
      if (missing == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + ": " + missing + " of " + ids.size() + " children not running after 60 s");
      }
      Thread.sleep(500);
    }
  }

  /** Set-up, not measured: stops the ids (16 in flight), again for those still listed, up to 3 rounds. */
  private void stopAll(int port, List<String> ids, String what) throws Exception {
    List<String> todo = ids;
    for (int round = 1; !todo.isEmpty(); round++) {
      List<String> batch = todo;
      Bounded.Result r = stopChildren(port, batch);
      if (r.ok() == r.total() && !r.timedOut()) {
        break;
      }
      oddities.add(String.format("%s: %d of %d stops failed in round %d, e.g. %s", what, r.total() - r.ok(), r.total(), round,
          r.firstErrors().isEmpty() ? "-" : r.firstErrors().get(0).lines().findFirst().orElse("")));
      if (round == 3) {
        throw new IllegalStateException(what + ": stops still failing after 3 rounds: " + r.firstErrors());
      }
      Thread.sleep(2_000);
      Map<String, JsonObject> now = listing(port);
      todo = batch.stream().filter(now::containsKey).toList();
    }
  }

  /** The global listing as id to record. */
  private Map<String, JsonObject> listing(int port) throws Exception {
    Map<String, JsonObject> m = new HashMap<>();
    for (JsonObject r : http.children(port, "scope=global", CALL_MS)) {
      m.put(r.getString("id"), r);
    }
    return m;
  }

  private static Map<String, List<String>> byNode(Collection<JsonObject> records) {
    Map<String, List<String>> m = new TreeMap<>();
    for (JsonObject r : records) {
      m.computeIfAbsent(r.getString("node"), k -> new ArrayList<>()).add(r.getString("id"));
    }
    return m;
  }

  private static String counts(Map<String, List<String>> byNode) {
    return byNode.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().size()).collect(Collectors.joining(", "));
  }

  // ---------------------------------------------------------------- 1. failover

  private void failover() throws Exception {
    int per = s.failoverChildren();
    line("");
    line(String.format("1. Failover after kill -9 of the node holding %,d of %,d children (3 nodes, %d run(s))", per, 3 * per,
        s.runs()));
    line("   Pogo: time from the kill to the last of the victim's children `running` on a survivor (the `at` of its");
    line("   child.running event, seen on the SSE stream of a survivor; checked against the global listing afterwards).");
    line("   Vert.x HA: time from the kill to the redeployed verticle's start() on a survivor (it prints its clock).");
    line("   The HA victim is the node in the same position (n1 = oldest member = Hazelcast master) as Pogo's victim.");
    line("");
    line("   Times in ms after the kill; in brackets: when the first survivor's Hazelcast had a member list without the victim");
    line("   (from its log), and for Pogo also the node.left event and the first child.moved.");
    line(String.format("   %-4s %-7s %-22s %-14s %-34s %-10s  %s", "run", "victim", "Vert.x HA, 1 verticle",
        "HA, " + fmtInt(s.haReference()) + " v.", "Pogo, " + fmtInt(per) + " children (gone, left, 1st)", "Pogo/HA(1)",
        "load at the kills (Pogo, HA 1, HA " + fmtInt(s.haReference()) + ")"));
    JsonArray runs = new JsonArray();
    List<Double> pogo = new ArrayList<>();
    List<Double> ha1 = new ArrayList<>();
    List<Double> haN = new ArrayList<>();
    List<Double> firstMoved = new ArrayList<>();
    for (int run = 1; run <= s.runs(); run++) {
      JsonObject p = pogoFailover(run, per);
      int victimIndex = p.getInteger("victimIndex");
      JsonObject h1 = haFailover(run, 1, victimIndex);
      JsonObject hN = s.haReference() > 0 ? haFailover(run, s.haReference(), victimIndex) : null;
      runs.add(new JsonObject().put("run", run).put("pogo", p).put("vertxHa1", h1).put("vertxHaReference", hN));
      double pm = p.getDouble("failoverMs");
      double h = h1.getDouble("failoverMs");
      pogo.add(pm);
      ha1.add(h);
      firstMoved.add(p.getDouble("firstMovedMs"));
      if (hN != null) {
        haN.add(hN.getDouble("failoverMs"));
      }
      line(String.format("   %-4d %-7s %-22s %-14s %-34s %-10s  %s", run, p.getString("victim"),
          String.format("%,6.0f (%s)", h, ms(h1.getValue("memberRemovedMs"))),
          hN == null ? "-" : String.format("%,6.0f (%s)", hN.getDouble("failoverMs"), ms(hN.getValue("memberRemovedMs"))),
          String.format("%,6.0f (%s, %s, %s)", pm, ms(p.getValue("memberRemovedMs")), ms(p.getValue("nodeLeftEventMs")),
              ms(p.getValue("firstMovedMs"))),
          String.format("x%.2f", pm / h), String.format("%.1f, %.1f, %s", p.getDouble("loadAverage"),
              h1.getDouble("loadAverage"), hN == null ? "-" : String.format("%.1f", hN.getDouble("loadAverage")))));
    }
    JsonObject sum = new JsonObject()
        .put("pogoMs", summary(pogo)).put("vertxHa1Ms", summary(ha1)).put("pogoFirstMovedMs", summary(firstMoved))
        .put("ratioP50", Stats.ratio(median(pogo), median(ha1))).put("ratioMax", Stats.ratio(max(pogo), max(ha1)));
    if (!haN.isEmpty()) {
      sum.put("vertxHaReferenceMs", summary(haN)).put("referenceVerticles", s.haReference())
          .put("ratioReferenceP50", Stats.ratio(median(pogo), median(haN)));
    }
    report.put("failover", new JsonObject().put("victimChildren", per).put("totalChildren", 3 * per).put("runs", runs)
        .put("summary", sum));
    line(String.format("   %-12s %-22s %-14s %-34s %-10s", "p50", String.format("%,6.0f", median(ha1)),
        haN.isEmpty() ? "-" : String.format("%,6.0f", median(haN)), String.format("%,6.0f (1st move %,.0f)", median(pogo),
            median(firstMoved)), String.format("x%.2f", median(pogo) / median(ha1))));
    line(String.format("   %-12s %-22s %-14s %-34s %-10s", "max", String.format("%,6.0f", max(ha1)),
        haN.isEmpty() ? "-" : String.format("%,6.0f", max(haN)), String.format("%,6.0f (1st move %,.0f)", max(pogo),
            max(firstMoved)), String.format("x%.2f", max(pogo) / max(ha1))));
    line(String.format("   Pogo(%,d children) / Vert.x HA(1 verticle): x%.2f at p50, x%.2f at max", per,
        median(pogo) / median(ha1), max(pogo) / max(ha1)));
    if (!haN.isEmpty()) {
      line(String.format("   reference: Pogo(%,d children) / Vert.x HA(%,d verticles, all redeployed on one node): x%.2f at p50, x%.2f at max",
          per, s.haReference(), median(pogo) / median(haN), max(pogo) / max(haN)));
    }
  }

  /** One Pogo failover trial on a fresh 3-node cluster. */
  private JsonObject pogoFailover(int run, int per) throws Exception {
    try (Cluster c = form("failover" + run + "-pogo", 3, false, 3, -1, 0)) {
      int entry = c.nodes[0].httpPort;
      String prefix = "fo" + run + "-";
      int started = 3 * per;
      startAll(entry, ids(prefix, 0, started), "failover run " + run + ": starting children");
      Map<String, List<String>> byNode = byNode(listing(entry).values());
      String victimName = byNode.entrySet().stream().max(Comparator.comparingInt(e -> e.getValue().size())).orElseThrow().getKey();
      // top up until the victim holds enough (rendezvous hashing spreads ~1/3 each; the busiest node has >= 1/3)
      while (byNode.getOrDefault(victimName, List.of()).size() < per && started < 6 * per) {
        int more = Math.max(10, per - byNode.getOrDefault(victimName, List.of()).size()) * 3;
        startAll(entry, ids(prefix, started, started + more), "failover run " + run + ": topping up");
        started += more;
        byNode = byNode(listing(entry).values());
      }
      List<String> mine = new ArrayList<>(byNode.get(victimName));
      mine.sort(Comparator.naturalOrder());
      if (mine.size() > per) {
        stopAll(entry, mine.subList(per, mine.size()), "failover run " + run + ": trimming the victim to " + per);
      }
      Map<String, JsonObject> before = listing(entry);
      byNode = byNode(before.values());
      Set<String> victimIds = new HashSet<>(byNode.get(victimName));
      if (victimIds.size() != per) {
        throw new IllegalStateException("victim " + victimName + " holds " + victimIds.size() + ", not " + per);
      }
      NodeProc victim = c.byName(victimName);
      List<NodeProc> survivors = c.live().stream().filter(n -> n != victim).toList();
      Set<String> survivorNames = survivors.stream().map(n -> n.name).collect(Collectors.toSet());
      String beforeCounts = counts(byNode);
      int total = before.size();

      try (Http.EventStream sse = http.events(survivors.get(0).httpPort, 10_000)) {
        quietBeforeKill(c);
        int idx = sse.size();
        double loadAtKill = load();
        long killWall = System.currentTimeMillis();
        long killNanos = System.nanoTime();
        victim.kill9();
        Set<String> pending = new HashSet<>(victimIds);
        long lastAt = 0;
        long lastRecv = 0;
        long firstMovedAt = Long.MAX_VALUE;
        long nodeLeftAt = -1;
        int movedEvents = 0;
        long deadline = killNanos + FAILOVER_MS * 1_000_000;
        while (!pending.isEmpty() && System.nanoTime() < deadline && !sse.closed) {
          for (Http.EventStream.Event e : sse.since(idx, 200)) {
            idx++;
            JsonObject d = e.data();
            String id = d.getString("id");
            switch (e.type()) {
              case "child.moved" -> {
                if (victimIds.contains(id) && victimName.equals(d.getString("from"))) {
                  movedEvents++;
                  firstMovedAt = Math.min(firstMovedAt, d.getLong("at"));
                }
              }
              case "child.running" -> {
                if (survivorNames.contains(d.getString("node")) && pending.remove(id)) {
                  lastAt = Math.max(lastAt, d.getLong("at"));
                  lastRecv = Math.max(lastRecv, e.recvNanos());
                }
              }
              case "node.left" -> {
                if (victimName.equals(d.getString("node")) && nodeLeftAt < 0) {
                  nodeLeftAt = d.getLong("at");
                }
              }
              default -> { }
            }
          }
        }
        boolean viaEvents = pending.isEmpty();
        if (!viaEvents) {
          oddities.add("failover run " + run + ": " + pending.size() + " of the victim's children had no child.running event "
              + "on the SSE stream" + (sse.closed ? " (the stream was closed by the node)" : "") + "; timed from the listing");
          // fall back: poll the listing until every child of the victim runs on a survivor
          while (System.nanoTime() < deadline) {
            Map<String, JsonObject> now = listing(survivors.get(0).httpPort);
            if (victimIds.stream().allMatch(id -> now.containsKey(id) && "running".equals(now.get(id).getString("state"))
                && survivorNames.contains(now.get(id).getString("node")))) {
              break;
            }
            Thread.sleep(100);
          }
        }
        // the child.running event is published before the registry's record says running (the supervisor reports
        // after it publishes): the listing may lag the last event by a moment
        Map<String, JsonObject> after;
        long maxStartedAt;
        int ok;
        int listings = 0;
        long listDeadline = System.nanoTime() + 15_000_000_000L;
        while (true) {
          after = listing(survivors.get(0).httpPort);
          listings++;
          maxStartedAt = 0;
          ok = 0;
          for (String id : victimIds) {
            JsonObject r = after.get(id);
            if (r != null && "running".equals(r.getString("state")) && survivorNames.contains(r.getString("node"))) {
              ok++;
              maxStartedAt = Math.max(maxStartedAt, r.getLong("startedAt", 0L));
            }
          }
          if (ok == per || System.nanoTime() > listDeadline) {
            break;
          }
          Thread.sleep(200);
        }
        if (ok != per) {
          throw new IllegalStateException("failover run " + run + ": only " + ok + " of " + per + " children of " + victimName
              + " run on a survivor after " + FAILOVER_MS / 1000 + " s");
        }
        Map<String, List<String>> afterByNode = byNode(after.values());
        long notRunning = after.values().stream().filter(r -> !"running".equals(r.getString("state"))).count();
        if (after.size() != total || afterByNode.containsKey(victimName) || notRunning > 0) {
          oddities.add("failover run " + run + ": after the failover the listing has " + after.size() + " children (before "
              + total + "), " + notRunning + " not running, per node " + counts(afterByNode));
        }
        // every survivor's own count must add up (a child counted on two nodes would show here)
        JsonObject nodes = Http.await(http.getJson(survivors.get(0).httpPort, "/api/v1/nodes", CALL_MS), CALL_MS);
        int sum = nodes.getJsonArray("nodes").stream().mapToInt(o -> ((JsonObject) o).getInteger("children", 0)).sum();
        if (sum != total) {
          oddities.add("failover run " + run + ": GET /api/v1/nodes counts " + sum + " children, the listing " + total);
        }
        double failoverMs = viaEvents ? lastAt - killWall : maxStartedAt - killWall;
        Long removedAt = memberRemovedAt(survivors, victim, killWall);
        return new JsonObject().put("run", run).put("victim", victimName).put("victimIndex", indexOf(c, victimName))
            .put("victimChildren", per).put("totalChildren", total).put("before", beforeCounts).put("after", counts(afterByNode))
            .put("timedBy", viaEvents ? "events" : "listing")
            .put("listingsUntilConsistent", listings)
            .put("loadAverage", loadAtKill)
            .put("failoverMs", failoverMs)
            .put("failoverObservedMs", viaEvents ? Stats.r((lastRecv - killNanos) / 1e6) : null)
            .put("failoverFromListingMs", maxStartedAt - killWall)
            .put("firstMovedMs", firstMovedAt == Long.MAX_VALUE ? -1 : firstMovedAt - killWall)
            .put("nodeLeftEventMs", nodeLeftAt < 0 ? null : nodeLeftAt - killWall)
            .put("memberRemovedMs", removedAt == null ? null : removedAt - killWall)
            .put("movedEvents", movedEvents);
      }
    }
  }

  /**
   * When the first of the survivors' Hazelcast installed the member list without the victim, in epoch ms: the stamp
   * of the log line that precedes the first {@code Members {size:N} ...} block with N = survivors after the kill
   * (Hazelcast's ClusterService prints it whether the master died or another member; stamps are HH:mm:ss.SSS of the
   * same machine's clock); null if no survivor logged it. Both kinds of node log through pogo-node's logback.xml.
   */
  private static Long memberRemovedAt(List<NodeProc> survivors, NodeProc victim, long killWall) {
    String needle = "Members {size:" + survivors.size() + ",";
    Long best = null;
    for (NodeProc p : survivors) {
      try (Stream<String> lines = Files.lines(p.log)) {
        long lastStamp = -1;
        for (String l : (Iterable<String>) lines::iterator) {
          if (l.length() > 12 && l.charAt(2) == ':' && l.charAt(5) == ':' && l.charAt(8) == '.') {
            lastStamp = logTime(l.substring(0, 12), killWall);
          } else if (l.startsWith(needle) && lastStamp >= killWall - 1_000) {
            if (best == null || lastStamp < best) {
              best = lastStamp;
            }
            break;
          }
        }
      } catch (IOException | RuntimeException e) {
        // no figure
      }
    }
    return best;
  }

  /** An HH:mm:ss.SSS stamp of today (or the day before/after, whichever is nearest to {@code near}) in epoch ms. */
  static long logTime(String stamp, long near) {
    java.time.LocalTime t = java.time.LocalTime.parse(stamp);
    java.time.ZoneId zone = java.time.ZoneId.systemDefault();
    java.time.LocalDate d = java.time.Instant.ofEpochMilli(near).atZone(zone).toLocalDate();
    long best = 0;
    for (int k = -1; k <= 1; k++) {
      long v = d.plusDays(k).atTime(t).atZone(zone).toInstant().toEpochMilli();
      if (k == -1 || Math.abs(v - near) < Math.abs(best - near)) {
        best = v;
      }
    }
    return best;
  }

  private static int indexOf(Cluster c, String name) {
    for (int i = 0; i < c.nodes.length; i++) {
      if (c.nodes[i] != null && c.nodes[i].name.equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** Nothing in flight when the victim dies: 1 s of quiet, and at least 5 s since the last node was ready. */
  private static void quietBeforeKill(Cluster c) throws InterruptedException {
    Thread.sleep(1_000);
    long left = SETTLE_BEFORE_KILL_MS - (System.nanoTime() - c.lastReadyNanos) / 1_000_000;
    if (left > 0) {
      Thread.sleep(left);
    }
  }

  /** One Vert.x HA trial on a fresh 3-node HA cluster: node victimIndex deploys n HA verticles and is killed. */
  private JsonObject haFailover(int run, int n, int victimIndex) throws Exception {
    try (Cluster c = form("failover" + run + "-ha" + n, 3, true, 3, victimIndex, n)) {
      NodeProc victim = c.nodes[victimIndex];
      if (victim.awaitLine(l -> l.startsWith("HA-DEPLOYED-ALL"), 300_000) == null) {
        throw new IllegalStateException("HA run " + run + ": " + victim + " did not deploy its verticles: " + tail(victim.log));
      }
      quietBeforeKill(c);
      String prefix = "HA-DEPLOYED bench.ha." + victim.name + ".";
      List<NodeProc> survivors = c.live().stream().filter(p -> p != victim).toList();
      double loadAtKill = load();
      long killWall = System.currentTimeMillis();
      long killNanos = System.nanoTime();
      victim.kill9();
      long deadline = killNanos + FAILOVER_MS * 1_000_000;
      List<NodeProc.Line> seen = List.of();
      while (System.nanoTime() < deadline) {
        List<NodeProc.Line> all = new ArrayList<>();
        for (NodeProc p : survivors) {
          all.addAll(p.linesMatching(l -> l.startsWith(prefix)));
        }
        seen = all;
        if (all.size() >= n) {
          break;
        }
        Thread.sleep(20);
      }
      Set<String> distinct = seen.stream().map(l -> l.text().split(" ")[1]).collect(Collectors.toSet());
      if (distinct.size() < n) {
        throw new IllegalStateException("HA run " + run + ": only " + distinct.size() + " of " + n + " verticles redeployed after "
            + FAILOVER_MS / 1000 + " s");
      }
      if (seen.size() != distinct.size()) {
        oddities.add("Vert.x HA run " + run + ": " + seen.size() + " redeployments of " + distinct.size() + " verticles");
      }
      long lastWall = seen.stream().mapToLong(l -> Long.parseLong(l.text().split(" ")[2])).max().orElse(0);
      long lastRecv = seen.stream().mapToLong(NodeProc.Line::nanos).max().orElse(0);
      Map<String, Long> where = seen.stream().collect(Collectors.groupingBy(l -> l.text().split(" ")[3], TreeMap::new,
          Collectors.counting()));
      Long removedAt = memberRemovedAt(survivors, victim, killWall);
      return new JsonObject().put("run", run).put("verticles", n).put("victim", victim.name)
          .put("memberRemovedMs", removedAt == null ? null : removedAt - killWall)
          .put("loadAverage", loadAtKill)
          .put("failoverMs", (double) (lastWall - killWall))
          .put("failoverObservedMs", Stats.r((lastRecv - killNanos) / 1e6))
          .put("redeployedOn", new JsonObject(new LinkedHashMap<>(where)));
    }
  }

  // ---------------------------------------------------------------- 2-4. starts, lookups, join

  private void scale() throws Exception {
    int n = s.children();
    line("");
    line(String.format("2. Children started per second: %,d EchoVerticle children through one node, %d in flight over HTTP",
        n, s.concurrency()));
    line(String.format("   (each cluster: fresh node JVMs, %,d warm-up starts and stops first; CPU = node JVMs' CPU time per",
        s.warmup()));
    line("    child started, from /proc; the benchmark's own JVM is the client)");
    JsonObject one;
    JsonObject lookupOne;
    JsonObject three;
    JsonObject lookups;
    JsonObject join;
    try (Cluster c1 = form("single", 1, false, 1, -1, 0)) {
      one = throughput(c1, "1-node cluster");
      lookupOne = lookups(c1, null);
    }
    try (Cluster c3 = form("three", 4, false, 3, -1, 0)) {
      three = throughput(c3, "3-node cluster, all through n1");
      double ratio = three.getDouble("perSecond") / one.getDouble("perSecond");
      line(String.format("   3-node / 1-node: x%.2f", ratio));
      report.put("throughput", new JsonObject().put("children", n).put("concurrency", s.concurrency()).put("singleNode", one)
          .put("threeNodes", three).put("ratio", Stats.r(ratio)));

      lookups = lookups(c3, lookupOne);
      report.put("lookup", lookups);
      join = join(c3);
      report.put("join", join);
    }
  }

  private JsonObject throughput(Cluster c, String label) throws Exception {
    int entry = c.nodes[0].httpPort;
    String tag = c.label + "-";
    startAll(entry, ids("w" + tag, 0, s.warmup()), label + ": warm-up starts");
    stopAll(entry, ids("w" + tag, 0, s.warmup()), label + ": warm-up stops");
    Thread.sleep(1_000);
    double loadBefore = load();
    long cpu0 = c.cpuMs();
    long benchCpu0 = benchCpuMs();
    Bounded.Result r = startChildren(entry, "t" + tag, 0, s.children());
    long cpu1 = c.cpuMs();
    long benchCpu1 = benchCpuMs();
    if (r.ok() != r.total()) {
      oddities.add(String.format("%s: %d of %d measured starts failed (load average %.1f), e.g. %s; started again afterwards, "
          + "not measured", label, r.total() - r.ok(), r.total(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
          r.firstErrors().isEmpty() ? "-" : r.firstErrors().get(0).lines().findFirst().orElse("")));
      Map<String, JsonObject> now = listing(entry);
      startAll(entry, ids("t" + tag, 0, s.children()).stream().filter(id -> !now.containsKey(id)).toList(),
          label + ": starting the failed ones again");
    }
    Map<String, List<String>> per = byNode(listing(entry).values());
    double nodeCpu = (double) (cpu1 - cpu0) / r.ok();
    double benchCpu = (double) (benchCpu1 - benchCpu0) / r.ok();
    long rss = c.live().stream().mapToLong(NodeProc::rssMiB).sum();
    line(String.format("   %-32s %,8.0f children/s  (%,d in %.1f s, %d failed; node CPU %.2f ms/child, client CPU %.2f ms/child; "
        + "per node: %s; node RSS %,d MiB; load %.1f -> %.1f)", label, r.perSecond(), r.ok(), r.seconds(), r.failed(), nodeCpu,
        benchCpu, counts(per), rss, loadBefore, load()));
    return new JsonObject().put("label", label).put("nodes", c.live().size()).put("perSecond", Stats.r(r.perSecond()))
        .put("ok", r.ok()).put("failed", r.failed()).put("seconds", Stats.r(r.seconds()))
        .put("nodeCpuMsPerChild", Stats.r(nodeCpu)).put("clientCpuMsPerChild", Stats.r(benchCpu))
        .put("perNode", counts(per)).put("nodeRssMiB", rss).put("loadAverageBefore", loadBefore);
  }

  private static long benchCpuMs() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1_000_000;
    }
    return 0;
  }

  /**
   * GET /api/v1/children/{id}, sequential, on the node that runs the child and on one that does not (alternating
   * between the others), interleaved with the order alternating. In a 1-node cluster: only the owner.
   */
  private JsonObject lookups(Cluster c, JsonObject singleNode) throws Exception {
    Map<String, JsonObject> all = listing(c.nodes[0].httpPort);
    List<String> ids = new ArrayList<>(all.keySet());
    ids.sort(Comparator.naturalOrder());
    int sampleSize = Math.min(600, ids.size());
    List<String> sample = new ArrayList<>();
    for (int i = 0; i < sampleSize; i++) {
      sample.add(ids.get((int) ((long) i * ids.size() / sampleSize)));
    }
    List<NodeProc> live = c.live();
    Map<String, NodeProc> byName = live.stream().collect(Collectors.toMap(p -> p.name, p -> p));
    Stats owner = new Stats();
    Stats other = new Stats();
    double loadBefore = load();
    int total = s.lookupWarmup() + s.lookupMeasured();
    for (int i = 0; i < total; i++) {
      String id = sample.get(i % sample.size());
      NodeProc own = byName.get(all.get(id).getString("node"));
      List<NodeProc> others = live.stream().filter(p -> p != own).toList();
      boolean measured = i >= s.lookupWarmup();
      for (int k = 0; k < 2; k++) {
        boolean ownerTurn = (i + k) % 2 == 0;
        if (!ownerTurn && others.isEmpty()) {
          continue;
        }
        NodeProc target = ownerTurn ? own : others.get((i / 2) % others.size());
        long t = System.nanoTime();
        JsonObject rec;
        try {
          rec = Http.await(http.getJson(target.httpPort, "/api/v1/children/" + id, CALL_MS), CALL_MS + 1_000);
        } catch (Exception e) {
          throw new IllegalStateException("lookup " + i + " of " + id + " on " + target.name + " failed after "
              + (System.nanoTime() - t) / 1_000_000 + " ms: " + e, e);
        }
        long d = System.nanoTime() - t;
        if (!id.equals(rec.getString("id"))) {
          throw new IllegalStateException("lookup of " + id + " returned " + rec.encode());
        }
        if (measured) {
          (ownerTurn ? owner : other).add(d);
        }
      }
    }
    Stats.Summary o = owner.summary();
    if (other.count() == 0) {
      return new JsonObject().put("singleNodeOwner", o.toJson());
    }
    Stats.Summary x = other.summary();
    line("");
    line(String.format("3. Lookup latency: GET /api/v1/children/{id}, sequential, %d warm-up + %,d measured per path, interleaved,",
        s.lookupWarmup(), s.lookupMeasured()));
    line(String.format("   over %d of the %,d children of the 3-node cluster (HTTP round trip from the benchmark's JVM; load %.1f)",
        sampleSize, ids.size(), loadBefore));
    line(String.format("   %-44s %6s %9s %9s %9s %9s", "asked", "n", "p50 ms", "p90 ms", "p99 ms", "max ms"));
    lookupRow("the node that runs the child (baseline)", o);
    lookupRow("a node that does not run it", x);
    Stats.Summary single = null;
    if (singleNode != null && singleNode.containsKey("singleNodeOwner")) {
      JsonObject j = singleNode.getJsonObject("singleNodeOwner");
      single = new Stats.Summary(j.getInteger("n"), j.getDouble("p50Ms"), j.getDouble("p90Ms"), j.getDouble("p99Ms"),
          j.getDouble("maxMs"), j.getDouble("minMs"), j.getDouble("meanMs"));
      lookupRow("(ref.) the only node of the 1-node cluster", single);
    }
    line(String.format("   non-owner / owner: x%.2f at p50, x%.2f at p99", x.p50() / o.p50(), x.p99() / o.p99()));
    JsonObject out = new JsonObject().put("owner", o.toJson()).put("nonOwner", x.toJson())
        .put("ratioP50", Stats.ratio(x.p50(), o.p50())).put("ratioP99", Stats.ratio(x.p99(), o.p99()))
        .put("sample", sampleSize).put("children", ids.size()).put("loadAverageBefore", loadBefore);
    if (single != null) {
      out.put("singleNodeReference", single.toJson());
    }
    return out;
  }

  private void lookupRow(String label, Stats.Summary sm) {
    line(String.format("   %-44s %6d %9.3f %9.3f %9.3f %9.3f", label, sm.n(), sm.p50(), sm.p90(), sm.p99(), sm.max()));
  }

  /** A 4th node joins the 3-node cluster that holds the throughput batch's children. */
  private JsonObject join(Cluster c) throws Exception {
    NodeProc n1 = c.nodes[0];
    Map<String, JsonObject> before = listing(n1.httpPort);
    int total = before.size();
    Map<String, List<String>> beforeByNode = byNode(before.values());
    String newName = c.name(3);
    try (Http.EventStream sse = http.events(n1.httpPort, 10_000)) {
      Thread.sleep(1_000);
      int idx = sse.size();
      double loadAtLaunch = load();
      NodeProc n4 = c.launch(3, 0);
      long launchWall = n4.launchWallMs;
      long launchNanos = n4.launchNanos;
      c.awaitReady(n4, 4);
      long readyNanos = System.nanoTime();
      long joinedAt = -1;
      Map<String, Long> movedAt = new HashMap<>();
      Map<String, Integer> moveCount = new HashMap<>();
      Set<String> selfAdopted = new HashSet<>();
      Map<String, Integer> selfReasons = new TreeMap<>();
      Map<String, Long> lastMovedAt = new HashMap<>();
      // events of different nodes can reach the SSE node out of order (the new node's child.running before the old
      // node's child.moved), so every child.running is kept and compared by its `at` afterwards
      Map<String, Long> runningAt = new HashMap<>();
      long lastMoveRecv = 0;
      long deadline = launchNanos + SETTLE_MS * 1_000_000;
      boolean settled = false;
      Map<String, JsonObject> after = null;
      long nextCheck = 0;
      while (System.nanoTime() < deadline) {
        for (Http.EventStream.Event e : sse.since(idx, 200)) {
          idx++;
          JsonObject d = e.data();
          String id = d.getString("id");
          switch (e.type()) {
            case "node.joined" -> {
              if (newName.equals(d.getString("node")) && joinedAt < 0) {
                joinedAt = d.getLong("at");
              }
            }
            case "child.moved" -> {
              movedAt.putIfAbsent(id, d.getLong("at")); // the first move: the old instance had stopped just before
              lastMovedAt.merge(id, d.getLong("at"), Math::max);
              moveCount.merge(id, 1, Integer::sum);
              if (d.getString("node").equals(d.getString("from"))) {
                selfAdopted.add(id);
                String why = String.valueOf(d.getString("reason")).replace(newName, "<new node>");
                selfReasons.merge(why, 1, Integer::sum);
              }
              lastMoveRecv = e.recvNanos();
            }
            case "child.running" -> {
              runningAt.merge(id, d.getLong("at"), Math::max);
            }
            default -> { }
          }
        }
        long now = System.nanoTime();
        long quietSince = Math.max(lastMoveRecv, readyNanos);
        if (now - quietSince >= QUIET_MS * 1_000_000 && now >= nextCheck
            && lastMovedAt.entrySet().stream().allMatch(m -> runningAt.getOrDefault(m.getKey(), 0L) >= m.getValue())) {
          nextCheck = now + 1_000_000_000L;
          Map<String, JsonObject> l = listing(n1.httpPort);
          if (l.size() == total && l.values().stream().allMatch(r -> "running".equals(r.getString("state")))) {
            after = l;
            settled = true;
            break;
          }
        }
        if (sse.closed) {
          oddities.add("join: the SSE stream of n1 was closed by the node during the rebalance");
          break;
        }
      }
      if (after == null) {
        after = listing(n1.httpPort);
      }
      Map<String, List<String>> afterByNode = byNode(after.values());
      int moved = 0;
      int toNew = 0;
      int lost = 0;
      for (Map.Entry<String, JsonObject> e : before.entrySet()) {
        JsonObject a = after.get(e.getKey());
        if (a == null) {
          lost++;
          continue;
        }
        if (!a.getString("node").equals(e.getValue().getString("node"))) {
          moved++;
          if (newName.equals(a.getString("node"))) {
            toNew++;
          }
        }
      }
      Map<String, Long> runningAtAfterMove = new HashMap<>();
      for (Map.Entry<String, Long> m : lastMovedAt.entrySet()) {
        Long r = runningAt.get(m.getKey());
        if (r != null && r >= m.getValue()) {
          runningAtAfterMove.put(m.getKey(), r);
        }
      }
      long lastRunning = runningAtAfterMove.values().stream().mapToLong(Long::longValue).max().orElse(-1);
      long firstMove = movedAt.values().stream().mapToLong(Long::longValue).min().orElse(-1);
      Stats gap = new Stats();
      for (Map.Entry<String, Long> e : runningAtAfterMove.entrySet()) {
        gap.add((e.getValue() - movedAt.get(e.getKey())) * 1_000_000L);
      }
      long movedTwice = moveCount.values().stream().filter(v -> v > 1).count();
      Stats readopt = new Stats();
      for (String id : selfAdopted) {
        Long r = runningAtAfterMove.get(id);
        if (r != null) {
          readopt.add((r - movedAt.get(id)) * 1_000_000L);
        }
      }
      double ideal = total / 4.0;
      double fraction = (double) moved / total;
      long ref = joinedAt > 0 ? joinedAt : launchWall;
      JsonObject out = new JsonObject().put("children", total).put("before", counts(beforeByNode))
          .put("after", counts(afterByNode)).put("settled", settled).put("moved", moved).put("movedToNewNode", toNew)
          .put("movedElsewhere", moved - toNew).put("lost", lost).put("movedFraction", Stats.r(fraction))
          .put("idealFraction", 0.25).put("ratioToIdeal", Stats.r(moved / ideal))
          .put("movedEvents", moveCount.values().stream().mapToInt(Integer::intValue).sum()).put("movedTwice", movedTwice)
          .put("launchToReadyMs", Stats.r((readyNanos - launchNanos) / 1e6)).put("loadAverageAtLaunch", loadAtLaunch)
          .put("joinedEventAfterLaunchMs", joinedAt > 0 ? joinedAt - launchWall : null)
          .put("firstMoveAfterJoinMs", firstMove > 0 ? firstMove - ref : null)
          .put("settleAfterJoinMs", lastRunning > 0 ? lastRunning - ref : null)
          .put("settleAfterLaunchMs", lastRunning > 0 ? lastRunning - launchWall : null)
          .put("moveToRunningGapMs", gap.summary().toJson())
          .put("readoptedByNewNode", selfAdopted.size())
          .put("readoptedReasons", new JsonObject(new LinkedHashMap<>(selfReasons)))
          .put("readoptedDowntimeMs", readopt.summary().toJson());
      line("");
      line(String.format("4. A 4th node joins the 3-node cluster holding %,d children (rebalance on join, the default; load %.1f)",
          total, loadAtLaunch));
      line(String.format("   before: %s", counts(beforeByNode)));
      line(String.format("   after:  %s%s", counts(afterByNode), settled ? "" : "   (NOT SETTLED within " + SETTLE_MS / 1000 + " s)"));
      line(String.format("   children whose node changed: %,d of %,d = %.1f%% (ideal 1/4 = 25.0%%, %,.0f): x%.2f the ideal; %,d to %s, "
          + "%,d between old nodes, %d moved twice, %d lost", moved, total, 100 * fraction, ideal, moved / ideal, toNew, newName,
          moved - toNew, movedTwice, lost));
      line(String.format("   time: %s launched -> ready %.1f s; node.joined -> first move %s, -> last moved child running %s "
          + "(from launch %s)", newName, (readyNanos - launchNanos) / 1e9,
          firstMove > 0 ? String.format("%.1f s", (firstMove - ref) / 1e3) : "-",
          lastRunning > 0 ? String.format("%.1f s", (lastRunning - ref) / 1e3) : "-",
          lastRunning > 0 ? String.format("%.1f s", (lastRunning - launchWall) / 1e3) : "-"));
      Stats.Summary g = gap.summary();
      line(String.format("   per moved child, first child.moved -> running on %s: p50 %.0f ms, p99 %.0f ms, max %.0f ms "
          + "(break-before-make: the old instance stopped before child.moved)", newName, g.p50(), g.p99(), g.max()));
      if (!selfAdopted.isEmpty()) {
        Stats.Summary ra = readopt.summary();
        String reasons = selfReasons.entrySet().stream().map(e -> e.getValue() + " \"" + e.getKey() + "\"")
            .collect(Collectors.joining(", "));
        line(String.format("   %d moved children were moved a second time, by %s to itself (child.moved from %s to %s), "
            + "first child.moved -> running p50 %.1f s, max %.1f s; reasons: %s", selfAdopted.size(), newName, newName, newName,
            ra.p50() / 1e3, ra.max() / 1e3, reasons));
        oddities.add(String.format("join: %d children moved to %s were re-adopted by %s itself (%s); from their first move to "
            + "running: %.1f-%.1f s. See 'did not confirm its start' (No handlers for pogo.supervisor.%s.start) in the old "
            + "nodes' logs", selfAdopted.size(), newName, newName, reasons, ra.min() / 1e3, ra.max() / 1e3, newName));
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject summary(List<Double> v) {
    return new JsonObject().put("n", v.size()).put("p50", Stats.r(median(v))).put("max", Stats.r(max(v)))
        .put("min", Stats.r(v.stream().mapToDouble(Double::doubleValue).min().orElse(0)))
        .put("all", new JsonArray(new ArrayList<>(v)));
  }

  /** The median (the lower middle value for an even count, like a nearest-rank p50). */
  static double median(List<Double> v) {
    if (v.isEmpty()) {
      return 0;
    }
    List<Double> s = new ArrayList<>(v);
    s.sort(Comparator.naturalOrder());
    return s.get((s.size() - 1) / 2);
  }

  static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }

  /** The 1-minute load average now (the machine is shared: every figure carries the load it was taken under). */
  private static double load() {
    return Stats.r(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /** The first and the last line of a message (a failure and the last line of the node's log). */
  private static String firstAndLast(String msg) {
    List<String> l = String.valueOf(msg).lines().map(String::trim).filter(x -> !x.isEmpty()).toList();
    return l.isEmpty() ? "" : l.size() == 1 ? l.get(0) : l.get(0) + " ... " + l.get(l.size() - 1);
  }

  private static String ms(Object v) {
    return v instanceof Number n ? String.format("%,d", n.longValue()) : "-";
  }

  private static String fmtInt(int n) {
    return String.format("%,d", n);
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      walk.sorted(Comparator.reverseOrder()).forEach(f -> {
        try {
          Files.delete(f);
        } catch (IOException ignored) {
          // best effort
        }
      });
    }
  }

  private void line(String str) {
    System.out.println(str);
    System.out.flush();
    text.append(str).append('\n');
  }
}
