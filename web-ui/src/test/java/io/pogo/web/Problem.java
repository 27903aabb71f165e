package io.pogo.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on problem+json responses. */
final class Problem {
  private Problem() {
  }

  /** Asserts status, content type, code and the RFC 9457 members; returns the body. */
  static JsonObject assertProblem(HttpResponse<Buffer> resp, int status, String code) {
    assertEquals(status, resp.statusCode(), () -> "body: " + resp.bodyAsString());
    assertEquals("application/problem+json", resp.getHeader("Content-Type"));
    JsonObject body = resp.bodyAsJsonObject();
    assertEquals(code, body.getString("code"));
    assertEquals(status, body.getInteger("status"));
    assertTrue(body.getString("type").startsWith("https://pogo.dev/errors/"), body::encode);
    assertNotNull(body.getString("title"));
    assertNotNull(body.getString("detail"));
    assertFalse(body.encode().contains("\tat "), "no stack trace");
    return body;
  }

  /** The field names of the problem's errors. */
  static List<String> fields(JsonObject problem) {
    return problem.getJsonArray("errors", new JsonArray()).stream()
        .map(o -> ((JsonObject) o).getString("field")).toList();
  }
}
