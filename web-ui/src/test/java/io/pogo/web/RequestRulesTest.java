package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static io.pogo.web.Problem.assertProblem;
import static io.pogo.web.Problem.fields;
import static io.pogo.web.TestNode.await;
import static io.pogo.web.TestNode.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request-level rules: bodies, sizes, media types, event-bus failures and the mapping of every error code. */
@ExtendWith(VertxExtension.class)
class RequestRulesTest {
  private Vertx vertx;
  private WebClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = WebClient.create(vertx);
  }

  private int deployWithRegistry() {
    await(new FakeRegistry(vertx).register());
    return TestNode.deploy(vertx, TestNode.options());
  }

  private HttpResponse<Buffer> post(int port, String contentType, String body) {
    var req = client.post(port, "127.0.0.1", "/api/v1/children");
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    }
    return await(req.sendBuffer(Buffer.buffer(body)));
  }

  @Test
  void malformedJsonIs400NamingTheBody() {
    int port = deployWithRegistry();
    JsonObject p = assertProblem(post(port, "application/json", "{\"id\": "), 400, "MALFORMED_REQUEST");
    assertTrue(p.getString("detail").startsWith("body: not valid JSON: "), p::encode);
    assertEquals(List.of("body"), fields(p));
  }

  @Test
  void jsonThatIsNotAnObjectIs400() {
    int port = deployWithRegistry();
    JsonObject p = assertProblem(post(port, "application/json", "[1,2]"), 400, "MALFORMED_REQUEST");
    assertTrue(p.getString("detail").contains("must be a JSON object"), p::encode);
    assertProblem(post(port, "application/json", "\"spec\""), 400, "MALFORMED_REQUEST");
  }

  @Test
  void missingBodyIs400() {
    int port = deployWithRegistry();
    JsonObject p = assertProblem(post(port, "application/json", ""), 400, "MALFORMED_REQUEST");
    assertEquals(List.of("body"), fields(p));
  }

  @Test
  void bodyOverTheLimitIs413() {
    int port = deployWithRegistry();
    String big = new JsonObject().put("id", "x").put("pad", "y".repeat(2_000)).encode();
    JsonObject p = assertProblem(post(port, "application/json", big), 413, "PAYLOAD_TOO_LARGE");
    assertTrue(p.getString("detail").contains("1024"), p::encode);
  }

  @Test
  void nonJsonContentTypeIs415() {
    int port = deployWithRegistry();
    JsonObject p = assertProblem(post(port, "text/plain", "{\"id\":\"x\"}"), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertTrue(p.getString("detail").contains("text/plain"), p::encode);
    assertProblem(post(port, "application/x-www-form-urlencoded", "id=x"), 415, "UNSUPPORTED_MEDIA_TYPE");
  }

  @Test
  void jsonMediaTypeVariantsAreAccepted() {
    int port = deployWithRegistry();
    String spec = ChildRoutesTest.spec("a-1", "web").encode();
    assertEquals(201, post(port, "application/json; charset=utf-8", spec).statusCode());
    assertEquals(201, post(port, null, ChildRoutesTest.spec("a-2", "web").encode()).statusCode());
  }

  @Test
  void noConsumerIs503() {
    int port = TestNode.deploy(vertx, TestNode.options());
    JsonObject p = assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/children/web-1")), 503, "UNAVAILABLE");
    assertEquals("https://pogo.dev/errors/unavailable", p.getString("type"));
    assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/node")), 503, "UNAVAILABLE");
  }

  @Test
  void silentConsumerIs504AfterTheRequestTimeout() {
    FakeRegistry registry = new FakeRegistry(vertx);
    await(registry.silent(Addresses.CHILD_GET));
    int port = TestNode.deploy(vertx, TestNode.with(TestNode.options(), "127.0.0.1", null, 300));
    assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/children/web-1")), 504, "TIMEOUT");
    assertEquals(1, registry.received.size());
  }

  @Test
  void everyErrorCodeKeepsItsStatusOnTheWayOut() {
    AtomicReference<PogoException> next = new AtomicReference<>();
    await(vertx.eventBus().<JsonObject>consumer(Addresses.CHILD_GET, m -> next.get().failMessage(m)).completion());
    int port = TestNode.deploy(vertx, TestNode.options());
    for (ErrorCode code : ErrorCode.values()) {
      JsonObject details = new JsonObject().put("why", code.name());
      next.set(new PogoException(code, "failed with " + code, List.of(), details));
      JsonObject p = assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/children/c1")), code.httpStatus(),
          code.name());
      assertEquals(code.title(), p.getString("title"));
      assertEquals("failed with " + code, p.getString("detail"));
      assertEquals(details, p.getJsonObject("details"));
    }
  }

  @Test
  void foreignFailuresAndOddRepliesAre500WithoutInternals() {
    AtomicReference<Boolean> fail = new AtomicReference<>(true);
    await(vertx.eventBus().<JsonObject>consumer(Addresses.CHILD_GET, m -> {
      if (fail.get()) {
        m.fail(42, "boom");
      } else {
        m.reply("not json");
      }
    }).completion());
    int port = TestNode.deploy(vertx, TestNode.options());
    assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/children/c1")), 500, "INTERNAL");
    fail.set(false);
    JsonObject p = assertProblem(send(client.get(port, "127.0.0.1", "/api/v1/children/c1")), 500, "INTERNAL");
    assertFalse(p.containsKey("errors"));
  }
}
