package io.pogo.node.it;

import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildState;
import io.pogo.core.client.PogoClient;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.event.ChildEvent;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.PogoNode;
import io.reactivex.rxjava3.disposables.Disposable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One real node (clustered Vert.x on loopback, the standard verticles) driven through its faces: HTTP, the typed
 * event-bus client, and real processes and verticles as children.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  static Path dir;
  private PogoNode node;
  private Http http;
  private PogoClient client;
  private BlockedThreadWatch blocked;

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @BeforeAll
  void startNode() throws IOException {
    blocked = BlockedThreadWatch.install();
    JsonObject config = new JsonObject().put("name", "solo").put("clusterName", "it-" + UUID.randomUUID())
        .put("clusterPort", freePort()).put("httpPort", 0).put("dataDir", dir.toString()).put("failureTimeout", "5s")
        .put("maxBodyBytes", 64 * 1024)
        .put("children", new JsonArray().add(new JsonObject().put("id", "declared").put("kind", "process")
            .put("argv", new JsonArray().add("sleep").add("1000")).put("metadata", new JsonObject().put("origin", "config"))));
    NodeOptions options = NodeOptionsValidator.parse(config, "solo");
    node = Await.result(PogoNode.start(options));
    http = new Http(node.apiUrl());
    client = PogoClient.create(node.vertx());
  }

  @AfterAll
  void stopNode() {
    try {
      if (node != null) {
        Await.result(node.stop());
      }
      assertEquals(List.of(), blocked.warnings(), "no event loop may be blocked");
    } finally {
      blocked.uninstall();
    }
  }

  private static JsonObject process(String id, String... argv) {
    return new JsonObject().put("id", id).put("kind", "process").put("argv", new JsonArray(List.of(argv)));
  }

  private JsonObject record(String id) {
    Http.Response r = http.get("/children/" + id);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The child, its descendants, and every member of its process group (a daemonised grandchild is no descendant). */
  private static List<Long> treeOf(long pid) {
    java.util.Set<Long> pids = new java.util.TreeSet<>();
    pids.add(pid);
    ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
    ProcessHandle.allProcesses().forEach(p -> {
      if (processGroup(p.pid()) == pid) {
        pids.add(p.pid());
      }
    });
    return List.copyOf(pids);
  }

  private static long processGroup(long pid) {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[2]);
    } catch (IOException | RuntimeException e) {
      return -1; // gone, or not readable: not a member
    }
  }

  @Test
  void declaredChildrenStartWithTheNode() {
    JsonObject r = Await.value("the declared child to run", WAIT, () -> record("declared"),
        j -> "running".equals(j.getString("state")));
    assertEquals("config", r.getJsonObject("metadata").getString("origin"));
    assertTrue(alive(r.getLong("pid")));
  }

  @Test
  void processChildLifecycleThroughHttp() {
    Http.Response created = http.post("/children", process("web-1", "sh", "-c", "echo hello; echo oops >&2; exec sleep 1000")
        .put("metadata", new JsonObject().put("team", "web")));
    assertEquals(201, created.status(), created.body());
    JsonObject r = created.json();
    assertEquals("running", r.getString("state"));
    assertEquals("solo", r.getString("node"));
    assertEquals(0, r.getInteger("restarts"));
    assertNotNull(r.getLong("startedAt"));
    long pid = r.getLong("pid");
    assertTrue(alive(pid), "the reply's pid is a live process");

    JsonObject listed = http.get("/children?scope=local&tag=team=web").json();
    assertEquals(List.of("web-1"), ids(listed));
    assertEquals(List.of(), ids(http.get("/children?tag=team=nobody").json()));
    assertTrue(ids(http.get("/children?state=running").json()).contains("web-1"));

    JsonArray lines = Await.value("both output lines", WAIT, () -> http.get("/children/web-1/logs").json().getJsonArray("lines"),
        l -> l.stream().map(o -> ((JsonObject) o).getString("text")).filter(t -> t.equals("hello") || t.equals("oops")).count() == 2);
    assertTrue(lines.stream().anyMatch(o -> ((JsonObject) o).getString("stream").equals("err")));

    Http.Response restarted = http.post("/children/web-1/restart", "");
    assertEquals(200, restarted.status(), restarted.body());
    assertEquals(1, restarted.json().getInteger("restarts"));
    long pid2 = restarted.json().getLong("pid");
    assertNotEquals(pid, pid2);
    Await.until("the first instance to be gone", WAIT, () -> !alive(pid));

    Http.Response stopped = http.delete("/children/web-1");
    assertEquals(200, stopped.status(), stopped.body());
    assertEquals("stopped", stopped.json().getString("state"));
    assertEquals("shutdown", stopped.json().getJsonObject("lastExit").getString("kind"));
    Await.until("the process to be gone", WAIT, () -> !alive(pid2));
    assertEquals(404, http.get("/children/web-1").status());
  }

  @Test
  void processKilledFromOutsideIsRestarted() {
    List<ChildEvent> events = new CopyOnWriteArrayList<>();
    Disposable sub = client.events().filter(e -> e.id().equals("victim")).subscribe(events::add);
    try {
      long pid = http.post("/children", process("victim", "sleep", "1000")).json().getLong("pid");
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      JsonObject r = Await.value("a restarted instance", WAIT, () -> record("victim"),
          j -> "running".equals(j.getString("state")) && j.getInteger("restarts") == 1);
      assertNotEquals(pid, r.getLong("pid"));
      assertEquals("SIGKILL", r.getJsonObject("lastExit").getString("signal"));
      assertEquals("abnormal", r.getJsonObject("lastExit").getString("kind"));
      Await.until("the restart's events", WAIT, () -> events.size() >= 5);
      assertEquals(List.of("child.starting", "child.running", "child.backoff", "child.starting", "child.running"),
          events.stream().map(ChildEvent::type).toList().subList(0, 5));
    } finally {
      sub.dispose();
      http.delete("/children/victim");
    }
  }

  @Test
  void stopLeavesNoProcessOfTheTreeAlive() {
    long pid = http.post("/children", process("tree", "sh", "-c", "sleep 1000 & sleep 1000 & (sleep 1000 &) ; wait")).json().getLong("pid");
    List<Long> tree = Await.value("the whole tree to be up", WAIT, () -> treeOf(pid), t -> t.size() >= 4);
    assertEquals(200, http.delete("/children/tree").status());
    Await.until("every process of the tree to be gone " + tree, WAIT, () -> tree.stream().noneMatch(SingleNodeTest::alive));
  }

  @Test
  void processIgnoringSigtermIsKilledAfterItsShutdownTimeout() {
    JsonObject spec = process("stubborn", "sh", "-c", "trap '' TERM; while true; do sleep 1; done").put("shutdownTimeout", "1s");
    long pid = http.post("/children", spec).json().getLong("pid");
    long t0 = System.nanoTime();
    Http.Response stopped = http.delete("/children/stubborn");
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(200, stopped.status(), stopped.body());
    assertFalse(alive(pid));
    assertTrue(tookMs >= 900, "SIGTERM was ignored, so the stop waited for the timeout (" + tookMs + " ms)");
  }

  @Test
  void verticleChildThroughTheEventBusClient() {
    JsonObject spec = new JsonObject().put("id", "echo-1").put("kind", "verticle")
        .put("verticle", "io.pogo.supervisor.examples.EchoVerticle").put("config", new JsonObject().put("address", "it.echo"))
        .put("instances", 2);
    ChildRecord started = client.start(spec).blockingGet();
    assertEquals(ChildState.RUNNING, started.state());
    assertNotNull(started.deploymentId());
    String echoed = Await.result(node.vertx().eventBus().<String>request("it.echo", "ping")).body();
    assertEquals("ping", echoed);
    assertEquals("echo-1", client.get("echo-1").blockingGet().id());
    assertTrue(client.list(ChildQuery.local()).blockingGet().stream().anyMatch(c -> c.id().equals("echo-1")));
    ChildRecord stopped = client.stop("echo-1").blockingGet();
    assertEquals(ChildState.STOPPED, stopped.state());
    assertFalse(node.vertx().deploymentIDs().contains(started.deploymentId()));
    PogoException gone = assertThrows(PogoException.class, () -> client.get("echo-1").blockingGet());
    assertEquals(ErrorCode.CHILD_NOT_FOUND, gone.code());
  }

  @Test
  void verticleCrashLoopEndsFailedAndHarmsNoOtherChild() {
    http.post("/children", process("bystander", "sleep", "1000"));
    long bystanderPid = record("bystander").getLong("pid");
    JsonObject flaky = new JsonObject().put("id", "flaky").put("kind", "verticle")
        .put("verticle", "io.pogo.supervisor.examples.FlakyVerticle").put("config", new JsonObject().put("failStart", true))
        .put("maxRestarts", 3).put("backoffInitial", "10ms").put("backoffMax", "40ms");
    Http.Response created = http.post("/children", flaky);
    assertEquals(201, created.status(), created.body());
    assertEquals("backoff", created.json().getString("state"), "a failed first start is an abnormal exit, kept and retried");
    JsonObject failed = Await.value("the crash loop to end", WAIT, () -> record("flaky"), j -> "failed".equals(j.getString("state")));
    assertEquals(3, failed.getInteger("restarts"));
    assertTrue(failed.getJsonObject("lastExit").getString("message").contains("configured to fail its start"));
    JsonObject bystander = record("bystander");
    assertEquals("running", bystander.getString("state"));
    assertEquals(0, bystander.getInteger("restarts"));
    assertEquals(bystanderPid, bystander.getLong("pid"));
    http.delete("/children/flaky");
    http.delete("/children/bystander");
  }

  @Test
  void verticleExitsFollowTheRestartType() {
    JsonObject exits = new JsonObject().put("id", "one-shot").put("kind", "verticle").put("restart", "transient")
        .put("verticle", "io.pogo.supervisor.examples.FlakyVerticle").put("config", new JsonObject().put("exitAfter", 20));
    http.post("/children", exits);
    JsonObject exited = Await.value("a normal exit to stay down", WAIT, () -> record("one-shot"), j -> "exited".equals(j.getString("state")));
    assertEquals("normal", exited.getJsonObject("lastExit").getString("kind"));

    JsonObject crashes = new JsonObject().put("id", "crasher").put("kind", "verticle").put("restart", "transient")
        .put("verticle", "io.pogo.supervisor.examples.FlakyVerticle").put("config", new JsonObject().put("crashAfter", 20))
        .put("backoffInitial", "10ms");
    http.post("/children", crashes);
    JsonObject restarted = Await.value("a crash to be restarted", WAIT, () -> record("crasher"), j -> j.getInteger("restarts") >= 1);
    assertTrue(restarted.getJsonObject("lastExit").getString("message").startsWith("crashed: configured to crash"));

    JsonObject selfUndeploy = new JsonObject().put("id", "leaver").put("kind", "verticle").put("restart", "permanent")
        .put("verticle", "io.pogo.supervisor.examples.FlakyVerticle").put("config", new JsonObject().put("undeployAfter", 20))
        .put("maxRestarts", 0);
    http.post("/children", selfUndeploy);
    JsonObject failed = Await.value("a permanent child to be restarted (and fail, with no restarts allowed)", WAIT,
        () -> record("leaver"), j -> "failed".equals(j.getString("state")));
    assertEquals("undeployed itself", failed.getJsonObject("lastExit").getString("message"));
    List.of("one-shot", "crasher", "leaver").forEach(id -> http.delete("/children/" + id));
  }

  @Test
  void badInputIsRefusedNamingTheFieldAndChangesNothing() {
    int before = http.get("/children").json().getInteger("count");
    assertProblem(http.post("/children", "{not json"), 400, "MALFORMED_REQUEST", null);
    assertProblem(http.post("/children", process("x1", "no-such-executable-here")), 400, "VALIDATION_FAILED", "argv[0]");
    assertProblem(http.post("/children", process("x2")), 400, "VALIDATION_FAILED", "argv");
    assertProblem(http.post("/children", new JsonObject().put("id", "x3").put("kind", "vm")), 400, "VALIDATION_FAILED", "kind");
    assertProblem(http.post("/children", process("bad id!", "true")), 400, "VALIDATION_FAILED", "id");
    assertProblem(http.post("/children", process("x4", "true").put("restart", "always")), 400, "VALIDATION_FAILED", "restart");
    assertProblem(http.post("/children", process("x5", "true").put("maxRestarts", -1)), 400, "VALIDATION_FAILED", "maxRestarts");
    assertProblem(http.post("/children", new JsonObject().put("id", "x6").put("kind", "verticle").put("verticle", "com.example.Missing")),
        400, "VALIDATION_FAILED", "verticle");
    assertProblem(http.post("/children", new JsonObject().put("id", "x7").put("kind", "verticle").put("verticle", "java.lang.String")),
        400, "VALIDATION_FAILED", "verticle");
    assertProblem(http.post("/children", process("x8", "sleep", "1".repeat(100_000))), 413, "PAYLOAD_TOO_LARGE", null);
    assertEquals(201, http.post("/children", process("dup", "sleep", "1000")).status());
    Http.Response dup = http.post("/children", process("dup", "true"));
    assertProblem(dup, 409, "ALREADY_STARTED", null);
    assertEquals("solo", dup.json().getJsonObject("details").getString("node"));
    assertEquals(before + 1, http.get("/children").json().getInteger("count"), "only the valid start left a child");
    http.delete("/children/dup");
  }

  @Test
  void floodingProcessDoesNotStopTheNodeFromServing() {
    JsonObject spec = process("flood", "yes", "flooding the node").put("logMaxLines", 500);
    assertEquals(201, http.post("/children", spec).status());
    for (int i = 0; i < 20; i++) {
      Http.Response info = http.get("/node");
      assertEquals(200, info.status(), "the node answers through HTTP and the event bus while a child floods");
      assertEquals("solo", info.json().getString("name"));
    }
    JsonObject logs = Await.value("the log to fill up", WAIT, () -> http.get("/children/flood/logs?tail=10000").json(),
        j -> j.getLong("dropped") > 0);
    assertTrue(logs.getJsonArray("lines").size() <= 500, "the log stays within its bound");
    assertEquals(200, http.delete("/children/flood").status());
  }

  @Test
  void metricsCountChildrenAndTransitions() {
    http.post("/children", process("counted", "sleep", "1000"));
    String root = node.apiUrl().substring(0, node.apiUrl().length() - "/api/v1".length());
    Http.Response metrics = new Http(root).get("/metrics");
    assertEquals(200, metrics.status());
    assertTrue(metrics.body().contains("pogo_children{state=\"running\"}"), metrics.body());
    assertTrue(metrics.body().contains("pogo_child_transitions_total{kind=\"process\",state=\"running\"}"), metrics.body());
    assertTrue(metrics.body().contains("pogo_child_start_seconds_count{kind=\"process\"}"), metrics.body());
    assertTrue(metrics.body().contains("vertx_http_server_requests_total"), "Vert.x's own metrics are there too");
    http.delete("/children/counted");
  }

  private static List<String> ids(JsonObject listing) {
    return listing.getJsonArray("children").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }

  private static void assertProblem(Http.Response r, int status, String code, String field) {
    assertEquals(status, r.status(), r.body());
    assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
    JsonObject p = r.json();
    assertEquals(code, p.getString("code"), r.body());
    if (field != null) {
      assertTrue(p.getJsonArray("errors").stream().anyMatch(o -> field.equals(((JsonObject) o).getString("field"))),
          "expected an error on " + field + ": " + r.body());
    }
  }
}
