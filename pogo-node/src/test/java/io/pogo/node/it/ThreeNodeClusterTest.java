package io.pogo.node.it;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.client.PogoClient;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.PogoNode;
import io.pogo.registry.placement.Candidate;
import io.pogo.registry.placement.Placement;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three real nodes in one JVM (clustered Vert.x over Hazelcast on loopback): placement, exactly-once starts from
 * every node, and failover when a node's cluster member dies without a goodbye.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeNodeClusterTest {
  /** No scheduler: these tests model the children the test itself starts, and the scheduler is a child too. */
  static final String SUPERVISION_ROLES = "registry,supervisor,http";
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ThreeNodeClusterTest.class);
  private static final String ECHO = "io.pogo.supervisor.examples.EchoVerticle";

  @TempDir
  static Path dir;
  private final String cluster = "it-" + UUID.randomUUID();
  private final List<PogoNode> nodes = new ArrayList<>();
  private BlockedThreadWatch blocked;

  @BeforeAll
  void startCluster() throws Exception {
    blocked = BlockedThreadWatch.install();
    int firstPort = NodeProcess.freePort();
    for (String name : List.of("a", "b", "c")) {
      int port = name.equals("a") ? firstPort : NodeProcess.freePort();
      JsonObject config = new JsonObject().put("name", name).put("roles", SUPERVISION_ROLES).put("clusterName", cluster).put("clusterPort", port)
          .put("join", new JsonArray().add("127.0.0.1:" + firstPort)).put("httpPort", 0)
          .put("dataDir", dir.resolve(name).toString()).put("failureTimeout", "5s");
      nodes.add(Await.result(PogoNode.start(NodeOptionsValidator.parse(config, name))));
    }
    Await.until("every node to see the three", Duration.ofSeconds(20),
        () -> nodes.stream().allMatch(n -> clusterInfo(n).getJsonArray("nodes").size() == 3));
  }

  @AfterAll
  void stopCluster() {
    try {
      for (PogoNode n : nodes) {
        Await.result(n.stop().recover(e -> io.vertx.core.Future.succeededFuture()));
      }
      assertEquals(List.of(), blocked.warnings(), "no event loop may be blocked");
    } finally {
      blocked.uninstall();
    }
  }

  private static JsonObject clusterInfo(PogoNode n) {
    return Await.result(n.vertx().eventBus().<JsonObject>request(Addresses.CLUSTER_INFO, new JsonObject(),
        Requests.local(5_000))).body();
  }

  private static PogoClient client(PogoNode n) {
    return PogoClient.create(n.vertx(), 10_000);
  }

  private static JsonObject echo(String id) {
    return new JsonObject().put("id", id).put("kind", "verticle").put("verticle", ECHO)
        .put("config", new JsonObject().put("address", "it.echo." + id));
  }

  /** Every child each live node's supervisor runs, by id, with the nodes that run it. */
  private Map<String, List<String>> running(List<PogoNode> live) {
    Map<String, List<String>> out = new HashMap<>();
    for (PogoNode n : live) {
      JsonObject reply = Await.result(n.vertx().eventBus().<JsonObject>request(
          Addresses.supervisor(n.options().name(), Addresses.SupervisorOps.RUNNING), new JsonObject(), Requests.local(5_000))).body();
      reply.getJsonArray("children").forEach(o -> {
        JsonObject c = (JsonObject) o;
        if ("running".equals(c.getString("state"))) {
          out.computeIfAbsent(c.getString("id"), k -> new ArrayList<>()).add(n.options().name());
        }
      });
    }
    return out;
  }

  private static List<Candidate> candidates(List<PogoNode> live) {
    return live.stream().map(n -> Candidate.of(n.options().name())).toList();
  }

  @Test
  @Order(1)
  void oneChildRequestedFromEveryNodeAtOnceRunsOnce() {
    List<Single<String>> attempts = nodes.stream().map(n -> client(n).start(echo("contended"))
        .map(r -> "started on " + r.node())
        .onErrorReturn(e -> e instanceof PogoException pe && pe.code() == ErrorCode.ALREADY_STARTED ? "already" : "error " + e))
        .toList();
    List<String> outcomes = Single.merge(attempts).toList().blockingGet();
    assertEquals(1, outcomes.stream().filter(o -> o.startsWith("started")).count(), outcomes.toString());
    assertEquals(2, outcomes.stream().filter(o -> o.equals("already")).count(), outcomes.toString());
    assertEquals(List.of(Placement.owner("contended", Placement.Constraints.NONE, candidates(nodes))),
        running(nodes).get("contended"));
    client(nodes.get(0)).stop("contended").blockingGet();
  }

  @Test
  @Order(2)
  void aThousandChildrenRunOnceEachOnTheirPlacementOwner() {
    int n = 1_000;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add("many-" + i);
    }
    // started through all three nodes, 32 at a time
    List<ChildRecord> started = Flowable.fromIterable(ids)
        .flatMapSingle(id -> client(nodes.get(Math.floorMod(id.hashCode(), 3))).start(echo(id)), false, 32)
        .toList().blockingGet();
    assertEquals(n, started.size());
    Map<String, List<String>> running = running(nodes);
    List<Candidate> all = candidates(nodes);
    for (String id : ids) {
      assertEquals(List.of(Placement.owner(id, Placement.Constraints.NONE, all)), running.get(id), id + " runs once, on its owner");
    }
    Map<String, Long> perNode = new HashMap<>();
    running.values().forEach(where -> perNode.merge(where.get(0), 1L, Long::sum));
    perNode.values().forEach(c -> assertTrue(c > 250, "spread over the three: " + perNode));
    List<ChildRecord> global = client(nodes.get(1)).list(ChildQuery.global()).blockingGet();
    assertEquals(n, global.stream().filter(r -> r.id().startsWith("many-")).count(), "the same global listing from any node");
  }

  @Test
  @Order(3)
  void everyNodeShowsTheSameNodesAndCluster() {
    for (PogoNode n : nodes) {
      Http http = new Http(n.apiUrl());
      JsonObject listing = http.get("/nodes").json();
      assertEquals(List.of("a", "b", "c"), listing.getJsonArray("nodes").stream()
          .map(o -> ((JsonObject) o).getString("name")).toList());
      int children = listing.getJsonArray("nodes").stream().mapToInt(o -> ((JsonObject) o).getInteger("children")).sum();
      assertEquals(1_000, children, "every child is counted on its node");
      listing.getJsonArray("nodes").forEach(o -> assertEquals("up", ((JsonObject) o).getString("state")));
      JsonObject cluster = http.get("/cluster").json();
      assertEquals(3, cluster.getInteger("members"));
      assertEquals(false, cluster.getBoolean("partitioned"));
      assertEquals(2, cluster.getJsonObject("quorum").getInteger("size"), "majority of 3");
      assertEquals(true, cluster.getJsonObject("quorum").getBoolean("present"));
      JsonObject one = http.get("/children/many-7").json();
      assertEquals(Placement.owner("many-7", Placement.Constraints.NONE, candidates(nodes)), one.getString("node"));
      assertEquals(1, one.getLong("epoch"));
    }
  }

  @Test
  @Order(4)
  void childrenOfACrashedNodeRunOnTheSurvivorsOnceWithinTheBound() {
    PogoNode victim = nodes.get(2);
    List<PogoNode> survivors = List.copyOf(nodes.subList(0, 2));
    List<String> victims = running(List.of(victim)).keySet().stream().filter(id -> id.startsWith("many-")).toList();
    assertTrue(victims.size() > 250, "the victim holds its share: " + victims.size());

    long crashedAt = System.nanoTime();
    // a crash as the others see it: its cluster member vanishes without leaving
    ((HazelcastClusterManager) ((VertxInternal) victim.vertx()).clusterManager()).getHazelcastInstance()
        .getLifecycleService().terminate();
    // then its local instances go too (a real kill -9 takes them with the process; NodeExitIT checks that part)
    Await.result(victim.vertx().close().recover(e -> io.vertx.core.Future.succeededFuture()));
    nodes.remove(victim);

    Await.until("every child of the crashed node to run on a survivor", Duration.ofSeconds(6 + 10), () -> {
      Map<String, List<String>> r = running(survivors);
      return victims.stream().allMatch(r::containsKey);
    });
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
    Map<String, List<String>> running = running(survivors);
    List<Candidate> live = candidates(survivors);
    for (String id : victims) {
      assertEquals(List.of(Placement.owner(id, Placement.Constraints.NONE, live)), running.get(id), id + " runs once, on its new owner");
    }
    assertEquals(1_000, running.keySet().stream().filter(id -> id.startsWith("many-")).count(), "none lost, none doubled");
    ChildRecord moved = client(survivors.get(0)).get(victims.get(0)).blockingGet();
    log.info("failover of {} children after a crash took {} ms", victims.size(), tookMs);
    assertEquals(2, moved.epoch(), "an adoption bumps the epoch");
    // the failure-detection bound: 5 s failure timeout (a crash is seen in about a second) plus a second
    assertTrue(tookMs < 6_000, "failover took " + tookMs + " ms");
  }

  @Test
  @Order(5)
  void aJoiningNodeTakesOnlyTheChildrenItNowOwnsAndGivesThemBackWhenItLeaves() throws Exception {
    List<PogoNode> before = List.copyOf(nodes);
    Map<String, List<String>> was = running(before);
    JsonObject config = new JsonObject().put("name", "d").put("roles", SUPERVISION_ROLES).put("clusterName", cluster).put("clusterPort", NodeProcess.freePort())
        .put("join", new JsonArray().add("127.0.0.1:" + before.get(0).options().clusterPort())).put("httpPort", 0)
        .put("dataDir", dir.resolve("d").toString()).put("failureTimeout", "5s");
    PogoNode d = Await.result(PogoNode.start(NodeOptionsValidator.parse(config, "d")));
    nodes.add(d);
    List<PogoNode> after = List.copyOf(nodes);
    List<Candidate> withD = candidates(after);
    List<String> toD = was.keySet().stream().filter(id -> id.startsWith("many-"))
        .filter(id -> "d".equals(Placement.owner(id, Placement.Constraints.NONE, withD))).toList();
    Await.until("the children d now owns to run there", Duration.ofSeconds(30), () -> {
      Map<String, List<String>> r = running(after);
      return toD.stream().allMatch(id -> List.of("d").equals(r.get(id)));
    });
    Map<String, List<String>> now = running(after);
    for (String id : was.keySet()) {
      if (id.startsWith("many-")) {
        assertEquals(List.of(Placement.owner(id, Placement.Constraints.NONE, withD)), now.get(id), id + " runs once, on its owner");
        if (!toD.contains(id)) {
          assertEquals(was.get(id), now.get(id), id + " did not move: its owner did not change");
        }
      }
    }
    double share = toD.size() / 1_000.0;
    assertTrue(share > 0.25 && share < 0.42, "a join moves about 1/N (N=3): moved " + share);
    log.info("a join moved {} of 1000 children (ideal 1/3)", toD.size());

    Await.result(d.stop());
    nodes.remove(d);
    Await.until("d's children to come back", Duration.ofSeconds(30), () -> {
      Map<String, List<String>> r = running(before);
      return toD.stream().allMatch(r::containsKey);
    });
    Map<String, List<String>> back = running(before);
    assertEquals(1_000, back.keySet().stream().filter(id -> id.startsWith("many-")).count());
    back.forEach((id, where) -> assertEquals(1, where.size(), id + " runs once"));
  }
}
