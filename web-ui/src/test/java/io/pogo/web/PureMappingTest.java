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
    assertEquals(new LogParams(200, null), LogParams.parse(MultiMap.caseInsensitiveMultiMap()));
    assertEquals(new LogParams(10_000, true),
        LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("tail", "10000").add("format", "text")));
    assertEquals(1, LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("tail", "1")).tail());
    PogoException e = assertThrows(PogoException.class,
        () -> LogParams.parse(MultiMap.caseInsensitiveMultiMap().add("tail", "99999999999").add("lines", "3")));
    assertEquals(List.of("lines", "tail"), e.errors().stream().map(FieldError::field).sorted().toList());
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
