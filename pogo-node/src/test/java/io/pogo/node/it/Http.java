package io.pogo.node.it;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A blocking HTTP client for tests (test threads are not event loops). */
final class Http {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final Duration timeout;

  Http(String base) {
    this(base, Duration.ofSeconds(30));
  }

  /** A client whose every exchange must end within {@code timeout} (for nodes that may be frozen). */
  Http(String base, Duration timeout) {
    this.base = base;
    this.timeout = timeout;
  }

  record Response(int status, String body, String contentType) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  Response get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Response post(String path, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Response post(String path, JsonObject body) {
    return post(path, body.encode());
  }

  Response delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  private Response send(HttpRequest.Builder builder) {
    try {
      // the request timeout covers the headers only: bound the whole exchange, body included
      HttpResponse<String> r = client.sendAsync(builder.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString())
          .get(2 * timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return new Response(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""));
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("HTTP request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
