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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.pogo.node.it.JobBus.hostList;
import static io.pogo.node.it.JobBus.seconds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jobs on three real nodes in one JVM (a, b, c; every role, so each is a worker and a scheduler candidate), running
 * real processes as tasks. Each task writes its own life to a {@link TaskLog}, so limits, "once per host" and kills
 * are judged from what the processes did and from /proc, not from what the scheduler says. The last test crashes the
 * scheduler's node mid-job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobsClusterTest {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobsClusterTest.class);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final List<String> NAMES = List.of("a", "b", "c");
  private static final String SCHEDULER = "pogo-scheduler";
  /** Each node runs at most this many tasks at once (its {@code maxTasks}). */
  private static final int MAX_TASKS = 3;

  @TempDir
  static Path dir;
  private final String cluster = "it-" + UUID.randomUUID();
  private final Map<String, PogoNode> nodes = new LinkedHashMap<>();
  private BlockedThreadWatch blocked;
  /** Through the first live node. */
  private final JobBus bus = new JobBus(() -> nodes.values().iterator().next().vertx(), 10_000);

  @BeforeAll
  void startCluster() throws Exception {
    blocked = BlockedThreadWatch.install();
    long t0 = System.nanoTime();
    int firstPort = NodeProcess.freePort();
    for (String name : NAMES) {
      int port = name.equals("a") ? firstPort : NodeProcess.freePort();
      JsonObject config = new JsonObject().put("name", name).put("clusterName", cluster).put("clusterPort", port)
          .put("join", new JsonArray().add("127.0.0.1:" + firstPort)).put("httpPort", 0)
          .put("dataDir", dir.resolve(name).toString()).put("failureTimeout", "5s").put("maxTasks", MAX_TASKS);
      nodes.put(name, Await.result(PogoNode.start(NodeOptionsValidator.parse(config, name))));
    }
    Await.until("every node to see the three", seconds(30), () -> nodes.values().stream().allMatch(n ->
        Await.result(n.vertx().eventBus().<JsonObject>request(Addresses.CLUSTER_INFO, new JsonObject(), Requests.local(5_000)))
            .body().getJsonArray("nodes").size() == 3));
    awaitSchedulerSettled();
    awaitSchedulerSeesEveryNode();
    System.out.println("JobsClusterTest: 3 nodes and the scheduler up in " + ms(System.nanoTime() - t0) + " ms");
  }

  @AfterAll
  void stopCluster() {
    try {
      for (PogoNode n : nodes.values()) {
        Await.result(n.stop().recover(e -> Future.succeededFuture()));
      }
      assertEquals(List.of(), blocked.warnings(), "no event loop may be blocked");
    } finally {
      blocked.uninstall();
    }
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private TaskLog taskLog(String name) {
    return new TaskLog(dir.resolve("tasks"), name);
  }

  private static JsonObject request(TaskLog tasks, String body, String... targets) {
    return new JsonObject().put("targets", hostList(targets)).put("command", tasks.commandJson(body));
  }

  private String schedulerNode() {
    return bus.ask(Addresses.CHILD_GET, new JsonObject().put("id", SCHEDULER)).getString("node");
  }

  // ---- worker mode under limits -------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void workerModeKeepsEveryLimitRunsEachHostOnceAndSpreadsOverTheNodes() {
    bus.ask(Addresses.NAMESPACE_PUT, new JsonObject().put("name", "racks").put("config", String.join("\n",
        "tag:",
        "  rack:",
        "    r1: [\"w[01-20]\"]",
        "    r2: [\"w[21-40]\"]",
        "    r3: [\"w[41-60]\"]",
        "constraint:",
        "  $rack:",
        "    max_parallel: 2")));
    TaskLog tasks = taskLog("limits");
    long t0 = System.nanoTime();
    String id = bus.run(new JsonObject().put("namespace", "racks").put("targets", hostList("$rack"))
        .put("command", tasks.commandJson("echo $h; sleep 0.2")).put("concurrency", 5));
    JsonObject done = bus.awaitState(id, Duration.ofSeconds(90), "finished", "failed", "halted", "deadlocked", "timed_out");
    long tookMs = ms(System.nanoTime() - t0);
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    assertEquals(60, done.getJsonObject("counts").getInteger("succeeded"), done.encodePrettily());

    Map<String, JsonObject> hosts = bus.hosts(id);
    Map<String, Integer> starts = tasks.startCounts();
    assertEquals(hosts.keySet(), starts.keySet(), "every host's task started");
    starts.forEach((h, n) -> assertEquals(1, n, h + " ran exactly once"));
    Map<String, Integer> max = tasks.maxConcurrent(h -> {
      int n = Integer.parseInt(h.substring(1));
      return n <= 20 ? "r1" : n <= 40 ? "r2" : "r3";
    });
    System.out.println("JobsClusterTest: 60 hosts under $rack:2 and concurrency 5 took " + tookMs
        + " ms; most at once, as the tasks logged them: " + max);
    for (String rack : List.of("r1", "r2", "r3")) {
      assertTrue(max.getOrDefault(rack, 0) <= 2, "rack " + rack + " never ran more than 2 at once: " + max);
    }
    assertTrue(max.get("*") <= 5, "never more than the job's concurrency of 5 at once: " + max);
    assertTrue(max.get("*") >= 2, "tasks did run in parallel: " + max);

    Map<String, Long> perNode = new TreeMap<>();
    for (TaskLog.Event e : tasks.starts()) {
      JsonObject h = hosts.get(e.host());
      assertEquals("succeeded", h.getString("state"), h.encode());
      assertEquals(1, h.getInteger("attempts"), h.encode());
      assertEquals(h.getString("node"), e.node(), e.host() + " ran on the node its record names");
      perNode.merge(e.node(), 1L, Long::sum);
    }
    assertTrue(perNode.size() > 1, "tasks ran on more than one node: " + perNode);
    System.out.println("JobsClusterTest: tasks per node " + perNode);

    JsonObject out = bus.output(id, "w07");
    assertTrue(JobBus.lines(out).contains("stdout:w07"), out.encodePrettily());
    JsonObject budget = bus.ask(Addresses.NAMESPACE_BUDGET, new JsonObject().put("name", "racks"));
    for (Object o : budget.getJsonArray("slots")) {
      assertEquals(0, ((JsonObject) o).getInteger("used"), "every slot is free once the job ended: " + budget.encode());
    }
  }

  // ---- agent mode ---------------------------------------------------------------------------------------------------

  @Test
  @Order(2)
  void agentModeRunsEachHostOnTheNodeOfItsNameAndFailsAnUnknownOneAtOnce() {
    TaskLog tasks = taskLog("agent");
    JsonObject req = request(tasks, "echo \"host={host} node=$POGO_NODE\"", "a", "b", "c", "zz").put("mode", "agent");
    String id = bus.run(req);
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("failed", done.getString("state"), done.encodePrettily());
    Map<String, JsonObject> hosts = bus.hosts(id);
    for (String n : NAMES) {
      JsonObject h = hosts.get(n);
      assertEquals("succeeded", h.getString("state"), h.encode());
      assertEquals(n, h.getString("node"), h.encode());
      assertEquals(List.of(n), tasks.starts(n).stream().map(TaskLog.Event::node).toList(), "the task ran on node " + n);
      assertTrue(JobBus.lines(bus.output(id, n)).contains("stdout:host=" + n + " node=" + n));
    }
    JsonObject zz = hosts.get("zz");
    assertEquals("failed", zz.getString("state"), zz.encode());
    assertTrue(zz.getString("reason").contains("zz"), "the reason names the missing node: " + zz.encode());
    assertTrue(zz.getLong("endedAt") - done.getLong("createdAt") < 5_000, "zz failed at once: " + zz.encode());
    assertEquals(List.of(), tasks.starts("zz"), "nothing ran for zz");
    assertEquals(1, done.getJsonObject("counts").getInteger("failed"));
  }

  // ---- control ------------------------------------------------------------------------------------------------------

  @Test
  @Order(3)
  void haltLetsRunningTasksFinishAndHaltsTheWaitingOnesThenResumeRunsThem() {
    TaskLog tasks = taskLog("halt");
    String id = bus.run(request(tasks, "sleep 2", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8").put("concurrency", 2));
    bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") == 2);
    JsonObject halted = bus.ask(Addresses.JOB_HALT, new JsonObject().put("id", id).put("reason", "test halt"));
    assertEquals("halted", halted.getString("state"), halted.encodePrettily());
    // the running tasks end by themselves (no kill), and nothing new starts
    Map<String, JsonObject> after = bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") + JobBus.count(h, "ready") == 0);
    List<String> haltedHosts = JobBus.inState(after, "halted");
    List<String> succeeded = JobBus.inState(after, "succeeded");
    assertEquals(8, haltedHosts.size() + succeeded.size(), "every host either ran to its end or was halted: " + after);
    assertTrue(haltedHosts.size() >= 4, "the hosts waiting at the halt were halted: " + after);
    assertTrue(succeeded.size() >= 2, "the running ones finished: " + after);
    Map<String, Integer> starts = tasks.startCounts();
    assertEquals(new TreeSet<>(succeeded), starts.keySet(), "only the hosts that ran have started");
    haltedHosts.forEach(h -> assertTrue(after.get(h).getString("reason").contains("test halt"), after.get(h).encode()));
    assertEquals("halted", bus.job(id).getString("state"), "the job stays halted once its running tasks ended");

    JsonObject resumed = bus.ask(Addresses.JOB_RESUME, new JsonObject().put("id", id));
    assertEquals("running", resumed.getString("state"));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    assertEquals(8, done.getJsonObject("counts").getInteger("succeeded"));
    tasks.startCounts().forEach((h, n) -> assertEquals(1, n, h + " ran exactly once across halt and resume"));
    assertEquals(8, tasks.startCounts().size());

    PogoException e = bus.refused(ErrorCode.INVALID_STATE, null, Addresses.JOB_HALT, new JsonObject().put("id", id));
    assertTrue(e.getMessage().contains("finished"), e.getMessage());
  }

  @Test
  @Order(4)
  void haltWithKillEndsTheRunningProcessesAtOnce() {
    TaskLog tasks = taskLog("kill");
    String id = bus.run(request(tasks, "sleep 30", "k1", "k2", "k3", "k4").put("concurrency", 3));
    bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") == 3);
    Await.until("the three tasks to log their start", WAIT, () -> tasks.starts().size() == 3);
    List<TaskLog.Event> started = tasks.starts();
    started.forEach(e -> assertTrue(tasks.alive(e.pid()), "task " + e + " runs"));
    long t0 = System.nanoTime();
    JsonObject halted = bus.ask(Addresses.JOB_HALT, new JsonObject().put("id", id).put("kill", true));
    assertEquals("halted", halted.getString("state"));
    for (TaskLog.Event e : started) {
      Await.until("task " + e + " and its sleep to be gone", Duration.ofSeconds(10),
          () -> !tasks.alive(e.pid()) && TaskLog.groupMembers(e.pid()).isEmpty());
    }
    long goneMs = ms(System.nanoTime() - t0);
    Map<String, JsonObject> hosts = bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "halted") == 4);
    long haltedMs = ms(System.nanoTime() - t0);
    System.out.println("JobsClusterTest: halt with kill: processes gone " + goneMs + " ms, hosts halted " + haltedMs
        + " ms after the request");
    assertTrue(goneMs < 4_000, "SIGTERM ended the tasks, well before the SIGKILL 5 s later: " + goneMs + " ms");
    for (String h : List.of("k1", "k2", "k3")) {
      assertNotNull(hosts.get(h).getString("reason"), hosts.get(h).encode());
      assertEquals(1, tasks.starts(h).size());
    }
    assertEquals(List.of(), tasks.starts("k4"), "the waiting host never ran");
    assertEquals(3, tasks.events().stream().filter(e -> e.kind().equals("term")).count(), "each task got SIGTERM: "
        + tasks.events());
    assertEquals("halted", bus.job(id).getString("state"));
  }

  @Test
  @Order(5)
  void retryRunsAFailedHostAgainAndAutomaticRetriesToo() throws Exception {
    TaskLog tasks = taskLog("retry");
    Files.writeString(tasks.dir().resolve("marker-r2"), "");
    String id = bus.run(request(tasks, "test -e $d/marker-$h || exit 3", "r1", "r2"));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("failed", done.getString("state"), done.encodePrettily());
    Map<String, JsonObject> hosts = bus.hosts(id);
    assertEquals("failed", hosts.get("r1").getString("state"));
    assertEquals(3, hosts.get("r1").getInteger("exitCode"));
    assertEquals("succeeded", hosts.get("r2").getString("state"));

    PogoException notInJob = bus.refused(ErrorCode.VALIDATION_FAILED, "hosts[0]", Addresses.JOB_RETRY,
        new JsonObject().put("id", id).put("hosts", hostList("nope")));
    assertTrue(notInJob.errors().get(0).message().contains("nope"), notInJob.errors().toString());
    PogoException second = bus.refused(ErrorCode.VALIDATION_FAILED, "hosts[1]", Addresses.JOB_RETRY,
        new JsonObject().put("id", id).put("hosts", hostList("r1", "nope")));
    assertEquals(1, second.errors().size(), "only the offending entry is named: " + second.errors());
    assertEquals("failed", bus.job(id).getString("state"), "a refused retry changes nothing");
    assertEquals(1, tasks.starts("r1").size());

    Files.writeString(tasks.dir().resolve("marker-r1"), "");
    bus.ask(Addresses.JOB_RETRY, new JsonObject().put("id", id).put("hosts", hostList("r1")));
    JsonObject again = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", again.getString("state"), again.encodePrettily());
    JsonObject r1 = bus.hosts(id).get("r1");
    assertEquals("succeeded", r1.getString("state"));
    assertEquals(2, r1.getInteger("attempts"), r1.encode());
    assertEquals(List.of(1, 2), tasks.starts("r1").stream().map(TaskLog.Event::attempt).toList());
    assertEquals(1, tasks.starts("r2").size(), "the other host did not run again");
    JsonObject out = bus.output(id, "r1");
    assertEquals(2, out.getJsonArray("attempts").size(), "both attempts' outputs are kept: " + out.encode());
    JsonObject first = bus.ask(Addresses.JOB_OUTPUT, new JsonObject().put("id", id).put("host", "r1").put("attempt", 1));
    assertEquals(1, first.getJsonArray("attempts").size(), first.encode());
    assertEquals(3, first.getJsonArray("attempts").getJsonObject(0).getInteger("exitCode"), first.encode());
    bus.refused(ErrorCode.VALIDATION_FAILED, "attempt", Addresses.JOB_OUTPUT,
        new JsonObject().put("id", id).put("host", "r1").put("attempt", 3));

    // automatic: the first run leaves the marker and fails, the retry finds it
    TaskLog auto = taskLog("auto-retry");
    String id2 = bus.run(request(auto, "test -e $d/auto-$h && exit 0; touch $d/auto-$h; exit 1", "ar1").put("retries", 1));
    JsonObject done2 = bus.awaitState(id2, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done2.getString("state"), done2.encodePrettily());
    assertEquals(2, bus.hosts(id2).get("ar1").getInteger("attempts"));
    assertEquals(List.of(1, 2), auto.starts("ar1").stream().map(TaskLog.Event::attempt).toList());
  }

  @Test
  @Order(6)
  void skippingTheFailedHostThatHoldsTheSlotContinuesADeadlockedJob() {
    bus.ask(Addresses.NAMESPACE_PUT, new JsonObject().put("name", "pair").put("config", String.join("\n",
        "tag:",
        "  pair: [s1, s2]",
        "constraint:",
        "  $pair:",
        "    max_parallel: 1")));
    TaskLog tasks = taskLog("skip");
    String id = bus.run(request(tasks, "test $h != s1", "s1", "s2").put("namespace", "pair"));
    JsonObject stuck = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("deadlocked", stuck.getString("state"), stuck.encodePrettily());
    assertTrue(stuck.getString("reason").contains("s1"), "the reason names the failed holder: " + stuck.getString("reason"));
    assertEquals(List.of(), tasks.starts("s2"), "s2 waited for the slot s1 holds");

    bus.refused(ErrorCode.VALIDATION_FAILED, "hosts[0]", Addresses.JOB_SKIP, new JsonObject().put("id", id)
        .put("hosts", hostList("s3")));
    bus.ask(Addresses.JOB_SKIP, new JsonObject().put("id", id).put("hosts", hostList("s1")));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    Map<String, JsonObject> hosts = bus.hosts(id);
    assertEquals("skipped", hosts.get("s1").getString("state"));
    assertEquals("succeeded", hosts.get("s2").getString("state"));
    assertEquals(1, tasks.starts("s1").size());
    assertEquals(1, tasks.starts("s2").size());
    PogoException already = bus.refused(ErrorCode.VALIDATION_FAILED, "hosts[0]", Addresses.JOB_SKIP,
        new JsonObject().put("id", id).put("hosts", hostList("s2")));
    assertTrue(already.errors().get(0).message().contains("succeeded"), already.errors().toString());
  }

  @Test
  @Order(7)
  void aHostTimeoutKillsTheTask() {
    TaskLog tasks = taskLog("host-timeout");
    long t0 = System.nanoTime();
    String id = bus.run(request(tasks, "sleep 30", "t1").put("hostTimeout", "1s"));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    long tookMs = ms(System.nanoTime() - t0);
    assertEquals("failed", done.getString("state"), done.encodePrettily());
    JsonObject t1 = bus.hosts(id).get("t1");
    assertEquals("timed_out", t1.getString("state"), t1.encode());
    TaskLog.Event start = tasks.starts("t1").get(0);
    Await.until("the timed-out task to be gone", seconds(10), () -> !tasks.alive(start.pid())
        && TaskLog.groupMembers(start.pid()).isEmpty());
    System.out.println("JobsClusterTest: a 1 s host timeout ended the job after " + tookMs + " ms");
    assertTrue(tookMs < 8_000, "timed out within a few seconds: " + tookMs + " ms");
    assertTrue(JobBus.lines(bus.output(id, "t1")).stream().anyMatch(l -> l.startsWith("pogo:") && l.contains("timed out")),
        "the output says why it was killed");
  }

  @Test
  @Order(8)
  void aJobTimeoutKillsWhatRunsAndHaltsWhatWaits() {
    TaskLog tasks = taskLog("job-timeout");
    long t0 = System.nanoTime();
    String id = bus.run(request(tasks, "sleep 30", "jt1", "jt2", "jt3").put("concurrency", 1).put("jobTimeout", "2s"));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("timed_out", done.getString("state"), done.encodePrettily());
    Map<String, JsonObject> hosts = bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") + JobBus.count(h, "ready") == 0);
    long tookMs = ms(System.nanoTime() - t0);
    assertEquals("timed_out", hosts.get("jt1").getString("state"), hosts.toString());
    assertEquals("halted", hosts.get("jt2").getString("state"), hosts.toString());
    assertEquals("halted", hosts.get("jt3").getString("state"), hosts.toString());
    TaskLog.Event start = tasks.starts("jt1").get(0);
    Await.until("the killed task to be gone", seconds(10), () -> !tasks.alive(start.pid())
        && TaskLog.groupMembers(start.pid()).isEmpty());
    System.out.println("JobsClusterTest: a 2 s job timeout settled every host after " + tookMs + " ms");
    assertEquals(1, tasks.starts().size(), "only jt1 ran: " + tasks.events());
    bus.refused(ErrorCode.INVALID_STATE, null, Addresses.JOB_RETRY, new JsonObject().put("id", id).put("hosts", hostList("jt2")));
  }

  @Test
  @Order(9)
  void aSpentFailureBudgetHaltsTheJob() {
    TaskLog tasks = taskLog("budget");
    String id = bus.run(request(tasks, "case $h in f1|f2) exit 1;; esac; sleep 2",
        "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8").put("concurrency", 4).put("maxFailures", 2));
    JsonObject halted = bus.awaitState(id, WAIT, "halted", "finished", "failed", "deadlocked", "timed_out");
    assertEquals("halted", halted.getString("state"), halted.encodePrettily());
    assertTrue(halted.getString("reason").contains("failure budget"), halted.getString("reason"));
    Map<String, JsonObject> hosts = bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") + JobBus.count(h, "ready") == 0);
    assertEquals(List.of("f1", "f2"), JobBus.inState(hosts, "failed"), hosts.toString());
    assertEquals(List.of("f3", "f4"), JobBus.inState(hosts, "succeeded"), "the running ones were not killed: " + hosts);
    assertEquals(List.of("f5", "f6", "f7", "f8"), JobBus.inState(hosts, "halted"), hosts.toString());
    assertEquals(Set.of("f1", "f2", "f3", "f4"), tasks.startCounts().keySet());
  }

  @Test
  @Order(10)
  void outputIsCapturedPerStreamAndCutAtTheLimit() {
    TaskLog tasks = taskLog("output");
    String body = "echo out-line; echo err-line >&2; sleep 0.3; for i in $(seq 1 100); do "
        + "echo \"filler $i ..............................................\"; done";
    String id = bus.run(request(tasks, body, "o1").put("outputLimit", 1024));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    JsonObject out = bus.output(id, "o1");
    JsonObject attempt = out.getJsonArray("attempts").getJsonObject(0);
    List<String> lines = JobBus.lines(out);
    assertTrue(lines.contains("stdout:out-line"), lines.toString());
    assertTrue(lines.contains("stderr:err-line"), lines.toString());
    assertTrue(attempt.getBoolean("truncated"), attempt.encode());
    assertTrue(lines.contains("pogo:[pogo: output cut at 1024 characters]"), lines.toString());
    int kept = lines.stream().filter(l -> !l.startsWith("pogo:")).mapToInt(l -> l.substring(l.indexOf(':') + 1).length()).sum();
    assertTrue(kept <= 1024, "at most the limit is kept: " + kept);
    assertFalse(lines.stream().anyMatch(l -> l.contains("filler 100 ")), "the end was cut");
  }

  @Test
  @Order(11)
  void badRequestsAreRefusedNamingTheField() {
    TaskLog tasks = taskLog("bad");
    bus.refused(ErrorCode.VALIDATION_FAILED, "namespace", Addresses.JOB_RUN,
        request(tasks, "true", "x1").put("namespace", "no-such-ns"));
    bus.refused(ErrorCode.JOB_NOT_FOUND, null, Addresses.JOB_HALT, new JsonObject().put("id", "j999999"));
    assertEquals(List.of(), tasks.starts());
  }

  @Test
  @Order(12)
  void aNamespaceBudgetIsSharedByEveryJobOfTheNamespace() {
    bus.ask(Addresses.NAMESPACE_PUT, new JsonObject().put("name", "pool").put("config", String.join("\n",
        "tag:",
        "  pool: [\"p[1-8]\"]",
        "constraint:",
        "  $pool:",
        "    max_parallel: 2")));
    TaskLog tasks = taskLog("shared-budget");
    String first = bus.run(request(tasks, "sleep 0.5", "p[1-4]").put("namespace", "pool"));
    String second = bus.run(request(tasks, "sleep 0.5", "p[5-8]").put("namespace", "pool"));
    PogoException inUse = bus.refused(ErrorCode.INVALID_STATE, null, Addresses.NAMESPACE_DELETE,
        new JsonObject().put("name", "pool"));
    assertTrue(inUse.getMessage().contains(first) && inUse.getMessage().contains(second), inUse.getMessage());
    for (String id : List.of(first, second)) {
      JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
      assertEquals("finished", done.getString("state"), done.encodePrettily());
    }
    Map<String, Integer> max = tasks.maxConcurrent(h -> "pool");
    System.out.println("JobsClusterTest: two jobs under one $pool:2 budget ran at most " + max.get("*") + " at once");
    assertTrue(max.get("*") <= 2, "the two jobs together never ran more than the namespace's limit: " + max);
    assertEquals(8, tasks.startCounts().size());
    bus.ask(Addresses.NAMESPACE_DELETE, new JsonObject().put("name", "pool")); // ended jobs do not hold it
  }

  @Test
  @Order(13)
  void aRunningTasksOutputIsServedLiveAndCanBeFollowed() {
    TaskLog tasks = taskLog("live-output");
    String id = bus.run(request(tasks, "echo first; sleep 3; echo second", "lo1"));
    JsonObject live = Await.value("the first line while the task runs", WAIT, Duration.ofMillis(100),
        () -> bus.output(id, "lo1"), o -> JobBus.lines(o).contains("stdout:first"));
    JsonObject attempt = live.getJsonArray("attempts").getJsonObject(0);
    assertTrue(attempt.getBoolean("running"), "served live from the worker: " + live.encode());
    assertFalse(JobBus.lines(live).contains("stdout:second"), live.encode());
    long seq = attempt.getJsonArray("lines").getJsonObject(attempt.getJsonArray("lines").size() - 1).getLong("seq");
    JsonObject after = bus.ask(Addresses.JOB_OUTPUT, new JsonObject().put("id", id).put("host", "lo1").put("after", seq));
    assertFalse(JobBus.lines(after).contains("stdout:first"), "lines up to seq are not sent again: " + after.encode());
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"));
    JsonObject rest = bus.ask(Addresses.JOB_OUTPUT, new JsonObject().put("id", id).put("host", "lo1").put("after", seq));
    assertEquals(List.of("stdout:second"), JobBus.lines(rest).stream().filter(l -> !l.startsWith("pogo:")).toList(),
        "following from seq gives the rest: " + rest.encode());
    assertFalse(rest.getJsonArray("attempts").getJsonObject(0).getBoolean("running"));
  }

  @Test
  @Order(14)
  void alterRaisesTheConcurrencyOfARunningJob() {
    TaskLog tasks = taskLog("alter");
    String id = bus.run(request(tasks, "sleep 1", "al1", "al2", "al3", "al4", "al5", "al6", "al7", "al8")
        .put("concurrency", 1));
    bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") == 1);
    bus.refused(ErrorCode.VALIDATION_FAILED, "concurent", Addresses.JOB_ALTER,
        new JsonObject().put("id", id).put("concurent", 3));
    JsonObject altered = bus.ask(Addresses.JOB_ALTER, new JsonObject().put("id", id).put("concurrency", 3));
    assertEquals("3", altered.getString("concurrency"), altered.encode());
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    int max = tasks.maxConcurrent(h -> "job").get("*");
    assertTrue(max >= 2 && max <= 3, "more ran at once after the alter, never more than 3: " + max);
    bus.refused(ErrorCode.INVALID_STATE, null, Addresses.JOB_ALTER, new JsonObject().put("id", id).put("concurrency", 4));
  }

  @Test
  @Order(15)
  void aSchedulerRestartMidJobReRunsNothingAndKeepsTheJobsDeadline() {
    TaskLog tasks = taskLog("restart");
    JsonObject steadyRequest = request(tasks, "sleep 3", "rs1", "rs2", "rs3", "rs4", "rs5", "rs6")
        .put("requestId", "restart-steady");
    String steady = bus.run(steadyRequest);
    String doomed = bus.run(request(tasks, "sleep 30", "rd1", "rd2").put("jobTimeout", "4s"));
    bus.awaitHosts(steady, WAIT, h -> JobBus.count(h, "running") == 6);
    bus.awaitHosts(doomed, WAIT, h -> JobBus.count(h, "running") == 2);
    long t0 = System.nanoTime();
    JsonObject restarted = bus.ask(Addresses.CHILD_RESTART, new JsonObject().put("id", SCHEDULER));
    System.out.println("JobsClusterTest: the scheduler restarted in place in " + ms(System.nanoTime() - t0) + " ms, on "
        + restarted.getString("node"));
    JsonObject done = bus.awaitState(steady, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    bus.hosts(steady).values().forEach(h -> assertEquals(1, h.getInteger("attempts"), h.encode()));
    // a client that never got its reply sends the request again: the new scheduler knows the request id
    JsonObject again = bus.ask(Addresses.JOB_RUN, steadyRequest);
    assertEquals(steady, again.getString("id"), again.encodePrettily());
    assertEquals(false, again.getBoolean("created"), again.encodePrettily());
    JsonObject timedOut = bus.awaitState(doomed, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("timed_out", timedOut.getString("state"), timedOut.encodePrettily());
    long late = timedOut.getLong("endedAt") - timedOut.getLong("createdAt") - 4_000;
    System.out.println("JobsClusterTest: the 4 s job timeout struck " + late + " ms late across the restart");
    assertTrue(late < 3_000, "the deadline counts from the job's creation, not from the takeover: " + late + " ms late");
    for (TaskLog.Event e : tasks.starts()) {
      if (e.host().startsWith("rd")) {
        Await.until("the timed-out task " + e + " to be gone", seconds(10), () -> !tasks.alive(e.pid()));
      }
    }
    tasks.startCounts().forEach((h, n) -> assertEquals(1, n, h + " ran once"));
  }

  @Test
  @Order(16)
  void noNodeRunsMoreThanItsMaxTasks() {
    TaskLog tasks = taskLog("max-tasks");
    String[] targets = new String[15];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = "mt" + (i + 1);
    }
    String id = bus.run(request(tasks, "sleep 1", targets));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    Map<String, Integer> perNode = tasks.maxConcurrentBy(TaskLog.Event::node);
    System.out.println("JobsClusterTest: 15 hosts, no job concurrency, maxTasks " + MAX_TASKS + ": most at once per node "
        + perNode);
    perNode.forEach((n, max) -> {
      if (!n.equals("*")) {
        assertTrue(max <= MAX_TASKS, "node " + n + " ran " + max + " tasks at once: " + perNode);
      }
    });
    tasks.startCounts().forEach((h, n) -> assertEquals(1, n, h + " ran once"));
  }

  @Test
  @Order(17)
  void aTaskThatIgnoresSigtermIsKilledFiveSecondsAfterItsTimeout() {
    TaskLog tasks = taskLog("stubborn");
    String id = bus.run(request(tasks, "trap '' TERM; sleep 30", "st1").put("hostTimeout", "1s"));
    TaskLog.Event start = Await.value("the task to start", WAIT, () -> tasks.starts("st1"), l -> !l.isEmpty()).get(0);
    long startedAt = System.nanoTime();
    Await.until("the task and its sleep to be gone", seconds(20), () -> !tasks.alive(start.pid())
        && TaskLog.groupMembers(start.pid()).isEmpty());
    long goneMs = ms(System.nanoTime() - startedAt);
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    System.out.println("JobsClusterTest: a task ignoring SIGTERM with a 1 s host timeout was gone " + goneMs
        + " ms after it started");
    assertEquals("timed_out", bus.hosts(id).get("st1").getString("state"));
    assertTrue(goneMs >= 5_000, "SIGTERM alone did not end it: " + goneMs + " ms");
    assertTrue(goneMs < 10_000, "SIGKILL came 5 s after SIGTERM: " + goneMs + " ms");
    assertEquals("failed", done.getString("state"));
  }

  @Test
  @Order(18)
  void hostsStartInNaturalOrderAndEveryTransitionIsPublished() {
    // events are published cluster-wide: listen on a node that does not run the scheduler
    String scheduler = schedulerNode();
    PogoNode listener = nodes.entrySet().stream().filter(e -> !e.getKey().equals(scheduler)).findFirst().orElseThrow().getValue();
    List<JsonObject> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.core.eventbus.MessageConsumer<JsonObject> consumer = listener.vertx().eventBus()
        .consumer(Addresses.EVENTS_JOB, m -> events.add(m.body()));
    Await.result(consumer.completion());
    try {
      TaskLog tasks = taskLog("order");
      String[] targets = {"n10", "n9", "n1", "n11", "n2"};
      String id = bus.run(request(tasks, "true", targets).put("concurrency", 1));
      JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
      assertEquals("finished", done.getString("state"));
      assertEquals(List.of("n1", "n2", "n9", "n10", "n11"), tasks.starts().stream().map(TaskLog.Event::host).toList(),
          "natural name order, one at a time");
      Await.until("the job's last event", WAIT, () -> events.stream().anyMatch(e -> id.equals(e.getString("job"))
          && "job.state".equals(e.getString("type")) && "finished".equals(e.getString("state"))));
      List<JsonObject> mine = events.stream().filter(e -> id.equals(e.getString("job"))).toList();
      assertEquals("running", mine.get(0).getString("state"), "the first event is the job's start: " + mine);
      for (String h : targets) {
        List<String> states = mine.stream().filter(e -> h.equals(e.getString("host"))).map(e -> e.getString("state"))
            .filter(st -> !st.equals("waiting")).toList();
        assertEquals(List.of("ready", "running", "succeeded"), states, h + "'s transitions: " + mine);
      }
    } finally {
      Await.result(consumer.unregister());
    }
  }

  @Test
  @Order(19)
  void aPlanShowsTheFirstWaveAndRunsNothing() {
    TaskLog tasks = taskLog("plan");
    JsonObject plan = bus.ask(Addresses.PLAN, new JsonObject().put("namespace", "racks").put("targets", hostList("$rack"))
        .put("concurrency", 5).put("command", tasks.commandJson("true")));
    assertEquals(60, plan.getInteger("total"), plan.encode());
    assertEquals(List.of("w01", "w02", "w21", "w22", "w41"), plan.getJsonArray("firstWave").getList(),
        "two per rack in name order, five in all: " + plan.getJsonArray("firstWave"));
    assertEquals(55, plan.getJsonArray("waiting").size());
    assertEquals(List.of(), tasks.starts(), "the plan ran nothing");
    // (and a job that is not halted cannot be resumed)
    String id = bus.run(request(tasks, "true", "pl1"));
    bus.refused(ErrorCode.INVALID_STATE, null, Addresses.JOB_RESUME, new JsonObject().put("id", id));
    bus.awaitState(id, WAIT, "finished");
  }

  @Test
  @Order(19)
  void aCommandThatCannotStartFailsItsHostSayingWhy() {
    String id = bus.run(new JsonObject().put("targets", hostList("cs1")).put("command", new JsonArray()
        .add("/no/such/program").add("{host}")));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("failed", done.getString("state"), done.encodePrettily());
    JsonObject h = bus.hosts(id).get("cs1");
    assertTrue(h.getString("reason").contains("/no/such/program"), "the reason says what could not start: " + h.encode());
    List<String> out = JobBus.lines(bus.output(id, "cs1"));
    assertTrue(out.stream().anyMatch(l -> l.startsWith("pogo:") && l.contains("could not start")), out.toString());
  }

  /**
   * A halted job whose failed host is retried (and now succeeds) has hosts that never ran ({@code halted}): it must
   * not end {@code finished} ("every host ended, none failed"), which also makes it impossible to resume.
   */
  @Test
  @Order(19)
  void retryingOneHostOfAHaltedJobDoesNotFinishItWithHostsThatNeverRan() throws Exception {
    TaskLog tasks = taskLog("retry-halted");
    String id = bus.run(request(tasks, "test $h != rh1 || test -e $d/ok-rh1; rc=$?; sleep 1; exit $rc",
        "rh1", "rh2", "rh3", "rh4").put("concurrency", 2).put("maxFailures", 1));
    JsonObject halted = bus.awaitState(id, WAIT, "halted", "finished", "failed", "deadlocked", "timed_out");
    assertEquals("halted", halted.getString("state"), halted.encodePrettily());
    bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") + JobBus.count(h, "ready") == 0);
    List<String> neverRan = JobBus.inState(bus.hosts(id), "halted");
    assertFalse(neverRan.isEmpty());
    Files.writeString(tasks.dir().resolve("ok-rh1"), "");
    bus.ask(Addresses.JOB_RETRY, new JsonObject().put("id", id).put("hosts", hostList("rh1")));
    // in a halted job a retried host waits for the resume; the job neither runs it nor finishes without the others
    JsonObject after = bus.job(id);
    assertEquals("halted", after.getString("state"), after.encodePrettily());
    assertEquals("waiting", bus.hosts(id).get("rh1").getString("state"));
    assertEquals(neverRan, JobBus.inState(bus.hosts(id), "halted"));
    bus.ask(Addresses.JOB_RESUME, new JsonObject().put("id", id));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    for (String h : List.of("rh1", "rh2", "rh3", "rh4")) {
      assertEquals("rh1".equals(h) ? 2 : 1, tasks.starts(h).size(), h + " started once per attempt");
    }
  }

  /** 60 quick tasks: each one's two lines of output must be in its stored output. */
  @Test
  @Order(19)
  void theLastLineOfAQuickTaskIsKept() {
    TaskLog tasks = taskLog("last-line");
    String[] targets = new String[60];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = "ll" + (i + 1);
    }
    String id = bus.run(request(tasks, "echo first-$h; echo last-$h", targets));
    JsonObject done = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    List<String> missing = new ArrayList<>();
    for (String h : targets) {
      List<String> out = JobBus.lines(bus.output(id, h));
      if (!out.contains("stdout:first-" + h) || !out.contains("stdout:last-" + h)) {
        missing.add(h + " " + out);
      }
    }
    assertEquals(List.of(), missing, "every task's whole output is kept");
  }

  @Test
  @Order(20)
  void skippingTheOnlyFailedHostOfAFailedJobFinishesIt() {
    TaskLog tasks = taskLog("skip-ended");
    String id = bus.run(request(tasks, "test $h != x1", "x1", "x2"));
    JsonObject failed = bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("failed", failed.getString("state"), failed.encodePrettily());
    JsonObject skipped = bus.ask(Addresses.JOB_SKIP, new JsonObject().put("id", id).put("hosts", hostList("x1")));
    assertEquals(0, skipped.getJsonObject("counts").getInteger("failed"), skipped.encodePrettily());
    // "failed: every host ended, some failed" no longer holds: none failed
    assertEquals("finished", skipped.getString("state"), skipped.encodePrettily());
  }

  /**
   * A scheduler that cannot list the cluster's nodes when it takes over (its {@code pogo.nodes.list} request times out,
   * as it does when it lands on a registry of a node that just died) must not declare the tasks running on live
   * nodes lost, and must still fence the workers before it loads the state. The black-hole consumers (20 on each
   * node) stand in for a dead node's handlers that the event bus has not dropped yet: most listings time out.
   */
  @Test
  @Order(21)
  void aTakeoverThatCannotListTheNodesLosesNoLiveTask() {
    LogWatch epochs = LogWatch.install(java.util.regex.Pattern.compile("took over"));
    List<io.vertx.core.eventbus.MessageConsumer<Object>> holes = new ArrayList<>();
    try {
      // on every node: the bus picks a node, then one of its handlers
      for (PogoNode n : nodes.values()) {
        for (int i = 0; i < 20; i++) {
          io.vertx.core.eventbus.MessageConsumer<Object> c = n.vertx().eventBus().consumer(Addresses.NODES_LIST, m -> { });
          Await.result(c.completion());
          holes.add(c);
        }
      }
      int timeouts = 0;
      for (int i = 0; i < 12; i++) {
        try {
          Await.result(nodes.values().iterator().next().vertx().eventBus().request(Addresses.NODES_LIST, new JsonObject(),
              Requests.options(300)));
        } catch (RuntimeException e) {
          timeouts++;
        }
      }
      System.out.println("JobsClusterTest: with the black holes, " + timeouts + " of 12 node listings timed out");
      TaskLog tasks = taskLog("blind-takeover");
      String id = bus.run(request(tasks, "sleep 4", "bt1", "bt2", "bt3", "bt4", "bt5", "bt6"));
      Map<String, JsonObject> running = bus.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") == 6);
      bus.tryAsk(Addresses.CHILD_RESTART, new JsonObject().put("id", SCHEDULER));
      Await.until("a new scheduler to take over", WAIT, () -> epochs.lines().size() > 0);
      org.junit.jupiter.api.Assumptions.assumeTrue(epochs.lines().get(0).contains("workers []"),
          "the takeover's node listing did not time out this time: " + epochs.lines());
      JsonObject done = bus.awaitState(id, seconds(40), "finished", "failed", "halted", "deadlocked", "timed_out");
      Map<String, JsonObject> hosts = bus.hosts(id);
      System.out.println("JobsClusterTest: a takeover whose node listing timed out: " + epochs.lines() + "; the job "
          + done.getString("state") + ": " + done.getString("summary") + "; reasons " + hosts.values().stream()
          .map(h -> h.getString("host") + "=" + h.getString("reason")).toList());
      for (String h : running.keySet()) {
        assertEquals("succeeded", hosts.get(h).getString("state"), h + " ran on a live node: " + hosts.get(h).encode());
        assertEquals(1, tasks.starts(h).size());
      }
      assertEquals("finished", done.getString("state"), done.encodePrettily());
    } finally {
      holes.forEach(c -> Await.result(c.unregister()));
      epochs.uninstall();
    }
  }

  // ---- scheduler failover ---------------------------------------------------------------------------------------------

  @Test
  @Order(40)
  void aGracefulStopOfTheSchedulersNodeLosesOnlyItsOwnTasksAndReRunsNothing() throws Exception {
    failover("fg", victim -> Await.result(nodes.remove(victim).stop()));
    // back to three nodes for the next test
    int port = NodeProcess.freePort();
    JsonObject config = new JsonObject().put("name", "d").put("clusterName", cluster).put("clusterPort", port)
        .put("join", new JsonArray().add("127.0.0.1:" + nodes.values().iterator().next().options().clusterPort()))
        .put("httpPort", 0).put("dataDir", dir.resolve("d").toString()).put("failureTimeout", "5s")
        .put("maxTasks", MAX_TASKS);
    nodes.put("d", Await.result(PogoNode.start(NodeOptionsValidator.parse(config, "d"))));
    Await.until("every node to see the three", seconds(30), () -> nodes.values().stream().allMatch(n ->
        Await.result(n.vertx().eventBus().<JsonObject>request(Addresses.CLUSTER_INFO, new JsonObject(), Requests.local(5_000)))
            .body().getJsonArray("nodes").size() == 3));
    awaitSchedulerSettled();
  }

  /**
   * The scheduler learns of a node that joined after it took over only at its next node refresh (every 5 s; see
   * JobsWorkerStopTest#anAgentJobOnANodeThatJustJoinedRunsThere): until then an agent-mode task for that node fails
   * at once. Waits until an agent-mode probe on every node succeeds.
   */
  private void awaitSchedulerSeesEveryNode() {
    TaskLog probe = taskLog("probe");
    Await.value("the scheduler to know every node as a worker", WAIT, Duration.ofMillis(500), () -> {
      String id = bus.run(request(probe, "true", nodes.keySet().toArray(String[]::new)).put("mode", "agent"));
      return bus.awaitState(id, WAIT, "finished", "failed", "halted", "deadlocked", "timed_out").getString("state");
    }, "finished"::equals);
  }

  /**
   * A join moves the scheduler to its new placement owner (rebalance), and a job request sent while it moves times
   * out: waits until it runs on its owner among the live nodes and answers.
   */
  private void awaitSchedulerSettled() {
    String owner = NodeCluster.owner(SCHEDULER, List.copyOf(nodes.keySet()));
    Await.until("the scheduler to settle on its placement owner " + owner, WAIT, () -> {
      JsonObject r = bus.tryAsk(Addresses.CHILD_GET, new JsonObject().put("id", SCHEDULER));
      return r != null && owner.equals(r.getString("node")) && "running".equals(r.getString("state"))
          && bus.tryAsk(Addresses.JOB_LIST, new JsonObject()) != null;
    });
  }

  @Test
  @Order(41)
  void aCrashOfTheSchedulersNodeLosesOnlyItsOwnTasksAndReRunsNothing() {
    LogWatch epochs = LogWatch.install(java.util.regex.Pattern.compile("scheduler epoch \\d+ took over"));
    // an agent-mode job with a task on every node, the scheduler's included
    TaskLog agents = taskLog("agent-crash");
    List<String> names = List.copyOf(nodes.keySet());
    String agentJob = bus.run(request(agents, "sleep 60", names.toArray(String[]::new)).put("mode", "agent"));
    bus.awaitHosts(agentJob, WAIT, h -> JobBus.count(h, "running") == names.size());
    String[] crashed = new String[1];
    String id = failover("fc", victim -> {
      crashed[0] = victim;
      PogoNode dead = nodes.remove(victim);
      // a crash as the others see it: its cluster member vanishes without leaving, then its Vert.x goes too
      ((HazelcastClusterManager) ((VertxInternal) dead.vertx()).clusterManager()).getHazelcastInstance()
          .getLifecycleService().terminate();
      Await.result(dead.vertx().close().recover(e -> Future.succeededFuture()));
    });
    epochs.uninstall();

    // what keeps a scheduler of an older epoch from starting anything: the workers follow the newest epoch
    String last = epochs.lines().get(epochs.lines().size() - 1);
    long epoch = Long.parseLong(last.replaceAll(".*scheduler epoch (\\d+) took over.*", "$1"));
    String worker = nodes.keySet().iterator().next();
    TaskLog tasks = taskLog("fenced");
    JsonObject stale = new JsonObject().put("taskId", id + "/fenced1/1").put("job", id).put("host", "fenced1")
        .put("attempt", 1).put("argv", tasks.commandJson("true")).put("timeoutMs", 10_000).put("outputLimit", 4096)
        .put("schedulerEpoch", epoch - 1);
    bus.refused(ErrorCode.FENCED, null, Addresses.supervisor(worker, Addresses.SupervisorOps.TASK_RUN), stale);
    // and a repeated dispatch of a task the worker ran answers its state instead of running it again
    JsonObject hostRec = bus.hosts(id).values().stream().filter(h -> worker.equals(h.getString("node"))).findFirst()
        .orElseThrow();
    JsonObject again = bus.ask(Addresses.supervisor(worker, Addresses.SupervisorOps.TASK_RUN), stale.copy()
        .put("taskId", hostRec.getString("taskId")).put("host", hostRec.getString("host")).put("schedulerEpoch", epoch));
    assertEquals("finished", again.getString("state"), again.encode());
    assertEquals(List.of(), tasks.starts(), "neither request started anything");

    // the agent task on the crashed node is lost; a retry of it fails at once, naming the missing node
    JobBus via = new JobBus(() -> nodes.get(worker).vertx(), 10_000);
    Map<String, JsonObject> agentHosts = via.awaitHosts(agentJob, WAIT, h -> "lost".equals(h.get(crashed[0]).getString("state")));
    names.stream().filter(n -> !n.equals(crashed[0])).forEach(n -> assertEquals("running",
        agentHosts.get(n).getString("state"), "the agent task on " + n + " runs on: " + agentHosts.get(n).encode()));
    via.ask(Addresses.JOB_RETRY, new JsonObject().put("id", agentJob).put("hosts", hostList(crashed[0])));
    JsonObject retried = via.awaitHosts(agentJob, WAIT, h -> "failed".equals(h.get(crashed[0]).getString("state")))
        .get(crashed[0]);
    assertTrue(retried.getString("reason").contains(crashed[0]), "the reason names the missing node: " + retried.encode());
    assertEquals(1, agents.starts(crashed[0]).size(), "the retry ran nothing");
    via.ask(Addresses.JOB_HALT, new JsonObject().put("id", agentJob).put("kill", true));
    for (TaskLog.Event e : agents.starts()) {
      Await.until("agent task " + e + " to be gone", seconds(15), () -> !agents.alive(e.pid()));
    }
  }

  /**
   * Runs 12 hosts of {@code sleep 3}, 6 at a time (so some run on every node), takes the scheduler's node away with
   * {@code kill} while they run, and checks what the design promises: the scheduler moves and continues the job; the
   * tasks of the node that went are {@code lost} (not re-run by themselves); the tasks running elsewhere kept running
   * and were reported ({@code succeeded}, attempt 1); the waiting hosts ran afterwards; no host ran twice (the tasks'
   * own log); a retry of the lost hosts runs each once more.
   */
  private String failover(String prefix, java.util.function.Consumer<String> kill) {
    String victim = schedulerNode();
    List<String> survivors = nodes.keySet().stream().filter(n -> !n.equals(victim)).toList();
    JobBus via = new JobBus(() -> nodes.get(survivors.get(0)).vertx(), 5_000);
    TaskLog tasks = taskLog("failover-" + prefix);
    List<String> targets = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      targets.add(String.format("%s%02d", prefix, i));
    }
    String id = via.run(request(tasks, "sleep 3; echo done-$h", targets.toArray(String[]::new)).put("concurrency", 6));
    Map<String, JsonObject> before = via.awaitHosts(id, WAIT, h -> JobBus.count(h, "running") == 6);
    Map<String, String> runningOn = new TreeMap<>();
    before.values().stream().filter(h -> "running".equals(h.getString("state")))
        .forEach(h -> runningOn.put(h.getString("host"), h.getString("node")));
    assertTrue(runningOn.containsValue(victim), "some task runs on the scheduler's node " + victim + ": " + runningOn);
    assertTrue(runningOn.values().stream().anyMatch(survivors::contains), "some task runs elsewhere: " + runningOn);

    LogWatch takeovers = LogWatch.install(java.util.regex.Pattern.compile("took over"));
    long crashedAt = System.nanoTime();
    long crashedAtMillis = System.currentTimeMillis();
    kill.accept(victim);
    long goneMs = ms(System.nanoTime() - crashedAt);
    // short polls: a request that lands on the dead node's handlers (until the bus drops them) times out
    JobBus poll = new JobBus(() -> nodes.get(survivors.get(0)).vertx(), 1_000);
    JsonObject moved = Await.value("the scheduler to run on a survivor", seconds(40), Duration.ofMillis(100),
        () -> poll.tryAsk(Addresses.CHILD_GET, new JsonObject().put("id", SCHEDULER)),
        r -> r != null && survivors.contains(r.getString("node")) && "running".equals(r.getString("state"))
            && poll.tryAsk(Addresses.JOB_GET, new JsonObject().put("id", id)) != null);
    long tookOverMs = ms(System.nanoTime() - crashedAt);
    takeovers.uninstall();
    String tookOverLog = takeovers.lines().stream().map(l -> {
      long at = java.time.LocalDate.now().atTime(java.time.LocalTime.parse(l.substring(0, 12)))
          .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
      return (at - crashedAtMillis) + " ms: " + l.substring(13, Math.min(l.length(), 60));
    }).toList().toString();
    JsonObject done = via.awaitState(id, seconds(60), "finished", "failed", "halted", "deadlocked", "timed_out");
    long doneMs = ms(System.nanoTime() - crashedAt);
    Map<String, JsonObject> hosts = via.hosts(id);
    System.out.println("JobsClusterTest [" + prefix + "]: running at the kill " + runningOn + "; " + victim + " gone in "
        + goneMs + " ms; the scheduler moved to " + moved.getString("node") + " (its log: " + tookOverLog + ") and answered "
        + tookOverMs + " ms after the kill; the job ended " + doneMs + " ms after it: " + done.getString("state") + ", "
        + done.getString("summary"));

    Map<String, Integer> starts = tasks.startCounts();
    starts.forEach((h, n) -> assertEquals(1, n, h + " started once: " + tasks.starts(h)));
    // a takeover that could not list the nodes loses every task in flight (the bug aTakeoverThatCannotListTheNodes...
    // reproduces); it happens in about one run in four: skip, visibly, rather than fail on what is known
    List<String> wrong = new ArrayList<>();
    for (String h : targets) {
      JsonObject r = hosts.get(h);
      String where = runningOn.get(h);
      String expected = victim.equals(where) ? "lost" : "succeeded";
      if (starts.getOrDefault(h, 0) != 1) {
        wrong.add(h + " started " + starts.getOrDefault(h, 0) + " times: " + tasks.starts(h));
      }
      if (!expected.equals(r.getString("state")) || r.getInteger("attempts") != 1) {
        wrong.add(h + " (" + (where == null ? "waiting" : "running on " + where) + " at the kill) should be " + expected
            + " at attempt 1: " + r.encode());
      } else if (where != null && !where.equals(r.getString("node"))) {
        wrong.add(h + " moved: " + r.encode());
      } else if (where == null && victim.equals(r.getString("node"))) {
        wrong.add(h + " ran on the node that went: " + r.encode());
      }
    }
    // each attempt's output comes with its worker's report, which the worker repeats until a scheduler stores it:
    // it may come a little after the host's end (the new scheduler may learn that from the worker's task status)
    long outputsFrom = System.nanoTime();
    for (String h : targets) {
      if ("succeeded".equals(hosts.get(h).getString("state"))) {
        List<String> out = Await.value("the output of " + h, seconds(30), Duration.ofMillis(200),
            () -> JobBus.lines(via.output(id, h)), l -> l.contains("pogo:exited: exit code 0"));
        if (!out.contains("stdout:done-" + h)) {
          // (not asserted: see theLastLineOfAQuickTaskIsKept)
          System.out.println("JobsClusterTest [" + prefix + "]: " + h + "'s stdout line is missing: " + out);
        }
      }
    }
    System.out.println("JobsClusterTest [" + prefix + "]: every output stored " + ms(System.nanoTime() - outputsFrom)
        + " ms after the job's end was seen");
    assertEquals(List.of(), wrong, "host outcomes after the scheduler's node went");
    assertEquals("failed", done.getString("state"), "lost hosts count as failed: " + done.encodePrettily());

    List<String> lost = JobBus.inState(hosts, "lost");
    via.ask(Addresses.JOB_RETRY, new JsonObject().put("id", id).put("hosts", new JsonArray(lost)));
    JsonObject again = via.awaitState(id, seconds(30), "finished", "failed", "halted", "deadlocked", "timed_out");
    assertEquals("finished", again.getString("state"), again.encodePrettily());
    Map<String, JsonObject> retried = via.hosts(id);
    for (String h : lost) {
      assertEquals(2, retried.get(h).getInteger("attempts"), retried.get(h).encode());
      assertEquals(2, tasks.starts(h).size(), "a retry of a lost host runs it again, once");
      assertTrue(survivors.contains(retried.get(h).getString("node")));
    }
    return id;
  }
}
