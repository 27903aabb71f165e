package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/v1/events}: a Server-Sent Events bridge of everything published on
 * {@link Addresses#EVENTS_CHILD}, {@link Addresses#EVENTS_NODE} and {@link Addresses#EVENTS_JOB}. Each event is written as
 * {@code event: <type>} and {@code data: <json>}; a comment line opens the stream once the consumers are
 * registered (so a client that has read it misses nothing published afterwards), and another is written every
 * {@link #DEFAULT_HEARTBEAT_MS} ms so proxies keep the connection and dead clients are noticed.
 * <p>
 * Memory stays bounded: a client whose write queue is full is dropped (connection closed) instead of buffering
 * without limit, since it can reconnect and re-list. Consumers and the timer go with the connection.
 */
final class EventStream implements Handler<RoutingContext> {
  /** Heartbeat comment interval: below the usual 30-60 s idle timeouts of proxies and load balancers. */
  static final long DEFAULT_HEARTBEAT_MS = 15_000;
  /** Per-client write queue: a few hundred events; a client further behind than this is dropped. */
  static final int DEFAULT_WRITE_QUEUE_MAX_BYTES = 256 * 1024;

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);

  private final Vertx vertx;
  private final long heartbeatMs;
  private final int writeQueueMaxBytes;
  private final AtomicInteger openClients = new AtomicInteger();

  EventStream(Vertx vertx, long heartbeatMs, int writeQueueMaxBytes) {
    this.vertx = vertx;
    this.heartbeatMs = heartbeatMs;
    this.writeQueueMaxBytes = writeQueueMaxBytes;
  }

  @Override
  public void handle(RoutingContext ctx) {
    new Client(ctx).open();
  }

  /** Clients connected now (for tests and, later, metrics). */
  int openClients() {
    return openClients.get();
  }

  /** One connected client: its consumers, heartbeat timer and response. */
  private final class Client {
    private final RoutingContext ctx;
    private final HttpServerResponse resp;
    private List<MessageConsumer<Object>> consumers = List.of();
    private long timer = -1;
    private boolean closed;

    Client(RoutingContext ctx) {
      this.ctx = ctx;
      this.resp = ctx.response();
    }

    void open() {
      openClients.incrementAndGet();
      resp.setChunked(true)
          .setWriteQueueMaxSize(writeQueueMaxBytes)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .putHeader("X-Accel-Buffering", "no");
      resp.closeHandler(v -> close());
      resp.exceptionHandler(t -> close());
      consumers = List.of(
          vertx.eventBus().consumer(Addresses.EVENTS_CHILD, this::onEvent),
          vertx.eventBus().consumer(Addresses.EVENTS_NODE, this::onEvent),
          vertx.eventBus().consumer(Addresses.EVENTS_JOB, this::onEvent));
      Future.all(consumers.stream().map(MessageConsumer::completion).toList()).onComplete(ar -> {
        if (closed) {
          return;
        }
        if (ar.failed()) {
          close();
          ctx.fail(PogoException.from(ar.cause()));
          return;
        }
        send(": connected\n\n");
        timer = vertx.setPeriodic(heartbeatMs, id -> send(": heartbeat\n\n"));
      });
    }

    private void onEvent(Message<Object> msg) {
      if (!(msg.body() instanceof JsonObject json)) {
        log.debug("ignoring a non-JSON event on {}", msg.address());
        return;
      }
      String type = json.getString("type", "message").replaceAll("[\\r\\n]", " ");
      send("event: " + type + "\ndata: " + json.encode() + "\n\n");
    }

    private void send(String chunk) {
      if (closed) {
        return;
      }
      if (resp.writeQueueFull()) {
        log.warn("dropping slow event-stream client {}: more than {} bytes waiting", ctx.request().remoteAddress(),
            writeQueueMaxBytes);
        close();
        if (ctx.request().version() == HttpVersion.HTTP_2) {
          resp.reset();
        } else {
          ctx.request().connection().close();
        }
        return;
      }
      resp.write(chunk);
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      openClients.decrementAndGet();
      // Events already queued for this client's consumers still run (and are ignored: closed); unregistering
      // after them spares the log a "Discarding message" warning per event of a burst.
      vertx.runOnContext(v -> consumers.forEach(MessageConsumer::unregister));
      if (timer != -1) {
        vertx.cancelTimer(timer);
      }
    }
  }
}
