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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code kill -9} of the node that holds most of the children, three node JVMs on loopback, a few hundred real process
 * children: every child of the dead node runs again on a survivor, once, at the next epoch, within the
 * failure-detection bound; the dead node's own processes are ended by their watchdogs (no orphan); and no child ever
 * has two live OS processes, checked from /proc every 100 ms and from the children's own logs of their lives
 * ({@link LifeLog}), independently of what the nodes say.
 *
 * <p>One scenario in ordered steps (a step is skipped if the one it builds on failed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KillNodeIT {
  private static final List<String> NODES = List.of("a", "b", "c");
  private static final String VICTIM = "c";
  /** Children on the victim, and on each of the two others. */
  private static final int ON_VICTIM = 210;
  private static final int ON_OTHERS = 20;
  private static final long FAILURE_TIMEOUT_MS = 5_000;
  private static final long HEARTBEAT_MS = 1_000;
  /** The design's bound: failure timeout, plus a heartbeat of detection slack, plus a second to start them. */
  private static final long BOUND_MS = FAILURE_TIMEOUT_MS + HEARTBEAT_MS + 1_000;
  /**
   * A sampler that asks to run every 100 ms and did not for this long shows a machine too loaded (by other work: it is
   * shared) to judge a timing bound; the failover itself (two JVMs starting 210 processes on 2 cores) delays it by up
   * to about 800 ms.
   */
  private static final Duration STARVED = Duration.ofMillis(2_000);

  /** How often a test polls what costs the nodes a listing of every child. */
  private static final Duration POLL = Duration.ofMillis(500);

  @TempDir
  static Path dir;
  private NodeCluster cluster;
  private ChildProcs procs;
  private LifeLog life;
  private Sampler sampler;
  private final List<JsonObject> specs = new ArrayList<>();
  private List<String> onVictim;
  private Map<String, JsonObject> before;
  private Map<String, JsonObject> after;
  private long killedAt;
  private String figures;
  private boolean failedOver;
  /** Children at an epoch above 1 right after their start: adopted (stopped and started again) for no reason. */
  private final List<String> adoptedAtStart = new ArrayList<>();

  @BeforeAll
  void startClusterAndChildren() throws Exception {
    long t0 = System.nanoTime();
    cluster = NodeCluster.start(dir.resolve("nodes"), NODES, "--heartbeat", HEARTBEAT_MS + "ms");
    procs = new ChildProcs(cluster.run);
    life = new LifeLog(dir);
    long started = System.nanoTime();
    onVictim = NodeCluster.idsOwnedBy(VICTIM, NODES, "k", ON_VICTIM);
    onVictim.forEach(id -> specs.add(cluster.processChild(id, life.argv())));
    for (String n : List.of("a", "b")) {
      NodeCluster.idsOwnedBy(n, NODES, "k" + n, ON_OTHERS).forEach(id -> specs.add(cluster.processChild(id, life.argv())));
    }
    cluster.startAll(specs, NODES, 6);
    cluster.awaitAgreement("one live process per child, as recorded", Duration.ofSeconds(30), POLL, procs::scan, "a");
    before = cluster.records("a");
    assertEquals(ids(specs), before.keySet(), "every child is recorded");
    for (String id : onVictim) {
      assertEquals(VICTIM, before.get(id).getString("node"), id + " is placed on the victim");
    }
    before.values().stream().filter(r -> r.getLong("epoch") != 1).forEach(r -> adoptedAtStart.add(r.getString("id")));
    System.out.println("KillNodeIT: cluster up in " + ms(started - t0) + " ms, " + specs.size() + " children up in "
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
  void everyChildOfAKilledNodeRunsOnceOnASurvivorAndNoneRunsTwice() throws Exception {
    sampler = new Sampler(procs, Duration.ofMillis(100));
    String load = Sampler.loadAverage();
    killedAt = System.currentTimeMillis();
    long killedNanos = System.nanoTime();
    cluster.node(VICTIM).process.destroyForcibly(); // SIGKILL
    assertTrue(cluster.node(VICTIM).process.waitFor(10, TimeUnit.SECONDS));

    Await.value("every child of " + VICTIM + " to run on a survivor at a later epoch", Duration.ofSeconds(60), POLL,
        () -> cluster.recordsIfAnswered("a"), r -> r != null && movedAndRunning(r, before, onVictim));
    long seenMs = ms(System.nanoTime() - killedNanos);
    ChildProcs.Snapshot settled = cluster.awaitAgreement("one live process per child, as recorded after the failover",
        Duration.ofSeconds(30), POLL, sampler::fresh, "a");
    after = cluster.records("a");

    Map<String, List<LifeLog.Life>> lives = life.lives(sampler, settled, sampler.maxGapMs());
    long lastStart = 0;
    long firstStart = Long.MAX_VALUE;
    long lastStop = 0;
    Map<String, Long> perSurvivor = new TreeMap<>();
    Map<Long, Long> epochs = new TreeMap<>();
    for (String id : onVictim) {
      JsonObject r = after.get(id);
      perSurvivor.merge(r.getString("node"), 1L, Long::sum);
      epochs.merge(r.getLong("epoch"), 1L, Long::sum);
      for (LifeLog.Life l : lives.getOrDefault(id, List.of())) {
        if (VICTIM.equals(l.node())) {
          lastStop = Math.max(lastStop, l.endMicros() / 1000);
        } else if (l.epoch() == before.get(id).getLong("epoch") + 1) {
          lastStart = Math.max(lastStart, l.startMicros() / 1000);
          firstStart = Math.min(firstStart, l.startMicros() / 1000);
        }
      }
    }
    long restartedInPlace = specs.stream().map(sp -> sp.getString("id")).filter(id -> !onVictim.contains(id))
        .filter(id -> !before.get(id).getLong("pid").equals(after.get(id).getLong("pid"))).count();
    figures = String.format("load average %s at the kill; kill -9 of %s holding %d children (of %d): its children's "
            + "last stop (by SIGTERM from their watchdogs) %d ms after the kill; first starts on the survivors from %d ms "
            + "to %d ms after the kill (per survivor %s; records by epoch %s); the test saw all running at %d ms; the "
            + "survivors' own children restarted in place meanwhile: %d; process samples: %s", load, VICTIM,
        onVictim.size(), specs.size(), lastStop - killedAt, firstStart - killedAt, lastStart - killedAt, perSurvivor,
        epochs, seenMs, restartedInPlace, sampler.stats());
    System.out.println("KillNodeIT: " + figures);

    assertEquals(List.of(), sampler.violations(), "no child ever had two live processes; " + figures);
    assertEquals(List.of(), LifeLog.overlaps(lives), "the children's own logs show no two lives of one child at once");
    assertEquals(List.of(), settled.all().stream().filter(i -> VICTIM.equals(i.node())).toList(),
        "no process of the dead node's children survives it");
    assertEquals(specs.size(), settled.all().size(), "exactly one process per child");
    for (String id : onVictim) {
      JsonObject r = after.get(id);
      assertNotEquals(VICTIM, r.getString("node"));
      assertEquals(NodeCluster.owner(id, List.of("a", "b")), r.getString("node"), id + " runs on its new placement owner");
    }
    for (JsonObject spec : specs) {
      String id = spec.getString("id");
      if (!onVictim.contains(id)) {
        // (its pid may change: a survivor starved of CPU for longer than its process lease restarts its own children)
        assertEquals(before.get(id).getString("node"), after.get(id).getString("node"), id + " did not move");
        assertEquals(before.get(id).getLong("epoch"), after.get(id).getLong("epoch"), id + " was not adopted");
      }
    }
    failedOver = true;
  }

  @Test
  @Order(2)
  void withinTheFailoverBound() {
    assumeTrue(failedOver, "the failover itself failed");
    // when each moved child first ran again on a survivor, by its own clock (a later spurious restart does not count)
    Map<String, List<LifeLog.Life>> lives = life.lives(sampler, sampler.latest(), sampler.maxGapMs());
    long lastFirstStartMs = 0;
    String slowest = null;
    List<String> neverRan = new ArrayList<>();
    for (String id : onVictim) {
      long first = lives.getOrDefault(id, List.of()).stream()
          .filter(l -> !VICTIM.equals(l.node()) && l.epoch() > before.get(id).getLong("epoch"))
          .mapToLong(LifeLog.Life::startMicros).min().orElse(Long.MAX_VALUE);
      if (first == Long.MAX_VALUE) {
        neverRan.add(id);
      } else if (first / 1000 - killedAt > lastFirstStartMs) {
        lastFirstStartMs = first / 1000 - killedAt;
        slowest = id;
      }
    }
    assertEquals(List.of(), neverRan, "every moved child logged its start on a survivor");
    assumeTrue(sampler.gotTheCpu(STARVED), "this machine starved the test of CPU (its " + sampler.stats() + "): the "
        + "bound cannot be judged; the last child started " + lastFirstStartMs + " ms after the kill; " + figures);
    assertTrue(lastFirstStartMs <= BOUND_MS, "every child of the killed node runs on a survivor within failureTimeout "
        + FAILURE_TIMEOUT_MS + " ms + heartbeat " + HEARTBEAT_MS + " ms + 1 s = " + BOUND_MS + " ms of the kill; the last ("
        + slowest + ") started " + lastFirstStartMs + " ms after it; " + figures);
  }

  @Test
  @Order(3)
  void eachChildIsAdoptedOnlyWhenItsNodeDies() {
    assumeTrue(failedOver, "the failover itself failed");
    assertEquals(List.of(), adoptedAtStart, "no child is adopted while its node is up: each is at epoch 1 after its start");
    List<String> bumpedMoreThanOnce = new ArrayList<>();
    for (String id : onVictim) {
      JsonObject r = after.get(id);
      if (r.getLong("epoch") != before.get(id).getLong("epoch") + 1) {
        bumpedMoreThanOnce.add(id + "@" + r.getLong("epoch"));
      }
    }
    assertEquals(List.of(), bumpedMoreThanOnce, "one adoption per child, so its epoch goes up by exactly one (a child "
        + "stopped and adopted again after its failover shows up here); " + figures);
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static boolean movedAndRunning(Map<String, JsonObject> records, Map<String, JsonObject> before, List<String> ids) {
    for (String id : ids) {
      JsonObject r = records.get(id);
      if (r == null || VICTIM.equals(r.getString("node")) || !"running".equals(r.getString("state"))
          || r.getLong("pid") == null || r.getLong("epoch") <= before.get(id).getLong("epoch")) {
        return false;
      }
    }
    return true;
  }

  static Set<String> ids(List<JsonObject> specs) {
    return Set.copyOf(specs.stream().map(s -> s.getString("id")).toList());
  }
}
