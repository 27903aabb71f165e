package io.pogo.scheduler.engine;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's rules (docs/jobs.md, DESIGN.md "Jobs"), one test per rule, on a fake clock with fake tasks: the
 * test decides where each host is placed and when each task starts and ends.
 */
class JobEngineTest {

  /** Three hosts per colo; {@code $colo: 2} means at most two east and two west at once. */
  static final String COLOS = """
      tag:
        colo:
          east: ["web[1-3].east"]
          west: ["web[1-3].west"]
      constraint:
        $colo:
          max_parallel: 2
      """;

  static final String ONE_PER_COLO = """
      tag:
        colo:
          east: ["web[1-3].east"]
          west: ["web[1-3].west"]
      constraint:
        $colo:
          max_parallel: 1
      """;

  final FakeFleet fleet = new FakeFleet();

  static JsonObject req(Object... kv) {
    JsonObject json = new JsonObject();
    for (int i = 0; i < kv.length; i += 2) {
      json.put((String) kv[i], kv[i + 1]);
    }
    return json;
  }

  static PogoException refused(ErrorCode code, Executable call) {
    PogoException e = assertThrows(PogoException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

  static Map<String, String> fieldErrors(PogoException e) {
    Map<String, String> out = new LinkedHashMap<>();
    for (FieldError f : e.errors()) {
      out.put(f.field(), f.message());
    }
    return out;
  }

  /** Everything the engine would store about a job: to check that a refused request changed nothing. */
  String stored(String job) {
    JobRun j = fleet.engine.job(job);
    StringBuilder sb = new StringBuilder(j.toRecord().encode());
    j.hosts().forEach(h -> sb.append('\n').append(h.toRecord().encode()));
    return sb.toString();
  }

  int used(String namespace, String slot) {
    return fleet.engine.ledgerOf(namespace).used(slot);
  }

  // ---- limits ---------------------------------------------------------------------------------------------------

  @Test
  void perValueLimitRunsTwoEastAndTwoWestAtOnce() {
    fleet.namespace("web", COLOS);
    fleet.submit("j1", "web", "$colo");
    assertEquals(List.of("j1/web1.east", "j1/web1.west", "j1/web2.east", "j1/web2.west"), fleet.dispatched());
    assertEquals("waiting for colo.east", fleet.reason("j1", "web3.east"));
    assertEquals("waiting for colo.west", fleet.reason("j1", "web3.west"));
    assertEquals(2, used("web", "colo.east"));
    assertEquals(2, used("web", "colo.west"));

    fleet.succeed("j1", "web1.east");
    assertEquals(List.of("j1/web3.east"), fleet.dispatched(), "an east slot freed: only an east host may take it");
  }

  @Test
  void perTagValueLimitAppliesToThatValueOnly() {
    fleet.namespace("web", """
        tag:
          colo:
            east: ["web[1-3].east"]
            west: ["web[1-3].west"]
        constraint:
          $colo.east:
            max_parallel: 1
        """);
    fleet.submit("j1", "web", "$colo");
    assertEquals(List.of("j1/web1.east", "j1/web1.west", "j1/web2.west", "j1/web3.west"), fleet.dispatched());
    assertEquals("waiting for colo.east", fleet.reason("j1", "web2.east"));
  }

  @Test
  void limitIsNOrPercentOfTheNamespacePopulationAtLeastOne() {
    fleet.namespace("web", """
        tag:
          big: ["h[1-10]"]
          small: [s1, s2, s3]
          db: [db1, db2, db3]
        constraint:
          $big:
            max_parallel: 25%
          $small:
            max_parallel: 10%
          $db:
            max_parallel: 2
        """);
    // 25% of the 10 config hosts is 2 (of the 4 job hosts it would be 1); 10% of 3 is 0, raised to 1; $db is 2.
    fleet.submit("j1", "web", "h[1-4]", "$small", "$db");
    assertEquals(List.of("j1/db1", "j1/db2", "j1/h1", "j1/h2", "j1/s1"), fleet.dispatched());
    assertEquals("waiting for big", fleet.reason("j1", "h3"));
    assertEquals("waiting for small", fleet.reason("j1", "s2"));
    assertEquals("waiting for db", fleet.reason("j1", "db3"));
  }

  @Test
  void nestedConstraintsLimitTheIntersectionOfTheirTags() {
    fleet.namespace("web", """
        tag:
          colo:
            east: ["web[1-3].east"]
            west: ["web[1-3].west"]
          frontend: [web1.east, web2.east, web1.west, web2.west]
        constraint:
          $frontend:
            $colo:
              max_parallel: 1
        """);
    fleet.submit("j1", "web", "$colo");
    assertEquals(List.of("j1/web1.east", "j1/web1.west", "j1/web3.east", "j1/web3.west"), fleet.dispatched(),
        "one frontend host per colo; web3 is no frontend host, so it is unconstrained");
    assertEquals("waiting for frontend&colo.east", fleet.reason("j1", "web2.east"));
    assertEquals("waiting for frontend&colo.west", fleet.reason("j1", "web2.west"));
  }

  @Test
  void limitsAreSharedByEveryJobOfTheNamespace() {
    fleet.namespace("web", COLOS);
    fleet.namespace("other", COLOS);
    fleet.submit("j1", "web", "web1.east", "web2.east");
    fleet.submit("j2", "web", "web3.east", "web1.west");
    fleet.submit("j3", "other", "web3.east");
    assertEquals(List.of("j1/web1.east", "j1/web2.east", "j2/web1.west", "j3/web3.east"), fleet.dispatched(),
        "j1 took both east places of namespace web; namespace other has a budget of its own");
    assertEquals("waiting for colo.east", fleet.reason("j2", "web3.east"));
    assertEquals(Set.of("j1/web1.east", "j1/web2.east"), fleet.engine.ledgerOf("web").holders("colo.east"));

    fleet.succeed("j1", "web1.east");
    assertEquals(List.of("j2/web3.east"), fleet.dispatched());
    assertEquals(2, used("web", "colo.east"));
  }

  @Test
  void hostsOutsideTheConfigAreUnconstrained() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "web1.east", "web2.east", "other1", "other2");
    assertEquals(List.of("j1/other1", "j1/other2", "j1/web1.east"), fleet.dispatched());
    assertTrue(fleet.engine.job("j1").plan().byHost().get("other1").slots().isEmpty());
  }

  // ---- failed hosts hold their places --------------------------------------------------------------------------------

