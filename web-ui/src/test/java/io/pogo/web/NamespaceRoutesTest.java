package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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

/** The /api/v1/namespaces routes against a fake scheduler: YAML and JSON configs, media types, errors. */
@ExtendWith(VertxExtension.class)
class NamespaceRoutesTest {
  static final String YAML = """
      tag:
        colo:
          east: [web[1-3].east]
      sequence:
        - $colo.east
      """;

  private FakeScheduler scheduler;
  private WebClient client;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    scheduler = new FakeScheduler(vertx);
    await(scheduler.register());
    port = TestNode.deploy(vertx, TestNode.options());
    client = WebClient.create(vertx);
  }

  private HttpResponse<Buffer> put(String uri, String contentType, String body) {
    var req = client.request(HttpMethod.PUT, port, "127.0.0.1", uri);
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    }
    return await(req.sendBuffer(Buffer.buffer(body)));
  }

  private HttpResponse<Buffer> get(String uri) {
    return send(client.get(port, "127.0.0.1", uri));
  }

  @Test
  void putForwardsAYamlConfigAsTextAndReturnsTheNamespace() {
    for (String type : List.of("application/yaml", "application/x-yaml", "text/yaml", "application/yaml; charset=utf-8")) {
      scheduler.received.clear();
      HttpResponse<Buffer> resp = put("/api/v1/namespaces/web", type, YAML);
      assertEquals(200, resp.statusCode(), () -> type + ": " + resp.bodyAsString());
      assertEquals(FakeScheduler.namespace("web"), resp.bodyAsJsonObject());
      assertEquals(new JsonObject().put("name", "web").put("config", YAML), scheduler.only(Addresses.NAMESPACE_PUT), type);
    }
  }

  @Test
  void putForwardsAJsonConfigAsTextToo() {
    String json = FakeScheduler.namespace("web").getJsonObject("config").encode();
    assertEquals(200, put("/api/v1/namespaces/web", "application/json", json).statusCode());
    assertEquals(new JsonObject().put("name", "web").put("config", json), scheduler.only(Addresses.NAMESPACE_PUT));
  }

  @Test
  void putOfAnotherMediaTypeIs415() {
    for (String type : List.of("text/plain", "application/x-www-form-urlencoded")) {
      JsonObject p = assertProblem(put("/api/v1/namespaces/web", type, YAML), 415, "UNSUPPORTED_MEDIA_TYPE");
      assertTrue(p.getString("detail").contains("application/yaml") && p.getString("detail").contains(type), p::encode);
    }
    assertTrue(scheduler.received.isEmpty(), "nothing reached the scheduler");
  }

  @Test
  void putNeedsABodyWithinTheLimit() {
    JsonObject p = assertProblem(put("/api/v1/namespaces/web", "application/yaml", "  \n"), 400, "MALFORMED_REQUEST");
    assertEquals(List.of("body"), fields(p));
    String big = "tag:\n  db: [" + "db1, ".repeat(400) + "db2]\n";
    assertProblem(put("/api/v1/namespaces/web", "application/yaml", big), 413, "PAYLOAD_TOO_LARGE");
    assertTrue(scheduler.received.isEmpty());
  }

  @Test
  void theSchedulersConfigErrorsPassThroughWithTheirPaths() {
    scheduler.fail(Addresses.NAMESPACE_PUT, PogoException.validation(List.of(
        new FieldError("constraint.$colo.max_parallel", "\"15x\" is not N or N%"),
        new FieldError("sequence[1]", "$colo.north names no tag value"))));
    JsonObject p = assertProblem(put("/api/v1/namespaces/web", "application/yaml", YAML), 400, "VALIDATION_FAILED");
    assertEquals(List.of("constraint.$colo.max_parallel", "sequence[1]"), fields(p));
  }

  @Test
  void getAnswersJsonOrTheConfigAsYaml() {
    HttpResponse<Buffer> json = get("/api/v1/namespaces/web");
    assertEquals(200, json.statusCode());
    assertEquals(FakeScheduler.namespace("web"), json.bodyAsJsonObject());
    assertEquals("Accept", json.getHeader("Vary"));
    assertEquals(new JsonObject().put("name", "web"), scheduler.only(Addresses.NAMESPACE_GET));

    HttpResponse<Buffer> yaml = send(client.get(port, "127.0.0.1", "/api/v1/namespaces/web")
        .putHeader("Accept", "application/yaml, application/json;q=0.5"));
    assertEquals(200, yaml.statusCode());
    assertTrue(yaml.getHeader("Content-Type").startsWith("application/yaml"), yaml.getHeader("Content-Type"));
    assertEquals("""
        tag:
          colo:
            east:
              - web[1-3].east
            west:
              - web[1-3].west
          db:
            - db1
        sequence:
          - $colo.east
          - $colo.west
        constraint:
          $colo:
            max_parallel: 2
        """, yaml.bodyAsString());
  }

  @Test
  void listDeleteAndBudgetAreForwarded() {
    HttpResponse<Buffer> list = get("/api/v1/namespaces");
    assertEquals(200, list.statusCode());
    assertEquals("web", list.bodyAsJsonObject().getJsonArray("namespaces").getJsonObject(0).getString("name"));
    assertEquals(new JsonObject(), scheduler.only(Addresses.NAMESPACE_LIST));

    scheduler.received.clear();
    HttpResponse<Buffer> deleted = send(client.delete(port, "127.0.0.1", "/api/v1/namespaces/web"));
    assertEquals(new JsonObject().put("name", "web"), deleted.bodyAsJsonObject());
    assertEquals(new JsonObject().put("name", "web"), scheduler.only(Addresses.NAMESPACE_DELETE));

    scheduler.received.clear();
    HttpResponse<Buffer> budget = get("/api/v1/namespaces/web/budget");
    assertEquals(FakeScheduler.budget(), budget.bodyAsJsonObject());
    assertEquals(new JsonObject().put("name", "web"), scheduler.only(Addresses.NAMESPACE_BUDGET));
  }

  @Test
  void anUnknownNamespaceIs404AndADeleteInUseIs409() {
    scheduler.fail(Addresses.NAMESPACE_GET, new PogoException(ErrorCode.NAMESPACE_NOT_FOUND, "no namespace \"db\""));
    JsonObject p = assertProblem(get("/api/v1/namespaces/db"), 404, "NAMESPACE_NOT_FOUND");
    assertEquals("https://pogo.dev/errors/namespace-not-found", p.getString("type"));
    scheduler.fail(Addresses.NAMESPACE_DELETE, new PogoException(ErrorCode.INVALID_STATE, "job j42 uses namespace web"));
    assertProblem(send(client.delete(port, "127.0.0.1", "/api/v1/namespaces/web")), 409, "INVALID_STATE");
  }

  @Test
  void namespaceRoutesTakeNoQueryParameters() {
    JsonObject p = assertProblem(get("/api/v1/namespaces/web/budget?slot=colo.east"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("slot"), fields(p));
    assertProblem(put("/api/v1/namespaces/web?force=true", "application/yaml", YAML), 400, "VALIDATION_FAILED");
    assertTrue(scheduler.received.isEmpty());
  }
}
