package io.pogo.web;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /api/v1/children routes against a fake registry: happy paths and the registry's errors passed through. */
@ExtendWith(VertxExtension.class)
class ChildRoutesTest {
  private FakeRegistry registry;
  private WebClient client;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    registry = new FakeRegistry(vertx);
    await(registry.register());
    port = TestNode.deploy(vertx, TestNode.options());
    client = WebClient.create(vertx);
  }

  static JsonObject spec(String id, String role) {
    return new JsonObject().put("id", id).put("kind", "process").put("argv", new JsonArray().add("sleep").add("60"))
        .put("metadata", new JsonObject().put("role", role));
  }

  private HttpResponse<Buffer> create(JsonObject spec) {
    return await(client.post(port, "127.0.0.1", "/api/v1/children").sendJsonObject(spec));
  }

  private HttpResponse<Buffer> get(String uri) {
    return send(client.get(port, "127.0.0.1", uri));
  }

  @Test
  void createReturns201WithRecordAndLocation() {
    HttpResponse<Buffer> resp = create(spec("web-1", "web"));
    assertEquals(201, resp.statusCode(), resp::bodyAsString);
    assertEquals("/api/v1/children/web-1", resp.getHeader("Location"));
    assertTrue(resp.getHeader("Content-Type").startsWith("application/json"));
    JsonObject record = resp.bodyAsJsonObject();
    assertEquals("web-1", record.getString("id"));
    assertEquals("running", record.getString("state"));
    assertEquals(FakeRegistry.NODE, record.getString("node"));
    assertEquals(spec("web-1", "web").getJsonArray("argv"), registry.received.get(0).body().getJsonArray("argv"));
  }

  @Test
  void getReturnsTheRecord() {
    create(spec("web-1", "web"));
    HttpResponse<Buffer> resp = get("/api/v1/children/web-1");
    assertEquals(200, resp.statusCode());
    assertEquals("web-1", resp.bodyAsJsonObject().getString("id"));
  }

  @Test
  void unknownChildIs404WithCode() {
    JsonObject p = assertProblem(get("/api/v1/children/nope"), 404, "CHILD_NOT_FOUND");
    assertEquals("https://pogo.dev/errors/child-not-found", p.getString("type"));
    assertEquals("/api/v1/children/nope", p.getString("instance"));
    assertTrue(p.getString("detail").contains("nope"));
  }

  @Test
  void badIdInPathIs400NamingId() {
    JsonObject p = assertProblem(get("/api/v1/children/-bad%20id"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("id"), fields(p));
    assertTrue(registry.received.isEmpty(), "nothing reached the registry");
  }

  @Test
  void duplicateIs409WithDetails() {
    create(spec("web-1", "web"));
    JsonObject p = assertProblem(create(spec("web-1", "web")), 409, "ALREADY_STARTED");
    assertEquals(new JsonObject().put("id", "web-1").put("node", FakeRegistry.NODE).put("state", "running"),
        p.getJsonObject("details"));
  }

  @Test
  void invalidSpecIs400WithTheRegistryFieldNames() {
    JsonObject bad = new JsonObject().put("id", "x").put("kind", "process").put("restart", "permanant")
        .put("argv", new JsonArray().add("true"));
    JsonObject p = assertProblem(create(bad), 400, "VALIDATION_FAILED");
    assertEquals(List.of("restart"), fields(p));
    assertTrue(p.getJsonArray("errors").getJsonObject(0).getString("message").contains("permanant"));
    assertTrue(registry.records.isEmpty());
  }

  @Test
  void listReturnsChildrenAndCountAndPassesTheQuery() {
    create(spec("web-1", "web"));
    create(spec("db-1", "db"));
    HttpResponse<Buffer> all = get("/api/v1/children");
    assertEquals(200, all.statusCode());
    assertEquals(2, all.bodyAsJsonObject().getInteger("count"));
    assertEquals(2, all.bodyAsJsonObject().getJsonArray("children").size());

    HttpResponse<Buffer> web = get("/api/v1/children?scope=local&tag=role=web&state=running&node=node-a");
    assertEquals(200, web.statusCode(), web::bodyAsString);
    assertEquals(1, web.bodyAsJsonObject().getInteger("count"));
    assertEquals("web-1", web.bodyAsJsonObject().getJsonArray("children").getJsonObject(0).getString("id"));
    JsonObject query = registry.received.get(registry.received.size() - 1).body();
    assertEquals(new JsonObject().put("scope", "local").put("node", "node-a")
        .put("tags", new JsonObject().put("role", "web")).put("state", "running"), query);
  }

  @Test
  void listQueryParametersAreValidatedWithTheirNames() {
    JsonObject p = assertProblem(get("/api/v1/children?scope=galaxy&tag=novalue&state=sleeping"), 400,
        "VALIDATION_FAILED");
    assertEquals(List.of("scope", "state", "tag"), fields(p).stream().sorted().toList());
    assertTrue(registry.received.isEmpty(), "nothing reached the registry");
  }

  @Test
  void stopReturnsTheFinalRecord() {
    create(spec("web-1", "web"));
    HttpResponse<Buffer> resp = send(client.delete(port, "127.0.0.1", "/api/v1/children/web-1"));
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    assertEquals("stopped", resp.bodyAsJsonObject().getString("state"));
    assertProblem(get("/api/v1/children/web-1"), 404, "CHILD_NOT_FOUND");
  }

  @Test
  void restartReturnsTheRecord() {
    create(spec("web-1", "web"));
    HttpResponse<Buffer> resp = send(client.post(port, "127.0.0.1", "/api/v1/children/web-1/restart"));
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    assertEquals(1, resp.bodyAsJsonObject().getInteger("restarts"));
  }

  @Test
  void logsAsJsonPassTheReplyThroughWithTheTail() {
    create(spec("web-1", "web"));
    HttpResponse<Buffer> resp = get("/api/v1/children/web-1/logs?tail=2");
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    JsonObject body = resp.bodyAsJsonObject();
    assertEquals("web-1", body.getString("id"));
    assertEquals(FakeRegistry.NODE, body.getString("node"));
    assertEquals(0, body.getInteger("dropped"));
    assertEquals(2, body.getJsonArray("lines").size());
    assertEquals(new JsonObject().put("id", "web-1").put("tail", 2),
        registry.received.get(registry.received.size() - 1).body());
  }

  @Test
  void logsOfAReplicaAskForThatReplica() {
    create(spec("web-1", "web"));
    assertEquals(200, get("/api/v1/children/web-1/logs?replica=2&tail=5").statusCode());
    assertEquals(new JsonObject().put("id", "web-1").put("tail", 5).put("replica", 2),
        registry.received.get(registry.received.size() - 1).body());
    JsonObject p = assertProblem(get("/api/v1/children/web-1/logs?replica=64"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("replica"), fields(p));
  }

  @Test
  void logsDefaultTailIs200() {
    create(spec("web-1", "web"));
    assertEquals(200, get("/api/v1/children/web-1/logs").statusCode());
    assertEquals(LogParams.DEFAULT_TAIL, registry.received.get(registry.received.size() - 1).body().getInteger("tail"));
  }

  @Test
  void logsAsTextByAcceptHeaderOrFormat() {
    create(spec("web-1", "web"));
    String expected = "2026-11-21T15:04:05.123Z out  hello\n"
        + "2026-11-21T15:04:06.000Z err  oops\n"
        + "2026-11-21T15:04:07.000Z pogo exited\n";
    HttpResponse<Buffer> byAccept = send(client.get(port, "127.0.0.1", "/api/v1/children/web-1/logs")
        .putHeader("Accept", "text/plain"));
    assertEquals(200, byAccept.statusCode());
    assertTrue(byAccept.getHeader("Content-Type").startsWith("text/plain"));
    assertEquals(expected, byAccept.bodyAsString());
    HttpResponse<Buffer> byFormat = get("/api/v1/children/web-1/logs?format=text");
    assertEquals(expected, byFormat.bodyAsString());
  }

  @Test
  void logsQueryIsValidated() {
    create(spec("web-1", "web"));
    for (String q : List.of("tail=0", "tail=10001", "tail=abc", "tail=-1")) {
      JsonObject p = assertProblem(get("/api/v1/children/web-1/logs?" + q), 400, "VALIDATION_FAILED");
      assertEquals(List.of("tail"), fields(p), q);
    }
    JsonObject p = assertProblem(get("/api/v1/children/web-1/logs?format=xml"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("format"), fields(p));
    assertProblem(get("/api/v1/children/nope/logs"), 404, "CHILD_NOT_FOUND");
  }

  @Test
  void unknownIdOnEveryIdRouteIs404() {
    assertProblem(send(client.delete(port, "127.0.0.1", "/api/v1/children/nope")), 404, "CHILD_NOT_FOUND");
    assertProblem(send(client.post(port, "127.0.0.1", "/api/v1/children/nope/restart")), 404, "CHILD_NOT_FOUND");
  }

  @Test
  void methodNotAllowedIs405Problem() {
    HttpResponse<Buffer> resp = send(client.request(HttpMethod.PUT, port, "127.0.0.1", "/api/v1/children/web-1"));
    assertProblem(resp, 405, "METHOD_NOT_ALLOWED");
  }

  @Test
  void unknownPathIs404Problem() {
    assertProblem(get("/api/v1/nothing-here"), 404, "NOT_FOUND");
    assertProblem(get("/api/v2/children"), 404, "NOT_FOUND");
  }
}
