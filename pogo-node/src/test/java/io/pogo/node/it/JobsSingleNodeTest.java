package io.pogo.node.it;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.PogoNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jobs on one real node: the scheduler singleton comes up by itself and runs real processes as tasks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobsSingleNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path dir;
  private PogoNode node;
  private BlockedThreadWatch blocked;

  @BeforeAll
  void startNode() throws IOException {
    blocked = BlockedThreadWatch.install();
    JsonObject config = new JsonObject().put("name", "solo").put("clusterName", "it-" + UUID.randomUUID())
        .put("clusterPort", SingleNodeTest.freePort()).put("httpPort", 0).put("dataDir", dir.toString())
        .put("failureTimeout", "5s");
    NodeOptions options = NodeOptionsValidator.parse(config, "solo");
    node = Await.result(PogoNode.start(options));
    Await.until("the scheduler answers", WAIT, () -> {
      try {
        ask(Addresses.JOB_LIST, new JsonObject());
        return true;
      } catch (PogoException e) {
        return false;
      }
    });
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      Await.result(node.stop());
    }
    assertEquals(List.of(), blocked.warnings(), "no event loop may be blocked");
  }

  JsonObject ask(String address, JsonObject body) {
    try {
      return Await.result(node.vertx().eventBus().<JsonObject>request(address, body, Requests.options(10_000)).map(m -> m.body()));
    } catch (RuntimeException e) {
      throw PogoException.from(e.getCause() == null ? e : e.getCause());
    }
  }

  JsonObject job(String id) {
    return ask(Addresses.JOB_GET, new JsonObject().put("id", id));
  }

  JsonObject awaitEnd(String id) {
    return Await.value("job " + id + " ends", WAIT, () -> job(id),
        j -> !List.of("running").contains(j.getString("state")));
  }

  @Test
  void runsACommandOnEveryTargetWithConstraints() {
    ask(Addresses.NAMESPACE_PUT, new JsonObject().put("name", "web").put("config", String.join("\n",
        "tag:",
        "  colo:",
        "    east: [web[1-3].east]",
        "    west: [web[1-3].west]",
        "sequence:",
        "  - $colo.east",
        "  - $colo.west",
        "constraint:",
        "  $colo:",
        "    max_parallel: 2")));
    JsonObject job = ask(Addresses.JOB_RUN, new JsonObject().put("namespace", "web")
        .put("targets", new JsonArray().add("$colo")).put("command", new JsonArray().add("sh").add("-c").add("echo hi {host}")));
    String id = job.getString("id");
    JsonObject done = awaitEnd(id);
    assertEquals("finished", done.getString("state"), done.encodePrettily());
    assertEquals(6, done.getJsonObject("counts").getInteger("succeeded"));
    JsonObject hosts = ask(Addresses.JOB_HOSTS, new JsonObject().put("id", id));
    long lastEast = 0;
    long firstWest = Long.MAX_VALUE;
    for (Object o : hosts.getJsonArray("hosts")) {
      JsonObject h = (JsonObject) o;
      if (h.getString("host").endsWith("east")) {
        lastEast = Math.max(lastEast, h.getLong("endedAt"));
      } else {
        firstWest = Math.min(firstWest, h.getLong("startedAt"));
      }
    }
    assertTrue(lastEast <= firstWest, "west starts after east ended: " + hosts.encodePrettily());
    JsonObject out = ask(Addresses.JOB_OUTPUT, new JsonObject().put("id", id).put("host", "web2.west"));
    assertTrue(out.encode().contains("hi web2.west"), out.encodePrettily());
  }

  @Test
  void aRequestIdMakesOneJobHoweverOftenItIsSent() {
    JsonObject request = new JsonObject().put("targets", new JsonArray().add("idem[1-3]"))
        .put("command", new JsonArray().add("true")).put("requestId", "idem-" + UUID.randomUUID());
    // sent five times at once, as clients retrying after a timeout would
    List<io.vertx.core.Future<JsonObject>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sent.add(node.vertx().eventBus().<JsonObject>request(Addresses.JOB_RUN, request, Requests.options(10_000))
          .map(m -> m.body()));
    }
    Await.result(io.vertx.core.Future.all(sent));
    List<String> ids = sent.stream().map(f -> f.result().getString("id")).distinct().toList();
    assertEquals(1, ids.size(), "one job: " + ids);
    assertEquals(1, sent.stream().filter(f -> f.result().getBoolean("created")).count(), "created once");
    String id = ids.get(0);
    assertEquals("finished", awaitEnd(id).getString("state"));
    JsonObject later = ask(Addresses.JOB_RUN, request);
    assertEquals(id, later.getString("id"));
    assertEquals(false, later.getBoolean("created"));
    assertEquals(request.getString("requestId"), later.getString("requestId"));
    long withId = ask(Addresses.JOB_LIST, new JsonObject().put("limit", 1000)).getJsonArray("jobs").stream()
        .map(JsonObject.class::cast).filter(j -> request.getString("requestId").equals(j.getString("requestId"))).count();
    assertEquals(1, withId, "the job list holds one job with that request id");

    PogoException reused = assertThrows(PogoException.class, () -> ask(Addresses.JOB_RUN,
        request.copy().put("command", new JsonArray().add("false"))));
    assertEquals(ErrorCode.REQUEST_ID_REUSED, reused.code());
    assertTrue(reused.getMessage().contains("was already used for job " + id), reused.getMessage());
    PogoException bad = assertThrows(PogoException.class, () -> ask(Addresses.JOB_RUN,
        request.copy().put("requestId", "no spaces")));
    assertEquals(ErrorCode.VALIDATION_FAILED, bad.code());
    assertTrue(bad.getMessage().contains("requestId"), bad.getMessage());
  }

  @Test
  void failedHostsAndRetry() {
    JsonObject job = ask(Addresses.JOB_RUN, new JsonObject()
        .put("targets", new JsonArray().add("h[1-4]")).put("command", new JsonArray().add("sh").add("-c")
            .add("test {host} != h3")));
    String id = job.getString("id");
    JsonObject done = awaitEnd(id);
    assertEquals("failed", done.getString("state"), done.encodePrettily());
    assertEquals(1, done.getJsonObject("counts").getInteger("failed"));
    PogoException notInJob = assertThrows(PogoException.class,
        () -> ask(Addresses.JOB_RETRY, new JsonObject().put("id", id).put("hosts", new JsonArray().add("h9"))));
    assertEquals(ErrorCode.VALIDATION_FAILED, notInJob.code());
    ask(Addresses.JOB_RETRY, new JsonObject().put("id", id).put("hosts", new JsonArray().add("h3")));
    JsonObject again = awaitEnd(id);
    assertEquals("failed", again.getString("state"));
    JsonObject hosts = ask(Addresses.JOB_HOSTS, new JsonObject().put("id", id).put("state", "failed"));
    assertEquals(2, hosts.getJsonArray("hosts").getJsonObject(0).getInteger("attempts"));
  }

  @Test
  void hostTimeoutKillsTheTask() {
    JsonObject job = ask(Addresses.JOB_RUN, new JsonObject().put("targets", new JsonArray().add("slow1"))
        .put("command", new JsonArray().add("sleep").add("60")).put("hostTimeout", "1s"));
    JsonObject done = awaitEnd(job.getString("id"));
    assertEquals("failed", done.getString("state"));
    assertEquals(1, done.getJsonObject("counts").getInteger("timed_out"), done.encodePrettily());
  }
}
