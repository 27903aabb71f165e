package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The child commands against a fake API server (JDK HttpServer on an ephemeral loopback port). */
class CliTest extends CliHarness {

  static JsonObject record(String id, String kind, String state, Long pid, Long startedAt, JsonObject lastExit) {
    JsonObject spec = new JsonObject().put("id", id).put("kind", kind).put("restart", "permanent")
        .put("maxRestarts", 5).put("restartWindow", "1m");
    if (kind.equals("process")) {
      spec.put("argv", new JsonArray().add("sh").add("-c").add("echo hi"));
    } else {
      spec.put("verticle", "io.pogo.supervisor.examples.EchoVerticle").put("config", new JsonObject()).put("instances", 1);
    }
    return new JsonObject().put("id", id).put("kind", kind).put("state", state).put("node", "node-a").put("epoch", 3)
        .put("restarts", 2).put("pid", pid).put("deploymentId", null).put("startedAt", startedAt)
        .put("lastExit", lastExit).put("updatedAt", NOW.toEpochMilli()).put("metadata", new JsonObject().put("team", "x"))
        .put("spec", spec);
  }

  @Test
  void lsPrintsAnAlignedTable() {
    JsonArray children = new JsonArray()
        .add(record("web-1", "process", "running", 4242L, NOW.toEpochMilli() - 12_000, null))
        .add(record("echo", "verticle", "backoff", null, NOW.toEpochMilli() - 3_600_000,
            new JsonObject().put("kind", "abnormal").put("message", "exit code 3").put("at", NOW.toEpochMilli() - 120_000)));
    replies.put("GET /api/v1/children", new Reply(200, "application/json",
        new JsonObject().put("children", children).put("count", 2).encode()));

    assertEquals(0, run("child", "ls", "--api", api, "--tag", "team=x", "--state", "running", "--scope", "global"), err);
    assertEquals("""
        ID     KIND      STATE    NODE    RESTARTS  PID   STARTED  LAST EXIT
        web-1  process   running  node-a  2         4242  12s ago  -
        echo   verticle  backoff  node-a  2         -     1h ago   exit code 3 (2m ago)
        """, out);
    Seen req = seen.get(0);
    assertEquals("GET", req.method());
    assertEquals("/api/v1/children?scope=global&tag=team%3Dx&state=running", req.uri());
  }

  @Test
  void jsonPrintsTheRawReplyAndTheTokenComesFromTheEnvironment() {
    String body = new JsonObject().put("children", new JsonArray()).put("count", 0).encode();
    replies.put("GET /api/v1/children", new Reply(200, "application/json", body));
    assertEquals(0, run(Map.of("POGO_API", api + "/api/v1/", "POGO_TOKEN", "secret-token-0123456789"), "child", "ls", "--json"), err);
    assertEquals(body + "\n", out);
    assertEquals("Bearer secret-token-0123456789", seen.get(0).auth());
    assertEquals(0, run("child", "ls", "--api", api));
    assertEquals("no children\n", out);
  }

  @Test
  void problemIsRenderedWithItsFieldErrors() {
    replies.put("POST /api/v1/children", new Reply(400, "application/problem+json", problem(400, "validation failed",
        "the child spec is invalid", new JsonArray()
            .add(new JsonObject().put("field", "argv").put("message", "must not be empty"))
            .add(new JsonObject().put("field", "restart").put("message", "must be one of permanent, transient, temporary")))));
    assertEquals(1, run("child", "start", "--api", api, "--id", "w", "--kind", "process", "--restart", "sometimes"));
    assertEquals("""
        error: the child spec is invalid
          argv: must not be empty
          restart: must be one of permanent, transient, temporary
        """, err);
    assertEquals(new JsonObject().put("id", "w").put("kind", "process").put("restart", "sometimes").put("argv", new JsonArray()),
        new JsonObject(seen.get(0).body()));
  }

