package io.pogo.web;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.pogo.web.Problem.assertProblem;
import static io.pogo.web.TestNode.TOKEN;
import static io.pogo.web.TestNode.await;
import static io.pogo.web.TestNode.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bearer token: mutating calls always need it, reads only off loopback, health never. */
@ExtendWith(VertxExtension.class)
class AuthTest {
  private Vertx vertx;
  private WebClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = WebClient.create(vertx);
    await(new FakeRegistry(vertx).register());
  }

  private int deploy(String host) {
    return TestNode.deploy(vertx, TestNode.with(TestNode.options(), host, TOKEN, 2_000));
  }

  private static HttpRequest<Buffer> bearer(HttpRequest<Buffer> req, String token) {
    return req.putHeader("Authorization", "Bearer " + token);
  }

  @Test
  void mutatingCallsNeedTheToken() {
    int port = deploy("127.0.0.1");
    JsonObject spec = ChildRoutesTest.spec("web-1", "web");

    HttpResponse<Buffer> none = await(client.post(port, "127.0.0.1", "/api/v1/children").sendJsonObject(spec));
    assertProblem(none, 401, "UNAUTHORIZED");
    assertEquals("Bearer realm=\"pogo\"", none.getHeader("WWW-Authenticate"));

    HttpResponse<Buffer> wrong = await(bearer(client.post(port, "127.0.0.1", "/api/v1/children"), TOKEN + "x")
        .sendJsonObject(spec));
    assertProblem(wrong, 401, "UNAUTHORIZED");
    assertTrue(wrong.getHeader("WWW-Authenticate").contains("invalid_token"));

    HttpResponse<Buffer> basic = await(client.post(port, "127.0.0.1", "/api/v1/children")
        .putHeader("Authorization", "Basic " + TOKEN).sendJsonObject(spec));
    assertProblem(basic, 401, "UNAUTHORIZED");

    HttpResponse<Buffer> ok = await(bearer(client.post(port, "127.0.0.1", "/api/v1/children"), TOKEN)
        .sendJsonObject(spec));
    assertEquals(201, ok.statusCode(), ok::bodyAsString);

    assertProblem(send(client.delete(port, "127.0.0.1", "/api/v1/children/web-1")), 401, "UNAUTHORIZED");
    assertProblem(send(client.post(port, "127.0.0.1", "/api/v1/children/web-1/restart")), 401, "UNAUTHORIZED");
    assertEquals(200, send(bearer(client.delete(port, "127.0.0.1", "/api/v1/children/web-1"), TOKEN)).statusCode());
  }

  @Test
  void batchAsyncStartAndDrainNeedTheTokenAndAwaitIsARead() {
    int port = deploy("127.0.0.1");
    JsonObject batch = new JsonObject().put("children", new io.vertx.core.json.JsonArray()
        .add(ChildRoutesTest.spec("web-1", "web")));
    assertProblem(await(client.post(port, "127.0.0.1", "/api/v1/children/batch").sendJsonObject(batch)), 401, "UNAUTHORIZED");
    assertProblem(await(client.post(port, "127.0.0.1", "/api/v1/children?wait=false")
        .sendJsonObject(ChildRoutesTest.spec("web-2", "web"))), 401, "UNAUTHORIZED");
    assertProblem(send(client.post(port, "127.0.0.1", "/api/v1/node/drain")), 401, "UNAUTHORIZED");

    HttpResponse<Buffer> ok = await(bearer(client.post(port, "127.0.0.1", "/api/v1/children/batch"), TOKEN).sendJsonObject(batch));
    assertEquals(200, ok.statusCode(), ok::bodyAsString);
    assertEquals(200, send(client.get(port, "127.0.0.1", "/api/v1/children/web-1/await")).statusCode());
    assertEquals(202, send(bearer(client.post(port, "127.0.0.1", "/api/v1/node/drain"), TOKEN)).statusCode());
  }

  @Test
  void theTokenIsCheckedBeforeTheBodyIsRead() {
    int port = deploy("127.0.0.1");
    HttpResponse<Buffer> resp = await(client.post(port, "127.0.0.1", "/api/v1/children")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("x".repeat(4_096))));
    assertProblem(resp, 401, "UNAUTHORIZED");
  }

  @Test
  void readsStayOpenOnLoopback() {
    int port = deploy("127.0.0.1");
    assertEquals(200, send(client.get(port, "127.0.0.1", "/api/v1/children")).statusCode());
    assertEquals(200, send(client.get(port, "127.0.0.1", "/api/v1/node")).statusCode());
  }

  @Test
  void offLoopbackReadsNeedTheTokenButHealthDoesNot() {
    int port = deploy("0.0.0.0");
    assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/children")), 401, "UNAUTHORIZED");
    assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/openapi.json")), 401, "UNAUTHORIZED");
    assertEquals(200, send(bearer(client.get(port, "127.0.0.1", "/api/v1/children"), TOKEN)).statusCode());
    assertEquals(200, send(client.get(port, "127.0.0.1", "/health")).statusCode());
    assertEquals(200, send(client.get(port, "127.0.0.1", "/health/ready")).statusCode());
  }

  @Test
  void offLoopbackWithoutATokenDoesNotStart() {
    JsonObject config = TestNode.with(TestNode.options(), "0.0.0.0", null, 2_000).toJson();
    Throwable t = assertThrows(Throwable.class,
        () -> await(vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(config))));
    assertTrue(t.getMessage().contains("httpHost"), t::getMessage);
  }
}
