package io.pogo.bench;

import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MetadataPolicy;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.pogo.core.Requests;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.client.PogoClient;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.PogoNode;
import io.pogo.supervisor.examples.EchoVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.RuntimeMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The single-node benchmark: one real Pogo node in this JVM (clustered Vert.x + Hazelcast on loopback, the standard
 * verticles, HTTP on a free port), measured against bare Vert.x / ProcessBuilder baselines taken in the same run.
 * <ol>
 *   <li>latency from the API call to {@code running}, sequential, verticle and process children;</li>
 *   <li>verticle children started per second with a bounded number in flight (a curve);</li>
 *   <li>heap per idle verticle child after full collections.</li>
 * </ol>
 * Prints a report on stdout and writes it as JSON next to the jar ({@code bench-single-node.json}).
 */
final class SingleNodeBench {
  private static final String ECHO = EchoVerticle.class.getName();
  /** Soft budget: throughput points that would start after this are skipped (the whole run must stay bounded). */
  private static final long BUDGET_MS = 210_000;
  /** Hard limit of one bounded run (starts or stops of one batch). */
  private static final long RUN_TIMEOUT_MS = 90_000;

  record Settings(boolean quick, Path outDir, int children, List<Integer> concurrency, List<Integer> httpConcurrency,
                  int verticleWarmup,
                  int verticleMeasured, int processWarmup, int processMeasured, int microWarmup, int microMeasured) {
    static Settings parse(String[] args) {
      boolean quick = false;
      Path out = null;
      Integer children = null;
      List<Integer> conc = null;
      List<Integer> httpConc = null;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--quick" -> quick = true;
          case "--out" -> out = Path.of(value(args, ++i, "--out"));
          case "--children" -> children = positive(value(args, ++i, "--children"), "--children");
          case "--concurrency" -> conc = Stream.of(value(args, ++i, "--concurrency").split(","))
              .map(s -> positive(s.trim(), "--concurrency")).toList();
          case "--http-concurrency" -> httpConc = Stream.of(value(args, ++i, "--http-concurrency").split(","))
              .map(s -> positive(s.trim(), "--http-concurrency")).toList();
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (out == null) {
        out = Main.defaultOutDir();
      }
      if (quick) {
        return new Settings(true, out, children == null ? 1_000 : children, conc == null ? List.of(1, 64) : conc,
            httpConc == null ? List.of(64) : httpConc, 20, 100, 5, 20, 50, 200);
      }
      return new Settings(false, out, children == null ? 10_000 : children, conc == null ? List.of(1, 16, 64, 256) : conc,
          httpConc == null ? List.of(64) : httpConc, 200, 1_000, 50, 300, 200, 1_000);
    }

    private static String value(String[] args, int i, String opt) {
      if (i >= args.length) {
        throw new IllegalArgumentException(opt + " needs a value");
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

  private final Settings settings;
  private final long startNanos = System.nanoTime();
  private final JsonObject report = new JsonObject();
  private final StringBuilder text = new StringBuilder();
  /** Pogo children that may be alive (added on a successful start, removed on a successful stop). */
  private final Set<String> live = ConcurrentHashMap.newKeySet();
  /** Bare deployments to undeploy. */
  private final ConcurrentLinkedQueue<String> bare = new ConcurrentLinkedQueue<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private Path dataDir;
  private PogoNode node;
  private Vertx vertx;
  private PogoClient client;
  private String api;
  private String sampleRecord;

  SingleNodeBench(Settings settings) {
    this.settings = settings;
  }

  int run() {
    int rc = 0;
    report.put("benchmark", "single-node").put("startedAt", Instant.now().toString()).put("quick", settings.quick());
    report.put("environment", environment());
    header();
    try {
      startNode();
      verticleLatency();
      processLatency();
      breakdown();
      throughput();
    } catch (Throwable t) {
      rc = 1;
      report.put("error", String.valueOf(t));
      line("");
      line("BENCHMARK FAILED: " + t);
      t.printStackTrace();
    } finally {
      cleanup();
    }
    logSummary();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    report.put("durationS", Stats.r(seconds));
    line("");
    line(String.format("total %.1f s; JSON: %s; node log: %s", seconds, jsonPath(), System.getProperty("pogo.bench.log")));
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
    return settings.outDir().resolve("bench-single-node.json");
  }

  // ---------------------------------------------------------------- environment and node

  private JsonObject environment() {
    RuntimeMXBean rt = ManagementFactory.getRuntimeMXBean();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    List<String> jvmArgs = rt.getInputArguments();
    String javaCmd = System.getProperty("sun.java.command", "?");
    String command = "java " + String.join(" ", jvmArgs) + (javaCmd.contains(".jar") ? " -jar " : " ") + javaCmd;
    String gcs = ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName()).collect(Collectors.joining(", "));
    return new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"))
        .put("loadAverageAtStart", Stats.r(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()))
        .put("javaVersion", System.getProperty("java.runtime.version", System.getProperty("java.version")))
        .put("vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"))
        .put("jvmArgs", new JsonArray(new ArrayList<>(jvmArgs)))
        .put("gc", gcs)
        .put("forkJoinCommonParallelism", java.util.concurrent.ForkJoinPool.getCommonPoolParallelism())
        .put("heapInitMiB", heap.getInit() / (1 << 20))
        .put("heapMaxMiB", heap.getMax() / (1 << 20))
        .put("command", command)
        .put("arguments", javaCmd);
  }

  private void header() {
    JsonObject env = report.getJsonObject("environment");
    line("Pogo single-node benchmark" + (settings.quick() ? " (QUICK: smoke-test counts, figures not meaningful)" : ""));
    line("  started   " + report.getString("startedAt"));
    line("  machine   " + env.getInteger("cores") + " cores, " + env.getString("os") + ", load average at start "
        + env.getDouble("loadAverageAtStart"));
    line("  java      " + env.getString("javaVersion") + " (" + env.getString("vm") + "), GC " + env.getString("gc")
        + ", ForkJoinPool common parallelism " + env.getInteger("forkJoinCommonParallelism"));
    line("  heap      init " + env.getLong("heapInitMiB") + " MiB, max " + env.getLong("heapMaxMiB") + " MiB; JVM args: "
        + String.join(" ", env.getJsonArray("jvmArgs").stream().map(String::valueOf).toList()));
    line("  command   " + env.getString("command"));
  }

  private void startNode() throws Exception {
    dataDir = Files.createTempDirectory("pogo-bench-");
    JsonObject config = new JsonObject().put("name", "bench").put("clusterName", "bench-" + UUID.randomUUID())
        .put("clusterPort", freePort()).put("httpPort", 0).put("dataDir", dataDir.toString());
    NodeOptions options = NodeOptionsValidator.parse(config, "bench");
    long t0 = System.nanoTime();
    node = await(PogoNode.start(options), 60_000);
    vertx = node.vertx();
    api = node.apiUrl();
    // generous client timeout: under load a start may queue; failures are counted, not hidden
    client = PogoClient.create(vertx, 60_000);
    double startS = (System.nanoTime() - t0) / 1e9;
    report.put("node", new JsonObject().put("name", options.name()).put("clusterName", options.clusterName())
        .put("clusterPort", options.clusterPort()).put("api", api).put("members", node.members())
        .put("requestTimeoutMs", options.requestTimeoutMs()).put("startS", Stats.r(startS)));
    line(String.format("  node      %s: 1 member, cluster %s on 127.0.0.1:%d, API %s, started in %.1f s",
        options.name(), options.clusterName(), options.clusterPort(), api, startS));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  // ---------------------------------------------------------------- 1. latency

  private static JsonObject verticleSpec(String id, String address) {
    return new JsonObject().put("id", id).put("kind", "verticle").put("verticle", ECHO)
        .put("config", new JsonObject().put("address", address));
  }

  private static JsonObject processSpec(String id) {
    return new JsonObject().put("id", id).put("kind", "process").put("argv", new JsonArray().add("sleep").add("1000"));
  }

  private HttpRequest post(JsonObject spec) {
    return HttpRequest.newBuilder(URI.create(api + "/children")).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(spec.encode())).build();
  }

  /** The record of a 201 reply in state running, else an exception naming what came back. */
  private static JsonObject running(HttpResponse<String> r) {
    if (r.statusCode() != 201) {
      throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
    }
    JsonObject record = new JsonObject(r.body());
    if (!"running".equals(record.getString("state"))) {
      throw new IllegalStateException("state " + record.getString("state") + ": " + r.body());
    }
    return record;
  }

  private DeploymentOptions echoOptions(String address) {
    return new DeploymentOptions().setConfig(new JsonObject().put("address", address));
  }

  private void verticleLatency() throws Exception {
    int warm = settings.verticleWarmup();
    int total = warm + settings.verticleMeasured();
    Stats base = new Stats();
    Stats viaHttp = new Stats();
    Stats viaBus = new Stats();
    // The three ways are interleaved (order rotating) so that the machine's noise hits them alike; everything is
    // torn down every 100 iterations (not timed) so the node's size stays about the same throughout.
    for (int i = 0; i < total; i++) {
      boolean measured = i >= warm;
      for (int k = 0; k < 3; k++) {
        switch ((i + k) % 3) {
          case 0 -> {
            long t = System.nanoTime();
            String id = await(vertx.deployVerticle(new EchoVerticle(), echoOptions("bench.lat.bare." + i)), 30_000);
            long d = System.nanoTime() - t;
            bare.add(id);
            if (measured) {
              base.add(d);
            }
          }
          case 1 -> {
            String id = "lat-vh-" + i;
            HttpRequest req = post(verticleSpec(id, "bench.lat.http." + i));
            long t = System.nanoTime();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            long d = System.nanoTime() - t;
            JsonObject record = running(r);
            live.add(id);
            if (sampleRecord == null) {
              sampleRecord = record.encode();
            }
            if (measured) {
              viaHttp.add(d);
            }
          }
          default -> {
            String id = "lat-ve-" + i;
            JsonObject spec = verticleSpec(id, "bench.lat.bus." + i);
            long t = System.nanoTime();
            ChildRecord record = client.start(spec).blockingGet();
            long d = System.nanoTime() - t;
            if (!"running".equals(record.state().wire())) {
              throw new IllegalStateException(id + " is " + record.state().wire());
            }
            live.add(id);
            if (measured) {
              viaBus.add(d);
            }
          }
        }
      }
      if ((i + 1) % 100 == 0 || i == total - 1) {
        tearDown(16);
      }
    }
    Stats.Summary b = base.summary();
    Stats.Summary h = viaHttp.summary();
    Stats.Summary e = viaBus.summary();
    JsonObject out = new JsonObject()
        .put("warmup", warm).put("measured", settings.verticleMeasured())
        .put("baselineDeployVerticle", b.toJson())
        .put("pogoHttp", h.toJson())
        .put("pogoEventBus", e.toJson())
        .put("ratioHttp", ratios(h, b))
        .put("ratioEventBus", ratios(e, b));
    latency().put("verticle", out);
    line("");
    line(String.format("1. API call -> running, sequential (%d warm-up + %d measured per path, interleaved)", warm,
        settings.verticleMeasured()));
    line(String.format("   %-9s %-34s %6s %9s %9s %9s %9s   %s", "kind", "path", "n", "p50 ms", "p90 ms", "p99 ms", "max ms",
        "Pogo / baseline (p50, p99, max)"));
    latencyRow("verticle", "baseline vertx.deployVerticle", b, null);
    latencyRow("verticle", "Pogo HTTP POST /api/v1/children", h, b);
    latencyRow("verticle", "Pogo event bus PogoClient.start", e, b);
  }

  private void processLatency() throws Exception {
    int warm = settings.processWarmup();
    int total = warm + settings.processMeasured();
    Stats base = new Stats();
    Stats viaBash = new Stats();
    Stats viaHttp = new Stats();
    for (int i = 0; i < total; i++) {
      boolean measured = i >= warm;
      for (int k = 0; k < 3; k++) {
        switch ((i + k) % 3) {
          case 0 -> {
            long t = System.nanoTime();
            Process p = new ProcessBuilder("sleep", "1000").start();
            long d = System.nanoTime() - t;
            reap(p);
            if (measured) {
              base.add(d);
            }
          }
          case 1 -> {
            // what a bash watchdog has to do at least: start bash, which starts the command and reports its pid
            long t = System.nanoTime();
            Process p = new ProcessBuilder("bash", "-c", "sleep 1000 & echo $!; wait").redirectErrorStream(true).start();
            String pidLine = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
            long d = System.nanoTime() - t;
            if (pidLine != null) {
              ProcessHandle.of(Long.parseLong(pidLine.trim())).ifPresent(ProcessHandle::destroy);
            }
            reap(p);
            if (measured) {
              viaBash.add(d);
            }
          }
          default -> {
            String id = "lat-ph-" + i;
            HttpRequest req = post(processSpec(id));
            long t = System.nanoTime();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            long d = System.nanoTime() - t;
            running(r);
            live.add(id);
            if (measured) {
              viaHttp.add(d);
            }
          }
        }
      }
      if ((i + 1) % 50 == 0 || i == total - 1) {
        tearDown(16); // at most 50 process children alive
      }
    }
    Stats.Summary b = base.summary();
    Stats.Summary sh = viaBash.summary();
    Stats.Summary h = viaHttp.summary();
    latency().put("process", new JsonObject()
        .put("warmup", warm).put("measured", settings.processMeasured())
        .put("baselineProcessBuilder", b.toJson())
        .put("referenceBashReportsPid", sh.toJson())
        .put("pogoHttp", h.toJson())
        .put("ratioHttp", ratios(h, b)));
    latencyRow("process", "baseline ProcessBuilder.start", b, null);
    latencyRow("process", "(ref.) bash starts it, reports pid", sh, b);
    latencyRow("process", "Pogo HTTP POST /api/v1/children", h, b);
    line(String.format("   (process: `sleep 1000`, %d warm-up + %d measured per path, interleaved; Pogo's stopped every 50)", warm,
        settings.processMeasured()));
  }

  private static void reap(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(5, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private JsonObject latency() {
    JsonObject l = report.getJsonObject("latency");
    if (l == null) {
      l = new JsonObject();
      report.put("latency", l);
    }
    return l;
  }

  private static JsonObject ratios(Stats.Summary pogo, Stats.Summary base) {
    return new JsonObject().put("p50", Stats.ratio(pogo.p50(), base.p50())).put("p99", Stats.ratio(pogo.p99(), base.p99()))
        .put("max", Stats.ratio(pogo.max(), base.max()));
  }

  private void latencyRow(String kind, String path, Stats.Summary s, Stats.Summary base) {
    String ratio = base == null ? "" : String.format("x%.1f, x%.1f, x%.1f", s.p50() / base.p50(), s.p99() / base.p99(),
        s.max() / base.max());
    line(String.format("   %-9s %-34s %6d %9.3f %9.3f %9.3f %9.3f   %s", kind, path, s.n(), s.p50(), s.p90(), s.p99(),
        s.max(), ratio));
  }

  // ---------------------------------------------------------------- where the time goes

  /** Sequential medians of the steps a start is made of, on the same node, to explain the latency above. */
  private void breakdown() throws Exception {
    int warm = settings.microWarmup();
    int n = settings.microMeasured();
    JsonObject out = new JsonObject();

    MessageConsumer<Object> ping = vertx.eventBus().consumer("bench.ping", m -> m.reply(m.body()));
    await(ping.completion(), 10_000);
    JsonObject body = new JsonObject().put("id", "x");
    Stats.Summary bus = micro(warm, n, i -> vertx.eventBus().request("bench.ping", body, Requests.options(5_000)));
    await(ping.unregister(), 10_000);

    HazelcastInstance hz = ((HazelcastClusterManager) ((VertxInternal) vertx).clusterManager()).getHazelcastInstance();
    IMap<String, HazelcastJsonValue> scratch = hz.getMap("bench.scratch");
    String json = sampleRecord != null ? sampleRecord : verticleSpec("x", "y").encode();
    Stats.Summary claim = micro(warm, n, i -> Future.fromCompletionStage(scratch.submitToKey("k" + i, new Put(json))));
    scratch.destroy();

    Stats.Summary blocking = micro(warm, n, i -> vertx.executeBlocking(() -> i, false));

    String health = api.substring(0, api.length() - "/api/v1".length()) + "/health";
    HttpRequest healthReq = HttpRequest.newBuilder(URI.create(health)).timeout(Duration.ofSeconds(10)).GET().build();
    Stats.Summary httpRt = micro(warm, n, i -> Future.fromCompletionStage(
        http.sendAsync(healthReq, HttpResponse.BodyHandlers.ofString())));

    ChildRecord probe = client.start(verticleSpec("probe", "bench.probe")).blockingGet();
    live.add(probe.id());
    Stats.Summary get = micro(warm, n, i -> Future.fromCompletionStage(client.get("probe").toCompletionStage()));

    Stats.Summary deploy = micro(warm, n, i -> vertx.deployVerticle(new EchoVerticle(), echoOptions("bench.micro." + i))
        .onSuccess(bare::add));
    tearDown(16);

    out.put("eventBusRequestReply", bus.toJson()).put("hazelcastEntryProcessor", claim.toJson())
        .put("executeBlocking", blocking.toJson()).put("httpGetHealth", httpRt.toJson())
        .put("pogoClientGet", get.toJson()).put("bareDeployVerticle", deploy.toJson());
    // the critical path of a start: client -> registry (request), claim (entry processor), registry -> supervisor
    // (request), class check (executeBlocking), deploy, report `running` (request + entry processor), replies
    JsonArray steps = timeline(warm / 2, n / 5, false);
    out.put("startTimeline", steps);
    int processTraces = Math.max(10, settings.processMeasured() / 6);
    JsonArray processSteps = timeline(5, processTraces, true);
    out.put("processStartTimeline", processSteps);
    JsonObject meta = hazelcastExperiment(hz, json);
    out.put("hazelcastJsonMetadata", meta);
    report.put("breakdown", out);
    line("");
    line(String.format("   Where the time goes: sequential p50 of the steps a start is made of (%d measured each):", n));
    line(String.format("     event-bus request/reply (clustered bus, local consumer)   %7.3f ms", bus.p50()));
    line(String.format("     Hazelcast IMap.submitToKey (entry processor, ~%d B JSON)  %7.3f ms", json.length(), claim.p50()));
    line(String.format("     vertx.executeBlocking hop                                 %7.3f ms", blocking.p50()));
    line(String.format("     bare deployVerticle(EchoVerticle)                         %7.3f ms", deploy.p50()));
    line(String.format("     PogoClient.get (one registry hop + IMap.getAsync)         %7.3f ms", get.p50()));
    line(String.format("     HTTP GET /health (JDK HttpClient round trip)              %7.3f ms", httpRt.p50()));
    timelineTable(String.format("   Timeline of a verticle child's event-bus start (median offsets over %d sequential starts,", n / 5), steps);
    timelineTable(String.format("   Timeline of a process child's (`sleep 1000`) event-bus start (median offsets over %d sequential starts,",
        processTraces), processSteps);
    line("");
    line(String.format("   The registry's Hazelcast writes in isolation: %,d entry-processor writes of a %d B record into a scratch map",
        meta.getInteger("ops"), json.length()));
    line(String.format("   (1 insert + 2 updates per key, like a start; 64 in flight; ForkJoinPool common parallelism %d):",
        meta.getInteger("forkJoinCommonParallelism")));
    line(String.format("     %-58s %9s %12s %14s %11s", "variant", "writes/s", "CPU us/write", "threads/write", "heap B/key"));
    String[][] variants = {
        {"metadataOnFromCompletionStage", "as pogo.children: JSON metadata on, fromCompletionStage"},
        {"metadataOnDirectExecutor", "JSON metadata on, direct executor + runOnContext"},
        {"metadataOffFromCompletionStage", "MetadataPolicy.OFF, fromCompletionStage"},
        {"metadataOffDirectExecutor", "MetadataPolicy.OFF, direct executor + runOnContext"}};
    for (String[] v : variants) {
      JsonObject m = meta.getJsonObject(v[0]);
      line(String.format("     %-58s %,9d %12.1f %14.2f %,11d", v[1], m.getLong("perSecond"), m.getDouble("cpuMicrosPerOp"),
          m.getDouble("threadsStartedPerOp"), m.getLong("heapBytesPerEntry")));
    }
  }

  private void timelineTable(String title, JsonArray steps) {
    line("");
    line(title);
    line("   seen by event-bus interceptors; a step's thread is where it happened most often):");
    double prev = 0;
    for (Object o : steps) {
      JsonObject st = (JsonObject) o;
      double at = st.getDouble("medianMs");
      line(String.format("     %8.3f ms  (+%6.3f)  %-46s %s", at, at - prev, st.getString("step"), st.getString("thread")));
      prev = at;
    }
  }

  /** Sequential event-bus starts traced by {@link Timeline}. */
  private JsonArray timeline(int warm, int n, boolean process) {
    Timeline tl = new Timeline(vertx);
    tl.install();
    try {
      for (int i = 0; i < warm + n; i++) {
        String id = (process ? "trace-p-" : "trace-v-") + i;
        JsonObject spec = process ? processSpec(id) : verticleSpec(id, "bench.trace." + i);
        tl.begin();
        client.start(spec).blockingGet();
        tl.end(i >= warm);
        live.add(id);
        Heap.sleep(2); // let stragglers of this start (events, reply of the last report) land before the next begins
      }
    } finally {
      tl.uninstall();
    }
    tearDown(16);
    return tl.steps();
  }

  /**
   * The registry's writes, isolated: entry-processor writes of a child record (1 insert + 2 updates per key, like a
   * start) into a scratch map, 64 in flight, in four variants, each twice, alternating: Hazelcast's default JSON
   * metadata policy (what {@code pogo.children} uses) or {@code MetadataPolicy.OFF}; the completion handed to Vert.x
   * as {@code HazelcastRegistryStore} does ({@code Future.fromCompletionStage(stage, context)}, i.e. Hazelcast's
   * {@code whenComplete}, which runs on its default async executor) or through a direct executor and
   * {@code context.runOnContext}.
   */
  private JsonObject hazelcastExperiment(HazelcastInstance hz, String json) {
    int keys = settings.quick() ? 1_000 : 4_000;
    int ops = keys * 3;
    hz.getConfig().addMapConfig(new MapConfig("bench.meta.off.*").setMetadataPolicy(MetadataPolicy.OFF));
    io.vertx.core.Context ctx = vertx.getOrCreateContext();
    String[] names = {"metadataOnFromCompletionStage", "metadataOnDirectExecutor", "metadataOffFromCompletionStage",
        "metadataOffDirectExecutor"};
    int rounds = 2;
    double[][] acc = new double[4][4]; // perSecond, cpuMicros, heapBytesPerEntry, threadsStartedPerOp
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int round = 0; round < rounds; round++) {
      for (int v = 0; v < 4; v++) {
        boolean metadata = v < 2;
        boolean direct = v % 2 == 1;
        IMap<String, HazelcastJsonValue> map = hz.getMap((metadata ? "bench.meta.on." : "bench.meta.off.") + round + "." + v);
        long before = round == 0 ? Heap.usedAfterGc() : 0;
        long t0 = threads.getTotalStartedThreadCount();
        long cpu0 = Heap.processCpuNanos();
        Bounded.Result r = Bounded.run(ops, 64, RUN_TIMEOUT_MS, i -> {
          CompletionStage<Boolean> stage = map.submitToKey("k" + (i % keys), new Put(json));
          if (!direct) {
            return Future.fromCompletionStage(stage, ctx).toCompletionStage();
          }
          io.vertx.core.Promise<Boolean> p = io.vertx.core.Promise.promise();
          stage.whenCompleteAsync((ok, err) -> ctx.runOnContext(x -> {
            if (err != null) {
              p.fail(err);
            } else {
              p.complete(ok);
            }
          }), Runnable::run);
          return p.future().toCompletionStage();
        });
        long cpu1 = Heap.processCpuNanos();
        long t1 = threads.getTotalStartedThreadCount();
        long after = round == 0 ? Heap.usedAfterGc() : 0;
        acc[v][0] += r.perSecond() / rounds;
        acc[v][1] += (cpu1 - cpu0) / 1e3 / Math.max(1, r.ok()) / rounds;
        acc[v][2] += round == 0 ? (double) (after - before) / keys : 0;
        acc[v][3] += (double) (t1 - t0) / Math.max(1, r.ok()) / rounds;
        map.destroy();
      }
    }
    JsonObject out = new JsonObject().put("ops", ops).put("keys", keys).put("recordBytes", json.length()).put("rounds", rounds)
        .put("forkJoinCommonParallelism", java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
    for (int v = 0; v < 4; v++) {
      out.put(names[v], new JsonObject().put("perSecond", Math.round(acc[v][0])).put("cpuMicrosPerOp", Stats.r(acc[v][1]))
          .put("heapBytesPerEntry", Math.round(acc[v][2])).put("threadsStartedPerOp", Stats.r(acc[v][3])));
    }
    return out;
  }

  private static Stats.Summary micro(int warm, int n, IntFunction<Future<?>> op) throws Exception {
    Stats s = new Stats();
    for (int i = 0; i < warm + n; i++) {
      long t = System.nanoTime();
      await(op.apply(i), 30_000);
      long d = System.nanoTime() - t;
      if (i >= warm) {
        s.add(d);
      }
    }
    return s.summary();
  }

  /** Stores a value (what the registry's claim does, without its checks). */
  static final class Put implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String json;

    Put(String json) {
      this.json = json;
    }

    @Override
    public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
      entry.setValue(new HazelcastJsonValue(json));
      return true;
    }
  }

  // ---------------------------------------------------------------- 2 and 3. throughput and heap

  /** One timed batch: N operations with C in flight, with used heap after full GC before and after. */
  private record Batch(String what, Bounded.Result result, long heapBefore, long heapAfter, long gcCount, long gcMs,
                       long cpuNanos, long threadsStarted) {
    double threadsPerChild() {
      return result.ok() == 0 ? 0 : (double) threadsStarted / result.ok();
    }

    double bytesPerChild() {
      return result.ok() == 0 ? 0 : (double) (heapAfter - heapBefore) / result.ok();
    }

    double cpuMicrosPerChild() {
      return result.ok() == 0 || cpuNanos < 0 ? 0 : cpuNanos / 1e3 / result.ok();
    }

    JsonObject toJson() {
      Bounded.Result r = result;
      return new JsonObject().put("what", what).put("children", r.total()).put("concurrency", r.concurrency())
          .put("ok", r.ok()).put("failed", r.failed()).put("timedOut", r.timedOut()).put("firstErrors", new JsonArray(r.firstErrors()))
          .put("seconds", Stats.r(r.seconds())).put("perSecond", Math.round(r.perSecond()))
          .put("cpuMicrosPerChild", Stats.r(cpuMicrosPerChild()))
          .put("threadsStartedPerChild", Stats.r(threadsPerChild()))
          .put("gcCount", gcCount).put("gcMs", gcMs)
          .put("heapBeforeBytes", heapBefore).put("heapAfterBytes", heapAfter)
          .put("heapBytesPerChild", Math.round(bytesPerChild()));
    }
  }

  private Batch batch(String what, int total, int concurrency, IntFunction<CompletionStage<?>> op) {
    long before = Heap.usedAfterGc();
    long[] gc0 = Heap.gcCounters();
    long cpu0 = Heap.processCpuNanos();
    long threads0 = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
    Bounded.Result r = Bounded.run(total, concurrency, RUN_TIMEOUT_MS, op);
    long threads1 = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
    long cpu1 = Heap.processCpuNanos();
    long[] gc1 = Heap.gcCounters();
    long after = Heap.usedAfterGc();
    return new Batch(what, r, before, after, gc1[0] - gc0[0], gc1[1] - gc0[1], cpu0 < 0 ? -1 : cpu1 - cpu0,
        threads1 - threads0);
  }

  private void throughput() {
    int n = settings.children();
    JsonArray curve = new JsonArray();
    report.put("throughput", new JsonObject().put("children", n).put("curve", curve));
    line("");
    line(String.format("2. Verticle children started per second: %,d EchoVerticle children per batch, C in flight", n));
    line("   (CPU = this JVM's CPU time per child, client included; thr/ch = JVM threads started per child; stop = Pogo stop /");
    line("    bare undeploy of the batch afterwards, 64 in flight; heap = used heap after full GC, after - before, per child)");
    line(String.format("   %4s  %-28s %10s %8s %10s %8s %7s %7s %9s %9s", "C", "path", "children/s", "Pogo/bl", "CPU us/ch",
        "thr/ch", "GC ms", "failed", "stop/s", "heap B/ch"));
    List<Batch> bares = new ArrayList<>();
    List<Batch> buses = new ArrayList<>();
    List<Batch> https = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (int c : settings.concurrency()) {
      if (elapsedMs() > BUDGET_MS) {
        skipped.add("C=" + c);
        continue;
      }
      Batch b = batch("baseline deployVerticle", n, c, i -> vertx.deployVerticle(new EchoVerticle(),
          echoOptions("bench.tp.bare." + c + "." + i)).onSuccess(bare::add).toCompletionStage());
      Bounded.Result bStop = undeployAll(64);
      bares.add(b);
      Batch e = batch("Pogo event bus", n, c, i -> {
        String id = "tp-e" + c + "-" + i;
        return client.start(verticleSpec(id, "bench.tp.bus." + c + "." + i)).doOnSuccess(rec -> live.add(id)).toCompletionStage();
      });
      Bounded.Result eStop = stopAll(64);
      buses.add(e);
      JsonObject point = new JsonObject().put("concurrency", c).put("baseline", b.toJson().put("stopPerSecond", Math.round(bStop.perSecond())))
          .put("pogoEventBus", e.toJson().put("stopPerSecond", Math.round(eStop.perSecond())))
          .put("ratioEventBus", Stats.ratio(e.result().perSecond(), b.result().perSecond()));
      tpRow(c, "baseline deployVerticle", b, null, bStop);
      tpRow(c, "Pogo event bus (PogoClient)", e, b, eStop);
      if (settings.httpConcurrency().contains(c) && elapsedMs() <= BUDGET_MS) {
        Batch h = batch("Pogo HTTP", n, c, i -> {
          String id = "tp-h" + c + "-" + i;
          return http.sendAsync(post(verticleSpec(id, "bench.tp.http." + c + "." + i)), HttpResponse.BodyHandlers.ofString())
              .thenApply(r -> {
                running(r);
                live.add(id);
                return r;
              });
        });
        Bounded.Result hStop = stopAll(64);
        https.add(h);
        point.put("pogoHttp", h.toJson().put("stopPerSecond", Math.round(hStop.perSecond())))
            .put("ratioHttp", Stats.ratio(h.result().perSecond(), b.result().perSecond()));
        tpRow(c, "Pogo HTTP POST", h, b, hStop);
        // the HTTP plumbing alone (JDK client in this JVM + Vert.x server, no Pogo work): what HTTP adds per child
        HttpRequest health = HttpRequest.newBuilder(URI.create(api.substring(0, api.length() - "/api/v1".length()) + "/health"))
            .timeout(Duration.ofSeconds(60)).GET().build();
        Batch plumbing = batch("HTTP GET /health", n, c, i -> http.sendAsync(health, HttpResponse.BodyHandlers.ofString())
            .thenApply(r -> {
              if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode());
              }
              return r;
            }));
        point.put("httpGetHealth", plumbing.toJson());
        tpRow(c, "(ref.) HTTP GET /health", plumbing, null, null);
      } else if (settings.httpConcurrency().contains(c)) {
        skipped.add("HTTP C=" + c);
      }
      curve.add(point);
    }
    JsonObject tp = report.getJsonObject("throughput");
    if (!skipped.isEmpty()) {
      tp.put("skippedForTimeBudget", new JsonArray(new ArrayList<>(skipped)));
      line("   skipped (time budget of " + BUDGET_MS / 1000 + " s reached): " + String.join(", ", skipped));
    }
    if (bares.isEmpty()) {
      return;
    }
    Batch bestBase = best(bares);
    Batch bestBus = best(buses);
    tp.put("best", new JsonObject()
        .put("baseline", new JsonObject().put("perSecond", Math.round(bestBase.result().perSecond())).put("concurrency", bestBase.result().concurrency()))
        .put("pogoEventBus", new JsonObject().put("perSecond", Math.round(bestBus.result().perSecond())).put("concurrency", bestBus.result().concurrency()))
        .put("ratioEventBus", Stats.ratio(bestBus.result().perSecond(), bestBase.result().perSecond())));
    line(String.format("   best: Pogo event bus %,.0f children/s (C=%d) vs baseline %,.0f/s (C=%d): Pogo / baseline = %.2f",
        bestBus.result().perSecond(), bestBus.result().concurrency(), bestBase.result().perSecond(),
        bestBase.result().concurrency(), bestBus.result().perSecond() / bestBase.result().perSecond()));
    if (!https.isEmpty()) {
      Batch bestHttp = best(https);
      tp.getJsonObject("best").put("pogoHttp", new JsonObject().put("perSecond", Math.round(bestHttp.result().perSecond()))
          .put("concurrency", bestHttp.result().concurrency()))
          .put("ratioHttp", Stats.ratio(bestHttp.result().perSecond(), bestBase.result().perSecond()));
      line(String.format("         Pogo HTTP      %,.0f children/s (C=%d): Pogo / baseline = %.2f", bestHttp.result().perSecond(),
          bestHttp.result().concurrency(), bestHttp.result().perSecond() / bestBase.result().perSecond()));
    }
    heapReport(bares, buses, https);
  }

  private static Batch best(List<Batch> batches) {
    return batches.stream().max(Comparator.comparingDouble(b -> b.result().perSecond())).orElseThrow();
  }

  private void tpRow(int c, String path, Batch b, Batch base, Bounded.Result stop) {
    Bounded.Result r = b.result();
    String ratio = base == null ? "" : String.format("%.2f", r.perSecond() / base.result().perSecond());
    line(String.format("   %4d  %-28s %10.0f %8s %10.0f %8.2f %7d %7s %9s %9s", c, path, r.perSecond(), ratio,
        b.cpuMicrosPerChild(), b.threadsPerChild(), b.gcMs(), r.failed() + (r.timedOut() ? "+TO" : ""),
        stop == null ? "-" : String.format("%.0f", stop.perSecond()), stop == null ? "-" : String.format("%.0f", b.bytesPerChild())));
    if (!r.firstErrors().isEmpty()) {
      line("         first errors: " + r.firstErrors());
    }
  }

  private void heapReport(List<Batch> bares, List<Batch> buses, List<Batch> https) {
    double base = median(bares);
    double pogo = median(buses);
    List<Batch> allPogo = new ArrayList<>(buses);
    allPogo.addAll(https);
    JsonObject heap = new JsonObject()
        .put("method", "used heap (MemoryMXBean) after System.gc() repeated until stable, before and after each batch, "
            + "divided by the children started; median over the batches of the curve")
        .put("baselineBytesPerChild", Math.round(base))
        .put("pogoBytesPerChild", Math.round(pogo))
        .put("pogoAllBatchesMedianBytesPerChild", Math.round(median(allPogo)))
        .put("overheadBytesPerChild", Math.round(pogo - base))
        .put("ratio", Stats.ratio(pogo, base))
        .put("baselinePerBatch", new JsonArray(bares.stream().map(b -> Math.round(b.bytesPerChild())).toList()))
        .put("pogoEventBusPerBatch", new JsonArray(buses.stream().map(b -> Math.round(b.bytesPerChild())).toList()))
        .put("pogoHttpPerBatch", new JsonArray(https.stream().map(b -> Math.round(b.bytesPerChild())).toList()));
    report.put("heap", heap);
    line("");
    line(String.format("3. Heap per idle verticle child (used heap after full GC, before/after each %,d-child batch above)",
        settings.children()));
    line(String.format("   baseline deployVerticle  %,8.0f B/child   (per batch: %s)", base, perBatch(bares)));
    line(String.format("   Pogo (event-bus batches) %,8.0f B/child   (per batch: %s; HTTP batches: %s)", pogo, perBatch(buses),
        perBatch(https)));
    line(String.format("   Pogo / baseline = %.2f; Pogo's own overhead %,.0f B/child (registry record in Hazelcast + supervisor)",
        pogo / base, pogo - base));
  }

  private static String perBatch(List<Batch> batches) {
    return batches.stream().map(b -> String.format("%,.0f", b.bytesPerChild())).collect(Collectors.joining(" "));
  }

  private static double median(List<Batch> batches) {
    double[] v = batches.stream().mapToDouble(Batch::bytesPerChild).sorted().toArray();
    if (v.length == 0) {
      return 0;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  // ---------------------------------------------------------------- teardown

  private Bounded.Result undeployAll(int concurrency) {
    List<String> ids = new ArrayList<>();
    for (String id; (id = bare.poll()) != null; ) {
      ids.add(id);
    }
    return Bounded.run(ids.size(), concurrency, RUN_TIMEOUT_MS, i -> vertx.undeploy(ids.get(i)).toCompletionStage());
  }

  private Bounded.Result stopAll(int concurrency) {
    List<String> ids = new ArrayList<>(live);
    return Bounded.run(ids.size(), concurrency, RUN_TIMEOUT_MS, i -> client.stop(ids.get(i))
        .doOnSuccess(r -> live.remove(ids.get(i))).toCompletionStage());
  }

  private void tearDown(int concurrency) {
    Bounded.Result u = undeployAll(concurrency);
    Bounded.Result s = stopAll(concurrency);
    if (u.failed() > 0 || s.failed() > 0 || u.timedOut() || s.timedOut()) {
      throw new IllegalStateException("teardown failed: undeploy " + u + ", stop " + s);
    }
  }

  private void cleanup() {
    JsonObject c = new JsonObject();
    try {
      if (node != null) {
        tearDown(64);
        // anything the table still holds (a start that failed half-way, say)
        List<ChildRecord> left = client.list(ChildQuery.global()).blockingGet();
        for (ChildRecord r : left) {
          live.add(r.id());
        }
        c.put("leftInRegistry", left.size());
        stopAll(64);
      }
    } catch (Throwable t) {
      c.put("error", String.valueOf(t));
    }
    if (node != null) {
      try {
        await(node.stop(), 60_000);
        c.put("nodeStopped", true);
      } catch (Throwable t) {
        c.put("nodeStopped", false).put("nodeStopError", String.valueOf(t));
      }
    }
    // no process may outlive the benchmark
    List<ProcessHandle> descendants = ProcessHandle.current().descendants().toList();
    for (ProcessHandle p : descendants) {
      p.destroyForcibly();
    }
    c.put("leftoverProcesses", descendants.size());
    if (dataDir != null) {
      try (Stream<Path> paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | RuntimeException e) {
        c.put("dataDirNotDeleted", String.valueOf(e));
      }
    }
    report.put("cleanup", c);
  }

  /** Counts warnings in the node's log: blocked event loops would distort every figure. */
  private void logSummary() {
    String log = System.getProperty("pogo.bench.log");
    if (log == null) {
      return;
    }
    try (Stream<String> lines = Files.lines(Path.of(log))) {
      long[] counts = new long[4];
      lines.forEach(l -> {
        if (l.contains(" WARN ")) {
          counts[0]++;
        }
        if (l.contains(" ERROR ")) {
          counts[1]++;
        }
        if (l.contains("has been blocked")) {
          counts[2]++;
        }
        counts[3]++;
      });
      report.put("nodeLog", new JsonObject().put("path", log).put("lines", counts[3]).put("warn", counts[0])
          .put("error", counts[1]).put("blockedThreadWarnings", counts[2]));
      JsonObject cl = report.getJsonObject("cleanup", new JsonObject());
      line("");
      line(String.format("   node log: %,d lines, %d WARN, %d ERROR, %d blocked-thread warnings; cleanup: %s", counts[3],
          counts[0], counts[1], counts[2], cl.encode()));
    } catch (IOException | RuntimeException e) {
      line("   (cannot read the node log " + log + ": " + e + ")");
    }
  }

  // ---------------------------------------------------------------- helpers

  private long elapsedMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private void line(String s) {
    System.out.println(s);
    System.out.flush();
    text.append(s).append('\n');
  }

  static <T> T await(Future<T> f, long timeoutMs) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }
}