  @Test
  void validationDetailThatRepeatsTheFieldErrorsIsNotPrintedTwice() {
    replies.put("POST /api/v1/children", new Reply(400, "application/problem+json", problem(400, "validation failed",
        "argv: must not be empty; id: is required", new JsonArray()
            .add(new JsonObject().put("field", "argv").put("message", "must not be empty"))
            .add(new JsonObject().put("field", "id").put("message", "is required")))));
    assertEquals(1, run("child", "start", "--api", api, "--spec", "{\"kind\":\"process\",\"argv\":[]}"));
    assertEquals("error: validation failed\n  argv: must not be empty\n  id: is required\n", err);
  }

  @Test
  void startFromShortcutsSendsTheSpecAndPrintsWhereItRuns() {
    replies.put("POST /api/v1/children", new Reply(201, "application/json",
        record("web-1", "process", "running", 77L, NOW.toEpochMilli(), null).encode()));
    assertEquals(0, run("child", "start", "--api", api, "--id", "web-1", "--tag", "team=x", "--env", "A=1",
        "--", "python3", "-m", "http.server", "9000"), err);
    assertEquals("started web-1 (process) on node-a: running\n", out);
    assertEquals(new JsonObject().put("id", "web-1").put("kind", "process")
            .put("metadata", new JsonObject().put("team", "x"))
            .put("argv", new JsonArray(List.of("python3", "-m", "http.server", "9000")))
            .put("env", new JsonObject().put("A", "1")),
        new JsonObject(seen.get(0).body()));

    assertEquals(0, run("child", "start", "--api", api, "--id", "echo", "--verticle", "io.pogo.supervisor.examples.EchoVerticle",
        "--config", "{\"address\":\"echo\"}"), err);
    JsonObject sent = new JsonObject(seen.get(1).body());
    assertEquals("verticle", sent.getString("kind"));
    assertEquals(new JsonObject().put("address", "echo"), sent.getJsonObject("config"));
  }

  @Test
  void usageErrorsExitWith2WithoutCallingTheApi() {
    assertEquals(2, run("child", "start", "--api", api, "--spec", "{not json"));
    assertTrue(err.startsWith("error: --spec: not valid JSON"), err);
    assertEquals(2, run("child", "start", "--api", api, "--spec", "{}", "--id", "x"));
    assertEquals(2, run("child", "ls", "--api", api, "--scope", "everywhere"));
    assertEquals(2, run("child", "ls", "--api", api, "--bogus"));
    assertTrue(err.contains("Unknown option: '--bogus'"), err);
    assertEquals(2, run("child", "get", "--api", "ftp://x"));
    assertEquals(2, run("node", "--http-host", "0.0.0.0", "--failure-timeout", "soon"));
    assertTrue(err.startsWith("error: invalid node settings\n"), err);
    assertTrue(err.contains("  httpHost: \"0.0.0.0\" is not a loopback address"), err);
    assertTrue(err.contains("  failureTimeout: "), err);
    assertEquals(List.of(), seen);
  }

