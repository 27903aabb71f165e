package io.pogo.node.it;

import io.vertx.core.json.JsonObject;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Quorum (the default: a majority of the largest cluster seen): three node JVMs, two of them killed at once. The
 * survivor is a minority: it stops its children within the failure-detection bound, says it is partitioned, and refuses
 * starts with 503 and a problem naming the quorum. A new node joining it restores the quorum: every child runs again,
 * exactly once, and starts are accepted again. A sampler reads /proc every 50 ms throughout and records every moment a
 * child has two live processes. One scenario in ordered steps; a step is skipped if the one it builds on failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuorumIT {
  private static final List<String> NODES = List.of("a", "b", "c");
  private static final String SURVIVOR = "a";
  private static final int PER_NODE = 4;
  private static final long FAILURE_TIMEOUT_MS = 5_000;
  private static final long HEARTBEAT_MS = 1_000;
  /** Failure detection (the timeout, checked every heartbeat), plus a second for the children to stop. */
  private static final long BOUND_MS = FAILURE_TIMEOUT_MS + HEARTBEAT_MS + 1_000;
  /** A 50 ms sampler that did not run for this long shows a machine too loaded to judge a timing bound. */
  private static final Duration STARVED = Duration.ofMillis(1_000);

  /** How often a test polls what costs the nodes a listing of every child. */
  private static final Duration POLL = Duration.ofMillis(200);

  @TempDir
  static Path dir;
  private NodeCluster cluster;
  private ChildProcs procs;
  private LifeLog life;
  private Sampler sampler;
  private final List<JsonObject> specs = new ArrayList<>();
  private Set<String> ids;
  private Map<String, JsonObject> before;
  private Set<String> recordsLeft;
  private boolean minority;
  private boolean regained;
  private String figures = "";

  @BeforeAll
  void startClusterAndChildren() throws Exception {
    long t0 = System.nanoTime();
    cluster = NodeCluster.start(dir.resolve("nodes"), NODES, "--heartbeat", HEARTBEAT_MS + "ms");
    procs = new ChildProcs(cluster.run);
    life = new LifeLog(dir);
    for (String n : NODES) {
      NodeCluster.idsOwnedBy(n, NODES, "q" + n, PER_NODE).forEach(id -> specs.add(cluster.processChild(id, life.argv())));
    }
    ids = new TreeSet<>(KillNodeIT.ids(specs));
    cluster.startAll(specs, NODES, 3);
    cluster.awaitAgreement("one live process per child, as recorded", Duration.ofSeconds(20), POLL, procs::scan, SURVIVOR);
    before = cluster.records(SURVIVOR);
    assertEquals(ids, before.keySet());
    JsonObject whole = cluster.http(SURVIVOR).get("/cluster").json();
    assertEquals(2, whole.getJsonObject("quorum").getInteger("size"), "majority of three: " + whole.encode());
    sampler = new Sampler(procs, Duration.ofMillis(50));
    System.out.println("QuorumIT: cluster and " + specs.size() + " children up in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
  }

  @AfterAll
  void stopCluster() {
    if (sampler != null) {
      sampler.close();
    }
    if (cluster != null) {
      cluster.close();
      List<Long> left = cluster.reapLeftovers(procs, Duration.ofSeconds(15));
      assertEquals(List.of(), left, "processes of the run left behind once every node was killed");
    }
  }

  @Test
  @Order(1)
  void aMinorityStopsItsChildrenAndRefusesStarts() throws Exception {
    String load = Sampler.loadAverage();
    long killedAt = System.currentTimeMillis();
    cluster.node("b").process.destroyForcibly();
    cluster.node("c").process.destroyForcibly();
    assertTrue(cluster.node("b").process.waitFor(10, TimeUnit.SECONDS));
    assertTrue(cluster.node("c").process.waitFor(10, TimeUnit.SECONDS));

    // the dead nodes' children end with their watchdogs' pipes; the survivor's because it lost its quorum
    ChildProcs.Snapshot none = Await.value("no child process left anywhere", Duration.ofSeconds(30), sampler::latest,
        s -> s.all().isEmpty());
    long allGoneMs = none.atMillis() - killedAt;
    long survivorsGoneMs = sampler.lives().stream().filter(l -> SURVIVOR.equals(l.instance().node()))
        .mapToLong(Sampler.Life::lastSeen).max().orElse(killedAt) - killedAt;
    Http http = cluster.http(SURVIVOR);
    JsonObject partitioned = Await.value("the survivor to say it is partitioned", Duration.ofSeconds(10),
        () -> http.get("/cluster").json(), c -> c.getBoolean("partitioned"));
    recordsLeft = new TreeSet<>(cluster.records(SURVIVOR).keySet());
    figures = String.format("load average %s at the kill; two of three nodes killed: the survivor's own children last "
        + "seen %d ms after the kill, every child process gone at %d ms; child records left: %d of %d", load,
        survivorsGoneMs, allGoneMs, recordsLeft.size(), ids.size());
    System.out.println("QuorumIT: " + figures);

    assertFalse(partitioned.getJsonObject("quorum").getBoolean("present"), partitioned.encode());
    assertEquals(1, partitioned.getInteger("members"), partitioned.encode());
    assertEquals(2, partitioned.getJsonObject("quorum").getInteger("size"), "the quorum stays at two of the three seen");
    Http.Response refused = http.post("/children", cluster.processChild("refused", life.argv()));
    assertEquals(503, refused.status(), refused.body());
    assertTrue(refused.contentType().startsWith("application/problem+json"), refused.contentType());
    JsonObject problem = refused.json();
    assertTrue(problem.getString("type", "").endsWith("/quorum-lost"), problem.encode());
    assertEquals("QUORUM_LOST", problem.getString("code"), problem.encode());
    assertEquals(503, problem.getInteger("status"));
    assertTrue(problem.getString("detail", "").contains("quorum"), problem.encode());
    minority = true;
    assumeTrue(sampler.gotTheCpu(STARVED), "this machine starved the test of CPU (its " + sampler.stats() + "): the "
        + "bound cannot be judged; " + figures);
    assertTrue(survivorsGoneMs <= BOUND_MS, "a node that loses its quorum stops its children within failureTimeout "
        + FAILURE_TIMEOUT_MS + " ms + heartbeat " + HEARTBEAT_MS + " ms + 1 s = " + BOUND_MS + " ms; " + figures);
  }

  @Test
  @Order(2)
  void aJoiningNodeRestoresTheQuorumAndEachChildRunsOnceAgain() throws Exception {
    assumeTrue(minority, "the survivor did not behave as a minority");
    Http http = cluster.http(SURVIVOR);
    long joinAt = System.nanoTime();
    cluster.add("d", SURVIVOR);
    Await.value("the survivor to regain its quorum", Duration.ofSeconds(30), () -> http.get("/cluster").json(),
        c -> !c.getBoolean("partitioned") && c.getJsonObject("quorum").getBoolean("present"));
    long regainedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joinAt);
    regained = true;
    // every child whose record is still there runs again, once, at a later epoch, on one of the two live nodes (the
    // survivor's own records still say "running" at the old epoch until its reconciler re-adopts them)
    Await.value("every recorded child to run again at a later epoch", Duration.ofSeconds(45), POLL,
        () -> cluster.recordsIfAnswered(SURVIVOR), r -> r != null && r.keySet().containsAll(recordsLeft)
            && recordsLeft.stream().map(r::get).allMatch(rec -> "running".equals(rec.getString("state"))
                && Set.of(SURVIVOR, "d").contains(rec.getString("node"))
                && rec.getLong("epoch") > before.get(rec.getString("id")).getLong("epoch")));
    ChildProcs.Snapshot settled = cluster.awaitAgreement("exactly one live process per recorded child",
        Duration.ofSeconds(20), POLL, sampler::fresh, SURVIVOR);
    long runningAgainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joinAt);
    Map<String, JsonObject> after = cluster.records(SURVIVOR);
    for (String id : recordsLeft) {
      assertTrue(after.get(id).getLong("epoch") > before.get(id).getLong("epoch"), id + " runs at a later epoch: "
          + after.get(id).encode());
    }
    Http.Response accepted = http.post("/children", cluster.processChild("accepted", life.argv()));
    assertEquals(201, accepted.status(), accepted.body());
    cluster.awaitAgreement("the new child to run once", Duration.ofSeconds(20), POLL, sampler::fresh, SURVIVOR);

    figures += String.format("; node d joined: the quorum was back %d ms after its start, every recorded child ran "
        + "again %d ms after it; process samples: %s", regainedMs, runningAgainMs, sampler.stats());
    System.out.println("QuorumIT: " + figures);
    assertEquals(List.of(), sampler.violations(), "no child ever had two live processes; " + figures);
    assertEquals(List.of(), LifeLog.overlaps(life.lives(sampler, settled, sampler.maxGapMs())),
        "the children's own logs show no two lives of one child at once");
  }

  @Test
  @Order(3)
  void noChildIsLostWithTwoNodesKilledAtOnce() {
    assumeTrue(regained, "the quorum did not come back");
    assertEquals(ids, recordsLeft, "every child record survives two members killed at once; " + figures);
    assertTrue(cluster.records(SURVIVOR).keySet().containsAll(ids), "and every child runs again");
  }
}
