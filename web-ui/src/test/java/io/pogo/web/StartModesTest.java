package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.child.ChildState;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.pogo.web.Problem.assertProblem;
import static io.pogo.web.Problem.fields;
import static io.pogo.web.TestNode.await;
import static io.pogo.web.TestNode.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Async start ({@code ?wait=false}), await and batch start, against a fake registry. */
@ExtendWith(VertxExtension.class)
class StartModesTest {
  /** The HTTP side's ordinary request timeout in these tests: shorter than the waits below. */
  static final long REQUEST_TIMEOUT_MS = 300;

  private FakeRegistry registry;
  private WebClient client;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    registry = new FakeRegistry(vertx);
    await(registry.register());
    port = TestNode.deploy(vertx, TestNode.with(TestNode.options(), "127.0.0.1", null, REQUEST_TIMEOUT_MS));
    client = WebClient.create(vertx);
  }

  private static JsonObject spec(String id) {
    return new JsonObject().put("id", id).put("kind", "process").put("argv", new JsonArray().add("sleep").add("60"));
  }

  private HttpResponse<Buffer> post(String uri, JsonObject body) {
    return await(client.post(port, "127.0.0.1", uri).sendJsonObject(body));
  }

  private HttpResponse<Buffer> get(String uri) {
    return send(client.get(port, "127.0.0.1", uri));
  }

  private String lastAddress() {
    return registry.received.get(registry.received.size() - 1).address();
  }

  private JsonObject lastBody() {
    return registry.received.get(registry.received.size() - 1).body();
  }

  @Test
  void asyncStartIs202WithTheClaimedRecordAndLocation() {
    HttpResponse<Buffer> resp = post("/api/v1/children?wait=false", spec("web-1"));
    assertEquals(202, resp.statusCode(), resp::bodyAsString);
    assertEquals("/api/v1/children/web-1", resp.getHeader("Location"));
    assertEquals("starting", resp.bodyAsJsonObject().getString("state"));
    assertEquals(Addresses.CHILD_START_ASYNC, lastAddress());
  }

  @Test
  void waitTrueIsTheDefault201() {
    HttpResponse<Buffer> resp = post("/api/v1/children?wait=true", spec("web-1"));
    assertEquals(201, resp.statusCode(), resp::bodyAsString);
    assertEquals("running", resp.bodyAsJsonObject().getString("state"));
    assertEquals(Addresses.CHILD_START, lastAddress());
  }

  @Test
  void badWaitAndUnknownParametersAre400NamingThem() {
    JsonObject p = assertProblem(post("/api/v1/children?wait=maybe", spec("web-1")), 400, "VALIDATION_FAILED");
    assertEquals(List.of("wait"), fields(p));
    p = assertProblem(post("/api/v1/children?wiat=false", spec("web-1")), 400, "VALIDATION_FAILED");
    assertEquals(List.of("wiat"), fields(p));
    p = assertProblem(post("/api/v1/children?wait=false&wait=true", spec("web-1")), 400, "VALIDATION_FAILED");
    assertEquals(List.of("wait"), fields(p));
    assertTrue(registry.received.isEmpty(), "nothing reached the registry");
  }

  @Test
  void awaitAnswersAtOnceWhenTheStateMatchesAndSendsStatesAndTimeout() {
    post("/api/v1/children", spec("web-1"));
    HttpResponse<Buffer> resp = get("/api/v1/children/web-1/await?states=running,exited&timeout=1s");
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    assertEquals("running", resp.bodyAsJsonObject().getString("state"));
    assertEquals(Addresses.CHILD_AWAIT, lastAddress());
    assertEquals(new JsonObject().put("id", "web-1").put("states", new JsonArray().add("running").add("exited"))
        .put("timeout", 1000), lastBody());
  }

  @Test
  void awaitOutlastsTheOrdinaryRequestTimeout() {
    post("/api/v1/children?wait=false", spec("web-1"));
    registry.settleAfterMs = REQUEST_TIMEOUT_MS * 3;
    HttpResponse<Buffer> resp = get("/api/v1/children/web-1/await?timeout=5s");
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    assertEquals("running", resp.bodyAsJsonObject().getString("state"));
    assertEquals(new JsonObject().put("id", "web-1").put("states", new JsonArray().add("running")).put("timeout", 5000),
        lastBody());
  }

  @Test
  void awaitTimeoutIs504WithTheRegistrysReason() {
    post("/api/v1/children?wait=false", spec("web-1"));
    JsonObject p = assertProblem(get("/api/v1/children/web-1/await?states=running&timeout=500ms"), 504, "TIMEOUT");
    assertTrue(p.getString("detail").contains("was still starting after 500ms"), p::encode);
  }

  @Test
  void awaitOfAnUnknownOrEndedChildIsMappedLikeEveryError() {
    assertProblem(get("/api/v1/children/nope/await"), 404, "CHILD_NOT_FOUND");
    post("/api/v1/children", spec("web-1"));
    registry.records.computeIfPresent("web-1", (k, r) -> r.with(ChildState.EXITED, 1L));
    JsonObject p = assertProblem(get("/api/v1/children/web-1/await?states=running"), 409, "INVALID_STATE");
    assertTrue(p.getString("detail").contains("exited"), p::encode);
  }

  @Test
  void awaitQueryIsValidatedWithItsNames() {
    for (String q : List.of("states=sleeping", "states=", "states=running,,exited")) {
      JsonObject p = assertProblem(get("/api/v1/children/web-1/await?" + q), 400, "VALIDATION_FAILED");
      assertEquals(List.of("states"), fields(p), q);
    }
    for (String q : List.of("timeout=soon", "timeout=0", "timeout=11m", "timeout=1s&timeout=2s")) {
      JsonObject p = assertProblem(get("/api/v1/children/web-1/await?" + q), 400, "VALIDATION_FAILED");
      assertEquals(List.of("timeout"), fields(p), q);
    }
    JsonObject p = assertProblem(get("/api/v1/children/web-1/await?state=running"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("state"), fields(p));
    p = assertProblem(get("/api/v1/children/-x/await"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("id"), fields(p));
    assertTrue(registry.received.isEmpty(), "nothing reached the registry");
  }

  @Test
  void batchInContinueModeIs200EvenWhenSomeFail() {
    post("/api/v1/children", spec("taken"));
    JsonObject batch = new JsonObject().put("onError", "continue")
        .put("children", new JsonArray().add(spec("b-1")).add(spec("taken")).add(spec("b-2")));
    HttpResponse<Buffer> resp = post("/api/v1/children/batch", batch);
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    JsonObject reply = resp.bodyAsJsonObject();
    assertEquals(2, reply.getInteger("started"));
    assertEquals(1, reply.getInteger("failed"));
    assertEquals(false, reply.getBoolean("rolledBack"));
    JsonObject failed = reply.getJsonArray("results").getJsonObject(1);
    assertEquals(false, failed.getBoolean("ok"));
    assertEquals("ALREADY_STARTED", failed.getJsonObject("error").getString("code"));
    assertEquals(Addresses.CHILD_START_BATCH, registry.received.get(1).address());
    assertEquals(batch, registry.received.get(1).body());
    assertTrue(registry.records.containsKey("b-2"));
  }

  @Test
  void rolledBackBatchIsAProblemWithTheFirstCodeAndEveryResult() {
    post("/api/v1/children", spec("taken"));
    JsonObject batch = new JsonObject().put("children", new JsonArray().add(spec("b-1")).add(spec("taken")));
    JsonObject p = assertProblem(post("/api/v1/children/batch", batch), 409, "ALREADY_STARTED");
    assertTrue(p.getString("detail").startsWith("batch rolled back: "), p::encode);
    assertEquals(true, p.getBoolean("rolledBack"));
    assertEquals(1, p.getInteger("started"));
    assertEquals(1, p.getInteger("failed"));
    JsonArray results = p.getJsonArray("results");
    assertEquals(2, results.size());
    assertEquals(true, results.getJsonObject(0).getBoolean("ok"));
    assertEquals("b-1", results.getJsonObject(0).getJsonObject("record").getString("id"));
    assertEquals("ALREADY_STARTED", results.getJsonObject(1).getJsonObject("error").getString("code"));
    assertFalse(p.containsKey("details"), "the results are members of the problem, not repeated under details");
    assertFalse(registry.records.containsKey("b-1"), "rolled back");
  }

  @Test
  void badBatchesAre400NamingTheField() {
    JsonObject p = assertProblem(post("/api/v1/children/batch",
        new JsonObject().put("onError", "ignore").put("children", new JsonArray().add(spec("a")))), 400, "VALIDATION_FAILED");
    assertEquals(List.of("onError"), fields(p));
    p = assertProblem(post("/api/v1/children/batch", new JsonObject().put("children", new JsonArray())), 400,
        "VALIDATION_FAILED");
    assertEquals(List.of("children"), fields(p));
    JsonObject badSpec = spec("b").put("restart", "sometimes");
    p = assertProblem(post("/api/v1/children/batch", new JsonObject().put("children", new JsonArray().add(spec("a"))
        .add(badSpec))), 400, "VALIDATION_FAILED");
    assertEquals(List.of("children[1].restart"), fields(p));
    HttpResponse<Buffer> notJson = await(client.post(port, "127.0.0.1", "/api/v1/children/batch")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("[{\"id\":\"a\"}]")));
    assertEquals(List.of("body"), fields(assertProblem(notJson, 400, "MALFORMED_REQUEST")));
    p = assertProblem(post("/api/v1/children/batch?wait=false", new JsonObject()), 400, "VALIDATION_FAILED");
    assertEquals(List.of("wait"), fields(p));
  }

  @Test
  void batchTimeoutGrowsWithTheBatchAndItsLongestShutdown() {
    WebSettings settings = new WebSettings(TestNode.with(TestNode.options(), "127.0.0.1", null, 1_000), true);
    assertEquals(3_000 + 5_000, settings.batchRequestTimeoutMs(1, 5_000));
    assertEquals(3_000 + 5_000, settings.batchRequestTimeoutMs(16, 5_000));
    assertEquals(4_000 + 60_000, settings.batchRequestTimeoutMs(17, 60_000));
    JsonArray children = new JsonArray().add(spec("a")).add(spec("b").put("shutdownTimeout", "2m"))
        .add(spec("c").put("shutdownTimeout", "never")).add("not a spec");
    assertEquals(120_000, ChildHandlers.longestShutdown(children));
    assertEquals(5_000, ChildHandlers.longestShutdown(new JsonArray()));
    assertEquals(31_000, settings.awaitRequestTimeoutMs(30_000));
  }
}
