package io.pogo.bench;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The jobs benchmark: a job of 10,000 targets running {@code true} in worker mode at concurrency 256, on Pogo nodes
 * started as separate JVMs ({@code java -jar pogo.jar node ...}) on loopback, driven over HTTP from this JVM:
 * <ol>
 *   <li>hosts per second on one node (the job's {@code createdAt} to {@code endedAt}) against
 *       {@code seq 10000 | xargs -P 256 -I{} true} timed in this JVM, runs alternating xargs, Pogo, xargs, Pogo...;</li>
 *   <li>the scheduler's overhead per task from the SSE stream ({@code host.state} events) and the host records:
 *       dispatch ({@code ready}) to the worker's process start, and a task's end to the next dispatch; for the runs of
 *       part 1 (a CPU-saturated node, where dispatch to start is mostly the queue of dispatched tasks) and (2b) for an
 *       unsaturated job of 1,000 hosts ({@code u[1-1000]}) at job concurrency 4, run on the same node after part 1's
 *       runs;</li>
 *   <li>the same job on 3 nodes: hosts per second against the one-node figure, and tasks per node;</li>
 *   <li>an experiment: the one-node job with {@code -Djdk.lang.Process.launchMechanism=VFORK} on the node.</li>
 * </ol>
 * Every wait has a deadline, every node is stopped at the end (and killed by a shutdown hook otherwise).
 */
final class JobsBench {
  /** Timeout of one HTTP call to a node. */
  private static final long CALL_MS = 30_000;
  /** How long a node may take to print its banner and see its cluster. */
  private static final long NODE_START_MS = 90_000;
  /** How long the scheduler singleton may take to answer GET /api/v1/jobs after the nodes are up. */
  private static final long SCHEDULER_MS = 60_000;
  /** How often a running job's record is read (its state, counts; the node's threads). */
  private static final long POLL_MS = 200;
  /** How long the xargs baseline may take. */
  private static final long XARGS_MS = 120_000;
  private static final String VFORK = "-Djdk.lang.Process.launchMechanism=VFORK";
  /**
   * Part 2b: a job that leaves the node unsaturated (a few tasks in flight instead of 256), so that dispatch to start
   * is the scheduler's and the worker's own path rather than a queue; its hosts ({@code u[1-N]}), N in full and quick runs.
   */
  private static final int UNSATURATED_CONCURRENCY = 4;
  private static final int UNSATURATED_HOSTS = 1_000;
  private static final int UNSATURATED_HOSTS_QUICK = 200;
  private static final String UNSATURATED_PREFIX = "u";
  private static final Set<String> TERMINAL_HOST = Set.of("succeeded", "failed", "timed_out", "skipped", "halted", "lost");

  record Settings(boolean quick, Path outDir, Path logDir, String name, int hosts, int concurrency, int runs,
                  int warmupHosts, String nodeHeap, Path pogoJar, List<String> phases, long jobDeadlineMs, long budgetS) {
    static Settings parse(String[] args) {
      boolean quick = List.of(args).contains("--quick");
      Path out = null;
      Path logs = null;
      Path pogoJar = null;
      String name = "bench-jobs";
      Integer hosts = null;
      Integer runs = null;
      Integer warmup = null;
      int conc = 256;
      String heap = "512m";
      List<String> phases = List.of("single", "three", "vfork");
      Long deadline = null;
      long budget = 560;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--quick" -> { }
          case "--out" -> out = Path.of(value(args, ++i));
          case "--logs" -> logs = Path.of(value(args, ++i));
          case "--name" -> name = value(args, ++i);
          case "--pogo-jar" -> pogoJar = Path.of(value(args, ++i));
          case "--hosts" -> hosts = positive(value(args, ++i), "--hosts");
          case "--runs" -> runs = positive(value(args, ++i), "--runs");
          case "--warmup" -> warmup = positive(value(args, ++i), "--warmup");
          case "--concurrency" -> conc = positive(value(args, ++i), "--concurrency");
          case "--node-heap" -> heap = value(args, ++i);
          case "--job-deadline" -> deadline = positive(value(args, ++i), "--job-deadline") * 1_000L;
          case "--budget" -> budget = positive(value(args, ++i), "--budget");
          case "--phases" -> {
            phases = List.of(value(args, ++i).split(","));
            if (!Set.of("single", "three", "vfork").containsAll(phases)) {
              throw new IllegalArgumentException("--phases: a list of single, three, vfork");
            }
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (!name.matches("[A-Za-z0-9._-]+")) {
        throw new IllegalArgumentException("--name: letters, digits, '.', '_' and '-' only");
      }
      if (out == null) {
        out = Main.defaultOutDir();
      }
      if (logs == null) {
        logs = Main.defaultOutDir().resolve("jobs-logs");
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
      if (quick) {
        return new Settings(true, out, logs, name, hosts == null ? 1_000 : hosts, conc, runs == null ? 1 : runs,
            warmup == null ? 200 : warmup, heap, pogoJar, phases, deadline == null ? 60_000 : deadline, budget);
      }
      return new Settings(false, out, logs, name, hosts == null ? 10_000 : hosts, conc, runs == null ? 3 : runs,
          warmup == null ? 1_000 : warmup, heap, pogoJar, phases, deadline == null ? 180_000 : deadline, budget);
    }

    private static String value(String[] args, int i) {
      if (i >= args.length) {
        throw new IllegalArgumentException(args[i - 1] + " needs a value");
      }
      return args[i];
    }

    private static int positive(String s, String opt) {
      try {
        int v = Integer.parseInt(s);
        if (v > 0) {
          return v;
        }
      } catch (NumberFormatException ignored) {
        // below
      }
      throw new IllegalArgumentException(opt + ": \"" + s + "\" is not a positive integer");
    }
  }

  private final Settings s;
  private final long startNanos = System.nanoTime();
  private final JsonObject report = new JsonObject();
  private final StringBuilder text = new StringBuilder();
  private final String runTag = UUID.randomUUID().toString().substring(0, 8);
  private final List<String> oddities = new ArrayList<>();
  private final JsonObject threadDumps = new JsonObject();
  private Http http;

  JobsBench(Settings s) {
    this.s = s;
  }

  int run() {
    int rc = 0;
    report.put("benchmark", "jobs").put("startedAt", Instant.now().toString()).put("quick", s.quick());
    report.put("environment", environment());
    header();
    try {
      ClusterBench.deleteTree(s.logDir());
      Files.createDirectories(s.logDir());
      http = new Http(32);
      JsonObject single = null;
      if (s.phases().contains("single")) {
        single = single();
        report.put("single", single);
      }
      if (s.phases().contains("three")) {
        if (overBudget("three", single, 3)) {
          report.put("three", new JsonObject().put("skipped", "time budget"));
        } else {
          report.put("three", three(single));
        }
      }
      if (s.phases().contains("vfork")) {
        if (overBudget("vfork", single, 1)) {
          report.put("vfork", new JsonObject().put("skipped", "time budget"));
        } else {
          report.put("vfork", vfork(single));
        }
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
    report.put("threadDumps", threadDumps);
    report.put("oddities", new JsonArray(new ArrayList<>(oddities)));
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    report.put("durationS", Stats.r(seconds));
    line("");
    line(String.format("total %.1f s; load average at the end %.2f; report: %s (.json); node logs: %s; node processes left: %d",
        seconds, load(), s.outDir().resolve(s.name() + ".txt"), s.logDir(), NodeProc.running()));
    report.put("text", text.toString());
    try {
      Files.writeString(s.outDir().resolve(s.name() + ".json"), report.encodePrettily() + "\n");
      Files.writeString(s.outDir().resolve(s.name() + ".txt"), text.toString());
    } catch (IOException e) {
      System.err.println("cannot write the report into " + s.outDir() + ": " + e);
      rc = 1;
    }
    return rc;
  }

  /** Whether a phase would overrun the time budget (estimated from the one-node runs); says so in the report. */
  private boolean overBudget(String phase, JsonObject single, int nodes) {
    double elapsed = (System.nanoTime() - startNanos) / 1e9;
    double jobS = single == null ? 60 : single.getJsonObject("median").getDouble("pogoSeconds", 60.0);
    double need = 20.0 * nodes + 10 + jobS * 1.5 + 15;
    if (elapsed + need > s.budgetS()) {
      line("");
      line(String.format("[%s skipped: %.0f s elapsed, about %.0f s more needed, budget %d s (--budget)]", phase, elapsed,
          need, s.budgetS()));
      return true;
    }
    return false;
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
        .put("loadAverageAtStart", load())
        .put("javaVersion", System.getProperty("java.runtime.version", System.getProperty("java.version")))
        .put("vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"))
        .put("jvmArgs", new JsonArray(new ArrayList<>(jvmArgs)))
        .put("command", command)
        .put("pogoJar", s.pogoJar().toString())
        .put("nodeJvm", "-Xms64m -Xmx" + s.nodeHeap())
        .put("hosts", s.hosts()).put("concurrency", s.concurrency()).put("runs", s.runs())
        .put("jobBody", jobBody("t", s.hosts(), s.concurrency()))
        .put("unsaturatedJobBody", jobBody(UNSATURATED_PREFIX, unsaturatedHosts(), UNSATURATED_CONCURRENCY))
        .put("baseline", xargsCommand(s.hosts()));
  }

  private void header() {
    JsonObject env = report.getJsonObject("environment");
    line("Pogo jobs benchmark" + (s.quick() ? " (QUICK: smoke-test counts, figures not meaningful)" : ""));
    line("  started   " + report.getString("startedAt"));
    line("  machine   " + env.getInteger("cores") + " cores, " + env.getString("os") + ", load average at start "
        + env.getDouble("loadAverageAtStart"));
    line("  java      " + env.getString("javaVersion") + " (" + env.getString("vm") + ")");
    line("  command   " + env.getString("command"));
    line("  nodes     separate JVMs on 127.0.0.1: java -Xms64m -Xmx" + s.nodeHeap() + " -jar pogo.jar node --name nK "
        + "--cluster-port P --join ... --http-port 0 --data-dir D");
    line("            (defaults otherwise: maxTasks 256, every role on every node)");
    line("  job       POST /api/v1/jobs " + jobBody("t", s.hosts(), s.concurrency()).encode());
    line("  baseline  sh -c '" + xargsCommand(s.hosts()) + "' from this JVM (ProcessBuilder; System.nanoTime around "
        + "start() .. waitFor());");
    line("            -I{} so that each true gets no argument, like Pogo's tasks (argv [\"true\"])");
    line("  timing    Pogo: the job's createdAt -> endedAt (GET /api/v1/jobs/{id}); events: GET /api/v1/events (SSE)");
  }

  private JsonObject jobBody(String prefix, int hosts, int concurrency) {
    return new JsonObject().put("targets", new JsonArray().add(prefix + "[1-" + hosts + "]"))
        .put("command", new JsonArray().add("true")).put("mode", "worker").put("concurrency", String.valueOf(concurrency));
  }

  /** The hosts of part 2b's unsaturated job. */
  private int unsaturatedHosts() {
    return s.quick() ? UNSATURATED_HOSTS_QUICK : UNSATURATED_HOSTS;
  }

  private String xargsCommand(int n) {
    return "seq " + n + " | xargs -P " + s.concurrency() + " -I{} true";
  }

  // ---------------------------------------------------------------- phases

  /** 1 and 2: one node, runs alternating xargs and Pogo. */
  private JsonObject single() throws Exception {
    line("");
    line(String.format("1. One node: %,d hosts running true, concurrency %d, worker mode; %d runs alternating with xargs",
        s.hosts(), s.concurrency(), s.runs()));
    JsonArray runs = new JsonArray();
    List<JsonObject> pogoRuns = new ArrayList<>();
    JsonObject unsaturated;
    try (Nodes c = new Nodes("single", 1, List.of())) {
      c.start();
      warmUp(c);
      xargs(Math.min(1_000, s.hosts()), false); // page cache and the like, not measured
      for (int i = 1; i <= s.runs(); i++) {
        JsonObject x = xargs(s.hosts(), true);
        JsonObject p = pogo(c, "one node, run " + i);
        double ratio = p.getDouble("hostsPerSecond") / x.getDouble("perSecond");
        runs.add(new JsonObject().put("run", i).put("xargs", x).put("pogo", p).put("ratio", Stats.r(ratio)));
        pogoRuns.add(p);
        line(String.format("   run %d: xargs %,7.0f/s (%.2f s, CPU %.2f ms/task, load %.1f)   Pogo %,6.0f hosts/s (%.2f s, "
                + "node CPU %.2f + %.2f ms/task, load %.1f)   Pogo/xargs x%.3f", i, x.getDouble("perSecond"),
            x.getDouble("seconds"), x.getDouble("cpuMsPerTask"), x.getDouble("loadBefore"), p.getDouble("hostsPerSecond"),
            p.getDouble("seconds"), p.getDouble("nodeJvmCpuMsPerTask"), p.getDouble("nodeChildrenCpuMsPerTask"),
            p.getDouble("loadBefore"), ratio));
      }
      // 2b, reported below: on the same node, after the measured runs
      unsaturated = unsaturated(c);
      c.checkLeftovers();
    }
    JsonObject median = medians(runs);
    line(String.format("   median: xargs %,7.0f/s, Pogo %,6.0f hosts/s (%.2f s); Pogo/xargs x%.3f (median of the runs' ratios; "
            + "of the medians x%.3f)", median.getDouble("xargsPerSecond"), median.getDouble("pogoHostsPerSecond"),
        median.getDouble("pogoSeconds"), median.getDouble("ratio"), median.getDouble("ratioOfMedians")));
    line(String.format("   node CPU per task (median): JVM %.2f ms + its process children %.2f ms = %.2f ms; xargs %.2f ms",
        median.getDouble("nodeJvmCpuMsPerTask"), median.getDouble("nodeChildrenCpuMsPerTask"),
        median.getDouble("nodeJvmCpuMsPerTask") + median.getDouble("nodeChildrenCpuMsPerTask"),
        median.getDouble("xargsCpuMsPerTask")));
    JsonObject overhead = overheadSection(pogoRuns);
    unsaturatedSection(unsaturated);
    return new JsonObject().put("runs", runs).put("median", median).put("overhead", overhead)
        .put("unsaturated", unsaturated);
  }

  /** 2b's job on the node of part 1; a failure is reported in 2b (and as an oddity) rather than failing parts 1 and 2. */
  private JsonObject unsaturated(Nodes c) {
    try {
      return pogo(c, "unsaturated, concurrency " + UNSATURATED_CONCURRENCY, UNSATURATED_PREFIX, unsaturatedHosts(),
          UNSATURATED_CONCURRENCY);
    } catch (Exception e) {
      oddities.add(c.label + ": the unsaturated job (2b) failed: " + e);
      return new JsonObject().put("error", String.valueOf(e));
    }
  }

  /** Part 2b: the overhead figures of the unsaturated job. */
  private void unsaturatedSection(JsonObject u) {
    line("");
    line(String.format("2b. unsaturated: one job of %,d hosts (%s[1-%d]) at concurrency %d on part 1's node, after its runs: few",
        unsaturatedHosts(), UNSATURATED_PREFIX, unsaturatedHosts(), UNSATURATED_CONCURRENCY));
    line(String.format("   tasks in flight, so (a) is the dispatch and start path itself, not a queue (ms; p50 / p99 / max; (a), (a') "
        + "and (b) as in 2, (b) beyond the first %d)", UNSATURATED_CONCURRENCY));
    if (u.containsKey("error")) {
      line("   FAILED: " + u.getString("error"));
      return;
    }
    line(String.format("   %,d hosts in %.2f s: %,.0f hosts/s (node CPU %.2f + %.2f ms/task, load %.1f)", u.getInteger("hosts"),
        u.getDouble("seconds"), u.getDouble("hostsPerSecond"), u.getDouble("nodeJvmCpuMsPerTask"),
        u.getDouble("nodeChildrenCpuMsPerTask"), u.getDouble("loadBefore")));
    overheadLines(u.getString("label"), u);
  }

  /** 3: the same job on 3 nodes. */
  private JsonObject three(JsonObject single) throws Exception {
    line("");
    line(String.format("3. Three nodes (3 JVMs on loopback), the same job posted to n1; one run next to an xargs run"));
    JsonObject x;
    JsonObject p;
    String schedulerNode;
    try (Nodes c = new Nodes("three", 3, List.of())) {
      c.start();
      warmUp(c);
      schedulerNode = schedulerNode(c);
      x = xargs(s.hosts(), true);
      p = pogo(c, "three nodes");
      c.checkLeftovers();
    }
    double ratio = p.getDouble("hostsPerSecond") / x.getDouble("perSecond");
    JsonObject out = new JsonObject().put("xargs", x).put("pogo", p).put("ratio", Stats.r(ratio)).put("schedulerNode", schedulerNode);
    line(String.format("   xargs %,7.0f/s (%.2f s, load %.1f)   Pogo %,6.0f hosts/s (%.2f s, node CPU %.2f + %.2f ms/task over "
            + "the 3 JVMs, load %.1f)   Pogo/xargs x%.3f", x.getDouble("perSecond"), x.getDouble("seconds"),
        x.getDouble("loadBefore"), p.getDouble("hostsPerSecond"), p.getDouble("seconds"), p.getDouble("nodeJvmCpuMsPerTask"),
        p.getDouble("nodeChildrenCpuMsPerTask"), p.getDouble("loadBefore"), ratio));
    line("   tasks per node: " + p.getJsonObject("perNode").encode() + spread(p.getJsonObject("perNode"))
        + "; the scheduler ran on " + schedulerNode);
    if (single != null) {
      double one = single.getJsonObject("median").getDouble("pogoHostsPerSecond");
      double vs = p.getDouble("hostsPerSecond") / one;
      out.put("vsOneNode", Stats.r(vs));
      line(String.format("   3 nodes / 1 node (median of part 1): x%.2f hosts/s; (Pogo/xargs) 3 nodes / 1 node: x%.2f", vs,
          ratio / single.getJsonObject("median").getDouble("ratio")));
    }
    overheadLines("3 nodes", p);
    return out;
  }

  /** The experiment: the one-node job with the VFORK launch mechanism on the node. */
  private JsonObject vfork(JsonObject single) throws Exception {
    line("");
    line("4. Experiment: one node started with " + VFORK + " (JDK 17's default on Linux is POSIX_SPAWN through");
    line("   jspawnhelper); one run next to an xargs run");
    JsonObject x;
    JsonObject p;
    try (Nodes c = new Nodes("vfork", 1, List.of(VFORK))) {
      c.start();
      warmUp(c);
      x = xargs(s.hosts(), true);
      p = pogo(c, "one node, VFORK");
      c.checkLeftovers();
    }
    double ratio = p.getDouble("hostsPerSecond") / x.getDouble("perSecond");
    JsonObject out = new JsonObject().put("xargs", x).put("pogo", p).put("ratio", Stats.r(ratio));
    line(String.format("   xargs %,7.0f/s (%.2f s, load %.1f)   Pogo/VFORK %,6.0f hosts/s (%.2f s, node CPU %.2f + %.2f ms/task, "
            + "load %.1f)   Pogo/xargs x%.3f", x.getDouble("perSecond"), x.getDouble("seconds"), x.getDouble("loadBefore"),
        p.getDouble("hostsPerSecond"), p.getDouble("seconds"), p.getDouble("nodeJvmCpuMsPerTask"),
        p.getDouble("nodeChildrenCpuMsPerTask"), p.getDouble("loadBefore"), ratio));
    if (single != null) {
      JsonObject m = single.getJsonObject("median");
      double vs = p.getDouble("hostsPerSecond") / m.getDouble("pogoHostsPerSecond");
      out.put("vsPosixSpawnMedian", Stats.r(vs)).put("ratioVsPosixSpawnRatio", Stats.r(ratio / m.getDouble("ratio")));
      line(String.format("   VFORK / POSIX_SPAWN (median of part 1): x%.2f hosts/s, x%.2f in Pogo/xargs; node JVM CPU per "
              + "task %.2f vs %.2f ms", vs, ratio / m.getDouble("ratio"), p.getDouble("nodeJvmCpuMsPerTask"),
          m.getDouble("nodeJvmCpuMsPerTask")));
    }
    overheadLines("VFORK", p);
    return out;
  }

  // ---------------------------------------------------------------- the baseline

  /** {@code seq n | xargs -P C -I{} true}, timed; CPU from this JVM's cutime + cstime (it reaps sh, which reaps the rest). */
  private JsonObject xargs(int n, boolean measured) throws Exception {
    Thread.sleep(measured ? 1_000 : 0);
    double loadBefore = load();
    long[] cpu0 = NodeProc.cpuSplitMs(ProcessHandle.current().pid());
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", xargsCommand(n)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    long t0 = System.nanoTime();
    Process p = pb.start();
    boolean done = p.waitFor(XARGS_MS, TimeUnit.MILLISECONDS);
    long t1 = System.nanoTime();
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new IllegalStateException("xargs did not finish within " + XARGS_MS + " ms");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("xargs exited " + p.exitValue());
    }
    long[] cpu1 = NodeProc.cpuSplitMs(ProcessHandle.current().pid());
    double seconds = (t1 - t0) / 1e9;
    return new JsonObject().put("tasks", n).put("seconds", Stats.r(seconds)).put("perSecond", Stats.r(n / seconds))
        .put("cpuMsPerTask", Stats.r((double) (cpu1[1] - cpu0[1]) / n)).put("loadBefore", loadBefore).put("loadAfter", load());
  }

  // ---------------------------------------------------------------- Pogo

  /** A small job first: JIT, class loading, the scheduler's view of the workers (every node must take part). */
  private void warmUp(Nodes c) throws Exception {
    for (int attempt = 1; ; attempt++) {
      JobOutcome w = runJob(c, "w" + attempt, s.warmupHosts(), s.concurrency(), attempt == 1 ? c.nodes[0] : null);
      Set<String> used = new java.util.TreeSet<>();
      w.hosts.values().forEach(h -> used.add(h.getString("node", "?")));
      if (used.size() >= c.nodes.length) {
        line(String.format("   (%s: warm-up job of %,d hosts in %.2f s on %s; not measured)", c.label, s.warmupHosts(),
            w.seconds(), used));
        return;
      }
      if (attempt == 3) {
        throw new IllegalStateException(c.label + ": the scheduler never used every node (last warm-up: " + used + ")");
      }
      oddities.add(c.label + ": warm-up job " + attempt + " ran on " + used + " only; the scheduler refreshes its "
          + "worker list every 5 s: again");
      Thread.sleep(5_000);
    }
  }

  /** What a job run left for the analysis. */
  private record JobOutcome(String id, JsonObject job, Map<String, JsonObject> hosts, List<Http.EventStream.Event> events,
                            boolean streamDropped, long clientNanos, long[] cpu, double loadBefore, List<int[]> samples,
                            int maxThreads) {
    double seconds() {
      return (job.getLong("endedAt") - job.getLong("createdAt")) / 1e3;
    }
  }

  /** Posts the job with an SSE stream open on n1, waits for its end, collects its hosts and events. */
  private JobOutcome runJob(Nodes c, String prefix, int hosts, int concurrency, NodeProc dumpAt) throws Exception {
    NodeProc entry = c.nodes[0];
    double loadBefore = load();
    long[] cpu0 = c.cpu();
    List<int[]> samples = new ArrayList<>();
    int maxThreads = 0;
    try (Http.EventStream stream = http.events(entry.httpPort, CALL_MS)) {
      long t0 = System.nanoTime();
      Http.Response r = Http.await(http.call(entry.httpPort, HttpMethod.POST, "/api/v1/jobs", jobBody(prefix, hosts, concurrency),
          CALL_MS),
          CALL_MS + 1_000);
      if (r.status() != 201) {
        throw new IllegalStateException("POST /api/v1/jobs: HTTP " + r.status() + ": " + r.body());
      }
      String id = r.json().getString("id");
      long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(s.jobDeadlineMs());
      JsonObject job;
      while (true) {
        job = Http.await(http.getJson(entry.httpPort, "/api/v1/jobs/" + id, CALL_MS), CALL_MS + 1_000);
        int threads = c.threads();
        maxThreads = Math.max(maxThreads, threads);
        JsonObject counts = job.getJsonObject("counts", new JsonObject());
        samples.add(new int[] {counts.getInteger("waiting", 0), counts.getInteger("ready", 0), counts.getInteger("running", 0), threads});
        if (dumpAt != null && counts.getInteger("waiting", 0) > 0 && counts.getInteger("succeeded", 0) >= 20) {
          threadDump(c, dumpAt, counts);
          dumpAt = null;
        }
        if (!"running".equals(job.getString("state"))) {
          break;
        }
        if (System.nanoTime() > deadline) {
          http.call(entry.httpPort, HttpMethod.POST, "/api/v1/jobs/" + id + "/halt", new JsonObject().put("kill", true)
              .put("reason", "benchmark deadline"), CALL_MS);
          throw new IllegalStateException("job " + id + " (" + hosts + " hosts) did not end within " + s.jobDeadlineMs()
              + " ms: " + job.getString("summary"));
        }
        Thread.sleep(POLL_MS);
      }
      long clientNanos = System.nanoTime() - t0;
      long[] cpu1 = c.cpu();
      if (!"finished".equals(job.getString("state"))) {
        oddities.add(c.label + ": job " + id + " ended " + job.getString("state") + ": " + job.getString("reason"));
      }
      // the job's own end event comes after every host event of it: wait for it (bounded)
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<Http.EventStream.Event> mine = List.of();
      while (System.nanoTime() < until) {
        mine = stream.since(0, 0).stream().filter(e -> id.equals(e.data().getString("job"))).toList();
        boolean ended = mine.stream().anyMatch(e -> e.type().equals("job.state") && !"running".equals(e.data().getString("state")));
        if (ended || stream.closed) {
          break;
        }
        Thread.sleep(100);
      }
      boolean dropped = stream.closed;
      Map<String, JsonObject> hostRecords = hosts(entry.httpPort, id, hosts);
      return new JobOutcome(id, job, hostRecords, mine, dropped, clientNanos,
          new long[] {cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]}, loadBefore, samples, maxThreads);
    }
  }

  /**
   * A thread dump of a node while its job is saturated (during the warm-up, so that no measured run pays for it):
   * what the node's Vert.x worker threads (which start the tasks' processes) are doing. Saved next to the node's log.
   */
  private void threadDump(Nodes c, NodeProc n, JsonObject counts) {
    Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
    if (!Files.isExecutable(jstack)) {
      line("   (no jstack in " + jstack.getParent() + ": no thread dump)");
      return;
    }
    Path file = s.logDir().resolve(c.label + "-" + n.name + "-threads.txt");
    try {
      Process p = new ProcessBuilder(jstack.toString(), String.valueOf(n.process.pid())).redirectOutput(file.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        line("   (jstack of " + n + " did not finish in 30 s: no thread dump)");
        return;
      }
      JsonObject t = threadSummary(Files.readString(file));
      t.put("jobCounts", counts.copy()).put("file", file.toString());
      threadDumps.put(c.label, t);
      line(String.format("   (%s: thread dump of %s during the warm-up job (%d ready, %d running): %d of %d Vert.x worker threads",
          c.label, n.name, counts.getInteger("ready", 0), counts.getInteger("running", 0), t.getInteger("workersLaunching"),
          t.getInteger("workers")));
      line(String.format("    are starting a task's process (in forkAndExec %d, in Thread.start of its output readers %d, "
              + "waiting for the watchdog's pid report %d, elsewhere %d), %d idle;", t.getInteger("inForkAndExec"),
          t.getInteger("inThreadStart"), t.getInteger("inAwaitPid"), t.getInteger("launchingElsewhere"),
          t.getInteger("workersIdle")));
      line(String.format("    %d output reader threads, %d process reapers, %d threads in all)", t.getInteger("outputReaders"),
          t.getInteger("processReapers"), t.getInteger("threads")));
    } catch (IOException | InterruptedException e) {
      line("   (thread dump of " + n + " failed: " + e + ")");
    }
  }

  /** Counts the threads of a jstack dump by what they do. */
  static JsonObject threadSummary(String dump) {
    int threads = 0;
    int workers = 0;
    int launching = 0;
    int fork = 0;
    int threadStart = 0;
    int awaitPid = 0;
    int idle = 0;
    int readers = 0;
    int reapers = 0;
    for (String block : dump.split("\\n\\s*\\n")) {
      String b = block.strip();
      if (!b.startsWith("\"")) {
        continue;
      }
      threads++;
      String name = b.substring(1, Math.max(1, b.indexOf('"', 1)));
      if (name.startsWith("vert.x-worker-thread")) {
        workers++;
        if (b.contains("TaskWorker")) {
          launching++;
          if (b.contains("forkAndExec")) {
            fork++;
          } else if (b.contains("java.lang.Thread.start")) {
            threadStart++;
          } else if (b.contains("awaitPid")) {
            awaitPid++;
          }
        } else if (b.contains("getTask")) {
          idle++;
        }
      } else if (name.startsWith("pogo-out-") || name.startsWith("pogo-err-")) {
        readers++;
      } else if (name.startsWith("process reaper")) {
        reapers++;
      }
    }
    return new JsonObject().put("threads", threads).put("workers", workers).put("workersLaunching", launching)
        .put("inForkAndExec", fork).put("inThreadStart", threadStart).put("inAwaitPid", awaitPid)
        .put("launchingElsewhere", launching - fork - threadStart - awaitPid).put("workersIdle", idle)
        .put("outputReaders", readers).put("processReapers", reapers);
  }

  private Map<String, JsonObject> hosts(int port, String id, int expected) throws Exception {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    for (int offset = 0; ; offset += 10_000) {
      JsonObject page = Http.await(http.getJson(port, "/api/v1/jobs/" + id + "/hosts?limit=10000&offset=" + offset, CALL_MS),
          CALL_MS + 1_000);
      JsonArray a = page.getJsonArray("hosts", new JsonArray());
      a.forEach(o -> out.put(((JsonObject) o).getString("host"), (JsonObject) o));
      if (a.isEmpty() || out.size() >= page.getInteger("total", 0)) {
        break;
      }
    }
    if (out.size() != expected) {
      throw new IllegalStateException("job " + id + ": " + out.size() + " host records, expected " + expected);
    }
    return out;
  }

  /** One measured run of the job of part 1: the job, then the figures. */
  private JsonObject pogo(Nodes c, String label) throws Exception {
    return pogo(c, label, "t", s.hosts(), s.concurrency());
  }

  /** One measured run: a job of {@code prefix[1-hosts]} at job concurrency {@code concurrency}, then the figures. */
  private JsonObject pogo(Nodes c, String label, String prefix, int hosts, int concurrency) throws Exception {
    Thread.sleep(1_000);
    JobOutcome o = runJob(c, prefix, hosts, concurrency, null);
    int n = hosts;
    JsonObject j = o.job();
    double seconds = o.seconds();
    JsonObject out = new JsonObject().put("label", label).put("job", o.id()).put("state", j.getString("state"))
        .put("targets", prefix + "[1-" + hosts + "]").put("concurrency", concurrency)
        .put("hosts", n).put("seconds", Stats.r(seconds)).put("hostsPerSecond", Stats.r(n / seconds))
        .put("clientSeconds", Stats.r(o.clientNanos() / 1e9)).put("createdAt", j.getLong("createdAt"))
        .put("endedAt", j.getLong("endedAt")).put("counts", j.getJsonObject("counts"))
        .put("nodeJvmCpuMsPerTask", Stats.r((double) o.cpu()[0] / n)).put("nodeChildrenCpuMsPerTask", Stats.r((double) o.cpu()[1] / n))
        .put("loadBefore", o.loadBefore()).put("loadAfter", load()).put("nodeThreadsMax", o.maxThreads());
    // tasks per node
    Map<String, Integer> perNode = new TreeMap<>();
    o.hosts().values().forEach(h -> perNode.merge(h.getString("node", "?"), 1, Integer::sum));
    JsonObject pn = new JsonObject();
    perNode.forEach(pn::put);
    out.put("perNode", pn);
    // while hosts were waiting: how many were dispatched (ready) and how many running, on average
    double ready = 0;
    double running = 0;
    int k = 0;
    for (int[] sm : o.samples()) {
      if (sm[0] > 0) {
        ready += sm[1];
        running += sm[2];
        k++;
      }
    }
    out.put("saturated", new JsonObject().put("samples", k).put("meanReady", k == 0 ? 0 : Stats.r(ready / k))
        .put("meanRunning", k == 0 ? 0 : Stats.r(running / k)));
    out.put("overhead", overhead(c, o, concurrency));
    return out;
  }

  /**
   * The scheduler's overhead from the events and the host records. Per host: {@code ready} event ({@code at}: the
   * dispatching pass) -> the worker's process start (the host record's {@code startedAt}, which the worker's
   * {@code running} reply sets; for a host whose end was applied before that reply the record keeps the dispatch time
   * and there is no {@code running} event, so the worker's start time is read from the host's output record instead)
   * -> the worker's {@code endedAt} -> the {@code succeeded} event -> (FIFO) the {@code ready} event of the host
   * dispatched into the place it freed ({@code concurrency}: the job's, the number of places).
   */
  private JsonObject overhead(Nodes c, JobOutcome o, int concurrency) throws Exception {
    Map<String, Long> readyAt = new HashMap<>();
    Map<String, Long> runningAt = new HashMap<>();
    Map<String, Long> endAt = new HashMap<>();
    Map<String, Integer> types = new TreeMap<>();
    Deque<String> ends = new ArrayDeque<>();
    Stats endToNext = new Stats();
    Stats workerEndToNext = new Stats();
    int readies = 0;
    int unpairedFailures = 0;
    Set<Long> passes = new java.util.HashSet<>();
    Long firstReady = null;
    List<Long> pairedWorkerEnds = new ArrayList<>();
    for (Http.EventStream.Event e : o.events()) {
      if (!e.type().equals("host.state")) {
        continue;
      }
      JsonObject d = e.data();
      String host = d.getString("host");
      String state = d.getString("state");
      long at = d.getLong("at");
      types.merge(state, 1, Integer::sum);
      if (state.equals("ready")) {
        readyAt.putIfAbsent(host, at);
        passes.add(at);
        firstReady = firstReady == null ? at : Math.min(firstReady, at);
        readies++;
        if (readies > concurrency) {
          String freed = ends.pollFirst();
          if (freed != null) {
            endToNext.add((at - endAt.get(freed)) * 1_000_000L);
            Long workerEnd = o.hosts().get(freed).getLong("endedAt");
            if (workerEnd != null) {
              workerEndToNext.add((at - workerEnd) * 1_000_000L);
            }
          }
        }
      } else if (state.equals("running")) {
        runningAt.putIfAbsent(host, at);
      } else if (TERMINAL_HOST.contains(state)) {
        endAt.putIfAbsent(host, at);
        if (state.equals("succeeded")) {
          ends.addLast(host);
        } else {
          unpairedFailures++;
        }
      }
    }
    int n = o.hosts().size();
    boolean complete = !o.streamDropped() && readyAt.size() == n && endAt.size() == n;
    JsonObject out = new JsonObject().put("events", new JsonObject(new LinkedHashMap<>(types)))
        .put("streamDropped", o.streamDropped()).put("streamComplete", complete);
    if (!complete) {
      oddities.add(String.format("%s: the SSE stream was incomplete for job %s (dropped: %s; ready events for %d of %d hosts, "
          + "end events for %d): the dispatch times are missing for the others", c.label, o.id(), o.streamDropped(),
          readyAt.size(), n, endAt.size()));
    }
    // hosts whose record's startedAt is the dispatch time: read the worker's start from the output record
    List<String> noRunning = new ArrayList<>();
    int recordIsDispatch = 0;
    for (JsonObject h : o.hosts().values()) {
      String host = h.getString("host");
      if (!runningAt.containsKey(host)) {
        noRunning.add(host);
      }
      Long ra = readyAt.get(host);
      if (ra != null && ra.equals(h.getLong("startedAt"))) {
        recordIsDispatch++;
      }
    }
    Map<String, Long> outputStart = new ConcurrentHashMap<>();
    long tOut = System.nanoTime();
    Bounded.Result fetched = Bounded.run(noRunning.size(), 16, 120_000, i -> {
      String host = noRunning.get(i);
      return http.getJson(c.nodes[0].httpPort, "/api/v1/jobs/" + o.id() + "/hosts/" + host + "/output?attempt=1", CALL_MS)
          .map(r -> {
            JsonArray attempts = r.getJsonArray("attempts", new JsonArray());
            Long st = attempts.isEmpty() ? null : attempts.getJsonObject(0).getLong("startedAt");
            if (st != null) {
              outputStart.put(host, st);
            }
            return r;
          }).toCompletionStage();
    });
    double outputFetchS = (System.nanoTime() - tOut) / 1e9;
    Stats dispatchToStart = new Stats();
    Stats dispatchToRunningEvent = new Stats();
    Stats startToEnd = new Stats();
    Stats endToEvent = new Stats();
    int workerStartKnown = 0;
    for (JsonObject h : o.hosts().values()) {
      String host = h.getString("host");
      Long ra = readyAt.get(host);
      Long workerStart = runningAt.containsKey(host) ? h.getLong("startedAt") : outputStart.get(host);
      Long workerEnd = h.getLong("endedAt");
      if (workerStart != null) {
        workerStartKnown++;
      }
      if (ra != null && workerStart != null) {
        dispatchToStart.add((workerStart - ra) * 1_000_000L);
      }
      if (ra != null && runningAt.containsKey(host)) {
        dispatchToRunningEvent.add((runningAt.get(host) - ra) * 1_000_000L);
      }
      if (workerStart != null && workerEnd != null) {
        startToEnd.add((workerEnd - workerStart) * 1_000_000L);
      }
      if (workerEnd != null && endAt.containsKey(host)) {
        endToEvent.add((endAt.get(host) - workerEnd) * 1_000_000L);
      }
    }
    out.put("hostsWithoutRunningEvent", noRunning.size()).put("hostRecordsWithDispatchTimeAsStartedAt", recordIsDispatch)
        .put("outputRecordsRead", fetched.ok()).put("outputReadFailed", fetched.failed()).put("outputReadSeconds", Stats.r(outputFetchS))
        .put("workerStartKnown", workerStartKnown)
        .put("dispatchPasses", passes.size()).put("hostsPerPass", passes.isEmpty() ? 0 : Stats.r((double) readies / passes.size()))
        .put("createdToFirstReadyMs", firstReady == null ? null : firstReady - o.job().getLong("createdAt"))
        .put("unpairedEnds", unpairedFailures)
        .put("dispatchToStart", dispatchToStart.summary().toJson())
        .put("dispatchToRunningEvent", dispatchToRunningEvent.summary().toJson())
        .put("workerStartToEnd", startToEnd.summary().toJson())
        .put("workerEndToEndEvent", endToEvent.summary().toJson())
        .put("endEventToNextDispatch", endToNext.summary().toJson())
        .put("workerEndToNextDispatch", workerEndToNext.summary().toJson());
    if (fetched.failed() > 0 || fetched.timedOut()) {
      oddities.add(String.format("%s: job %s: %d of %d output reads failed%s, e.g. %s", c.label, o.id(), fetched.failed(),
          noRunning.size(), fetched.timedOut() ? " (timed out)" : "", fetched.firstErrors().isEmpty() ? "-" : fetched.firstErrors().get(0)));
    }
    return out;
  }

  /** Part 2: the overhead figures of the one-node runs, each run and pooled. */
  private JsonObject overheadSection(List<JsonObject> runs) {
    line("");
    line("2. The scheduler's overhead per task, one node (ms; p50 / p99 / max; clocks: all on this machine)");
    line("   (a) dispatch -> start: the host's ready event (its at) -> the worker's process start (the host record's");
    line("       startedAt; for hosts with no running event, the startedAt of their output record, see below)");
    line("   (a') dispatch -> the running event (the scheduler has learnt of the start)");
    line("   (b) end -> next dispatch: each succeeded event paired, first in first out, with the next ready event beyond");
    line("       the first " + s.concurrency() + " (each end frees one place of the saturated job); also from the worker's endedAt");
    line("   the path of a task between them: worker start -> worker end (true's life as the node sees it) -> end event");
    for (JsonObject r : runs) {
      overheadLines(r.getString("label"), r);
    }
    JsonObject pooled = new JsonObject();
    if (runs.size() > 1) {
      for (String k : List.of("dispatchToStart", "dispatchToRunningEvent", "workerStartToEnd", "workerEndToEndEvent",
          "endEventToNextDispatch", "workerEndToNextDispatch")) {
        List<Double> p50 = runs.stream().map(r -> r.getJsonObject("overhead").getJsonObject(k).getDouble("p50Ms")).toList();
        List<Double> p99 = runs.stream().map(r -> r.getJsonObject("overhead").getJsonObject(k).getDouble("p99Ms")).toList();
        pooled.put(k, new JsonObject().put("medianP50Ms", ClusterBench.median(p50)).put("medianP99Ms", ClusterBench.median(p99)));
      }
      line(String.format("   median of the %d runs: (a) %s / %s   (a') %s / %s   (b) %s / %s (from the worker's end: %s / %s)",
          runs.size(), f(pooled, "dispatchToStart", "medianP50Ms"), f(pooled, "dispatchToStart", "medianP99Ms"),
          f(pooled, "dispatchToRunningEvent", "medianP50Ms"), f(pooled, "dispatchToRunningEvent", "medianP99Ms"),
          f(pooled, "endEventToNextDispatch", "medianP50Ms"), f(pooled, "endEventToNextDispatch", "medianP99Ms"),
          f(pooled, "workerEndToNextDispatch", "medianP50Ms"), f(pooled, "workerEndToNextDispatch", "medianP99Ms")));
    }
    return pooled;
  }

  private static String f(JsonObject o, String k, String field) {
    return String.format("%.1f", o.getJsonObject(k).getDouble(field));
  }

  private void overheadLines(String label, JsonObject run) {
    JsonObject ov = run.getJsonObject("overhead");
    line(String.format("   %s (job %s, load %.1f):", label, run.getString("job"), run.getDouble("loadBefore")));
    line("     (a)  dispatch -> worker start       " + sm(ov.getJsonObject("dispatchToStart")));
    line("     (a') dispatch -> running event      " + sm(ov.getJsonObject("dispatchToRunningEvent")));
    line("     (b)  end event -> next dispatch     " + sm(ov.getJsonObject("endEventToNextDispatch")));
    line("          worker end -> next dispatch    " + sm(ov.getJsonObject("workerEndToNextDispatch")));
    line("          worker start -> worker end     " + sm(ov.getJsonObject("workerStartToEnd")));
    line("          worker end -> end event        " + sm(ov.getJsonObject("workerEndToEndEvent")));
    JsonObject sat = run.getJsonObject("saturated");
    line(String.format("     events %s%s; %,d dispatching passes (%.1f hosts each); created -> first dispatch %s ms",
        ov.getJsonObject("events").encode(), ov.getBoolean("streamComplete") ? ", none missing" : ", INCOMPLETE",
        ov.getInteger("dispatchPasses"), ov.getDouble("hostsPerPass"), ov.getValue("createdToFirstReadyMs")));
    line(String.format("     %,d hosts had no running event (their end was applied before the worker's run reply); %,d host "
            + "records carry the dispatch time as startedAt; %,d output records read in %.1f s",
        ov.getInteger("hostsWithoutRunningEvent"), ov.getInteger("hostRecordsWithDispatchTimeAsStartedAt"),
        ov.getInteger("outputRecordsRead"), ov.getDouble("outputReadSeconds")));
    line(String.format("     while hosts waited: on average %.0f ready (dispatched, not yet started) and %.0f running; node "
        + "threads up to %d", sat.getDouble("meanReady"), sat.getDouble("meanRunning"), run.getInteger("nodeThreadsMax")));
    int places = run.getInteger("concurrency", s.concurrency());
    line(String.format("     (Little's law: %d places / %.0f hosts/s = %.0f ms in a place per host, against (a) p50 %.0f ms + "
            + "worker start -> end event p50 ~%.0f ms)", places, run.getDouble("hostsPerSecond"),
        1000.0 * places / run.getDouble("hostsPerSecond"), ov.getJsonObject("dispatchToStart").getDouble("p50Ms"),
        ov.getJsonObject("workerStartToEnd").getDouble("p50Ms") + ov.getJsonObject("workerEndToEndEvent").getDouble("p50Ms")));
  }

  private static String sm(JsonObject s) {
    return String.format("%8.1f / %8.1f / %8.1f   (n %,d)", s.getDouble("p50Ms"), s.getDouble("p99Ms"), s.getDouble("maxMs"),
        s.getInteger("n"));
  }

  private JsonObject medians(JsonArray runs) {
    List<Double> xs = new ArrayList<>();
    List<Double> ps = new ArrayList<>();
    List<Double> psec = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Double> jvmCpu = new ArrayList<>();
    List<Double> childCpu = new ArrayList<>();
    List<Double> xCpu = new ArrayList<>();
    for (Object o : runs) {
      JsonObject r = (JsonObject) o;
      xs.add(r.getJsonObject("xargs").getDouble("perSecond"));
      xCpu.add(r.getJsonObject("xargs").getDouble("cpuMsPerTask"));
      ps.add(r.getJsonObject("pogo").getDouble("hostsPerSecond"));
      psec.add(r.getJsonObject("pogo").getDouble("seconds"));
      jvmCpu.add(r.getJsonObject("pogo").getDouble("nodeJvmCpuMsPerTask"));
      childCpu.add(r.getJsonObject("pogo").getDouble("nodeChildrenCpuMsPerTask"));
      ratios.add(r.getDouble("ratio"));
    }
    double mx = ClusterBench.median(xs);
    double mp = ClusterBench.median(ps);
    return new JsonObject().put("xargsPerSecond", mx).put("pogoHostsPerSecond", mp).put("pogoSeconds", ClusterBench.median(psec))
        .put("ratio", ClusterBench.median(ratios)).put("ratioOfMedians", Stats.r(mp / mx))
        .put("nodeJvmCpuMsPerTask", ClusterBench.median(jvmCpu)).put("nodeChildrenCpuMsPerTask", ClusterBench.median(childCpu))
        .put("xargsCpuMsPerTask", ClusterBench.median(xCpu));
  }

  private static String spread(JsonObject perNode) {
    int min = Integer.MAX_VALUE;
    int max = 0;
    int sum = 0;
    for (String k : perNode.fieldNames()) {
      int v = perNode.getInteger(k);
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    return perNode.isEmpty() ? "" : String.format(" (min/max %.3f; largest share %.1f%%)", (double) min / max, 100.0 * max / sum);
  }

  private String schedulerNode(Nodes c) {
    try {
      JsonObject ch = Http.await(http.getJson(c.nodes[0].httpPort, "/api/v1/children/pogo-scheduler", CALL_MS), CALL_MS + 1_000);
      return ch.getString("node", "?");
    } catch (Exception e) {
      return "? (" + e.getMessage() + ")";
    }
  }

  // ---------------------------------------------------------------- node processes

  /** Node JVMs of one cluster, started one after another, stopped (SIGTERM, then SIGKILL) when closed. */
  private final class Nodes implements AutoCloseable {
    final String label;
    final List<String> jvmExtra;
    final String clusterName;
    final int[] clusterPorts;
    final NodeProc[] nodes;
    final Path dataRoot;

    Nodes(String label, int count, List<String> jvmExtra) throws IOException {
      this.label = label;
      this.jvmExtra = jvmExtra;
      this.clusterName = "jbench-" + runTag + "-" + label;
      clusterPorts = new int[count];
      for (int i = 0; i < count; i++) {
        clusterPorts[i] = ClusterBench.fixedPort(clusterPorts);
      }
      nodes = new NodeProc[count];
      dataRoot = Files.createTempDirectory("pogo-jbench-");
    }

    void start() throws Exception {
      long t0 = System.nanoTime();
      String join = String.join(",", java.util.Arrays.stream(clusterPorts).mapToObj(p -> "127.0.0.1:" + p).toList());
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      for (int i = 0; i < nodes.length; i++) {
        String name = "n" + (i + 1);
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx" + s.nodeHeap()));
        cmd.addAll(jvmExtra);
        cmd.addAll(List.of("-jar", s.pogoJar().toString(), "node", "--name", name, "--cluster-name", clusterName,
            "--cluster-port", String.valueOf(clusterPorts[i]), "--http-port", "0", "--data-dir",
            dataRoot.resolve(name).toString()));
        if (nodes.length > 1) {
          cmd.addAll(List.of("--join", join));
        }
        nodes[i] = NodeProc.launch(name, clusterPorts[i], 0, dataRoot.resolve(name), s.logDir().resolve(label + "-" + name + ".log"), cmd);
        NodeProc.Line banner = nodes[i].awaitLine(l -> l.contains(" ready: "), NODE_START_MS);
        if (banner == null) {
          throw new IllegalStateException(label + ": " + nodes[i] + " did not start: " + ClusterBench.tail(nodes[i].log).trim());
        }
        Matcher m = Pattern.compile("API http://127\\.0\\.0\\.1:(\\d+)/api/v1").matcher(banner.text());
        if (!m.find()) {
          throw new IllegalStateException(label + ": no API address in the banner of " + nodes[i] + ": " + banner.text());
        }
        nodes[i].httpPort = Integer.parseInt(m.group(1));
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NODE_START_MS);
      while (!allSee(nodes.length)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(label + ": the nodes never all saw " + nodes.length + " members");
        }
        Thread.sleep(200);
      }
      deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SCHEDULER_MS);
      while (true) {
        Http.Response r;
        try {
          r = Http.await(http.call(nodes[0].httpPort, HttpMethod.GET, "/api/v1/jobs", null, 5_000), 6_000);
        } catch (Exception e) {
          r = null;
        }
        if (r != null && r.status() == 200) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(label + ": GET /api/v1/jobs never answered 200 (last: "
              + (r == null ? "no answer" : r.status() + " " + r.body()) + ")");
        }
        Thread.sleep(250);
      }
      line(String.format("   (%s: %d node JVM%s%s up, scheduler answering, after %.1f s)", label, nodes.length,
          nodes.length == 1 ? "" : "s", jvmExtra.isEmpty() ? "" : " with " + String.join(" ", jvmExtra),
          (System.nanoTime() - t0) / 1e9));
    }

    private boolean allSee(int members) {
      for (NodeProc p : nodes) {
        try {
          JsonObject c = Http.await(http.getJson(p.httpPort, "/api/v1/cluster", 5_000), 6_000);
          if (c.getInteger("members", 0) != members || c.getJsonArray("nodes", new JsonArray()).size() != members
              || !c.getJsonObject("quorum", new JsonObject()).getBoolean("present", false)) {
            return false;
          }
        } catch (Exception e) {
          return false;
        }
      }
      return true;
    }

    /** CPU in ms, summed over the node JVMs: {@code [their own, their reaped process children]}. */
    long[] cpu() {
      long own = 0;
      long children = 0;
      for (NodeProc n : nodes) {
        long[] c = n.cpuSplitMs();
        own += c[0];
        children += c[1];
      }
      return new long[] {own, children};
    }

    int threads() {
      int t = 0;
      for (NodeProc n : nodes) {
        t += Math.max(0, n.threads());
      }
      return t;
    }

    /** After the runs: no process should be left under a node (every task ended). */
    void checkLeftovers() throws InterruptedException {
      // a watchdog lingers a little after its task's end (it reaps what is left of the task's process group)
      for (int i = 0; i < 50 && java.util.Arrays.stream(nodes).anyMatch(n -> n.process.descendants().findAny().isPresent()); i++) {
        Thread.sleep(100);
      }
      for (NodeProc n : nodes) {
        long left = n.process.descendants().count();
        if (left > 0) {
          oddities.add(label + ": " + left + " processes still under " + n + " after its jobs ended");
        }
      }
    }

    @Override
    public void close() throws Exception {
      for (NodeProc n : nodes) {
        if (n != null) {
          n.stop(10_000);
        }
      }
      ClusterBench.deleteTree(dataRoot);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The 1-minute load average now (the machine is shared: every figure carries the load it was taken under). */
  private static double load() {
    return Stats.r(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private void line(String str) {
    System.out.println(str);
    System.out.flush();
    text.append(str).append('\n');
  }
}