  @Test
  void failedHostKeepsItsSlotsWhileItsJobRuns() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "$colo");
    assertEquals(List.of("j1/web1.east", "j1/web1.west"), fleet.dispatched());
    fleet.fail("j1", "web1.east");
    assertEquals(HostState.FAILED, fleet.state("j1", "web1.east"));
    assertTrue(fleet.host("j1", "web1.east").holding());
    assertEquals(List.of(), fleet.dispatched(), "a failed host is a host that is down: it keeps its colo place");
    assertEquals("waiting for colo.east", fleet.reason("j1", "web2.east"));
    assertEquals(Set.of("j1/web1.east"), fleet.engine.ledgerOf("web").holders("colo.east"));
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state(), "web1.west still runs: no deadlock");
  }

  @Test
  void failedHostKeepsItsPlaceOfTheJobConcurrency() {
    fleet.submit("j1", req("concurrency", 2), "a1", "a2", "a3", "a4");
    assertEquals(List.of("j1/a1", "j1/a2"), fleet.dispatched());
    fleet.fail("j1", "a1");
    assertEquals(List.of(), fleet.dispatched());
    assertEquals("waiting for job concurrency (2 = 2)", fleet.reason("j1", "a3"));
    fleet.succeed("j1", "a2");
    assertEquals(List.of("j1/a3"), fleet.dispatched(), "a1 still holds one of the two places");
  }

  @Test
  void failedHostGivesItsSlotsBackWhenRetried() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "$colo");
    fleet.dispatch();
    fleet.fail("j1", "web1.east");
    fleet.engine.retry("j1", List.of("web1.east"), fleet.now);
    assertFalse(fleet.host("j1", "web1.east").holding());
    assertEquals(0, used("web", "colo.east"));
    assertEquals(List.of("j1/web1.east"), fleet.dispatched(), "it competes again, first in natural order");
    assertEquals("j1/web1.east/2", fleet.taskId("j1", "web1.east"));
  }

  @Test
  void failedHostGivesItsSlotsBackWhenSkipped() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "$colo");
    fleet.dispatch();
    fleet.fail("j1", "web1.east");
    fleet.engine.skip("j1", List.of("web1.east"), fleet.now);
    assertEquals(HostState.SKIPPED, fleet.state("j1", "web1.east"));
    assertEquals(List.of("j1/web2.east"), fleet.dispatched());
  }

  @Test
  void failedHostGivesItsSlotsBackWhenItsJobEnds() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "web1.east");
    fleet.submit("j2", "web", "web2.east");
    assertEquals(List.of("j1/web1.east"), fleet.dispatched());
    fleet.fail("j1", "web1.east");
    assertEquals(JobState.FAILED, fleet.engine.job("j1").state());
    assertEquals("1 of 1 hosts failed", fleet.engine.job("j1").reason());
    assertFalse(fleet.host("j1", "web1.east").holding());
    assertEquals(List.of("j2/web2.east"), fleet.dispatched());
  }

  @Test
  void failedHostGivesItsSlotsBackWhenItsJobHalts() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "web1.east", "web2.east", "web1.west");
    fleet.submit("j2", "web", "web3.east");
    assertEquals(List.of("j1/web1.east", "j1/web1.west"), fleet.dispatched());
    fleet.fail("j1", "web1.east");
    assertEquals(List.of(), fleet.dispatched());
    fleet.engine.halt("j1", false, null, fleet.now);
    assertEquals(List.of("j2/web3.east"), fleet.dispatched());
  }

  // ---- order ----------------------------------------------------------------------------------------------------

  @Test
  void sequenceStepsRunInOrderAndAnEmptyStepKeepsTheOrderTransitive() {
    fleet.namespace("web", """
        tag:
          colo:
            east: [e1, e2]
            mid: [m1]
            west: [w1, w2]
        sequence:
          - $colo.east
          - $colo.mid
          - $colo.west
        """);
    fleet.submit("j1", "web", "e1", "e2", "w1", "w2");
    assertEquals(List.of("j1/e1", "j1/e2"), fleet.dispatched());
    assertEquals("waiting for $colo.east (step 1 of sequence main)", fleet.reason("j1", "w1"));
    fleet.succeed("j1", "e1");
    assertEquals(List.of(), fleet.dispatched(), "the job has no mid host, so west still waits for all of east");
    fleet.fail("j1", "e2");
    assertEquals(List.of("j1/w1", "j1/w2"), fleet.dispatched(), "a failed host has ended too");
  }

  @Test
  void aHostInSeveralSequencesRunsOnceAfterAllItsPredecessors() {
    fleet.namespace("web", """
        tag:
          a: [a1]
          b: [b1]
          shared: [s1]
        sequence:
          one: [$a, $shared]
          two: [$b, $shared]
        """);
    fleet.submit("j1", "web", "a1", "b1", "s1");
    assertEquals(List.of("j1/a1", "j1/b1"), fleet.dispatched());
    fleet.succeed("j1", "a1");
    assertEquals(List.of(), fleet.dispatched());
    assertEquals("waiting for $b (step 1 of sequence two)", fleet.reason("j1", "s1"));
    fleet.succeed("j1", "b1");
    assertEquals(List.of("j1/s1"), fleet.dispatched());
    fleet.succeed("j1", "s1");
    assertEquals(JobState.FINISHED, fleet.engine.job("j1").state());
    assertEquals(1, fleet.host("j1", "s1").attempts());
    assertEquals(1, fleet.tasks.keySet().stream().filter(t -> t.startsWith("j1/s1/")).count());
  }

  @Test
  void hostsStartInNaturalNameOrder() {
    fleet.submit("j1", req("concurrency", 1), "web[1-12]");
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      List<TaskStart> started = fleet.dispatch();
      assertEquals(1, started.size());
      order.add(started.get(0).host());
      fleet.succeed("j1", started.get(0).host());
    }
    assertEquals(List.of("web1", "web2", "web3", "web4", "web5", "web6", "web7", "web8", "web9", "web10", "web11",
        "web12"), order);
  }

  // ---- job concurrency --------------------------------------------------------------------------------------------

  @Test
  void jobConcurrencyNLimitsHowManyHostsRun() {
    fleet.submit("j1", req("concurrency", 3), "h[1-5]");
    assertEquals(List.of("j1/h1", "j1/h2", "j1/h3"), fleet.dispatched());
    assertEquals("waiting for job concurrency (3 = 3)", fleet.reason("j1", "h4"));
    fleet.succeed("j1", "h2");
    assertEquals(List.of("j1/h4"), fleet.dispatched());
  }

  @Test
  void jobConcurrencyPercentIsOfTheJobsHostsAtLeastOne() {
    fleet.submit("j1", req("concurrency", "25%"), "h[1-10]");
    assertEquals(List.of("j1/h1", "j1/h2"), fleet.dispatched());
    assertEquals("waiting for job concurrency (25% = 2)", fleet.reason("j1", "h3"));
    fleet.submit("j2", req("concurrency", "10%"), "g[1-3]");
    assertEquals(List.of("j2/g1"), fleet.dispatched());
    assertEquals("waiting for job concurrency (10% = 1)", fleet.reason("j2", "g2"));
  }

  // ---- no hang, deadlock ----------------------------------------------------------------------------------------------

  /** Yahoo's t/022Hangs.t: a max_parallel smaller than the hosts competing for it hung the job after one host. */
  @Test
  void blockedHostsAreConsideredAgainAsSoonAsASlotFrees() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "$colo.east");
    fleet.submit("j2", "web", "$colo.east");
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      List<TaskStart> started = fleet.dispatch();
      assertEquals(1, started.size(), "exactly one east host at a time, and never none: " + runs);
      TaskStart t = started.get(0);
      runs.add(t.job() + "/" + t.host());
      fleet.succeed(t.job(), t.host());
    }
    assertEquals(List.of("j1/web1.east", "j1/web2.east", "j1/web3.east", "j2/web1.east", "j2/web2.east",
        "j2/web3.east"), runs, "the older job first, each in natural order");
    assertEquals(JobState.FINISHED, fleet.engine.job("j1").state());
    assertEquals(JobState.FINISHED, fleet.engine.job("j2").state());
  }

  @Test
  void jobIsDeadlockedWhenFailedHostsHoldWhatItsWaitingHostsNeed() {
    fleet.namespace("web", COLOS);
    fleet.submit("j1", "web", "$colo.east");
    fleet.dispatch();
    fleet.fail("j1", "web1.east");
    fleet.fail("j1", "web2.east");
    assertEquals(List.of(), fleet.dispatched());
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.DEADLOCKED, job.state());
    assertEquals("nothing can run and nothing runs: web3.east is waiting for colo.east; held by failed hosts "
        + "web1.east, web2.east (retry or skip hosts to continue)", job.reason());
    assertEquals(HostState.WAITING, fleet.state("j1", "web3.east"));
    assertEquals(0, used("web", "colo.east"), "a deadlocked job gives back its slots");
    assertFalse(fleet.host("j1", "web1.east").holding());
    assertEquals(List.of("running", "deadlocked"), fleet.statesOf("j1", null));
  }

  @Test
  void deadlockGivesBackTheSlotsSoAnotherJobOfTheNamespaceProceeds() {
    fleet.namespace("web", COLOS);
    fleet.submit("j1", "web", "$colo.east");
    fleet.dispatch();
    fleet.fail("j1", "web1.east");
    fleet.fail("j1", "web2.east");
    fleet.submit("j2", "web", "web3.east");
    assertEquals(List.of("j2/web3.east"), fleet.dispatched(), "in the same pass");
    assertEquals(JobState.DEADLOCKED, fleet.engine.job("j1").state());
  }

  static final String X_AFTER_A0 = """
      tag:
        x: [a2, b1, b2]
        y: [a1]
        first: [a0, a1]
        then: [a2]
      sequence:
        - $first
        - $then
      constraint:
        $x:
          max_parallel: 1
        $y:
          max_parallel: 1
      """;

  /**
   * Two stuck jobs: j2 is blocked by its own failed host, j1 only by j2's. The older j1 was deadlocked first, which
   * gave back nothing; j2's deadlock then freed x, but j1 stayed deadlocked though a2 could run.
   */
  @Test
  void aJobBlockedOnlyByAnotherStuckJobIsNotDeadlockedFirst() {
    fleet.namespace("web", X_AFTER_A0);
    fleet.submit("j1", "web", "a0", "a2");
    fleet.submit("j2", "web", "b1", "b2");
    assertEquals(List.of("j1/a0", "j2/b1"), fleet.dispatched());
    fleet.fail("j2", "b1");
    fleet.succeed("j1", "a0");
    assertEquals(List.of("j1/a2"), fleet.dispatched(), "j2's deadlock freed x for a2 in the same pass");
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    assertEquals(JobState.DEADLOCKED, fleet.engine.job("j2").state());
    assertEquals("nothing can run and nothing runs: b2 is waiting for x; held by failed hosts b1 (retry or skip "
        + "hosts to continue)", fleet.engine.job("j2").reason());
  }

  /** Same, with the older job holding a failed host too (slot y, which j2 does not need). */
  @Test
  void aJobBlockedByItsOwnFailedHostsIsDeadlockedBeforeAnOlderOneItBlocks() {
    fleet.namespace("web", X_AFTER_A0);
    fleet.submit("j1", "web", "a1", "a2");
    fleet.submit("j2", "web", "b1", "b2");
    assertEquals(List.of("j1/a1", "j2/b1"), fleet.dispatched());
    fleet.fail("j1", "a1");
    fleet.fail("j2", "b1");
    assertEquals(List.of("j1/a2"), fleet.dispatched());
    assertEquals(JobState.DEADLOCKED, fleet.engine.job("j2").state());
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    assertTrue(fleet.host("j1", "a1").holding());
  }

  @Test
  void noDeadlockWhileAnotherJobOfTheNamespaceRunsSomething() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "web1.east", "web2.east");
    fleet.submit("j2", "web", "web1.west");
    assertEquals(List.of("j1/web1.east", "j2/web1.west"), fleet.dispatched());
    fleet.fail("j1", "web1.east");
    assertEquals(List.of(), fleet.dispatched());
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state(), "j2 runs something: it may end and change things");
    fleet.succeed("j2", "web1.west");
    assertEquals(List.of(), fleet.dispatched());
    assertEquals(JobState.DEADLOCKED, fleet.engine.job("j1").state());
  }

  @Test
  void retryOrSkipContinuesADeadlockedJob() {
    fleet.namespace("web", COLOS);
    fleet.submit("j1", "web", "$colo.east");
    fleet.dispatch();
    fleet.fail("j1", "web1.east");
    fleet.fail("j1", "web2.east");
    fleet.dispatch();
    assertEquals(JobState.DEADLOCKED, fleet.engine.job("j1").state());
    refused(ErrorCode.INVALID_STATE, () -> fleet.engine.resume("j1", fleet.now));

    fleet.engine.skip("j1", List.of("web2.east"), fleet.now);
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.RUNNING, job.state());
    assertEquals("resumed by a skip of 1 hosts", job.reason());
    assertTrue(fleet.host("j1", "web1.east").holding(), "running again: the failed host holds its slot again");
    assertEquals(List.of("j1/web3.east"), fleet.dispatched());
    fleet.succeed("j1", "web3.east");
    assertEquals(JobState.FAILED, job.state(), "web1.east failed and was neither retried nor skipped");

    fleet.engine.retry("j1", List.of("web1.east"), fleet.now);
    assertEquals(JobState.RUNNING, job.state());
    assertEquals(List.of("j1/web1.east"), fleet.dispatched());
    fleet.succeed("j1", "web1.east");
    assertEquals(JobState.FINISHED, job.state());
  }

  // ---- failures ---------------------------------------------------------------------------------------------------

  @Test
  void failureBudgetOfNHostsHaltsTheJob() {
    fleet.submit("j1", req("concurrency", 3, "maxFailures", 2), "h[1-6]");
    assertEquals(List.of("j1/h1", "j1/h2", "j1/h3"), fleet.dispatched());
    fleet.start("j1", "h3");
    fleet.fail("j1", "h1");
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    fleet.timeOut("j1", "h2");
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.HALTED, job.state());
    assertEquals("failure budget spent: 2 failed hosts reach maxFailures 2 (2)", job.reason());
    for (String h : List.of("h4", "h5", "h6")) {
      assertEquals(HostState.HALTED, fleet.state("j1", h));
    }
    assertEquals(HostState.RUNNING, fleet.state("j1", "h3"), "a halt without kill lets running tasks end");
    assertEquals(List.of(), fleet.dispatched());
    assertTrue(fleet.kills.isEmpty());
  }

  @Test
  void failureBudgetInPercentIsOfTheJobsHostsAtLeastOne() {
    fleet.submit("j1", req("maxFailures", "20%"), "h[1-10]");
    fleet.dispatch();
    fleet.fail("j1", "h1");
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    fleet.fail("j1", "h2");
    assertEquals(JobState.HALTED, fleet.engine.job("j1").state());
    assertEquals("failure budget spent: 2 failed hosts reach maxFailures 20% (2)", fleet.engine.job("j1").reason());

    fleet.submit("j2", req("maxFailures", "10%"), "g[1-5]");
    fleet.dispatch();
    fleet.lose("j2", "g3");
    assertEquals(JobState.HALTED, fleet.engine.job("j2").state(), "10% of 5 is 0, raised to 1");
  }

  @Test
  void automaticRetriesRunAFailedHostAgainWhileItHoldsItsSlots() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", req("namespace", "web", "retries", 2), "web1.east", "web2.east", "web1.west");
    assertEquals(List.of("j1/web1.east", "j1/web1.west"), fleet.dispatched());
    fleet.fail("j1", "web1.east");
    assertEquals(HostState.WAITING, fleet.state("j1", "web1.east"));
    assertEquals("retrying (1 of 2 retries) after: exited with status 1", fleet.reason("j1", "web1.east"));
    assertTrue(fleet.host("j1", "web1.east").holding());
    assertEquals(1, used("web", "colo.east"));
    assertEquals(List.of("j1/web1.east"), fleet.dispatched(), "the retry keeps the slot: web2.east does not get it");
    fleet.timeOut("j1", "web1.east");
    assertEquals("retrying (2 of 2 retries) after: timed out after 10m; killed", fleet.reason("j1", "web1.east"));
    assertEquals(List.of("j1/web1.east"), fleet.dispatched());
    fleet.fail("j1", "web1.east");
    assertEquals(HostState.FAILED, fleet.state("j1", "web1.east"), "retries=2: at most 3 attempts");
    assertEquals(3, fleet.host("j1", "web1.east").attempts());
    assertEquals(List.of("j1/web1.east/1", "j1/web1.west/1", "j1/web1.east/2", "j1/web1.east/3"),
        List.copyOf(fleet.tasks.keySet()));
    assertEquals(List.of(), fleet.dispatched());
  }

  /**
   * A retrying host already holds its place of the job's concurrency. A host earlier in natural order that finds the
   * concurrency full must not stop the scan before it: the job was declared deadlocked instead of retrying b1.
   */
  @Test
  void aRetryingHostRunsAgainThoughAnEarlierHostWaitsForTheJobConcurrency() {
    fleet.namespace("web", """
        tag:
          x: [a1, z1]
        constraint:
          $x:
            max_parallel: 1
        """);
    fleet.submit("j0", "web", "z1");
    fleet.submit("j1", req("namespace", "web", "concurrency", 1, "retries", 1), "a1", "b1");
    assertEquals(List.of("j0/z1", "j1/b1"), fleet.dispatched(), "a1 waits for x, held by j0");
    fleet.succeed("j0", "z1");
    fleet.fail("j1", "b1");
    assertEquals(List.of("j1/b1"), fleet.dispatched());
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    assertEquals("waiting for job concurrency (1 = 1)", fleet.reason("j1", "a1"));
  }

  @Test
  void aLostHostIsNotRetriedAutomatically() {
    fleet.submit("j1", req("retries", 2), "h1", "h2");
    fleet.dispatch();
    fleet.start("j1", "h1");
    assertTrue(fleet.lose("j1", "h1"));
    assertEquals(HostState.LOST, fleet.state("j1", "h1"));
    assertEquals("worker node n1 left the cluster", fleet.reason("j1", "h1"));
    assertEquals(1, fleet.host("j1", "h1").attempts());
    assertEquals(List.of(), fleet.dispatched(), "the command may have run: only a user retries it");
    fleet.succeed("j1", "h2");
    assertEquals(JobState.FAILED, fleet.engine.job("j1").state());
  }

  // ---- timeouts -----------------------------------------------------------------------------------------------------

  @Test
  void hostTimeoutBackstopKillsTheTaskAndTimesTheHostOutWhenTheWorkerConfirms() {
    fleet.submit("j1", req("hostTimeout", "10s"), "h1", "h2");
    List<TaskStart> started = fleet.dispatch();
    assertEquals(10_000, started.get(0).timeoutMs(), "the worker enforces the timeout itself");
    fleet.start("j1", "h1");
    fleet.succeed("j1", "h2");
    fleet.advance(10_000);
    fleet.tick();
    assertTrue(fleet.kills.isEmpty(), "the worker gets a grace period to report its own timeout");
    fleet.advance(JobEngine.TIMEOUT_GRACE_MS);
    fleet.tick();
    assertEquals(List.of(new TaskKill("j1/h1/1", "n1", "no result within the host timeout of 10s; killed")), fleet.kills);
    assertEquals(HostState.RUNNING, fleet.state("j1", "h1"));
    assertEquals("being killed: no result within the host timeout of 10s; killed", fleet.reason("j1", "h1"));
    fleet.tick();
    assertEquals(1, fleet.kills.size(), "a kill is asked once");

    fleet.end("j1", "h1", 143, false);
    assertEquals(HostState.TIMED_OUT, fleet.state("j1", "h1"));
    assertEquals("no result within the host timeout of 10s; killed", fleet.reason("j1", "h1"));
    assertEquals(JobState.FAILED, fleet.engine.job("j1").state());
  }

  /** retries re-run "a failed or timed-out host"; one timed out by the server-side backstop was never retried. */
  @Test
  void aHostTimedOutByTheBackstopIsRetriedAutomatically() {
    fleet.submit("j1", req("hostTimeout", "10s", "retries", 1), "h1");
    fleet.dispatch();
    fleet.start("j1", "h1");
    fleet.advance(10_000 + JobEngine.TIMEOUT_GRACE_MS);
    fleet.tick();
    fleet.end("j1", "h1", 143, false);
    assertEquals(HostState.WAITING, fleet.state("j1", "h1"));
    assertEquals("retrying (1 of 1 retries) after: no result within the host timeout of 10s; killed",
        fleet.reason("j1", "h1"));
    assertEquals(List.of("j1/h1"), fleet.dispatched());
    fleet.start("j1", "h1");
    fleet.advance(10_000 + JobEngine.TIMEOUT_GRACE_MS);
    fleet.tick();
    fleet.end("j1", "h1", 143, false);
    assertEquals(HostState.TIMED_OUT, fleet.state("j1", "h1"));
    assertEquals(2, fleet.host("j1", "h1").attempts());
    assertEquals(JobState.FAILED, fleet.engine.job("j1").state());
  }

  @Test
  void aHostWhoseKillIsNeverConfirmedIsLost() {
    fleet.submit("j1", req("hostTimeout", "10s"), "h1");
    fleet.dispatch();
    fleet.start("j1", "h1");
    fleet.advance(10_000 + JobEngine.TIMEOUT_GRACE_MS);
    fleet.tick();
    assertEquals(1, fleet.kills.size());
    fleet.advance(JobEngine.KILL_CONFIRM_MS - 1);
    fleet.tick();
    assertEquals(HostState.RUNNING, fleet.state("j1", "h1"));
    fleet.advance(1);
    fleet.tick();
    assertEquals(HostState.LOST, fleet.state("j1", "h1"));
    assertEquals("its worker n1 did not confirm the kill within 30s", fleet.reason("j1", "h1"));
    assertFalse(fleet.succeed("j1", "h1"), "a report after the host was given up is stale");
    assertEquals(HostState.LOST, fleet.state("j1", "h1"));
  }

  /**
   * hostTimeout "applies to tasks started afterwards", but the backstop measured a running task against the job's
   * current value: lowering it from 10m to 1m killed a task the worker was told could run 10 minutes.
   */
  @Test
  void aRunningTaskKeepsTheHostTimeoutItWasStartedWith() {
    fleet.submit("j1", req("hostTimeout", "10m"), "h1", "h2");
    fleet.dispatch();
    fleet.start("j1", "h1");
    fleet.start("j1", "h2");
    fleet.engine.alter("j1", new JsonObject().put("hostTimeout", "1m"), fleet.now);
    fleet.advance(60_000 + JobEngine.TIMEOUT_GRACE_MS);
    fleet.tick();
    assertEquals(List.of(), fleet.kills);
    fleet.timeOut("j1", "h2");
    assertEquals("timed out after 10m; killed", fleet.reason("j1", "h2"));
    fleet.advance(600_000 - 60_000);
    fleet.tick();
    assertEquals(List.of(new TaskKill("j1/h1/1", "n1", "no result within the host timeout of 10m; killed")), fleet.kills);
  }

  @Test
  void jobTimeoutHaltsWaitingHostsKillsRunningOnesAndTimesTheJobOut() {
    fleet.submit("j1", req("jobTimeout", "1m", "concurrency", 1), "h1", "h2", "h3");
    fleet.dispatch();
    fleet.succeed("j1", "h1");
    fleet.dispatch();
    fleet.start("j1", "h2");
    fleet.advance(59_999);
    fleet.tick();
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    fleet.advance(1);
    fleet.tick();
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.TIMED_OUT, job.state());
    assertEquals("job timeout of 1m passed", job.reason());
    assertEquals(fleet.now, job.endedAt());
    assertEquals(HostState.HALTED, fleet.state("j1", "h3"));
    assertEquals(List.of(new TaskKill("j1/h2/1", "n1", "killed: job timeout of 1m passed")), fleet.kills);
    assertEquals(HostState.RUNNING, fleet.state("j1", "h2"));
    fleet.end("j1", "h2", 143, false);
    assertEquals(HostState.TIMED_OUT, fleet.state("j1", "h2"));
    assertEquals(HostState.SUCCEEDED, fleet.state("j1", "h1"));
    assertEquals(JobState.TIMED_OUT, job.state());
    assertEquals(List.of(), fleet.dispatched());
  }

  /** It only knew job timeouts: a runtime sleeping until then would miss every host timeout and kill confirmation. */
  @Test
  void nextDeadlineIsTheEarliestTimeTickHasSomethingToDo() {
    long created = fleet.now;
    fleet.submit("j1", req("hostTimeout", "10s"), "h1");
    assertEquals(created + 3_600_000, fleet.engine.nextDeadline(), "the job timeout");
    fleet.advance(5_000);
    fleet.dispatch();
    fleet.start("j1", "h1");
    assertEquals(fleet.now + 10_000 + JobEngine.TIMEOUT_GRACE_MS, fleet.engine.nextDeadline(), "the host timeout");
    fleet.advance(10_000 + JobEngine.TIMEOUT_GRACE_MS);
    fleet.tick();
    assertEquals(fleet.now + JobEngine.KILL_CONFIRM_MS, fleet.engine.nextDeadline(), "the kill confirmation");
    fleet.end("j1", "h1", 143, false);
    assertEquals(JobState.FAILED, fleet.engine.job("j1").state());
    assertEquals(Long.MAX_VALUE, fleet.engine.nextDeadline());
  }

  // ---- control --------------------------------------------------------------------------------------------------------

  @Test
  void haltStopsDispatchingAndHaltsTheWaitingHosts() {
    fleet.submit("j1", req("concurrency", 1), "h1", "h2", "h3");
    fleet.dispatch();
    fleet.engine.halt("j1", false, null, fleet.now);
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.HALTED, job.state());
    assertEquals("halted by user", job.reason());
    assertEquals(HostState.HALTED, fleet.state("j1", "h2"));
    assertEquals(HostState.HALTED, fleet.state("j1", "h3"));
    assertEquals(HostState.READY, fleet.state("j1", "h1"));
    assertTrue(fleet.kills.isEmpty());
    fleet.succeed("j1", "h1");
    assertEquals(JobState.HALTED, job.state());
    assertEquals(List.of(), fleet.dispatched());
  }

  @Test
  void haltWithKillKillsRunningTasksWhichEndHaltedWhenTheWorkerConfirms() {
    fleet.submit("j1", req(), "h1", "h2");
    fleet.dispatch();
    fleet.start("j1", "h1");
    fleet.engine.halt("j1", true, "bad deploy", fleet.now);
    fleet.drain();
    assertEquals(List.of(new TaskKill("j1/h1/1", "n1", "killed: bad deploy"), new TaskKill("j1/h2/1", "n1",
        "killed: bad deploy")), fleet.kills);
    assertEquals(HostState.RUNNING, fleet.state("j1", "h1"));
    fleet.end("j1", "h1", 143, false);
    assertEquals(HostState.HALTED, fleet.state("j1", "h1"));
    assertEquals("killed: bad deploy", fleet.reason("j1", "h1"));
    assertEquals("bad deploy", fleet.engine.job("j1").reason());
  }

  @Test
  void aTaskThatSucceededBeforeTheKillArrivedStaysSucceededAndDoesNotRunAgainOnResume() {
    fleet.submit("j1", req(), "h1");
    fleet.dispatch();
    fleet.start("j1", "h1");
    fleet.engine.halt("j1", true, "bad deploy", fleet.now);
    fleet.drain();
    // the worker says the kill did not reach the task: it had exited 0 on its own
    assertTrue(fleet.engine.finished("j1/h1/1", 0, false, false, "exit code 0", fleet.now, fleet.now));
    assertEquals(HostState.SUCCEEDED, fleet.state("j1", "h1"));
    fleet.engine.resume("j1", fleet.now);
    assertEquals(List.of(), fleet.engine.dispatch(fleet.now, (job, host) -> new Placer.Node("n1")));
    assertEquals(JobState.FINISHED, fleet.engine.job("j1").state());
  }

  @Test
  void resumeMakesHaltedHostsWaitAgain() {
    fleet.submit("j1", req("concurrency", 1), "h1", "h2");
    fleet.dispatch();
    fleet.engine.halt("j1", false, null, fleet.now);
    fleet.succeed("j1", "h1");
    fleet.engine.resume("j1", fleet.now);
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.RUNNING, job.state());
    assertEquals("resumed", job.reason());
    assertEquals(HostState.WAITING, fleet.state("j1", "h2"));
    assertEquals(List.of("j1/h2"), fleet.dispatched());
    fleet.succeed("j1", "h2");
    assertEquals(JobState.FINISHED, job.state());
    refused(ErrorCode.INVALID_STATE, () -> fleet.engine.resume("j1", fleet.now));
  }

  /**
   * Retry revives finished, failed and deadlocked jobs, not halted ones: it set a halted job running with its other
   * hosts still halted, so the job could end "finished" with hosts that never ran.
   */
  @Test
  void retryInAHaltedJobMakesTheHostsWaitForTheResume() {
    fleet.submit("j1", req("concurrency", 2), "h1", "h2", "h3");
    fleet.dispatch();
    fleet.fail("j1", "h1");
    fleet.engine.halt("j1", false, null, fleet.now);
    fleet.engine.retry("j1", List.of("h1"), fleet.now);
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.HALTED, job.state());
    assertEquals(HostState.WAITING, fleet.state("j1", "h1"));
    assertEquals("retried; resume the job to run it", fleet.reason("j1", "h1"));
    assertEquals(List.of(), fleet.dispatched());
    fleet.succeed("j1", "h2");
    fleet.engine.resume("j1", fleet.now);
    assertEquals(List.of("j1/h1", "j1/h3"), fleet.dispatched());
    fleet.succeedAll("j1", "h1", "h3");
    assertEquals(JobState.FINISHED, job.state());
    assertEquals("every host ended: done 3/3: 3 succeeded", job.reason());
  }

  /**
   * A task killed by a halt whose job was resumed before the kill was confirmed ended "halted" in a running job, so
   * the job finished without running it. It waits again instead, like the hosts the resume made wait.
   */
  @Test
  void aHostKilledByAHaltRunsAgainWhenItsJobWasResumedMeanwhile() {
    fleet.submit("j1", req(), "h1", "h2");
    fleet.dispatch();
    fleet.start("j1", "h1");
    fleet.succeed("j1", "h2");
    fleet.engine.halt("j1", true, null, fleet.now);
    fleet.engine.resume("j1", fleet.now);
    fleet.drain();
    assertEquals(HostState.RUNNING, fleet.state("j1", "h1"));
    fleet.end("j1", "h1", 143, false);
    assertEquals(HostState.WAITING, fleet.state("j1", "h1"));
    assertFalse(fleet.host("j1", "h1").holding());
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    assertEquals(List.of("j1/h1"), fleet.dispatched());
    fleet.succeed("j1", "h1");
    assertEquals(JobState.FINISHED, fleet.engine.job("j1").state());
    assertEquals(List.of("ready", "running", "waiting", "ready", "running", "succeeded"), fleet.statesOf("j1", "h1"));
  }

  @Test
  void haltingAnEndedJobIsRefused() {
    fleet.submit("j1", req(), "h1");
    fleet.dispatch();
    fleet.succeed("j1", "h1");
    String before = stored("j1");
    PogoException e = refused(ErrorCode.INVALID_STATE, () -> fleet.engine.halt("j1", true, null, fleet.now));
    assertEquals("job j1 has ended (finished); there is nothing to halt", e.getMessage());
    assertEquals(before, stored("j1"));
    refused(ErrorCode.JOB_NOT_FOUND, () -> fleet.engine.halt("nope", false, null, fleet.now));
  }

  @Test
  void retryValidatesEveryNamedHostAndChangesNothingWhenOneIsWrong() {
    fleet.submit("j1", req("concurrency", 1), "h1", "h2", "h3");
    fleet.dispatch();
    fleet.succeed("j1", "h1");
    fleet.dispatch();
    fleet.start("j1", "h2");
    String before = stored("j1");
    PogoException e = refused(ErrorCode.VALIDATION_FAILED,
        () -> fleet.engine.retry("j1", List.of("h1", "nope", "h2", "h3"), fleet.now));
    assertEquals(Map.of(
        "hosts[1]", "\"nope\" is not a host of job j1",
        "hosts[2]", "h2 is running; only an ended host can be retried",
        "hosts[3]", "h3 is waiting; only an ended host can be retried"), fieldErrors(e));
    assertEquals(before, stored("j1"), "h1 was not retried");
    assertEquals(Map.of("hosts", "name at least one host to be retried"),
        fieldErrors(refused(ErrorCode.VALIDATION_FAILED, () -> fleet.engine.retry("j1", List.of(), fleet.now))));
  }

  @Test
  void retryRunsEndedHostsAgainAndRevivesAFinishedOrFailedJob() {
    fleet.submit("j1", req(), "h1", "h2");
    fleet.dispatch();
    fleet.succeed("j1", "h1");
    fleet.fail("j1", "h2");
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.FAILED, job.state());
    fleet.engine.retry("j1", List.of("h2", "h2"), fleet.now);
    assertEquals(JobState.RUNNING, job.state());
    assertEquals("resumed by a retry of 1 hosts", job.reason());
    assertNull(job.endedAt());
    assertEquals(List.of("j1/h2"), fleet.dispatched());
    assertEquals("j1/h2/2", fleet.taskId("j1", "h2"));
    fleet.succeed("j1", "h2");
    assertEquals(JobState.FINISHED, job.state());

    fleet.engine.retry("j1", List.of("h1"), fleet.now);
    assertEquals(JobState.RUNNING, job.state());
    assertEquals(List.of("j1/h1"), fleet.dispatched(), "a succeeded host can be run again too");
    fleet.succeed("j1", "h1");
    assertEquals(JobState.FINISHED, job.state());
    assertEquals(2, fleet.host("j1", "h1").attempts());
  }

  @Test
  void retryIsRefusedForATimedOutJob() {
    fleet.submit("j1", req("jobTimeout", "1m"), "h1");
    fleet.dispatch();
    fleet.fail("j1", "h1");
    fleet.engine.retry("j1", List.of("h1"), fleet.now);
    fleet.advance(60_000);
    fleet.tick();
    assertEquals(JobState.TIMED_OUT, fleet.engine.job("j1").state());
    assertEquals(HostState.HALTED, fleet.state("j1", "h1"));
    String before = stored("j1");
    PogoException e = refused(ErrorCode.INVALID_STATE, () -> fleet.engine.retry("j1", List.of("h1"), fleet.now));
    assertEquals("job j1 timed out; run a new job for these hosts", e.getMessage());
    refused(ErrorCode.INVALID_STATE, () -> fleet.engine.skip("j1", List.of("h1"), fleet.now));
    assertEquals(before, stored("j1"));
  }

  @Test
  void skipEndsWaitingHaltedAndFailedHostsAndRefusesRunningAndSucceededOnes() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "$colo");
    fleet.dispatch();
    fleet.succeed("j1", "web1.west");
    fleet.dispatch();
    fleet.start("j1", "web2.west");
    String before = stored("j1");
    PogoException e = refused(ErrorCode.VALIDATION_FAILED,
        () -> fleet.engine.skip("j1", List.of("web3.east", "web1.west", "web2.west"), fleet.now));
    assertEquals(Map.of(
        "hosts[1]", "web1.west is succeeded already",
        "hosts[2]", "web2.west is running; halt the job with kill, or wait for it to end"), fieldErrors(e));
    assertEquals(before, stored("j1"));

    fleet.fail("j1", "web1.east");
    fleet.engine.skip("j1", List.of("web1.east", "web3.east"), fleet.now);
    assertEquals(HostState.SKIPPED, fleet.state("j1", "web1.east"));
    assertEquals("skipped by user", fleet.reason("j1", "web1.east"));
    assertEquals(HostState.SKIPPED, fleet.state("j1", "web3.east"));
    assertEquals(List.of("j1/web2.east"), fleet.dispatched(), "the skipped failed host freed colo.east");
  }

  /** A failed job whose failed hosts are all skipped said "failed: 1 of 2 hosts failed" with no host failed. */
  @Test
  void skippingTheFailedHostsOfAFailedJobMakesItFinished() {
    fleet.submit("j1", req(), "h1", "h2", "h3");
    fleet.dispatch();
    fleet.fail("j1", "h1");
    fleet.lose("j1", "h2");
    fleet.succeed("j1", "h3");
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.FAILED, job.state());
    fleet.engine.skip("j1", List.of("h1"), fleet.now);
    fleet.drain();
    assertEquals(JobState.FAILED, job.state());
    assertEquals("1 of 3 hosts failed", job.reason());
    fleet.engine.skip("j1", List.of("h2"), fleet.now);
    fleet.drain();
    assertEquals(JobState.FINISHED, job.state());
    assertEquals("every host ended: done 3/3: 1 succeeded, 2 skipped", job.reason());
    assertEquals(List.of("running", "failed", "failed", "finished"), fleet.statesOf("j1", null));
  }

  @Test
  void alterChangesEachSettingOfARunningJob() {
    fleet.submit("j1", req("concurrency", 1), "h[1-4]");
    fleet.dispatch();
    fleet.engine.alter("j1", new JsonObject().put("concurrency", 3), fleet.now);
    assertEquals(List.of("j1/h2", "j1/h3"), fleet.dispatched(), "a raised concurrency lets more run at once");

    fleet.engine.alter("j1", new JsonObject().put("hostTimeout", "5m").put("retries", 1).put("maxFailures", "50%")
        .put("jobTimeout", "2h"), fleet.now);
    JobRun job = fleet.engine.job("j1");
    JsonObject view = job.toJson();
    assertEquals("5m", view.getString("hostTimeout"));
    assertEquals("2h", view.getString("jobTimeout"));
    assertEquals(1, view.getInteger("retries"));
    assertEquals("50%", view.getString("maxFailures"));
    assertEquals("3", view.getString("concurrency"));
    fleet.succeed("j1", "h1");
    assertEquals(300_000, fleet.dispatch().get(0).timeoutMs(), "a new hostTimeout applies to tasks started afterwards");
    assertEquals(600_000, fleet.tasks.get("j1/h2/1").timeoutMs());

    fleet.fail("j1", "h2");
    assertEquals(HostState.WAITING, fleet.state("j1", "h2"), "retries=1 now");

    fleet.engine.alter("j1", new JsonObject().putNull("concurrency").putNull("maxFailures"), fleet.now);
    assertFalse(job.toJson().containsKey("concurrency"), "null removes the limit");
    assertFalse(job.toJson().containsKey("maxFailures"));
    assertEquals(Integer.MAX_VALUE, job.concurrencyLimit());

    fleet.advance(2 * 3_600_000 - 1);
    fleet.tick();
    assertEquals(JobState.RUNNING, job.state());
    fleet.advance(1);
    fleet.tick();
    assertEquals(JobState.TIMED_OUT, job.state(), "jobTimeout counts from the job's creation");
  }

  /** "this many failed hosts halt the job": a budget lowered to what has already failed halts it at once. */
  @Test
  void aFailureBudgetAlteredBelowTheFailuresAlreadyThereHaltsTheJob() {
    fleet.submit("j1", req(), "h1", "h2", "h3", "h4");
    fleet.dispatch();
    fleet.fail("j1", "h1");
    fleet.fail("j1", "h2");
    fleet.engine.alter("j1", new JsonObject().put("maxFailures", 3), fleet.now);
    JobRun job = fleet.engine.job("j1");
    assertEquals(JobState.RUNNING, job.state());
    fleet.engine.alter("j1", new JsonObject().put("maxFailures", "50%"), fleet.now);
    assertEquals(JobState.HALTED, job.state());
    assertEquals("failure budget spent: 2 failed hosts reach maxFailures 50% (2)", job.reason());
    assertEquals(HostState.READY, fleet.state("j1", "h3"), "a halt without kill");
  }

  @Test
  void alterNamesEveryUnknownFieldAndBadValueAndChangesNothing() {
    fleet.submit("j1", req("concurrency", 2), "h1", "h2");
    String before = stored("j1");
    PogoException e = refused(ErrorCode.VALIDATION_FAILED, () -> fleet.engine.alter("j1", new JsonObject()
        .put("concurency", 3).put("hostTimeout", "soon").put("jobTimeout", "0s").put("maxFailures", "15x")
        .put("concurrency", 0).put("retries", 11), fleet.now));
    Map<String, String> errors = fieldErrors(e);
    assertEquals(Set.of("concurency", "hostTimeout", "jobTimeout", "maxFailures", "concurrency", "retries"),
        errors.keySet());
    assertTrue(errors.get("concurency").startsWith("unknown field"), errors.get("concurency"));
    assertEquals("\"15x\" is not N or N%", errors.get("maxFailures"));
    assertEquals("must be a whole number from 0 to 10; got 11", errors.get("retries"));
    assertEquals("must be from 1s to 7d; got 0ms", errors.get("jobTimeout"));
    assertEquals(before, stored("j1"));
    assertEquals(Set.of("body"), fieldErrors(refused(ErrorCode.VALIDATION_FAILED,
        () -> fleet.engine.alter("j1", new JsonObject(), fleet.now))).keySet());
  }

  @Test
  void alterIsRefusedOnAnEndedJob() {
    fleet.submit("j1", req(), "h1");
    fleet.dispatch();
    fleet.succeed("j1", "h1");
    PogoException e = refused(ErrorCode.INVALID_STATE,
        () -> fleet.engine.alter("j1", new JsonObject().put("retries", 1), fleet.now));
    assertEquals("job j1 has ended (finished); nothing to alter", e.getMessage());
  }

  // ---- reports ----------------------------------------------------------------------------------------------------------

  @Test
  void staleAndRepeatedReportsAreIgnored() {
    fleet.submit("j1", req("retries", 1), "h1");
    fleet.dispatch();
    String first = fleet.taskId("j1", "h1");
    assertTrue(fleet.start("j1", "h1"));
    assertFalse(fleet.start("j1", "h1"), "started twice");
    assertTrue(fleet.fail("j1", "h1"));
    assertFalse(fleet.engine.finished(first, 1, false, null, fleet.now, fleet.now), "finished twice");
    fleet.dispatch();
    String second = fleet.taskId("j1", "h1");
    assertEquals("j1/h1/2", second);
    String before = stored("j1");
    assertFalse(fleet.engine.started(first, fleet.now, fleet.now), "attempt 1 after attempt 2 was dispatched");
    assertFalse(fleet.engine.finished(first, 0, false, null, fleet.now, fleet.now));
    assertFalse(fleet.engine.lost(first, "gone", fleet.now));
    assertFalse(fleet.engine.finished("j9/h1/1", 0, false, null, fleet.now, fleet.now), "unknown job");
    assertFalse(fleet.engine.finished("garbage", 0, false, null, fleet.now, fleet.now));
    assertEquals(before, stored("j1"));
    assertTrue(fleet.succeed("j1", "h1"));
    assertFalse(fleet.succeed("j1", "h1"));
    assertFalse(fleet.lose("j1", "h1"));
    assertEquals(HostState.SUCCEEDED, fleet.state("j1", "h1"));
    assertEquals(JobState.FINISHED, fleet.engine.job("j1").state());
  }

  @Test
  void aTaskTheWorkerCouldNotStartFailsWithTheWorkersReason() {
    fleet.submit("j1", req(), "h1");
    fleet.dispatch();
    assertTrue(fleet.engine.finished(fleet.taskId("j1", "h1"), null, false, "the worker refused the task: full",
        fleet.now, fleet.now));
    assertEquals(HostState.FAILED, fleet.state("j1", "h1"));
    assertEquals("the worker refused the task: full", fleet.reason("j1", "h1"));
    assertNull(fleet.host("j1", "h1").exitCode());
  }

  // ---- failover -------------------------------------------------------------------------------------------------------

  @Test
  void restoreFromStoredRecordsGivesTheSameStateAndLedgerAndTheJobContinues() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", req("namespace", "web", "retries", 1, "hostTimeout", "1m", "maxFailures", 5), "$colo");
    fleet.submit("j2", req("namespace", "web", "concurrency", 2), "web3.east", "web3.west", "other");
    fleet.dispatch();
    fleet.start("j1", "web1.east");
    fleet.fail("j1", "web1.west");
    fleet.advance(60_000 + JobEngine.TIMEOUT_GRACE_MS);
    fleet.tick();
    assertEquals(1, fleet.kills.size(), "web1.east is being killed at the failover");
    assertEquals(HostState.WAITING, fleet.state("j1", "web1.west"), "retrying, holding colo.west");

    Map<String, String> before = new LinkedHashMap<>();
    for (JobRun job : fleet.engine.jobs()) {
      before.put(job.id(), job.toJson().encode());
      job.hosts().forEach(h -> before.put(job.id() + "/" + h.host(), h.toRecord().encode()));
    }
    fleet.failover();
    Map<String, String> after = new LinkedHashMap<>();
    for (JobRun job : fleet.engine.jobs()) {
      after.put(job.id(), job.toJson().encode());
      job.hosts().forEach(h -> after.put(job.id() + "/" + h.host(), h.toRecord().encode()));
    }
    assertEquals(before, after);
    assertEquals(Set.of("j1/web1.east"), fleet.engine.ledgerOf("web").holders("colo.east"));
    assertEquals(Set.of("j1/web1.west"), fleet.engine.ledgerOf("web").holders("colo.west"));
    assertTrue(fleet.engine.drainTransitions().isEmpty(), "a restore changes no state");

    assertEquals(List.of("j1/web1.west"), fleet.dispatched(), "the retry keeps its slot across the failover");
    assertEquals("j1/web1.west/2", fleet.taskId("j1", "web1.west"));
    fleet.advance(JobEngine.KILL_CONFIRM_MS);
    fleet.tick();
    assertEquals(HostState.LOST, fleet.state("j1", "web1.east"), "the pending kill survived the failover");
    fleet.engine.skip("j1", List.of("web1.east"), fleet.now);
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < 20 && (fleet.engine.job("j1").state() == JobState.RUNNING
        || fleet.engine.job("j2").state() == JobState.RUNNING); i++) {
      for (JobRun job : fleet.engine.jobs()) {
        for (HostRun h : job.hosts()) {
          if (h.state().active()) {
            fleet.succeed(job.id(), h.host());
          }
        }
      }
      rest.addAll(fleet.dispatched());
    }
    assertEquals(JobState.FINISHED, fleet.engine.job("j1").state());
    assertEquals(JobState.FINISHED, fleet.engine.job("j2").state());
    assertEquals(Set.copyOf(rest).size(), rest.size(), "nothing ran twice: " + rest);
  }

  /**
   * The scheduler restores running jobs at a failover and an ended one later, when a control names it. Restored
   * after the newer jobs, a revived older job dispatched after them, though older jobs go first.
   */
  @Test
  void aJobRestoredAfterNewerOnesStillDispatchesBeforeThem() {
    fleet.namespace("web", ONE_PER_COLO);
    fleet.submit("j1", "web", "web1.east");
    fleet.submit("j2", "web", "web2.east", "web3.east");
    assertEquals(List.of("j1/web1.east"), fleet.dispatched());
    fleet.succeed("j1", "web1.east");
    assertEquals(List.of("j2/web2.east"), fleet.dispatched());
    Map<String, FakeFleet.Stored> stored = fleet.store();
    fleet.engine = new JobEngine();
    fleet.restore(stored.get("j2"));
    fleet.restore(stored.get("j1"));
    fleet.engine.retry("j1", List.of("web1.east"), fleet.now);
    fleet.succeed("j2", "web2.east");
    assertEquals(List.of("j1/web1.east"), fleet.dispatched(), "the older job first");
  }

  // ---- placement ------------------------------------------------------------------------------------------------------

  @Test
  void busyPlacementKeepsHostsWaitingWithThePlacersReasonAndIsNoDeadlock() {
    fleet.placement = (job, host) -> new Placer.Busy("waiting for a free worker");
    fleet.submit("j1", req(), "h1", "h2");
    fleet.submit("j2", req("mode", "agent"), "g1");
    assertEquals(List.of(), fleet.dispatched());
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
    assertEquals(JobState.RUNNING, fleet.engine.job("j2").state());
    assertEquals("waiting for a free worker", fleet.reason("j1", "h1"));
    assertEquals("waiting for a free worker", fleet.reason("j1", "h2"));
    assertEquals("waiting for a free worker", fleet.reason("j2", "g1"));
    fleet.placement = (job, host) -> new Placer.Node("n2");
    assertEquals(List.of("j1/h1", "j1/h2", "j2/g1"), fleet.dispatched());
    assertEquals("dispatched to n2", fleet.reason("j1", "h1"));
    assertEquals("n2", fleet.host("j1", "h1").node());
  }

  @Test
  void impossiblePlacementFailsTheHostAtOnce() {
    fleet.placement = (job, host) -> host.host().equals("h1") ? new Placer.Impossible("no node is named h1")
        : new Placer.Node(host.host());
    fleet.submit("j1", req("mode", "agent", "retries", 3), "h1", "h2");
    assertEquals(List.of("j1/h2"), fleet.dispatched());
    assertEquals(HostState.FAILED, fleet.state("j1", "h1"));
    assertEquals("no node is named h1", fleet.reason("j1", "h1"));
    assertEquals(1, fleet.host("j1", "h1").attempts());
    fleet.succeed("j1", "h2");
    assertEquals(JobState.FAILED, fleet.engine.job("j1").state());
  }

  /**
   * h12 runs first (sequence) but sorts after h5, so the scan passed h5 before h12's impossible placement ended
   * h12's step; the job was then declared deadlocked with nothing holding anything.
   */
  @Test
  void aHostWhoseStepEndsByAnImpossiblePlacementStartsInTheSameDispatch() {
    fleet.namespace("web", """
        tag:
          late: [h12]
          early: [h5]
        sequence:
          - $late
          - $early
        """);
    fleet.placement = (job, host) -> host.host().equals("h12") ? new Placer.Impossible("no node is named h12")
        : new Placer.Node(host.host());
    fleet.submit("j1", req("namespace", "web", "mode", "agent"), "h5", "h12");
    assertEquals(List.of("j1/h5"), fleet.dispatched());
    assertEquals(HostState.FAILED, fleet.state("j1", "h12"));
    assertEquals(JobState.RUNNING, fleet.engine.job("j1").state());
  }

  // ---- what users see -------------------------------------------------------------------------------------------------

  @Test
  void waitingHostsSayWhatTheyWaitFor() {
    fleet.namespace("web", """
        tag:
          colo:
            east: ["web[1-3].east"]
            west: ["web[1-3].west"]
        sequence:
          - $colo.east
          - $colo.west
        constraint:
          $colo:
            max_parallel: 1
        """);
    fleet.submit("j1", req("namespace", "web", "concurrency", 2), "$colo", "other1");
    assertEquals("waiting to be scheduled", fleet.reason("j1", "web1.east"));
    assertEquals(List.of("j1/other1", "j1/web1.east"), fleet.dispatched());
    assertEquals("waiting for $colo.east (step 1 of sequence main)", fleet.reason("j1", "web1.west"));
    assertEquals("waiting for job concurrency (2 = 2)", fleet.reason("j1", "web2.east"));
    fleet.succeed("j1", "other1");
    assertEquals(List.of(), fleet.dispatched());
    assertEquals("waiting for colo.east", fleet.reason("j1", "web2.east"));
  }

  @Test
  void summaryCountsHostsLikePogo() {
    fleet.submit("j1", req("concurrency", 10), "h[1-11]");
    fleet.dispatch();
    for (int i = 1; i <= 7; i++) {
      fleet.succeed("j1", "h" + i);
    }
    fleet.fail("j1", "h8");
    JobRun job = fleet.engine.job("j1");
    assertEquals("done 8/11: 7 succeeded, 2 running, 1 waiting, 1 failed", job.summary());
    JsonObject view = job.toJson();
    assertEquals(job.summary(), view.getString("summary"));
    assertEquals(new JsonObject().put("waiting", 1).put("ready", 2).put("running", 0).put("succeeded", 7)
        .put("failed", 1).put("timed_out", 0).put("skipped", 0).put("halted", 0).put("lost", 0), view.getJsonObject("counts"));
    assertEquals(11, view.getInteger("total"));
  }

  @Test
  void everyJobAndHostStateChangeIsPublishedAsATransition() {
    fleet.submit("j1", req("retries", 1), "h1", "h2");
    fleet.dispatch();
    fleet.fail("j1", "h1");
    fleet.dispatch();
    fleet.succeed("j1", "h1");
    fleet.engine.halt("j1", true, null, fleet.now);
    fleet.drain();
    fleet.end("j1", "h2", 143, false);
    fleet.engine.resume("j1", fleet.now);
    fleet.drain();
    fleet.dispatch();
    fleet.succeed("j1", "h2");
    assertEquals(List.of("running", "halted", "running", "finished"), fleet.statesOf("j1", null));
    assertEquals(List.of("ready", "running", "waiting", "ready", "running", "succeeded"), fleet.statesOf("j1", "h1"));
    assertEquals(List.of("ready", "running", "halted", "waiting", "ready", "running", "succeeded"),
        fleet.statesOf("j1", "h2"));
    Transition first = fleet.transitions.get(0);
    assertEquals(new JsonObject().put("type", "job.state").put("job", "j1").put("state", "running")
        .put("reason", "started: 2 hosts").put("at", first.at()), first.toJson());
    Transition failed = fleet.transitions.stream().filter(t -> "h1".equals(t.host()) && t.exitCode() != null)
        .findFirst().orElseThrow();
    assertEquals(1, failed.exitCode());
    assertEquals(1, failed.attempt());
    assertEquals("waiting", failed.state());
  }
}
