package io.pogo.web;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure pieces: the problem document, log text, log parameters, media types, bind messages. */
class PureMappingTest {

  @Test
  void problemDocumentHasEveryMember() {
    PogoException e = new PogoException(ErrorCode.VALIDATION_FAILED, "restart: bad",
        List.of(new FieldError("restart", "bad")), new JsonObject().put("k", "v"));
    assertEquals(new JsonObject()
            .put("type", "https://pogo.dev/errors/validation-failed")
            .put("title", "validation failed")
            .put("status", 400)
            .put("detail", "restart: bad")
            .put("instance", "/api/v1/children")
            .put("code", "VALIDATION_FAILED")
            .put("errors", new JsonArray().add(new JsonObject().put("field", "restart").put("message", "bad")))
            .put("details", new JsonObject().put("k", "v")),
        Problems.toJson(e, "/api/v1/children"));
  }

  @Test
  void problemDocumentOmitsEmptyErrorsAndDetails() {
    JsonObject p = Problems.toJson(new PogoException(ErrorCode.TIMEOUT, "slow"), "/x");
    assertFalse(p.containsKey("errors"));
    assertFalse(p.containsKey("details"));
    assertEquals(504, p.getInteger("status"));
  }

  @Test
  void everyCodeHasAKebabCaseType() {
    for (ErrorCode c : ErrorCode.values()) {
      String type = Problems.type(c);
      assertTrue(type.matches("https://pogo\\.dev/errors/[a-z]+(-[a-z]+)*"), type);
    }
  }

  @Test
  void logLinesRenderWithMillisecondsAndPaddedStreams() {
    JsonObject reply = new JsonObject().put("lines", new JsonArray()
        .add(new JsonObject().put("seq", 1).put("at", 1_795_273_445_123L).put("stream", "out").put("text", "a b"))
        .add(new JsonObject().put("seq", 2).put("at", 1_795_273_445_000L).put("stream", "pogo").put("text", "")));
    assertEquals("2026-11-21T15:04:05.123Z out  a b\n2026-11-21T15:04:05.000Z pogo \n", LogText.render(reply));
    assertEquals("", LogText.render(new JsonObject()));
  }

  @Test
  void logParamsDefaultsAndBounds() {
    assertEquals(new LogParams(200, null, null), LogParams.parse(MultiMap.caseInsensitiveMultiMap()));
    assertEquals(new LogParams(10_000, true, 63), LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("tail", "10000")
        .add("format", "text").add("replica", "63")));
    assertEquals(1, LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("tail", "1")).tail());
    PogoException e = assertThrows(PogoException.class,
        () -> LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("tail", "99999999999").add("lines", "3")));
    assertEquals(List.of("lines", "tail"), e.errors().stream().map(FieldError::field).sorted().toList());
  }

  @Test
  void logReplicaIsAWholeNumberBelowTheReplicaLimit() {
    assertEquals(0, LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("replica", "0")).replica());
    for (String bad : List.of("64", "-1", "one", "", "1.5", "007")) {
      PogoException e = assertThrows(PogoException.class,
          () -> LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("replica", bad)), bad);
      assertEquals(List.of("replica"), e.errors().stream().map(FieldError::field).toList(), bad);
    }
  }

  @Test
  void awaitParamsDefaultsAndForms() {
    AwaitParams d = AwaitParams.parse(MultiMap.caseInsensitiveMultiMap());
    assertEquals(new AwaitParams(List.of("running"), 30_000), d);
    assertEquals(new JsonObject().put("id", "c").put("states", new JsonArray().add("running")).put("timeout", 30_000L),
        d.toRequest("c"));
    assertEquals(new AwaitParams(List.of("exited", "failed", "running"), 250), AwaitParams.parse(MultiMap
        .caseInsensitiveMultiMap().add("states", "exited,failed").add("states", "running,exited").add("timeout", "250")));
    assertEquals(600_000, AwaitParams.parse(MultiMap.caseInsensitiveMultiMap().add("timeout", "10m")).timeoutMs());
    PogoException e = assertThrows(PogoException.class, () -> AwaitParams.parse(MultiMap.caseInsensitiveMultiMap()
        .add("states", "up").add("timeout", "1y").add("id", "x")));
    assertEquals(List.of("id", "states", "timeout"), e.errors().stream().map(FieldError::field).sorted().toList());
  }

  @Test
  void drainRequestKeepsWhatIsGivenAndNamesBadFields() {
    assertEquals(new JsonObject(), NodeHandlers.drainRequest(new JsonObject()));
    JsonObject ok = new JsonObject().put("exit", false).put("timeout", "5m");
    assertEquals(ok, NodeHandlers.drainRequest(ok));
    assertEquals(new JsonObject().put("timeout", 1000), NodeHandlers.drainRequest(new JsonObject().put("timeout", 1000)));
    PogoException e = assertThrows(PogoException.class, () -> NodeHandlers.drainRequest(new JsonObject()
        .put("exit", "yes").put("timeout", "later").put("force", true)));
    assertEquals(List.of("exit", "force", "timeout"), e.errors().stream().map(FieldError::field).sorted().toList());
    e = assertThrows(PogoException.class, () -> NodeHandlers.drainRequest(new JsonObject().put("timeout", 0)));
    assertEquals("timeout", e.errors().get(0).field());
  }

  @Test
  void problemExtensionsAreAddedWithoutReplacingStandardMembers() {
    PogoException e = new PogoException(ErrorCode.ALREADY_STARTED, "batch rolled back: x");
    JsonObject ext = new JsonObject().put("results", new JsonArray().add(1)).put("status", 200).put("rolledBack", true);
    JsonObject p = Problems.toJson(e, "/api/v1/children/batch", ext);
    assertEquals(409, p.getInteger("status"));
    assertEquals(new JsonArray().add(1), p.getJsonArray("results"));
    assertEquals(true, p.getBoolean("rolledBack"));
    assertEquals(Problems.toJson(e, "/x"), Problems.toJson(e, "/x", null));
  }

  @Test
  void jsonMediaTypes() {
    assertTrue(RequestBodies.isJson("application/json"));
    assertTrue(RequestBodies.isJson("Application/JSON; charset=UTF-8"));
    assertTrue(RequestBodies.isJson("application/merge-patch+json"));
    assertFalse(RequestBodies.isJson("text/json-ish"));
    assertFalse(RequestBodies.isJson("text/plain"));
  }

  @Test
  void bindFailuresSayWhatToChange() {
    assertEquals("port 8080 on 127.0.0.1 is in use: pass --http-port",
        HttpVerticle.bindFailure("127.0.0.1", 8080, new java.net.BindException("Address already in use")));
    assertTrue(HttpVerticle.bindFailure("10.9.9.9", 80, new java.net.BindException("Cannot assign requested address"))
        .endsWith("pass --http-host"));
  }
}
