package io.pogo.web;

import io.pogo.core.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static io.pogo.web.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSE bridge: events arrive, heartbeats flow, consumers go with the connection, slow clients are dropped. */
@ExtendWith(VertxExtension.class)
class EventStreamTest {
  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = vertx.createHttpClient();
  }

  /** Waits for a condition with a deadline instead of sleeping. */
  static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TestNode.DEADLINE_S * 1_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + TestNode.DEADLINE_S + " s: " + what);
      }
      try {
        Thread.sleep(10); // a polling interval, not a wait for an outcome
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private HttpClientResponse open(int port, String uri, StringBuffer received) {
    // The handler is set on the event loop as the response arrives, so no chunk is missed.
    return await(client.request(HttpMethod.GET, port, "127.0.0.1", uri)
        .compose(req -> req.send())
        .map(resp -> resp.handler(buf -> received.append(buf.toString(StandardCharsets.UTF_8)))));
  }

  private boolean noHandlers(String address) {
    try {
      await(vertx.eventBus().request(address, new JsonObject().put("type", "probe"),
          new DeliveryOptions().setSendTimeout(500)));
      return false;
    } catch (ReplyException e) {
      return e.failureType() == ReplyFailure.NO_HANDLERS;
    }
  }

  @Test
  void publishedEventsArriveAsServerSentEvents() {
    int port = TestNode.deploy(vertx, TestNode.options());
    StringBuffer received = new StringBuffer();
    HttpClientResponse resp = open(port, "/api/v1/events", received);
    assertEquals(200, resp.statusCode());
    assertTrue(resp.getHeader("Content-Type").startsWith("text/event-stream"));
    eventually("the stream opens", () -> received.toString().startsWith(": connected\n\n"));

    JsonObject child = new JsonObject().put("type", "child.running").put("id", "web-1").put("state", "running");
    JsonObject node = new JsonObject().put("type", "node.started").put("node", "node-a").put("at", 1L);
    JsonObject host = new JsonObject().put("type", "host.state").put("job", "j42").put("host", "web1")
        .put("state", "failed").put("reason", "exit code 3").put("at", 2L);
    vertx.eventBus().publish(Addresses.EVENTS_CHILD, child);
    vertx.eventBus().publish(Addresses.EVENTS_NODE, node);
    vertx.eventBus().publish(Addresses.EVENTS_JOB, host);
    eventually("every event arrives", () -> received.toString().contains("event: host.state\n"));
    assertTrue(received.toString().contains("event: child.running\ndata: " + child.encode() + "\n\n"), received::toString);
    assertTrue(received.toString().contains("event: node.started\ndata: " + node.encode() + "\n\n"), received::toString);
    assertTrue(received.toString().contains("event: host.state\ndata: " + host.encode() + "\n\n"), received::toString);
  }

  @Test
  void consumersAreUnregisteredWhenTheClientGoesAway() {
    int port = TestNode.deploy(vertx, TestNode.options());
    StringBuffer received = new StringBuffer();
    HttpClientResponse resp = open(port, "/api/v1/events", received);
    eventually("the stream opens", () -> received.length() > 0);
    await(resp.request().connection().close());
    eventually("no consumer left on " + Addresses.EVENTS_CHILD, () -> noHandlers(Addresses.EVENTS_CHILD));
    eventually("no consumer left on " + Addresses.EVENTS_NODE, () -> noHandlers(Addresses.EVENTS_NODE));
    eventually("no consumer left on " + Addresses.EVENTS_JOB, () -> noHandlers(Addresses.EVENTS_JOB));
  }

  @Test
  void heartbeatsAreComments() {
    EventStream stream = new EventStream(vertx, 50, 64 * 1024);
    int port = serve(stream);
    StringBuffer received = new StringBuffer();
    open(port, "/events", received);
    eventually("a heartbeat", () -> received.toString().contains(": heartbeat\n\n"));
    assertEquals(1, stream.openClients());
  }

  @Test
  void aClientThatStopsReadingIsDropped() throws Exception {
    EventStream stream = new EventStream(vertx, 60_000, 8 * 1024);
    int port = serve(stream);
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().contains(": connected")) {
        int b = in.read();
        assertTrue(b >= 0, "stream closed early: " + head);
        head.append((char) b);
      }
      // From here on the client reads nothing: the server must drop it rather than queue without bound.
      // The event loop publishes a few big events per millisecond until the client is gone.
      JsonObject big = new JsonObject().put("type", "child.running").put("pad", "x".repeat(64 * 1024));
      AtomicInteger published = new AtomicInteger();
      vertx.setPeriodic(1, timer -> {
        if (stream.openClients() == 0 || published.get() >= 2_000) {
          vertx.cancelTimer(timer);
          return;
        }
        for (int i = 0; i < 4; i++) {
          vertx.eventBus().publish(Addresses.EVENTS_CHILD, big);
          published.incrementAndGet();
        }
      });
      eventually("the slow client is dropped", () -> stream.openClients() == 0);
      eventually("no consumer left", () -> noHandlers(Addresses.EVENTS_CHILD));
      assertTrue(published.get() < 2_000, "dropped after " + published + " events");
    }
  }

  private int serve(EventStream stream) {
    Router router = Router.router(vertx);
    router.get("/events").handler(stream);
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    return server.actualPort();
  }
}
