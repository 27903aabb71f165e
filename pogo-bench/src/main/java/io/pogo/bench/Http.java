package io.pogo.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpResponseExpectation;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cluster benchmark's HTTP client: a plain (not clustered) Vert.x in the benchmark's JVM, so that the benchmark
 * is no member of the cluster it measures, and a Vert.x {@link HttpClient} (non-blocking, no thread per request,
 * unlike the JDK client on a 2-core machine; see README). Every call names the node by its HTTP port on 127.0.0.1.
 */
final class Http implements AutoCloseable {
  static final String HOST = "127.0.0.1";
  private final Vertx vertx;
  private final HttpClient client;
  /** Every request is issued on this event loop (see {@link #call}). */
  private final io.vertx.core.Context context;

  record Response(int status, Buffer body) {
    JsonObject json() {
      return body.length() == 0 ? new JsonObject() : body.toJsonObject();
    }
  }

  Http(int poolSize) {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2));
    client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(HOST).setConnectTimeout(5_000)
        .setKeepAlive(true).setPipelining(false), new PoolOptions().setHttp1MaxSize(poolSize));
    context = vertx.getOrCreateContext();
  }

  Vertx vertx() {
    return vertx;
  }

  /**
   * One request, issued on the client's own event loop. Issued straight from the benchmark's main thread, sequential
   * keep-alive requests of Vert.x 5.0.8's client now and then never went out (a GET stuck until its timeout after a
   * few hundred: 4 of 4 tries, pool of 1 or 80, while Python's http.client on one keep-alive connection did 3,000
   * without a hitch and the same loop driven from the event loop did 6,000); from the event loop it does not happen.
   */
  Future<Response> call(int port, HttpMethod method, String uri, JsonObject body, long timeoutMs) {
    io.vertx.core.Promise<Response> p = io.vertx.core.Promise.promise();
    context.runOnContext(v -> send(port, method, uri, body, timeoutMs).onComplete(p));
    return p.future();
  }

  private Future<Response> send(int port, HttpMethod method, String uri, JsonObject body, long timeoutMs) {
    RequestOptions ro = new RequestOptions().setMethod(method).setHost(HOST).setPort(port).setURI(uri)
        .setIdleTimeout(timeoutMs);
    return client.request(ro).compose(req -> {
      if (body != null) {
        req.putHeader("Content-Type", "application/json");
        return req.send(body.toBuffer());
      }
      return req.send();
    }).compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), b)));
  }

  /** POST /api/v1/children: the record of a 201 reply whose state is running, else a failure naming the reply. */
  Future<JsonObject> startChild(int port, JsonObject spec, long timeoutMs) {
    return call(port, HttpMethod.POST, "/api/v1/children", spec, timeoutMs).compose(r -> {
      if (r.status() != 201) {
        return Future.failedFuture("HTTP " + r.status() + ": " + r.body());
      }
      JsonObject rec = r.json();
      return "running".equals(rec.getString("state")) ? Future.succeededFuture(rec)
          : Future.failedFuture("state " + rec.getString("state") + ": " + r.body());
    });
  }

  /** DELETE /api/v1/children/{id}: 200, or 404 (already gone) counts as done. */
  Future<Void> stopChild(int port, String id, long timeoutMs) {
    return call(port, HttpMethod.DELETE, "/api/v1/children/" + id, null, timeoutMs).compose(r ->
        r.status() == 200 || r.status() == 404 ? Future.succeededFuture()
            : Future.failedFuture("HTTP " + r.status() + ": " + r.body()));
  }

  /** GET returning a JSON object on 200. */
  Future<JsonObject> getJson(int port, String uri, long timeoutMs) {
    return call(port, HttpMethod.GET, uri, null, timeoutMs).compose(r -> r.status() == 200
        ? Future.succeededFuture(r.json()) : Future.failedFuture("GET " + uri + ": HTTP " + r.status() + ": " + r.body()));
  }

  /** The records of GET /api/v1/children with the given query. */
  List<JsonObject> children(int port, String query, long timeoutMs) throws Exception {
    JsonArray a = await(getJson(port, "/api/v1/children" + (query.isEmpty() ? "" : "?" + query), timeoutMs), timeoutMs + 1_000)
        .getJsonArray("children", new JsonArray());
    List<JsonObject> out = new ArrayList<>(a.size());
    a.forEach(o -> out.add((JsonObject) o));
    return out;
  }

  /**
   * Opens GET /api/v1/events on a node and returns once the stream says it is connected (its consumers are
   * registered, so nothing published afterwards is missed). Events are kept in memory by the returned stream.
   */
  EventStream events(int port, long timeoutMs) throws Exception {
    EventStream s = new EventStream();
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost(HOST).setPort(port)
        .setURI("/api/v1/events").setIdleTimeout(0);
    // its own connection, outside the pool the load uses
    HttpClient own = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(HOST).setConnectTimeout(5_000),
        new PoolOptions().setHttp1MaxSize(1));
    s.client = own;
    context.runOnContext(go -> own.request(ro).compose(req -> req.send()).expecting(HttpResponseExpectation.SC_OK).onComplete(ar -> {
      if (ar.failed()) {
        s.connected.tryFail(ar.cause());
        return;
      }
      RecordParser parser = RecordParser.newDelimited("\n\n", s::onRecord);
      ar.result().handler(parser);
      ar.result().endHandler(end -> s.closed = true);
      ar.result().exceptionHandler(t -> s.closed = true);
    }));
    await(s.connected.future(), timeoutMs);
    return s;
  }

  static <T> T await(Future<T> f, long timeoutMs) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      await(vertx.close(), 10_000);
    } catch (Exception ignored) {
      // the JVM exits next
    }
  }

  /** A Server-Sent Events stream of a node: every event with the time it arrived here. */
  static final class EventStream implements AutoCloseable {
    /** One event: its type, its JSON, when this JVM read it (nanoTime and wall clock). */
    record Event(String type, JsonObject data, long recvNanos, long recvWallMs) {
    }

    private final io.vertx.core.Promise<Void> connected = io.vertx.core.Promise.promise();
    private final List<Event> events = new ArrayList<>();
    private HttpClient client;
    volatile boolean closed;

    private void onRecord(Buffer b) {
      long nanos = System.nanoTime();
      long wall = System.currentTimeMillis();
      String type = null;
      StringBuilder data = new StringBuilder();
      for (String line : b.toString().split("\n")) {
        if (line.startsWith(":")) {
          if (line.contains("connected")) {
            connected.tryComplete();
          }
        } else if (line.startsWith("event:")) {
          type = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).trim());
        }
      }
      if (type != null && data.length() > 0) {
        Event e = new Event(type, new JsonObject(data.toString()), nanos, wall);
        synchronized (events) {
          events.add(e);
          events.notifyAll();
        }
      }
    }

    int size() {
      synchronized (events) {
        return events.size();
      }
    }

    /** The events from index {@code from} on, waiting up to {@code waitMs} for at least one. */
    List<Event> since(int from, long waitMs) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
      synchronized (events) {
        while (events.size() <= from) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || closed) {
            break;
          }
          events.wait(Math.min(left, 100));
        }
        return from >= events.size() ? List.of() : new ArrayList<>(events.subList(from, events.size()));
      }
    }

    @Override
    public void close() {
      closed = true;
      if (client != null) {
        client.close();
      }
    }
  }
}
