package io.pogo.node.it;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.PogoNode;
import io.vertx.core.Future;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Four real nodes in one JVM: replicas on distinct nodes (and their failover), async start with await, batch start
 * with rollback or continue, and a drain that moves every child with no overlap, including a start-then-stop move
 * that hands a verticle's state over.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFeaturesTest {
  private static final String INTERVAL = IntervalVerticle.class.getName();

  @TempDir
  static Path dir;
  private final String cluster = "it-" + UUID.randomUUID();
  private final List<PogoNode> nodes = new ArrayList<>();
  private BlockedThreadWatch blocked;

  @BeforeAll
  void startCluster() throws Exception {
    blocked = BlockedThreadWatch.install();
    int firstPort = NodeProcess.freePort();
    for (String name : List.of("a", "b", "c", "d")) {
      int port = name.equals("a") ? firstPort : NodeProcess.freePort();
      JsonObject config = new JsonObject().put("name", name).put("clusterName", cluster).put("clusterPort", port)
          .put("join", new JsonArray().add("127.0.0.1:" + firstPort)).put("httpPort", 0)
          .put("dataDir", dir.resolve(name).toString()).put("failureTimeout", "5s");
      nodes.add(Await.result(PogoNode.start(NodeOptionsValidator.parse(config, name))));
    }
    Await.until("every node to see the four", Duration.ofSeconds(20),
        () -> nodes.stream().allMatch(n -> request(n, Addresses.NODES_LIST, new JsonObject()).getJsonArray("nodes").size() == 4));
  }

  @AfterAll
  void stopCluster() {
    try {
      for (PogoNode n : nodes) {
        Await.result(n.stop().recover(e -> Future.succeededFuture()));
      }
      assertEquals(List.of(), blocked.warnings(), "no event loop may be blocked");
    } finally {
      blocked.uninstall();
    }
  }

  private static JsonObject request(PogoNode n, String address, JsonObject body) {
    return Await.result(n.vertx().eventBus().<JsonObject>request(address, body, Requests.local(20_000))).body();
  }

  private static PogoException failure(PogoNode n, String address, JsonObject body) {
    return assertThrows(PogoException.class, () -> {
      try {
        request(n, address, body);
      } catch (RuntimeException | AssertionError e) {
        throw PogoException.from(e instanceof AssertionError && e.getCause() != null ? e.getCause() : e);
      }
    });
  }

  private static JsonObject interval(String name) {
    return new JsonObject().put("id", name).put("kind", "verticle").put("verticle", INTERVAL)
        .put("config", new JsonObject().put("name", name));
  }

  /** Children each node's supervisor runs (running state), by registry key, with the nodes that run them. */
  private static Map<String, List<String>> running(List<PogoNode> live) {
    Map<String, List<String>> out = new HashMap<>();
    for (PogoNode n : live) {
      JsonObject reply = request(n, Addresses.supervisor(n.options().name(), Addresses.SupervisorOps.RUNNING), new JsonObject());
      reply.getJsonArray("children").forEach(o -> {
        JsonObject c = (JsonObject) o;
        if ("running".equals(c.getString("state"))) {
          out.computeIfAbsent(c.getString("id") + "#" + c.getInteger("replica"), k -> new ArrayList<>()).add(n.options().name());
        }
      });
    }
    return out;
  }

  @Test
  @Order(1)
  void replicasRunOnDistinctNodesAndALostReplicaMovesToAFreeNode() {
    JsonObject started = request(nodes.get(0), Addresses.CHILD_START, interval("trio").put("replicas", 3));
    assertEquals("running", started.getString("state"));
    List<String> where = started.getJsonArray("nodes").stream().map(String.class::cast).toList();
    assertEquals(3, new HashSet<>(where).size(), "three distinct nodes: " + where);
    for (PogoNode n : nodes) {
      JsonObject seen = request(n, Addresses.CHILD_GET, new JsonObject().put("id", "trio"));
      assertEquals(new JsonArray(where), seen.getJsonArray("nodes"), "the same answer from " + n.options().name());
      assertEquals(3, seen.getJsonArray("replicas").size());
    }
    Map<String, List<String>> run = running(nodes);
    for (int r = 0; r < 3; r++) {
      assertEquals(List.of(where.get(r)), run.get("trio#" + r), "replica " + r + " runs once, where the record says");
    }
    // a local listing on a node shows only its own replica
    PogoNode holder = nodes.stream().filter(n -> n.options().name().equals(where.get(1))).findFirst().orElseThrow();
    JsonArray local = request(holder, Addresses.CHILD_LIST, new JsonObject().put("scope", "local")).getJsonArray("children");
    JsonObject mine = local.stream().map(JsonObject.class::cast).filter(c -> c.getString("id").equals("trio")).findFirst().orElseThrow();
    assertEquals(new JsonArray().add(where.get(1)), mine.getJsonArray("nodes"));

    // a pinned child cannot have replicas; more replicas than nodes cannot be placed
    PogoException pinned = failure(nodes.get(0), Addresses.CHILD_START, interval("pinned").put("replicas", 2).put("node", "a"));
    assertEquals(ErrorCode.VALIDATION_FAILED, pinned.code());
    assertEquals("replicas", pinned.errors().get(0).field());
    PogoException tooMany = failure(nodes.get(0), Addresses.CHILD_START, interval("five").put("replicas", 5));
    assertEquals(ErrorCode.NO_ELIGIBLE_NODE, tooMany.code());
    assertTrue(tooMany.getMessage().contains("5 distinct live nodes"), tooMany.getMessage());
    assertFalse(running(nodes).containsKey("five#0"), "a refused start changes nothing");

    // the node of replica 1 crashes: that replica goes to the one node without a replica, the others stay
    String lostNode = where.get(1);
    String freeNode = nodes.stream().map(n -> n.options().name()).filter(n -> !where.contains(n)).findFirst().orElseThrow();
    crash(holder);
    List<PogoNode> live = List.copyOf(nodes);
    Await.until("replica 1 to run on " + freeNode, Duration.ofSeconds(15),
        () -> List.of(freeNode).equals(running(live).get("trio#1")));
    Map<String, List<String>> after = running(live);
    assertEquals(List.of(where.get(0)), after.get("trio#0"));
    assertEquals(List.of(where.get(2)), after.get("trio#2"));
    JsonObject moved = request(live.get(0), Addresses.CHILD_GET, new JsonObject().put("id", "trio"));
    assertEquals(new JsonArray().add(where.get(0)).add(freeNode).add(where.get(2)), moved.getJsonArray("nodes"));
    assertEquals(2, moved.getJsonArray("replicas").getJsonObject(1).getLong("epoch"), "the moved replica's epoch is bumped");
    assertNotEquals(lostNode, freeNode);

    JsonObject stopped = request(live.get(0), Addresses.CHILD_STOP, new JsonObject().put("id", "trio"));
    assertEquals("stopped", stopped.getString("state"));
    assertTrue(running(live).keySet().stream().noneMatch(k -> k.startsWith("trio#")), "every replica stopped");
    assertEquals(ErrorCode.CHILD_NOT_FOUND, failure(live.get(0), Addresses.CHILD_GET, new JsonObject().put("id", "trio")).code());
  }

  /** Its cluster member vanishes without a goodbye, then its local instances go (as with kill -9). */
  private void crash(PogoNode victim) {
    ((HazelcastClusterManager) ((VertxInternal) victim.vertx()).clusterManager()).getHazelcastInstance()
        .getLifecycleService().terminate();
    Await.result(victim.vertx().close().recover(e -> Future.succeededFuture()));
    nodes.remove(victim);
  }

  @Test
  @Order(2)
  void anAsyncStartAnswersAtOnceAndAwaitWaitsForRunning() {
    PogoNode via = nodes.get(0);
    JsonObject claimed = request(via, Addresses.CHILD_START_ASYNC, interval("lazy"));
    assertEquals("starting", claimed.getString("state"));
    assertEquals(1, claimed.getLong("epoch"));
    JsonObject running = request(nodes.get(1), Addresses.CHILD_AWAIT,
        new JsonObject().put("id", "lazy").put("states", new JsonArray().add("running")).put("timeout", "10s"));
    assertEquals("running", running.getString("state"));
    // the same through the typed client, from a third node
    io.pogo.core.client.PogoClient typed = io.pogo.core.client.PogoClient.create(nodes.get(2).vertx(), 5_000);
    assertEquals(io.pogo.core.child.ChildState.RUNNING, typed.await("lazy", Set.of(io.pogo.core.child.ChildState.RUNNING),
        Duration.ofSeconds(5)).blockingGet().state());

    PogoException refused = failure(via, Addresses.CHILD_START_ASYNC,
        new JsonObject().put("id", "lazy").put("kind", "verticle").put("verticle", INTERVAL));
    assertEquals(ErrorCode.ALREADY_STARTED, refused.code());

    // a start that the node refuses (no such class) is gone, and a waiter learns why
    JsonObject ghost = request(via, Addresses.CHILD_START_ASYNC, new JsonObject().put("id", "ghost").put("kind", "verticle")
        .put("verticle", "no.such.Verticle"));
    assertEquals("starting", ghost.getString("state"));
    PogoException why = failure(via, Addresses.CHILD_AWAIT, new JsonObject().put("id", "ghost").put("timeout", "10s"));
    assertEquals(ErrorCode.CHILD_NOT_FOUND, why.code());

    PogoException bad = failure(via, Addresses.CHILD_AWAIT, new JsonObject().put("id", "lazy").put("states", new JsonArray().add("sleepy"))
        .put("timeout", "forever"));
    assertEquals(ErrorCode.VALIDATION_FAILED, bad.code());
    assertEquals(Set.of("states", "timeout"), bad.errors().stream().map(e -> e.field()).collect(java.util.stream.Collectors.toSet()));
    PogoException late = failure(via, Addresses.CHILD_AWAIT, new JsonObject().put("id", "lazy").put("states", "stopped")
        .put("timeout", "200ms"));
    assertEquals(ErrorCode.TIMEOUT, late.code());
    assertTrue(late.getMessage().contains("still running"), late.getMessage());
    request(via, Addresses.CHILD_STOP, new JsonObject().put("id", "lazy"));
  }

  @Test
  @Order(3)
  void aBatchRollsBackAllOrContinuesChildByChild() {
    PogoNode via = nodes.get(1);
    JsonArray children = new JsonArray().add(interval("batch-1")).add(interval("batch-2"))
        .add(new JsonObject().put("id", "batch-3").put("kind", "verticle").put("verticle", "no.such.Verticle"));
    PogoException rolledBack = failure(via, Addresses.CHILD_START_BATCH, new JsonObject().put("children", children));
    assertEquals(ErrorCode.VALIDATION_FAILED, rolledBack.code());
    assertTrue(rolledBack.getMessage().startsWith("batch rolled back"), rolledBack.getMessage());
    assertEquals(true, rolledBack.details().getBoolean("rolledBack"));
    for (String id : List.of("batch-1", "batch-2", "batch-3")) {
      assertEquals(ErrorCode.CHILD_NOT_FOUND, failure(via, Addresses.CHILD_GET, new JsonObject().put("id", id)).code(), id);
    }
    assertTrue(running(nodes).keySet().stream().noneMatch(k -> k.startsWith("batch-")), "nothing of the batch runs");

    // an invalid spec in rollback mode: nothing starts, every error named with its place in the batch
    PogoException invalid = failure(via, Addresses.CHILD_START_BATCH, new JsonObject().put("children", new JsonArray()
        .add(interval("batch-1")).add(new JsonObject().put("id", "batch-1").put("kind", "thread"))));
    assertEquals(ErrorCode.VALIDATION_FAILED, invalid.code());
    assertEquals(Set.of("children[1].kind"), invalid.errors().stream().map(e -> e.field()).collect(java.util.stream.Collectors.toSet()));

    JsonObject continued = request(via, Addresses.CHILD_START_BATCH, new JsonObject().put("children", children).put("onError", "continue"));
    assertEquals(2, continued.getInteger("started"));
    assertEquals(1, continued.getInteger("failed"));
    assertEquals(false, continued.getJsonArray("results").getJsonObject(2).getBoolean("ok"));
    Map<String, List<String>> run = running(nodes);
    assertEquals(1, run.get("batch-1#0").size());
    assertEquals(1, run.get("batch-2#0").size());
    assertEquals(ErrorCode.VALIDATION_FAILED, failure(via, Addresses.CHILD_START_BATCH,
        new JsonObject().put("children", children).put("onError", "maybe").put("extra", 1)).code());
  }

  @Test
  @Order(4)
  void aDrainMovesEveryChildAwayWithoutOverlapAndAStartThenStopChildKeepsItsState() {
    // children on every node; one moves start-then-stop with a state to hand over
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add("drain-" + i);
      request(nodes.get(i % nodes.size()), Addresses.CHILD_START, interval("drain-" + i));
    }
    PogoNode target = nodes.get(0);
    String targetName = target.options().name();
    // the counting child: pinned nowhere, but started where the drain will happen by choosing an id placed there
    String counter = null;
    for (int i = 0; counter == null; i++) {
      JsonObject r = request(target, Addresses.CHILD_START, interval("count-" + i).put("migration", "start-then-stop"));
      if (targetName.equals(r.getString("node"))) {
        counter = "count-" + i;
      } else {
        request(target, Addresses.CHILD_STOP, new JsonObject().put("id", "count-" + i));
      }
    }
    for (int i = 0; i < 5; i++) {
      Await.result(target.vertx().eventBus().request("count." + counter, "inc"));
    }
    Set<String> onTarget = new HashSet<>();
    running(List.of(target)).keySet().forEach(k -> onTarget.add(k.substring(0, k.indexOf('#'))));
    assertTrue(onTarget.size() > 3, "the drained node holds children: " + onTarget);

    JsonObject reply = request(target, Addresses.nodeDrain(targetName), new JsonObject().put("exit", false).put("timeout", "30s"));
    assertEquals("draining", reply.getString("state"));
    List<PogoNode> others = nodes.stream().filter(n -> n != target).toList();
    Await.until("every child of " + targetName + " to run elsewhere", Duration.ofSeconds(30), () -> {
      Map<String, List<String>> r = running(others);
      return onTarget.stream().allMatch(id -> r.containsKey(id + "#0")) && running(List.of(target)).isEmpty();
    });
    Map<String, List<String>> run = running(nodes);
    for (String id : ids) {
      assertEquals(1, run.get(id + "#0").size(), id + " runs once");
      IntervalVerticle.assertNoOverlap(id);
    }
    try {
      Await.until("the registry to show no child on " + targetName, Duration.ofSeconds(10), () -> request(others.get(0),
          Addresses.CHILD_LIST, new JsonObject().put("scope", "local").put("node", targetName)).getInteger("count") == 0);
    } catch (AssertionError e) {
      // the assertion below names what is left
    }
    JsonObject nodesView = request(others.get(0), Addresses.NODES_LIST, new JsonObject());
    JsonObject drained = nodesView.getJsonArray("nodes").stream().map(JsonObject.class::cast)
        .filter(n -> n.getString("name").equals(targetName)).findFirst().orElseThrow();
    assertEquals("draining", drained.getString("state"));
    JsonArray left = request(others.get(0), Addresses.CHILD_LIST, new JsonObject().put("scope", "local").put("node", targetName))
        .getJsonArray("children");
    assertEquals(0, drained.getInteger("children"), "records left on the drained node: " + left.encode());
    // the state went with the start-then-stop child: 5 counted before, this is the 6th
    Object count = Await.result(others.get(0).vertx().eventBus().request("count." + counter, "inc")).body();
    assertEquals(6L, ((Number) count).longValue(), "the count was handed over");
    // nothing new lands on a draining node
    JsonObject fresh = request(target, Addresses.CHILD_START, interval("after-drain"));
    assertNotEquals(targetName, fresh.getString("node"));
  }
}