  @Test
  void unreachableApiExitsWith3() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertEquals(3, run("child", "ls", "--api", "http://127.0.0.1:" + port));
    assertEquals("error: cannot reach Pogo at http://127.0.0.1:" + port
        + ": connection refused; is a node running? start one with ./pogo up\n", err);
  }

  @Test
  void getStopRestartAndLogs() {
    JsonObject rec = record("web-1", "process", "running", 4242L, NOW.toEpochMilli() - 5_000, null);
    replies.put("GET /api/v1/children/web-1", new Reply(200, "application/json", rec.encode()));
    assertEquals(0, run("child", "get", "web-1", "--api", api), err);
    assertTrue(out.contains("argv:      sh -c 'echo hi'\n"), out);
    assertTrue(out.contains("started:   2026-11-21T11:59:55Z (5s ago)\n"), out);

    replies.put("DELETE /api/v1/children/web-1", new Reply(200, "application/json", rec.copy().put("state", "stopped")
        .put("lastExit", new JsonObject().put("kind", "shutdown").put("message", "stopped by request").put("at", 1L)).encode()));
    assertEquals(0, run("child", "stop", "web-1", "--api", api), err);
    assertEquals("stopped web-1 on node-a (stopped by request)\n", out);

    replies.put("POST /api/v1/children/web-1/restart", new Reply(200, "application/json", rec.encode()));
    assertEquals(0, run("child", "restart", "web-1", "--api", api), err);
    assertEquals("restarted web-1 on node-a: running (restarts: 2)\n", out);

    JsonArray lines = new JsonArray()
        .add(new JsonObject().put("seq", 7).put("at", NOW.toEpochMilli()).put("stream", "out").put("text", "hello"))
        .add(new JsonObject().put("seq", 8).put("at", NOW.toEpochMilli() + 1).put("stream", "err").put("text", "oops"));
    replies.put("GET /api/v1/children/web-1/logs", new Reply(200, "application/json",
        new JsonObject().put("id", "web-1").put("node", "node-a").put("lines", lines).put("dropped", 6).encode()));
    assertEquals(0, run("child", "logs", "web-1", "--tail", "2", "--api", api), err);
    assertEquals("12:00:00.000 out  hello\n12:00:00.001 err  oops\n", out);
    assertTrue(err.contains("6 older lines were dropped"), err);
    assertTrue(seen.get(seen.size() - 1).uri().endsWith("/logs?tail=2"), seen.toString());
    assertEquals(0, run("child", "logs", "web-1", "--raw", "--api", api), err);
    assertEquals("hello\noops\n", out);

    assertEquals(1, run("child", "get", "nope", "--api", api));
    assertEquals("error: nothing at /api/v1/children/nope\n", err);
  }

  static Reply logs(int... seqs) {
    JsonArray lines = new JsonArray();
    for (int seq : seqs) {
      lines.add(new JsonObject().put("seq", seq).put("at", NOW.toEpochMilli()).put("stream", "out").put("text", "line " + seq));
    }
    return new Reply(200, "application/json", new JsonObject().put("id", "t").put("lines", lines).put("dropped", 0).encode());
  }

  @Test
  void followPrintsOnlyNewLinesAndReportsGapsUntilTheChildIsGone() {
    sequences.put("GET /api/v1/children/t/logs", new java.util.ArrayDeque<>(List.of(
        logs(1, 2), logs(1, 2), logs(1, 2, 3, 4), logs(3, 4, 7, 8))));
    // after the sequence, the fake answers 404: the child was removed, which ends --follow
    assertEquals(1, run("child", "logs", "t", "--follow", "--raw", "--api", api));
    assertEquals("line 1\nline 2\nline 3\nline 4\nline 7\nline 8\n", out);
    assertTrue(err.contains("(2 lines not shown"), err);
    assertTrue(err.endsWith("error: nothing at /api/v1/children/t/logs\n"), err);
    assertEquals("/api/v1/children/t/logs?tail=1000", seen.get(1).uri());
  }

  @Test
  void unauthorizedSaysHowToGiveAToken() {
    replies.put("GET /api/v1/children", new Reply(401, "application/problem+json", problem(401, "unauthorized", null, null)));
    assertEquals(1, run("child", "ls", "--api", api));
    assertEquals("error: unauthorized\n  (no token given: pass --token or set POGO_TOKEN)\n", err);
    assertEquals(1, run("child", "ls", "--api", api, "--json"));
    assertTrue(out.contains("\"status\":401"), out);
  }

  @TempDir
  Path tmp;

  /** A record of a child with three replicas, combined as the registry shows it. */
  static JsonObject replicated(String id) {
    JsonObject r = record(id, "process", "running", 11L, NOW.toEpochMilli() - 5_000, null);
    r.getJsonObject("spec").put("replicas", 3).put("migration", "start-then-stop");
    r.remove("replica");
    JsonArray replicas = new JsonArray();
    String[] nodes = {"node-a", "node-b", "node-c"};
    for (int i = 0; i < 3; i++) {
      replicas.add(new JsonObject().put("replica", i).put("node", nodes[i]).put("state", i == 2 ? "backoff" : "running")
          .put("epoch", 1).put("pid", i == 2 ? null : 11L + i).put("deploymentId", null)
          .put("startedAt", NOW.toEpochMilli() - 5_000).put("restarts", i).put("lastExit", null));
    }
    return r.put("state", "backoff").put("nodes", new JsonArray(List.of(nodes))).put("replicas", replicas);
  }

  static JsonObject spec(String id) {
    return new JsonObject().put("id", id).put("kind", "process").put("argv", new JsonArray().add("sleep").add("60"));
  }

  @Test
  void asyncStartAsksNotToWaitAndPrintsTheClaimedRecord() {
    replies.put("POST /api/v1/children", new Reply(202, "application/json",
        record("web-1", "process", "starting", null, null, null).encode()));
    assertEquals(0, run("child", "start", "--api", api, "--async", "--id", "web-1", "--", "sleep", "60"), err);
    assertEquals("accepted web-1 (process) on node-a: starting\n", out);
    assertEquals("/api/v1/children?wait=false", seen.get(0).uri());
    assertEquals(0, run("child", "start", "--api", api, "--async", "--spec", spec("web-2").encode(), "--json"), err);
    assertEquals("starting", new JsonObject(out).getString("state"));
    assertEquals(spec("web-2"), new JsonObject(seen.get(1).body()));
  }

  @Test
  void replicasAndMigrationGoIntoTheSpecAndEveryNodeIsShown() {
    replies.put("POST /api/v1/children", new Reply(201, "application/json", replicated("web").encode()));
    assertEquals(0, run("child", "start", "--api", api, "--id", "web", "--replicas", "3", "--migration", "start-then-stop",
        "--", "sleep", "60"), err);
    assertEquals("started web (process) on node-a,node-b,node-c: backoff\n", out);
    JsonObject sent = new JsonObject(seen.get(0).body());
    assertEquals(3, sent.getInteger("replicas"));
    assertEquals("start-then-stop", sent.getString("migration"));
    assertEquals(2, run("child", "start", "--api", api, "--id", "web", "--replicas", "three", "--", "sleep", "60"));
    assertEquals(2, run("child", "start", "--api", api, "--spec", spec("x").encode(), "--replicas", "2"));
    assertEquals(1, seen.size());
  }

  @Test
  void lsAndGetShowEveryReplica() {
    replies.put("GET /api/v1/children", new Reply(200, "application/json", new JsonObject()
        .put("children", new JsonArray().add(replicated("web")).add(record("one", "verticle", "running", null, null, null)))
        .put("count", 2).encode()));
    assertEquals(0, run("child", "ls", "--api", api), err);
    assertEquals("""
        ID   KIND      STATE    NODE                  RESTARTS  PID      STARTED  LAST EXIT
        web  process   backoff  node-a,node-b,node-c  2         11,12,-  5s ago   -
        one  verticle  running  node-a                2         -        -        -
        """, out);

    replies.put("GET /api/v1/children/web", new Reply(200, "application/json", replicated("web").encode()));
    assertEquals(0, run("child", "get", "web", "--api", api), err);
    assertTrue(out.contains("nodes:     node-a,node-b,node-c\n"), out);
    assertTrue(out.contains("replicas:  3 of 3, migration start-then-stop\n"), out);
    assertTrue(out.endsWith("""

          REPLICA  NODE    STATE    EPOCH  PID  STARTED  RESTARTS  LAST EXIT
          0        node-a  running  1      11   5s ago   0         -
          1        node-b  running  1      12   5s ago   1         -
          2        node-c  backoff  1      -    5s ago   2         -
        """), out);
  }

  @Test
  void logsOfAReplica() {
    replies.put("GET /api/v1/children/web/logs", logs(1));
    assertEquals(0, run("child", "logs", "web", "--replica", "2", "--raw", "--api", api), err);
    assertEquals("line 1\n", out);
    assertEquals("/api/v1/children/web/logs?tail=100&replica=2", seen.get(0).uri());
    assertEquals(2, run("child", "logs", "web", "--replica", "64", "--api", api));
    assertTrue(err.startsWith("error: --replica: must be from 0 to 63"), err);
    assertEquals(1, seen.size());
  }

  @Test
  void awaitWaitsForTheStatesAskedWithATimeout() {
    replies.put("GET /api/v1/children/web/await", new Reply(200, "application/json",
        record("web", "process", "running", 7L, NOW.toEpochMilli(), null).encode()));
    assertEquals(0, run("child", "await", "web", "--api", api), err);
    assertEquals("web is running on node-a\n", out);
    assertEquals("/api/v1/children/web/await?states=running&timeout=30000", seen.get(0).uri());
    assertEquals(0, run("child", "await", "web", "--state", "running,exited", "--state", "failed", "--timeout", "2m",
        "--api", api), err);
    assertEquals("/api/v1/children/web/await?states=running%2Cexited%2Cfailed&timeout=120000", seen.get(1).uri());
    assertEquals(0, run("child", "await", "web", "--json", "--api", api), err);
    assertEquals("running", new JsonObject(out).getString("state"));

    replies.put("GET /api/v1/children/web/await", new Reply(504, "application/problem+json", problem(504, "timeout",
        "child \"web\" was still starting after 30s (waiting for running)", null)));
    assertEquals(1, run("child", "await", "web", "--api", api));
    assertEquals("error: child \"web\" was still starting after 30s (waiting for running)\n", err);
  }

  @Test
  void awaitUsageErrorsNameTheOption() {
    assertEquals(2, run("child", "await", "web", "--state", "up", "--api", api));
    assertTrue(err.startsWith("error: --state: \"up\" is not a child state"), err);
    assertEquals(2, run("child", "await", "web", "--timeout", "soon", "--api", api));
    assertTrue(err.startsWith("error: --timeout: "), err);
    assertEquals(2, run("child", "await", "--api", api));
    assertEquals(List.of(), seen);
  }

  private String file(String name, Object json) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, json instanceof JsonArray a ? a.encodePrettily() : ((JsonObject) json).encodePrettily());
    return f.toString();
  }

  static JsonObject result(int index, String id, JsonObject record, String code, String message) {
    JsonObject r = new JsonObject().put("index", index).put("id", id).put("ok", record != null);
    return record != null ? r.put("record", record)
        : r.put("error", new JsonObject().put("code", code).put("message", message));
  }

  @Test
  void batchFromAnArrayPrintsEachChildsFate() throws IOException {
    JsonArray results = new JsonArray()
        .add(result(0, "a", record("a", "process", "running", 1L, NOW.toEpochMilli(), null), null, null))
        .add(result(1, "taken", null, "ALREADY_STARTED", "child \"taken\" already runs on node-b"))
        .add(result(2, "web", replicated("web"), null, null));
    replies.put("POST /api/v1/children/batch", new Reply(200, "application/json", new JsonObject().put("results", results)
        .put("started", 2).put("failed", 1).put("rolledBack", false).encode()));
    String f = file("batch.json", new JsonArray().add(spec("a")).add(spec("taken")).add(spec("web")));
    assertEquals(1, run("child", "start", "--api", api, "--file", f, "--on-error", "continue"));
    assertEquals("""
        ID     OK   NODE/ERROR
        a      yes  node-a
        taken  no   ALREADY_STARTED: child "taken" already runs on node-b
        web    yes  node-a,node-b,node-c
        """, out);
    assertEquals("error: 1 of 3 children did not start\n", err);
    assertEquals(new JsonObject().put("children", new JsonArray().add(spec("a")).add(spec("taken")).add(spec("web")))
        .put("onError", "continue"), new JsonObject(seen.get(0).body()));
    assertEquals("POST /api/v1/children/batch", seen.get(0).method() + " " + seen.get(0).uri());
  }

  @Test
  void batchFromAChildrenObjectThatAllStartExits0() throws IOException {
    String body = new JsonObject().put("results", new JsonArray()
            .add(result(0, "a", record("a", "process", "running", 1L, NOW.toEpochMilli(), null), null, null)))
        .put("started", 1).put("failed", 0).put("rolledBack", false).encode();
    replies.put("POST /api/v1/children/batch", new Reply(200, "application/json", body));
    String f = file("batch.json", new JsonObject().put("children", new JsonArray().add(spec("a"))).put("onError", "rollback"));
    assertEquals(0, run("child", "start", "--api", api, "--file", f), err);
    assertEquals("ID  OK   NODE/ERROR\na   yes  node-a\n", out);
    assertEquals("rollback", new JsonObject(seen.get(0).body()).getString("onError"));
    assertEquals(0, run("child", "start", "--api", api, "--file", f, "--json"), err);
    assertEquals(body + "\n", out);
  }

  @Test
  void rolledBackBatchPrintsTheTableAndFails() throws IOException {
    JsonObject p = new JsonObject(problem(409, "already started",
        "batch rolled back: child \"taken\" failed (already runs on node-b); the 1 children it had started were stopped", null))
        .put("results", new JsonArray()
            .add(result(0, "a", record("a", "process", "running", 1L, NOW.toEpochMilli(), null), null, null))
            .add(result(1, "taken", null, "ALREADY_STARTED", "already runs on node-b")))
        .put("started", 1).put("failed", 1).put("rolledBack", true);
    replies.put("POST /api/v1/children/batch", new Reply(409, "application/problem+json", p.encode()));
    String f = file("batch.json", new JsonArray().add(spec("a")).add(spec("taken")));
    assertEquals(1, run("child", "start", "--api", api, "--file", f));
    assertEquals("ID     OK   NODE/ERROR\na      yes  node-a\ntaken  no   ALREADY_STARTED: already runs on node-b\n", out);
    assertEquals("error: batch rolled back: child \"taken\" failed (already runs on node-b); the 1 children it had "
        + "started were stopped\n", err);
    assertEquals(1, run("child", "start", "--api", api, "--file", f, "--json"));
    assertEquals(p.encode() + "\n", out);

    replies.put("POST /api/v1/children/batch", new Reply(400, "application/problem+json", problem(400, "validation failed",
        "children[1].argv: must not be empty", new JsonArray().add(new JsonObject().put("field", "children[1].argv")
            .put("message", "must not be empty")))));
    assertEquals(1, run("child", "start", "--api", api, "--file", f));
    assertEquals("", out);
    assertEquals("error: validation failed\n  children[1].argv: must not be empty\n", err);
  }

  @Test
  void batchUsageErrorsExitWith2WithoutCallingTheApi() throws IOException {
    String batch = file("batch.json", new JsonArray().add(spec("a")));
    String single = file("one.json", spec("a"));
    assertEquals(2, run("child", "start", "--api", api, "--file", batch, "--async"));
    assertTrue(err.startsWith("error: --async starts one child"), err);
    assertEquals(2, run("child", "start", "--api", api, "--file", single, "--on-error", "continue"));
    assertTrue(err.startsWith("error: --on-error is for a batch"), err);
    assertEquals(2, run("child", "start", "--api", api, "--file", batch, "--on-error", "ignore"));
    assertTrue(err.startsWith("error: --on-error: must be rollback or continue"), err);
    assertEquals(2, run("child", "start", "--api", api, "--file", file("empty.json", new JsonArray())));
    assertTrue(err.contains("at least one spec"), err);
    assertEquals(2, run("child", "start", "--api", api, "--spec", "\"web\""));
    assertTrue(err.contains("must be a JSON object (a spec), an array of specs"), err);
    assertEquals(List.of(), seen);
  }

  @Test
  void drainAsksTheNodeBehindTheApi() {
    replies.put("POST /api/v1/node/drain", new Reply(202, "application/json",
        new JsonObject().put("node", "node-a").put("state", "draining").put("children", 4).encode()));
    assertEquals(0, run(Map.of("POGO_TOKEN", "secret-token-0123456789"), "drain", "--api", api), err);
    assertEquals("draining node-a: 4 children to move; then it leaves the cluster and exits\n", out);
    assertEquals(new JsonObject().put("exit", true), new JsonObject(seen.get(0).body()));
    assertEquals("Bearer secret-token-0123456789", seen.get(0).auth());

    assertEquals(0, run("drain", "--no-exit", "--timeout", "5m", "--api", api), err);
    assertEquals("draining node-a: 4 children to move; it stays up, hosting nothing new\n", out);
    assertEquals(new JsonObject().put("exit", false).put("timeout", 300_000), new JsonObject(seen.get(1).body()));

    assertEquals(2, run("drain", "--timeout", "later", "--api", api));
    assertTrue(err.startsWith("error: --timeout: "), err);
    replies.put("POST /api/v1/node/drain", new Reply(401, "application/problem+json", problem(401, "unauthorized", null, null)));
    assertEquals(1, run("drain", "--api", api));
    assertEquals("error: unauthorized\n  (no token given: pass --token or set POGO_TOKEN)\n", err);
    assertEquals(3, seen.size());
  }
}
