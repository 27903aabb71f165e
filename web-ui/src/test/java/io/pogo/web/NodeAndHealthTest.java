package io.pogo.web;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
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
    for (String path : List.of("/api/v1/children", "/api/v1/children/{id}", "/api/v1/children/{id}/restart",
        "/api/v1/children/{id}/logs", "/api/v1/node", "/api/v1/nodes", "/api/v1/cluster", "/api/v1/events", "/api/v1/openapi.json", "/health",
        "/health/ready")) {
      assertNotNull(paths.getJsonObject(path), path);
    }
    assertNotNull(paths.getJsonObject("/api/v1/children").getJsonObject("post"));
    assertNotNull(paths.getJsonObject("/api/v1/children/{id}").getJsonObject("delete"));
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
