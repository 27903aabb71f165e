package io.pogo.node;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The CLI against a fake API server (JDK HttpServer on an ephemeral loopback port): canned replies by method and
 * path, every request kept, and {@link #run} executing a command line with its output captured.
 */
abstract class CliHarness {
  static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

  record Seen(String method, String uri, String auth, String body, String contentType) {
  }

  record Reply(int status, String contentType, String body) {
  }

  HttpServer server;
  String api;
  final Map<String, Reply> replies = new ConcurrentHashMap<>();
  /** Replies served once each, in order, before {@link #replies}. */
  final Map<String, java.util.Queue<Reply>> sequences = new ConcurrentHashMap<>();
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** What the command reads from standard input. */
  byte[] stdin = new byte[0];
  /** Runs on the command tree before each execution (to replace a command's collaborators). */
  Consumer<CommandLine> beforeRun = cl -> { };
  String out;
  String err;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders().getFirst("Authorization"),
          body, ex.getRequestHeaders().getFirst("Content-Type")));
      String key = ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
      Reply next = sequences.containsKey(key) ? sequences.get(key).poll() : null;
      Reply r = next != null ? next : replies.getOrDefault(key,
          new Reply(404, "application/problem+json", problem(404, "not found", "nothing at " + ex.getRequestURI().getPath(), null)));
      byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", r.contentType());
      ex.sendResponseHeaders(r.status(), bytes.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(bytes);
      }
    });
    server.start();
    api = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  static String problem(int status, String title, String detail, JsonArray errors) {
    JsonObject p = new JsonObject().put("type", "about:blank").put("title", title).put("status", status)
        .put("detail", detail).put("code", "X");
    if (errors != null) {
      p.put("errors", errors);
    }
    return p.encode();
  }

  static Reply ok(JsonObject body) {
    return new Reply(200, "application/json", body.encode());
  }

  int run(Map<String, String> env, String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CliContext ctx = new CliContext(env, Clock.fixed(NOW, ZoneOffset.UTC), new ByteArrayInputStream(stdin),
        () -> "test-node", 10);
    CommandLine cl = Main.commandLine(ctx);
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    beforeRun.accept(cl);
    int code = cl.execute(args);
    out = o.toString();
    err = e.toString();
    return code;
  }

  int run(String... args) {
    return run(Map.of(), args);
  }
}
