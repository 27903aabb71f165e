package io.pogo.web;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import static io.pogo.web.TestNode.await;
import static io.pogo.web.TestNode.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Node info, liveness and readiness, the OpenAPI document, and the verticle's start and stop. */
@ExtendWith(VertxExtension.class)
class NodeAndHealthTest {
  private Vertx vertx;
  private WebClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = WebClient.create(vertx);
  }

  private HttpResponse<Buffer> get(int port, String uri) {
    return send(client.get(port, "127.0.0.1", uri));
  }

  @Test
  void nodeInfoIsPassedThrough() {
    await(new FakeRegistry(vertx).register());
    int port = TestNode.deploy(vertx, TestNode.options());
    HttpResponse<Buffer> resp = get(port, "/api/v1/node");
    assertEquals(200, resp.statusCode());
    assertEquals(FakeRegistry.NODE, resp.bodyAsJsonObject().getString("name"));
  }

  @Test
  void rebalanceIsPublishedToEveryNode() {
    java.util.concurrent.CopyOnWriteArrayList<io.vertx.core.json.JsonObject> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<io.vertx.core.json.JsonObject>consumer(io.pogo.core.Addresses.CLUSTER_REBALANCE, m -> asked.add(m.body()));
    int port = TestNode.deploy(vertx, TestNode.options());
    HttpResponse<Buffer> resp = send(client.post(port, "127.0.0.1", "/api/v1/cluster/rebalance"));
    assertEquals(202, resp.statusCode());
    assertEquals(true, resp.bodyAsJsonObject().getBoolean("requested"));
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (asked.isEmpty() && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10));
    }
    assertEquals(1, asked.size(), "every registry is asked once");
  }

  @Test
  void drainAsksThisNodeAndAnswers202() {
    FakeRegistry registry = new FakeRegistry(vertx);
    await(registry.register());
    int port = TestNode.deploy(vertx, TestNode.options());
    HttpResponse<Buffer> resp = send(client.post(port, "127.0.0.1", "/api/v1/node/drain"));
    assertEquals(202, resp.statusCode(), resp::bodyAsString);
    assertEquals(new JsonObject().put("node", FakeRegistry.NODE).put("state", "draining").put("children", 0),
        resp.bodyAsJsonObject());
    assertEquals(io.pogo.core.Addresses.nodeDrain(FakeRegistry.NODE), registry.received.get(0).address());
    assertEquals(new JsonObject(), registry.received.get(0).body());

    JsonObject options = new JsonObject().put("exit", false).put("timeout", "5m");
    resp = await(client.post(port, "127.0.0.1", "/api/v1/node/drain").sendJsonObject(options));
    assertEquals(202, resp.statusCode(), resp::bodyAsString);
    assertEquals(options, registry.received.get(1).body());
  }

  @Test
  void badDrainOptionsAre400NamingTheField() {
    FakeRegistry registry = new FakeRegistry(vertx);
    await(registry.register());
    int port = TestNode.deploy(vertx, TestNode.options());
    JsonObject p = Problem.assertProblem(await(client.post(port, "127.0.0.1", "/api/v1/node/drain")
        .sendJsonObject(new JsonObject().put("exit", "no").put("timeout", "soon"))), 400, "VALIDATION_FAILED");
    assertEquals(List.of("exit", "timeout"), Problem.fields(p).stream().sorted().toList());
    p = Problem.assertProblem(await(client.post(port, "127.0.0.1", "/api/v1/node/drain")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("true"))), 400, "MALFORMED_REQUEST");
    assertEquals(List.of("body"), Problem.fields(p));
    assertTrue(registry.received.isEmpty(), "nothing reached the node");
  }

  @Test
  void drainWithoutADrainingNodeIs503() {
    int port = TestNode.deploy(vertx, TestNode.options());
    Problem.assertProblem(send(client.post(port, "127.0.0.1", "/api/v1/node/drain")), 503, "UNAVAILABLE");
  }

  @Test
  void livenessNeedsNoEventBusAndReadinessDoes() {
    int port = TestNode.deploy(vertx, TestNode.options());
    HttpResponse<Buffer> live = get(port, "/health");
    assertEquals(200, live.statusCode());
    assertEquals(new JsonObject().put("status", "UP").put("node", FakeRegistry.NODE), live.bodyAsJsonObject());

    HttpResponse<Buffer> notReady = get(port, "/health/ready");
    assertEquals(503, notReady.statusCode());
    assertEquals("DOWN", notReady.bodyAsJsonObject().getString("status"));
    assertEquals("UNAVAILABLE", notReady.bodyAsJsonObject().getString("code"));

    await(new FakeRegistry(vertx).register());
    HttpResponse<Buffer> ready = get(port, "/health/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("UP", ready.bodyAsJsonObject().getString("status"));
  }

  @Test
  void openApiDocumentDescribesEveryRoute() {
    int port = TestNode.deploy(vertx, TestNode.options());
    HttpResponse<Buffer> resp = get(port, "/api/v1/openapi.json");
    assertEquals(200, resp.statusCode());
    JsonObject doc = resp.bodyAsJsonObject();
    assertTrue(doc.getString("openapi").startsWith("3.1"));
    JsonObject paths = doc.getJsonObject("paths");
    // every route the router serves, method by method, is in the document, and nothing else is
    Router router = ApiRouter.create(vertx, new WebSettings(TestNode.options(), true), Buffer.buffer("{}"));
    java.util.Set<String> served = new java.util.TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() == null || route.methods() == null) {
        continue; // the bearer check and the failure handler, on every path
      }
      String path = route.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
      for (HttpMethod m : route.methods()) {
        served.add(m.name().toLowerCase(java.util.Locale.ROOT) + " " + path);
      }
    }
    java.util.Set<String> documented = new java.util.TreeSet<>();
    paths.forEach(e -> ((JsonObject) e.getValue()).fieldNames().stream()
        .filter(k -> List.of("get", "post", "put", "delete", "patch").contains(k))
        .forEach(m -> documented.add(m + " " + e.getKey())));
    assertEquals(served, documented);
    assertTrue(served.containsAll(List.of("post /api/v1/children/batch", "get /api/v1/children/{id}/await",
        "post /api/v1/node/drain", "get /api/v1/children/{id}/logs")), served::toString);
    assertTrue(served.containsAll(List.of("put /api/v1/namespaces/{ns}", "get /api/v1/namespaces/{ns}/budget",
        "post /api/v1/plan", "post /api/v1/jobs", "get /api/v1/jobs/{id}/hosts/{host}/output",
        "post /api/v1/jobs/{id}/alter")), served::toString);
    List<String> codes = doc.getJsonObject("components").getJsonObject("schemas").getJsonObject("Problem")
        .getJsonObject("properties").getJsonObject("code").getJsonArray("enum").stream().map(String::valueOf).toList();
    assertEquals(java.util.Arrays.stream(io.pogo.core.error.ErrorCode.values()).map(Enum::name).sorted().toList(),
        codes.stream().sorted().toList(), "the document lists every error code");
    for (String ref : refs(doc, new java.util.ArrayList<>())) {
      String[] parts = ref.substring(2).split("/");
      Object target = doc;
      for (String part : parts) {
        target = ((JsonObject) target).getValue(part);
      }
      assertNotNull(target, ref);
    }
  }

  /** Every {@code $ref} in the document. */
  private static List<String> refs(Object node, List<String> into) {
    if (node instanceof JsonObject o) {
      o.forEach(e -> {
        if (e.getKey().equals("$ref")) {
          into.add((String) e.getValue());
        } else {
          refs(e.getValue(), into);
        }
      });
    } else if (node instanceof io.vertx.core.json.JsonArray a) {
      a.forEach(v -> refs(v, into));
    }
    return into;
  }

  @Test
  void boundPortIsSharedAndRemovedOnUndeploy() {
    String id = await(vertx.deployVerticle(new HttpVerticle(),
        new DeploymentOptions().setConfig(TestNode.options().toJson())));
    Object port = vertx.sharedData().getLocalMap(HttpVerticle.LOCAL_MAP).get(HttpVerticle.PORT_KEY);
    assertTrue(port instanceof Integer p && p > 0, String.valueOf(port));
    await(vertx.undeploy(id));
    assertNull(vertx.sharedData().getLocalMap(HttpVerticle.LOCAL_MAP).get(HttpVerticle.PORT_KEY));
  }

  @Test
  void portInUseFailsTheStartNamingHostAndPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      JsonObject config = TestNode.options().toJson().put("httpPort", port);
      Throwable t = assertThrows(Throwable.class,
          () -> await(vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config))));
      assertEquals("port " + port + " on 127.0.0.1 is in use: pass --http-port", t.getMessage());
    }
  }

  @Test
  void badConfigFailsTheStartNamingTheSetting() {
    JsonObject config = TestNode.options().toJson().put("httpPort", 70_000);
    Throwable t = assertThrows(Throwable.class,
        () -> await(vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config))));
    assertTrue(t.getMessage().contains("httpPort"), t::getMessage);
  }
}
