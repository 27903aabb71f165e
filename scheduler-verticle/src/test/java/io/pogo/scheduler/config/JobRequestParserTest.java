package io.pogo.scheduler.config;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobRequestParserTest {

  private static JsonObject minimal() {
    return new JsonObject().put("targets", new JsonArray().add("web[1-3]")).put("command", new JsonArray().add("uptime"));
  }

  private static List<String> errors(JsonObject body) {
    PogoException e = assertThrows(PogoException.class, () -> JobRequestParser.parse(body));
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    return e.errors().stream().map(FieldError::toString).toList();
  }

  @Test
  void defaults() {
    JobRequest r = JobRequestParser.parse(minimal());
    assertNull(r.namespace());
    assertEquals(List.of("web[1-3]"), r.targets());
    assertEquals(List.of("uptime"), r.command());
    assertEquals(JobMode.WORKER, r.mode());
    assertNull(r.concurrency());
    assertEquals(600_000, r.hostTimeoutMs());
    assertEquals(3_600_000, r.jobTimeoutMs());
    assertNull(r.maxFailures());
    assertEquals(0, r.retries());
    assertNull(r.user());
    assertEquals(64 * 1024, r.outputLimitBytes());
  }

  @Test
  void everyField() {
    JobRequest r = JobRequestParser.parse(new JsonObject()
        .put("namespace", "Web.prod-1")
        .put("targets", new JsonArray().add("$colo.east").add("db1"))
        .put("command", new JsonArray().add("ssh").add("{host}").add("uptime"))
        .put("mode", "agent")
        .put("concurrency", "25%")
        .put("hostTimeout", "30s")
        .put("jobTimeout", 7_200_000)
        .put("maxFailures", 3)
        .put("retries", 10)
        .put("user", "alice")
        .put("outputLimit", 1024));
    assertEquals(new JobRequest("Web.prod-1", List.of("$colo.east", "db1"), List.of("ssh", "{host}", "uptime"),
        JobMode.AGENT, new Limit(25, true), 30_000, 7_200_000, new Limit(3, false), 10, "alice", 1024, null), r);
  }

  @Test
  void toJsonRoundTrips() {
    JobRequest full = new JobRequest("ns", List.of("a", "b[1-2]"), List.of("echo", "{host}"), JobMode.AGENT,
        new Limit(10, true), 1500, 7 * 86_400_000L, new Limit(2, false), 3, "bob", 16 << 20, "b0b-1:retry_2.x");
    JsonObject json = JobRequestParser.toJson(full);
    assertEquals("1500ms", json.getString("hostTimeout"));
    assertEquals("7d", json.getString("jobTimeout"));
    assertEquals("10%", json.getString("concurrency"));
    assertEquals("2", json.getString("maxFailures"));
    assertEquals(full, JobRequestParser.parse(json));
    JobRequest bare = JobRequestParser.parse(minimal());
    JsonObject bareJson = JobRequestParser.toJson(bare);
    assertFalse(bareJson.containsKey("namespace") || bareJson.containsKey("concurrency")
        || bareJson.containsKey("maxFailures") || bareJson.containsKey("user"), bareJson.encode());
    assertEquals(bare, JobRequestParser.parse(bareJson));
    assertEquals(bareJson, JobRequestParser.toJson(JobRequestParser.parse(bareJson)));
  }

  @Test
  void reportsEveryErrorAtOnceEachNamingItsField() {
    JsonObject body = new JsonObject()
        .put("namespace", "-bad ns")
        .put("targets", new JsonArray().add("ok").add(7).add(""))
        .put("command", new JsonArray().add("ls").add("").add(3))
        .put("mode", "local")
        .put("concurent", 3)
        .put("concurrency", "15x")
        .put("hostTimeout", "500ms")
        .put("jobTimeout", "8d")
        .put("maxFailures", 0)
        .put("retries", 11)
        .put("user", "x".repeat(129))
        .put("outputLimit", 100)
        .put("requestId", "retry me")
        .put("id", "j1");
    assertEquals(List.of(
        "concurent: unknown field \"concurent\"; did you mean \"concurrency\"?",
        "id: unknown field \"id\"; expected one of namespace, targets, command, mode, concurrency, hostTimeout, "
            + "jobTimeout, maxFailures, retries, user, outputLimit, requestId",
        "namespace: \"-bad ns\" is not a valid namespace name (" + NamespaceNames.RULE + ")",
        "targets[1]: must be a non-empty string (a host name, host pattern or $tag expression)",
        "targets[2]: must be a non-empty string (a host name, host pattern or $tag expression)",
        "command[1]: must not be empty",
        "command[2]: must be a string; got a number",
        "mode: \"local\" is not one of agent, worker",
        "concurrency: \"15x\" is not N or N%",
        "hostTimeout: must be from 1s to 7d; got 500ms",
        "jobTimeout: must be from 1s to 7d; got 8d",
        "maxFailures: 0 is not " + Limit.RULE,
        "retries: must be a whole number from 0 to 10; got \"11\"",
        "user: is longer than 128 characters",
        "outputLimit: must be a whole number from 1024 to 16777216; got \"100\"",
        "requestId: must be 1 to 128 letters, digits, '.', '_', ':' or '-' (a UUID fits); got \"retry me\""),
        errors(body));
  }

  @Test
  void requiredFieldsAndShapes() {
    assertEquals(List.of("targets: is required: host names, host patterns (web[1-3]) or $tag expressions",
        "command: is required: the program and its arguments, e.g. [\"uptime\"]; {host} is replaced by the target"),
        errors(new JsonObject()));
    assertEquals(List.of("targets: must not be empty", "command: must not be empty: give at least the program"),
        errors(new JsonObject().put("targets", new JsonArray()).put("command", new JsonArray())));
    assertEquals(List.of("namespace: must be a string; got a number", "targets: must be a list of strings; got a string",
        "command: must be a list of strings (argv, no shell); got a string", "mode: must be one of agent, worker; got a boolean",
        "hostTimeout: must be a duration like \"500ms\", \"5s\", \"2m\", \"1h\"; got \"soon\"",
        "retries: must be a whole number from 0 to 10; got \"1.5\"", "user: must be a string; got a map"),
        errors(new JsonObject().put("namespace", 1).put("targets", "web1").put("command", "uptime").put("mode", true)
            .put("hostTimeout", "soon").put("retries", 1.5).put("user", new JsonObject())));
    assertEquals(List.of("(body): the job request must be a JSON object"), errors(null));
  }

  @Test
  void limitsOnSizes() {
    JsonArray args = new JsonArray();
    for (int i = 0; i <= JobRequestParser.MAX_COMMAND_ARGS; i++) {
      args.add("a");
    }
    assertEquals(List.of("command: has 4097 arguments; at most 4096 are allowed"),
        errors(minimal().put("command", args)));
    assertEquals(List.of("command[1]: must not contain a NUL character"),
        errors(minimal().put("command", new JsonArray().add("echo").add("a\0b"))));
    assertEquals(List.of("targets[0]: is longer than 4096 characters"),
        errors(minimal().put("targets", new JsonArray().add("h".repeat(4097)))));
    assertEquals(List.of("user: must not contain control characters"), errors(minimal().put("user", "a\nb")));
    assertEquals("x".repeat(128), JobRequestParser.parse(minimal().put("user", "x".repeat(128))).user());
    assertEquals(16 << 20, JobRequestParser.parse(minimal().put("outputLimit", 16 << 20)).outputLimitBytes());
    assertEquals(1000, JobRequestParser.parse(minimal().put("hostTimeout", "1s")).hostTimeoutMs());
    assertEquals(7 * 86_400_000L, JobRequestParser.parse(minimal().put("jobTimeout", "7d")).jobTimeoutMs());
  }

  @Test
  void namespaceNames() {
    assertTrue(NamespaceNames.valid("web"));
    assertTrue(NamespaceNames.valid("Web.Prod_1-a"));
    assertTrue(NamespaceNames.valid("x".repeat(63)));
    List<String> bad = new ArrayList<>(List.of("", "-a", ".a", "_a", "a b", "a/b", "x".repeat(64), "é"));
    bad.add(null);
    for (String b : bad) {
      assertFalse(NamespaceNames.valid(b), String.valueOf(b));
    }
  }
}
