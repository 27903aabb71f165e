package io.pogo.node;

import io.pogo.core.node.NodeOptions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Real clustered nodes in one JVM, on free loopback ports, with a cluster name of their own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PogoNodeTest {
  static final List<PogoNode.NodeVerticle> VERTICLES = List.of(
      new PogoNode.NodeVerticle("registry", TestVerticles.Registry.class.getName(), false),
      new PogoNode.NodeVerticle("supervisor", TestVerticles.Supervisor.class.getName(), false),
      new PogoNode.NodeVerticle("scheduler", "io.pogo.node.NoSuchScheduler", true),
      new PogoNode.NodeVerticle("http", TestVerticles.Http.class.getName(), false));

  final String cluster = "it-" + UUID.randomUUID();
  @TempDir
  static Path dir;
  PogoNode a;

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  NodeOptions options(String name, int clusterPort, Map<String, Object> extra) {
    JsonObject json = new JsonObject().put("name", name).put("clusterName", cluster).put("clusterPort", clusterPort)
        .put("httpPort", 0).put("dataDir", dir.resolve(name).toString()).put("failureTimeout", "5s");
    extra.forEach(json::put);
    return io.pogo.core.node.NodeOptionsValidator.parse(json, name);
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    Object lock = new Object();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      synchronized (lock) {
        lock.wait(50);
      }
    }
  }

  @BeforeAll
  void startFirstNode() throws Exception {
    Map<String, Object> extra = new HashMap<>();
    extra.put("children", new JsonArray()
        .add(new JsonObject().put("id", "hello").put("kind", "process").put("argv", new JsonArray().add("true")))
        .add(new JsonObject().put("id", "dup").put("kind", "process").put("argv", new JsonArray().add("true"))));
    a = await(PogoNode.start(options("node-a", freePort(), extra), VERTICLES));
  }

  @AfterAll
  void stopAll() throws Exception {
    if (a != null) {
      await(a.stop());
    }
  }

  @Test
  @Order(1)
  void startsDeploysInOrderStartsDeclaredChildrenAndPrintsTheBanner() {
    assertEquals(List.of("node-a:Registry:started", "node-a:Supervisor:started", "node-a:Http:started"),
        TestVerticles.EVENTS.stream().filter(e -> e.startsWith("node-a:")).toList());
    assertEquals(List.of("hello", "dup"), TestVerticles.STARTED_SPECS.stream().map(s -> s.getString("id")).toList());
    int port = a.httpPort();
    assertTrue(port > 0, "the real HTTP port from the local map");
    assertEquals("Pogo node node-a ready: API http://127.0.0.1:" + port + "/api/v1 (cluster " + cluster + " on 127.0.0.1:"
        + a.options().clusterPort() + ", 1 member)", a.banner());
  }

  @Test
  @Order(2)
  void secondNodeJoinsAndLeaves() throws Exception {
    NodeOptions bOpts = options("node-b", freePort(), Map.of(
        "join", new JsonArray().add("127.0.0.1:" + a.options().clusterPort()),
        "roles", new JsonArray().add("supervisor")));
    PogoNode b = await(PogoNode.start(bOpts, VERTICLES));
    try {
      assertEquals(2, b.members());
      waitFor("node-a to see 2 members", () -> a.members() == 2);
      assertTrue(b.banner().startsWith("Pogo node node-b ready: no API (role http not on this node) (cluster "), b.banner());
      assertTrue(b.banner().endsWith(", 2 members)"), b.banner());
    } finally {
      Future<Void> stop = b.stop();
      assertSame(stop, b.stop(), "stop is idempotent");
      await(stop);
    }
    assertEquals(List.of("node-b:Supervisor:started", "node-b:Supervisor:stopped"),
        TestVerticles.EVENTS.stream().filter(e -> e.startsWith("node-b:")).toList());
    waitFor("node-a to see node-b leave", () -> a.members() == 1);
    assertFree(bOpts.clusterPort());
  }

  @Test
  @Order(3)
  void portInUseFailsWithAOneLineMessage() {
    NodeOptions clash = options("node-c", a.options().clusterPort(), Map.of());
    PogoNode.NodeStartException e = assertThrows(PogoNode.NodeStartException.class,
        () -> await(PogoNode.start(clash, VERTICLES)));
    assertTrue(e.getMessage().startsWith("cannot use cluster port 127.0.0.1:" + clash.clusterPort() + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("--cluster-port"), e.getMessage());
  }

  @Test
  @Order(4)
  void deployFailureNamesTheVerticleAndLeavesNothingRunning() throws Exception {
    int port = freePort();
    NodeOptions d = options("node-d", port, Map.of("join", new JsonArray().add("127.0.0.1:" + port)));
    List<PogoNode.NodeVerticle> broken = List.of(VERTICLES.get(1),
        new PogoNode.NodeVerticle("http", TestVerticles.Failing.class.getName(), false));
    Exception e = assertThrows(Exception.class, () -> await(PogoNode.start(d, broken)));
    assertInstanceOf(PogoNode.NodeStartException.class, e);
    assertEquals("deploying " + TestVerticles.Failing.class.getName() + " (role http) failed: no database at db:5432",
        e.getMessage());
    assertFree(port);
    assertEquals(1, a.members());
  }

  @Test
  @Order(4)
  void missingVerticleClassIsReportedBeforeJoining() throws Exception {
    NodeOptions d = options("node-e", freePort(), Map.of("roles", new JsonArray().add("supervisor").add("http")));
    List<PogoNode.NodeVerticle> missing = List.of(VERTICLES.get(1),
        new PogoNode.NodeVerticle("http", "io.pogo.node.Missing", false),
        new PogoNode.NodeVerticle("registry", "io.pogo.node.AlsoMissing", false)); // role not on this node: ignored
    Exception e = assertThrows(Exception.class, () -> await(PogoNode.start(d, missing)));
    assertEquals("io.pogo.node.Missing (role http) is not on the classpath; rebuild the jar, or leave the role out with --roles",
        e.getMessage());
  }

  @Test
  @Order(5)
  void stopsInReverseOrderAndLeavesTheCluster() throws Exception {
    int port = a.options().clusterPort();
    await(a.stop());
    assertEquals(List.of("node-a:Registry:started", "node-a:Supervisor:started", "node-a:Http:started",
            "node-a:Http:stopped", "node-a:Supervisor:stopped", "node-a:Registry:stopped"),
        TestVerticles.EVENTS.stream().filter(e -> e.startsWith("node-a:")).toList());
    assertFree(port);
  }

  static void assertFree(int port) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
  }
}
