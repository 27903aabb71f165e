package io.pogo.node;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI's side of the HTTP API (JDK HttpClient: it starts faster than a Vert.x client). Successful replies are
 * returned as text; API errors ({@code application/problem+json}) and unreachable nodes become
 * {@link CliException}s with the CLI's exit codes.
 */
final class ApiClient {
  static final String DEFAULT_API = "http://127.0.0.1:8080";

  private final String base;
  private final String token;
  private final Duration timeout;
  private final boolean json;
  private final HttpClient http;

  /**
   * @param api     the node's address ({@code http://host:port}, with or without {@code /api/v1})
   * @param token   bearer token, or null
   * @param timeout connect and reply timeout
   * @param json    errors are reported as the raw problem JSON
   */
  ApiClient(String api, String token, Duration timeout, boolean json) {
    this.base = normalize(api);
    this.token = token == null || token.isBlank() ? null : token.trim();
    this.timeout = timeout;
    this.json = json;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** {@code http://host:port} without a trailing slash or {@code /api/v1}. */
  static String normalize(String api) {
    String a = api.trim();
    while (a.endsWith("/")) {
      a = a.substring(0, a.length() - 1);
    }
    if (a.endsWith("/api/v1")) {
      a = a.substring(0, a.length() - "/api/v1".length());
    }
    URI uri;
    try {
      uri = new URI(a);
    } catch (URISyntaxException e) {
      throw CliException.usage("--api: \"" + api + "\" is not a URL like http://127.0.0.1:8080");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw CliException.usage("--api: \"" + api + "\" is not a URL like http://127.0.0.1:8080");
    }
    return a;
  }

  String base() {
    return base;
  }

  String get(String path) {
    return send("GET", path, null);
  }

  String post(String path, JsonObject body) {
    return send("POST", path, body);
  }

  /**
   * A POST that is safe to send again because the body carries a request id the server deduplicates on: sent again
   * while the answer is "not now" (503, honouring Retry-After; 504) or no answer came (no connection, no reply in
   * time), until {@code within} has passed. The scheduler moving to another node after a crash looks like that for a
   * few seconds.
   */
  String postRetrying(String path, JsonObject body, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    long pauseMs = 250;
    while (true) {
      Reply reply;
      try {
        reply = exchange("POST", path, body);
      } catch (CliException unreachable) {
        if (System.nanoTime() - deadline > 0) {
          throw unreachable;
        }
        reply = null;
      }
      if (reply != null && reply.status() / 100 == 2) {
        return reply.body();
      }
      if (reply != null && reply.status() != 503 && reply.status() != 504) {
        throw apiError(reply.status(), reply.body());
      }
      if (reply != null && System.nanoTime() - deadline > 0) {
        throw apiError(reply.status(), reply.body());
      }
      long waitMs = Math.min(pauseMs, Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
      Thread.sleep(Math.max(10, waitMs)); // a back-off between attempts, bounded by the deadline
      pauseMs = Math.min(2_000, pauseMs * 2);
    }
  }

  String delete(String path) {
    return send("DELETE", path, null);
  }

  /** Sends a document as it is (a namespace config in YAML or JSON) and returns the body of a 2xx reply. */
  String put(String path, String text, String contentType) {
    Reply reply = exchange("PUT", path, text, contentType);
    if (reply.status() / 100 == 2) {
      return reply.body();
    }
    throw apiError(reply.status(), reply.body());
  }

  /** A reply's status and body. */
  record Reply(int status, String body) {
  }

  /** Sends {@code method /api/v1<path>} and returns the body of a 2xx reply. */
  String send(String method, String path, JsonObject body) {
    Reply reply = exchange(method, path, body);
    if (reply.status() / 100 == 2) {
      return reply.body();
    }
    throw apiError(reply.status(), reply.body());
  }

  /**
   * Sends {@code method /api/v1<path>} and returns whatever the node answered, error statuses included, for the
   * callers that read a problem's extension members; an unreachable node is still a {@link CliException}.
   */
  Reply exchange(String method, String path, JsonObject body) {
    return exchange(method, path, body == null ? null : body.encode(), "application/json");
  }

  /** As {@link #exchange(String, String, JsonObject)}, with a body of any media type (none when {@code body} is null). */
  Reply exchange(String method, String path, String body, String contentType) {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/api/v1" + path))
        .timeout(timeout)
        .header("Accept", "application/json, application/problem+json");
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      req.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      req.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.UNREACHABLE, "interrupted", List.of(), null);
    } catch (IOException | UnresolvedAddressException e) {
      throw unreachable(e);
    }
    return new Reply(resp.statusCode(), resp.body());
  }

  private CliException unreachable(Exception e) {
    String why;
    String hint = "";
    if (e instanceof HttpConnectTimeoutException) {
      why = "no connection within " + seconds();
    } else if (e instanceof HttpTimeoutException) {
      why = "no reply within " + seconds() + " (raise --timeout?)";
    } else if (e instanceof ConnectException || hasCause(e, ConnectException.class)) {
      why = "connection refused";
      hint = "; is a node running? start one with ./pogo up";
    } else if (e instanceof UnresolvedAddressException || hasCause(e, UnknownHostException.class)
        || hasCause(e, UnresolvedAddressException.class)) {
      why = "unknown host";
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return new CliException(CliException.UNREACHABLE, "cannot reach Pogo at " + base + ": " + why + hint, List.of(), null);
  }

  private String seconds() {
    long ms = timeout.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static boolean hasCause(Throwable t, Class<?> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  /** An error reply as a CliException: {@code detail} (or title) and one line per field error. */
  CliException apiError(int status, String body) {
    JsonObject problem = null;
    try {
      Object parsed = body == null || body.isBlank() ? null : new JsonObject(body);
      problem = (JsonObject) parsed;
    } catch (DecodeException | ClassCastException notJson) {
      problem = null;
    }
    List<String> details = new ArrayList<>();
    String message;
    if (problem != null) {
      String detail = problem.getValue("detail") instanceof String d && !d.isBlank() ? d : null;
      String title = problem.getValue("title") instanceof String t && !t.isBlank() ? t : "HTTP " + status;
      List<String> fieldErrors = new ArrayList<>();
      Object errs = problem.getValue("errors");
      if (errs instanceof JsonArray arr) {
        for (Object o : arr) {
          if (o instanceof JsonObject fe) {
            fieldErrors.add(fe.getString("field", "?") + ": " + fe.getString("message", ""));
          }
        }
      }
      fieldErrors.forEach(fe -> details.add("  " + fe));
      // A validation detail is often just the field errors joined: then the title reads better above them.
      boolean detailRepeatsFields = detail != null && !fieldErrors.isEmpty() && detail.equals(String.join("; ", fieldErrors));
      message = detail != null && !detailRepeatsFields ? detail : title;
    } else {
      String text = body == null ? "" : body.strip();
      if (text.length() > 300) {
        text = text.substring(0, 300) + "...";
      }
      message = "HTTP " + status + (text.isEmpty() ? "" : ": " + text);
    }
    if (status == 401) {
      details.add(token == null ? "  (no token given: pass --token or set POGO_TOKEN)" : "  (the token was refused)");
    }
    return new CliException(CliException.API_ERROR, message, details, json ? (body == null ? "" : body) : null);
  }
}
