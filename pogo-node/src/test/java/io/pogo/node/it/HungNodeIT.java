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
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A hung node (SIGSTOP of its JVM, as a long GC pause or a frozen VM would do) never leaves a second live instance of a
 * child behind. Its process children are separate processes, so they keep running while their node is frozen; their
 * watchdogs end them once the node's lease lapses ({@code processLease}, half the failure timeout here), before the
 * others declare the node dead (the failure timeout) and start the children again. When the node resumes (SIGCONT) it
 * must neither restart its old instances nor keep any: the others own them at a later epoch.
 *
 * <p>The judge is the OS, not Pogo: a sampler reads /proc every 50 ms and records every moment a child has two live
 * processes; and each child writes its own start and stop to a log ({@link LifeLog}), whose intervals must not overlap.
 * One scenario in ordered steps; a step is skipped if the one it builds on failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HungNodeIT {
  private static final List<String> NODES = List.of("a", "b", "c");
  private static final String VICTIM = "c";
  private static final int ON_VICTIM = 24;
  private static final int ON_OTHERS = 6;
  private static final long FAILURE_TIMEOUT_MS = 5_000;
  private static final long HEARTBEAT_MS = 1_000;
  private static final long LEASE_MS = 2_500;

  /** How often a test polls what costs the nodes a listing of every child. */
  private static final Duration POLL = Duration.ofMillis(200);

  @TempDir
  static Path dir;
  private NodeCluster cluster;
  private ChildProcs procs;
  private LifeLog life;
  private Sampler sampler;
  private final List<JsonObject> specs = new ArrayList<>();
  private List<String> onVictim;
  private Map<String, JsonObject> before;
  private Map<String, JsonObject> moved;
  private long stoppedAt;
  private boolean failedOver;
  private long resumedAt;
  private boolean settledAfterResume;
  private String failoverFigures;

  @BeforeAll
  void startClusterAndChildren() throws Exception {
    long t0 = System.nanoTime();
    cluster = NodeCluster.start(dir.resolve("nodes"), NODES, "--heartbeat", HEARTBEAT_MS + "ms",
        "--process-lease", LEASE_MS + "ms");
    procs = new ChildProcs(cluster.run);
    life = new LifeLog(dir);
    long started = System.nanoTime();
    onVictim = NodeCluster.idsOwnedBy(VICTIM, NODES, "h", ON_VICTIM);
    onVictim.forEach(id -> specs.add(cluster.processChild(id, life.argv())));
    for (String n : List.of("a", "b")) {
      NodeCluster.idsOwnedBy(n, NODES, "h" + n, ON_OTHERS).forEach(id -> specs.add(cluster.processChild(id, life.argv())));
    }
    cluster.startAll(specs, List.of("a", "b"), 4);
    cluster.awaitAgreement("one live process per child, as recorded", Duration.ofSeconds(20), POLL, procs::scan, "a");
    before = cluster.records("a");
    assertEquals(KillNodeIT.ids(specs), before.keySet());
    sampler = new Sampler(procs, Duration.ofMillis(50));
    System.out.println("HungNodeIT: cluster up in " + ms(started - t0) + " ms, " + specs.size() + " children up in "
        + ms(System.nanoTime() - started) + " ms");
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
  void theChildrenOfAFrozenNodeEndWithItsLeaseBeforeTheOthersStartThemAgainOnce() {
    NodeProcess victim = cluster.node(VICTIM);
    String load = Sampler.loadAverage();
    stoppedAt = System.currentTimeMillis();
    victim.signal("STOP");

    // the children of the frozen node end by themselves once its lease lapses...
    ChildProcs.Snapshot lapsed = Await.value("the children of the frozen node to end with its lease",
        Duration.ofMillis(LEASE_MS + 5_000), sampler::latest, s -> s.all().stream().noneMatch(i -> VICTIM.equals(i.node())));
    long orphansGoneMs = lapsed.atMillis() - stoppedAt;
    // ...and the others start them again once they declare it dead
    moved = Await.value("every child of the frozen node to run on a survivor at a later epoch", Duration.ofSeconds(40), POLL,
        () -> cluster.recordsIfAnswered("a"), r -> r != null && onVictim.stream().allMatch(id -> {
          JsonObject rec = r.get(id);
          return rec != null && !VICTIM.equals(rec.getString("node")) && "running".equals(rec.getString("state"))
              && rec.getLong("epoch") > before.get(id).getLong("epoch");
        }));
    ChildProcs.Snapshot settled = cluster.awaitAgreement("one live process per child on the survivors",
        Duration.ofSeconds(20), POLL, sampler::fresh, "a");
    long firstRestart = Long.MAX_VALUE;
    long lastRestart = 0;
    for (String id : onVictim) {
      firstRestart = Math.min(firstRestart, moved.get(id).getLong("startedAt") - stoppedAt);
      lastRestart = Math.max(lastRestart, moved.get(id).getLong("startedAt") - stoppedAt);
    }
    failoverFigures = String.format("load average %s at the stop; SIGSTOP of %s holding %d children: its children "
            + "gone (lease %d ms) %d ms after the stop; restarted on the survivors %d..%d ms after the stop (failure "
            + "timeout %d ms); process samples: %s", load, VICTIM, onVictim.size(), LEASE_MS, orphansGoneMs, firstRestart,
        lastRestart, FAILURE_TIMEOUT_MS, sampler.stats());
    System.out.println("HungNodeIT: " + failoverFigures);
    assertEquals(List.of(), sampler.violations(), "no child had two live processes while its node was frozen; "
        + failoverFigures);
    assertEquals(List.of(), LifeLog.overlaps(life.lives(sampler, settled, sampler.maxGapMs())),
        "the children's own logs show no two lives of one child at once");
    assertTrue(orphansGoneMs < firstRestart, "the lease lapses before the failure timeout: " + failoverFigures);
    failedOver = true;
  }

  @Test
  @Order(2)
  void aResumedNodeEndsUpRunningNothingItNoLongerOwns() {
    assumeTrue(failedOver, "the failover of the frozen node's children failed");
    resume();
    ChildProcs.Snapshot settled = cluster.awaitAgreement("exactly one live process per child, as recorded, after the resume",
        Duration.ofSeconds(30), POLL, sampler::fresh, "a");
    long settledMs = settled.atMillis() - resumedAt;
    System.out.println("HungNodeIT: one process per child again " + settledMs + " ms after SIGCONT");
    assertEquals(specs.size(), settled.all().size(), "exactly one live process per child");
    Map<String, JsonObject> after = cluster.records("a");
    for (String id : onVictim) {
      JsonObject r = after.get(id);
      assertTrue(!VICTIM.equals(r.getString("node")) || r.getLong("epoch") > moved.get(id).getLong("epoch"),
          id + ": the resumed node runs it only if it was given it again at a later epoch: " + r.encode());
    }
    settledAfterResume = true;
  }

  @Test
  @Order(3)
  void aResumedNodeNeverStartsAnInstanceItNoLongerOwns() {
    assumeTrue(failedOver, "the failover of the frozen node's children failed");
    resume();
    ChildProcs.Snapshot settled = cluster.awaitAgreement("exactly one live process per child, as recorded, after the resume",
        Duration.ofSeconds(30), POLL, sampler::fresh, "a");
    Map<String, List<LifeLog.Life>> lives = life.lives(sampler, settled, sampler.maxGapMs());
    List<LifeLog.Life> stale = new ArrayList<>();
    lives.values().forEach(l -> l.stream().filter(x -> x.node().equals(VICTIM) && x.startMicros() > stoppedAt * 1000
        && x.epoch() <= before.get(x.id()).getLong("epoch")).forEach(stale::add));
    Map<String, Integer> perChild = new TreeMap<>();
    lives.forEach((id, l) -> perChild.put(id, l.size()));
    String figures = failoverFigures + "; instances started by the resumed node at its stale epoch: " + stale.size()
        + "; instances per child over the test: " + perChild + "; process samples: " + sampler.stats();
    System.out.println("HungNodeIT: " + figures);
    assertEquals(List.of(), sampler.violations(), "no child ever had two live processes; " + figures);
    assertEquals(List.of(), LifeLog.overlaps(lives), "the children's own logs show no two lives of one child at once");
    assertEquals(List.of(), stale, "the resumed node never starts an instance at an epoch it no longer owns");
  }

  @Test
  @Order(4)
  void aResumedNodeIsAPogoNodeAgainOnceMergedBack() {
    assumeTrue(settledAfterResume, "the resumed node did not settle");
    Http victimHttp = cluster.http(VICTIM);
    Http aHttp = cluster.http("a");
    // Hazelcast's split-brain merge runs every 30 s: the resumed member is merged back within about that...
    assertTrue(eventually(Duration.ofSeconds(70), () -> {
      JsonObject c = clusterInfo(victimHttp);
      JsonObject a = clusterInfo(aHttp);
      return c != null && a != null && c.getInteger("members") == NODES.size() && a.getInteger("members") == NODES.size();
    }), "the resumed node's member merges back into the cluster: " + clusterInfo(victimHttp) + " / " + clusterInfo(aHttp));
    long mergedMs = System.currentTimeMillis() - resumedAt;
    // ...and then it is a Pogo node again, listed by every node (a placement candidate)
    assertTrue(eventually(Duration.ofSeconds(15), () -> {
      JsonObject c = clusterInfo(victimHttp);
      JsonObject a = clusterInfo(aHttp);
      return c != null && a != null && c.getJsonArray("nodes").size() == NODES.size()
          && a.getJsonArray("nodes").size() == NODES.size() && !c.getBoolean("partitioned");
    }), "once merged (" + mergedMs + " ms after SIGCONT), the resumed node is a Pogo node again, listed by all: "
        + clusterInfo(victimHttp) + " / " + clusterInfo(aHttp));
    System.out.println("HungNodeIT: merged back " + mergedMs + " ms after SIGCONT, listed again "
        + (System.currentTimeMillis() - resumedAt) + " ms after it");
  }

  /** SIGCONT to the frozen node (once), then waits until it sees that it was left out, or is merged back. */
  private void resume() {
    if (resumedAt != 0) {
      return;
    }
    resumedAt = System.currentTimeMillis();
    cluster.node(VICTIM).signal("CONT");
    Http victimHttp = cluster.http(VICTIM);
    Http aHttp = cluster.http("a");
    // left out: it sees itself partitioned or alone; merged back: a survivor, which had removed it, counts it again
    // (with merges every 5 s, the second can come before the first is ever seen)
    JsonObject noticed = Await.value("the resumed node to see that it was left out (partitioned) or to merge back",
        Duration.ofSeconds(30), () -> clusterInfo(victimHttp), c -> {
          if (c == null) {
            return false;
          }
          if (c.getBoolean("partitioned", false) || c.getJsonArray("nodes").size() < NODES.size()) {
            return true;
          }
          JsonObject a = clusterInfo(aHttp);
          return a != null && a.getInteger("members") == NODES.size() && a.getJsonArray("nodes").contains(VICTIM);
        });
    System.out.println("HungNodeIT: " + (System.currentTimeMillis() - resumedAt) + " ms after SIGCONT the resumed node "
        + "saw " + noticed.encode());
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /** Polls {@code condition} until it holds (true) or {@code within} has passed (false). */
  private static boolean eventually(Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
    return true;
  }

  /** The node's view of the cluster, or null if it does not answer within the client's timeout. */
  private static JsonObject clusterInfo(Http http) {
    try {
      Http.Response r = http.get("/cluster");
      return r.status() == 200 ? r.json() : null;
    } catch (AssertionError e) {
      return null;
    }
  }
}
