package io.pogo.node.it;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.PogoNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.pogo.node.it.JobBus.seconds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker node (not the scheduler's) stopped gracefully while a job keeps dispatching short tasks: the tasks it ran
 * when it stopped are lost (the node killed them), but a task it refused because it was stopping never ran, so it
 * must not be {@code lost} ("its worker died while it ran: the outcome is unknown"): it must run elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class JobsWorkerStopTest {
  private static final String SCHEDULER = "pogo-scheduler";

  @TempDir
  static Path dir;
  private final String cluster = "it-" + UUID.randomUUID();
  private final Map<String, PogoNode> nodes = new LinkedHashMap<>();
  private BlockedThreadWatch blocked;
  private final JobBus bus = new JobBus(() -> nodes.values().iterator().next().vertx(), 10_000);

  @BeforeAll
  void startCluster() throws Exception {
    blocked = BlockedThreadWatch.install();
    int firstPort = NodeProcess.freePort();
    for (String name : List.of("a", "b", "c")) {
      int port = name.equals("a") ? firstPort : NodeProcess.freePort();
      JsonObject config = new JsonObject().put("name", name).put("clusterName", cluster).put("clusterPort", port)
          .put("join", new JsonArray().add("127.0.0.1:" + firstPort)).put("httpPort", 0)
          .put("dataDir", dir.resolve(name).toString()).put("failureTimeout", "5s").put("maxTasks", 3);
      nodes.put(name, Await.result(PogoNode.start(NodeOptionsValidator.parse(config, name))));
    }
    Await.until("every node to see the three", seconds(30), () -> nodes.values().stream().allMatch(n ->
        Await.result(n.vertx().eventBus().<JsonObject>request(Addresses.CLUSTER_INFO, new JsonObject(), Requests.local(5_000)))
            .body().getJsonArray("nodes").size() == 3));
    String owner = NodeCluster.owner(SCHEDULER, List.copyOf(nodes.keySet()));
    Await.until("the scheduler to settle on " + owner, seconds(30), () -> {
      JsonObject r = bus.tryAsk(Addresses.CHILD_GET, new JsonObject().put("id", SCHEDULER));
      return r != null && owner.equals(r.getString("node")) && "running".equals(r.getString("state"))
          && bus.tryAsk(Addresses.JOB_LIST, new JsonObject()) != null;
    });
  }

  @AfterAll
  void stopCluster() {
    try {
      for (PogoNode n : nodes.values()) {
        Await.result(n.stop().recover(e -> Future.succeededFuture()));
      }
    } finally {
      blocked.uninstall();
    }
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void aTaskRefusedByAStoppingWorkerRunsElsewhereInsteadOfBeingLost() {
    String scheduler = bus.ask(Addresses.CHILD_GET, new JsonObject().put("id", SCHEDULER)).getString("node");
    String worker = nodes.keySet().stream().filter(n -> !n.equals(scheduler)).reduce((x, y) -> y).orElseThrow();
    // talk through a node that stays
    JobBus via = new JobBus(() -> nodes.get(scheduler).vertx(), 10_000);
    TaskLog tasks = new TaskLog(dir.resolve("tasks"), "worker-stop");
    List<String> targets = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      targets.add(String.format("ws%02d", i));
    }
    String id = via.run(new JsonObject().put("targets", new JsonArray(targets)).put("command", tasks.commandJson("sleep 2"))
        .put("concurrency", 9));
    via.awaitHosts(id, seconds(30), h -> JobBus.count(h, "succeeded") >= 9);
    long t0 = System.nanoTime();
    Await.result(nodes.remove(worker).stop());
    System.out.println("JobsWorkerStopTest: stopping worker " + worker + " took "
        + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
    JsonObject done = via.awaitState(id, seconds(60), "finished", "failed", "halted", "deadlocked", "timed_out");
    Map<String, JsonObject> hosts = via.hosts(id);
    Map<String, Integer> starts = tasks.startCounts();
    List<String> lostUnrun = new ArrayList<>();
    List<String> lostRan = new ArrayList<>();
    for (JsonObject h : hosts.values()) {
      if ("lost".equals(h.getString("state"))) {
        (starts.containsKey(h.getString("host")) ? lostRan : lostUnrun).add(h.getString("host") + " (" + h.getString("reason") + ")");
      }
    }
    System.out.println("JobsWorkerStopTest: the job " + done.getString("state") + ", " + done.getString("summary")
        + "; lost after running: " + lostRan + "; lost without ever starting: " + lostUnrun);
    starts.forEach((h, n) -> assertEquals(1, n, h + " started once"));
    assertEquals(List.of(), lostUnrun, "a host whose task never started is not lost");
    assertTrue(done.getString("state").equals("finished") || done.getString("state").equals("failed"), done.encode());
  }

  /**
   * A drain ({@code POST /api/v1/node/drain {"exit":false}}) moves a node's children away; it does not touch the job
   * tasks the node runs, and the node stays in the cluster. Its tasks must end as they end ({@code succeeded}), not
   * {@code lost} ("its worker died while it ran").
   */
  @Test
  @org.junit.jupiter.api.Order(2)
  void drainingAWorkerNodeLosesNoneOfItsRunningTasks() {
    String scheduler = bus.ask(Addresses.CHILD_GET, new JsonObject().put("id", SCHEDULER)).getString("node");
    String worker = nodes.keySet().stream().filter(n -> !n.equals(scheduler)).findFirst().orElseThrow();
    JobBus via = new JobBus(() -> nodes.get(scheduler).vertx(), 10_000);
    TaskLog tasks = new TaskLog(dir.resolve("tasks"), "worker-drain");
    String id = via.run(new JsonObject().put("targets", new JsonArray(List.of("dr1", "dr2", "dr3", "dr4", "dr5", "dr6")))
        .put("command", tasks.commandJson("sleep 8")));
    Map<String, JsonObject> before = via.awaitHosts(id, seconds(30), h -> JobBus.count(h, "running") == 6);
    List<String> onWorker = before.values().stream().filter(h -> worker.equals(h.getString("node")))
        .map(h -> h.getString("host")).toList();
    assertTrue(!onWorker.isEmpty(), "some task runs on " + worker + ": " + before);
    Http.Response r = new Http(nodes.get(worker).apiUrl()).post("/node/drain", new JsonObject().put("exit", false));
    assertEquals(202, r.status(), r.body());
    JsonObject done = via.awaitState(id, seconds(60), "finished", "failed", "halted", "deadlocked", "timed_out");
    Map<String, JsonObject> hosts = via.hosts(id);
    System.out.println("JobsWorkerStopTest: drained " + worker + " while " + onWorker + " ran there: the job "
        + done.getString("state") + ", " + done.getString("summary") + "; " + onWorker.stream()
        .map(h -> h + "=" + hosts.get(h).getString("state") + " (" + hosts.get(h).getString("reason") + ")").toList()
        + "; their own log: " + onWorker.stream().map(h -> h + " " + tasks.events().stream()
        .filter(e -> e.host().equals(h)).map(TaskLog.Event::kind).toList()).toList());
    for (String h : onWorker) {
      assertEquals("succeeded", hosts.get(h).getString("state"), h + " ran to its end on the drained node: " + hosts.get(h));
    }
    assertEquals("finished", done.getString("state"), done.encodePrettily());
  }

  /**
   * Agent mode: "a host with no such node fails at once". A node that has joined (and is up) is such a node, even if
   * it joined a moment ago. The new node's name is chosen so that it does not take the scheduler over (a moved
   * scheduler would list the nodes afresh).
   */
  @Test
  @org.junit.jupiter.api.Order(3)
  void anAgentJobOnANodeThatJustJoinedRunsThere() throws Exception {
    List<String> live = List.copyOf(nodes.keySet());
    String owner = NodeCluster.owner(SCHEDULER, live);
    String name = null;
    for (int i = 1; name == null; i++) {
      List<String> with = new ArrayList<>(live);
      with.add("new" + i);
      if (owner.equals(NodeCluster.owner(SCHEDULER, with))) {
        name = "new" + i;
      }
    }
    JsonObject config = new JsonObject().put("name", name).put("clusterName", cluster).put("clusterPort", NodeProcess.freePort())
        .put("join", new JsonArray().add("127.0.0.1:" + nodes.get(live.get(0)).options().clusterPort())).put("httpPort", 0)
        .put("dataDir", dir.resolve(name).toString()).put("failureTimeout", "5s").put("maxTasks", 3);
    nodes.put(name, Await.result(PogoNode.start(NodeOptionsValidator.parse(config, name))));
    JobBus via = new JobBus(() -> nodes.get(owner).vertx(), 10_000);
    TaskLog tasks = new TaskLog(dir.resolve("tasks"), "agent-new-node");
    String id = via.run(new JsonObject().put("targets", new JsonArray().add(name)).put("mode", "agent")
        .put("command", tasks.commandJson("true")));
    JsonObject done = via.awaitState(id, seconds(30), "finished", "failed", "halted", "deadlocked", "timed_out");
    JsonObject h = via.hosts(id).get(name);
    System.out.println("JobsWorkerStopTest: an agent job on " + name + " right after it joined: " + done.getString("state")
        + ", " + h.getString("reason"));
    assertEquals("succeeded", h.getString("state"), "node " + name + " is in the cluster: " + h.encode());
  }
}
