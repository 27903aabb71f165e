package io.pogo.core.child;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChildSpecValidatorTest {

  private static JsonObject process() {
    return new JsonObject().put("id", "mon-1").put("kind", "process").put("argv", new JsonArray().add("sleep").add("1000"));
  }

  private static JsonObject verticle() {
    return new JsonObject().put("id", "echo").put("kind", "verticle").put("verticle", "io.example.Echo");
  }

  private static List<FieldError> errors(JsonObject spec) {
    PogoException e = assertThrows(PogoException.class, () -> ChildSpecValidator.parse(spec));
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    return e.errors();
  }

  private static void assertFieldError(JsonObject spec, String field, String messagePart) {
    List<FieldError> errs = errors(spec);
    assertTrue(errs.stream().anyMatch(e -> e.field().equals(field) && e.message().contains(messagePart)),
        "expected an error on " + field + " containing '" + messagePart + "', got " + errs);
  }

  @Test
  void minimalProcessSpecGetsDefaults() {
    ChildSpec spec = ChildSpecValidator.parse(process());
    assertEquals("mon-1", spec.id());
    assertEquals(ChildKind.PROCESS, spec.kind());
    assertEquals(RestartType.PERMANENT, spec.restart());
    assertEquals(List.of("sleep", "1000"), spec.argv());
    assertEquals(ChildSpec.DEFAULT_MAX_RESTARTS, spec.maxRestarts());
    assertEquals(ChildSpec.DEFAULT_SHUTDOWN_TIMEOUT_MS, spec.shutdownTimeoutMs());
    assertEquals(ChildSpec.DEFAULT_LOG_MAX_LINES, spec.logMaxLines());
  }

  @Test
  void specRoundTripsThroughJson() {
    JsonObject json = process().put("restart", "transient").put("maxRestarts", 2).put("restartWindow", "30s")
        .put("backoffInitial", "1s").put("backoffMax", "1m").put("shutdownTimeout", 2500)
        .put("metadata", new JsonObject().put("team", "core")).put("env", new JsonObject().put("A", "1")).put("cwd", "/tmp");
    ChildSpec spec = ChildSpecValidator.parse(json);
    assertEquals(spec, ChildSpecValidator.parse(spec.toJson()));
    assertEquals(2500, spec.shutdownTimeoutMs());
    assertEquals(60_000, spec.backoffMaxMs());
    ChildSpec v = ChildSpecValidator.parse(verticle().put("config", new JsonObject().put("a", 1)).put("instances", 3));
    assertEquals(v, ChildSpecValidator.parse(v.toJson()));
  }

  @Test
  void unknownKindIsNamed() {
    assertFieldError(process().put("kind", "container"), "kind", "must be \"verticle\" or \"process\"");
  }

  @Test
  void missingArgvIsNamed() {
    assertFieldError(process().putNull("argv"), "argv", "is required");
  }

  @Test
  void emptyArgvIsNamed() {
    assertFieldError(process().put("argv", new JsonArray()), "argv", "must not be empty");
    assertFieldError(process().put("argv", new JsonArray().add("")), "argv[0]", "must not be empty");
    assertFieldError(process().put("argv", new JsonArray().add("ls").add(3)), "argv[1]", "must be a string");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-lead", "has space", "slash/no", "ünïcode", "x12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678"})
  void invalidIdsAreRefused(String id) {
    List<FieldError> errs = errors(process().put("id", id));
    assertTrue(errs.stream().anyMatch(e -> e.field().equals("id")), errs.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "mon-1", "web.east_2", "0", "A-b.c_d"})
  void validIdsAreAccepted(String id) {
    assertEquals(id, ChildSpecValidator.parse(process().put("id", id)).id());
  }

  @Test
  void idOf128CharactersIsTheLimit() {
    ChildSpecValidator.parse(process().put("id", "x".repeat(128)));
  }

  @Test
  void unknownRestartTypeIsNamed() {
    assertFieldError(process().put("restart", "permanant"), "restart", "must be one of permanent, transient, temporary");
  }

  @Test
  void negativeAndAbsurdLimitsAreRefused() {
    assertFieldError(process().put("maxRestarts", -1), "maxRestarts", "from 0 to");
    assertFieldError(process().put("maxRestarts", 1_000_000), "maxRestarts", "from 0 to");
    assertFieldError(process().put("shutdownTimeout", -5), "shutdownTimeout", "must not be negative");
    assertFieldError(process().put("shutdownTimeout", "100d"), "shutdownTimeout", "must be from");
    assertFieldError(process().put("restartWindow", "10ms"), "restartWindow", "must be from");
    assertFieldError(process().put("backoffInitial", "5s").put("backoffMax", "1s"), "backoffMax", "at least backoffInitial");
    assertFieldError(process().put("logMaxLines", 0), "logMaxLines", "from 1");
    assertFieldError(process().put("logMaxBytes", Integer.MAX_VALUE), "logMaxBytes", "from 1024");
    assertFieldError(verticle().put("instances", 0), "instances", "from 1");
    assertFieldError(verticle().put("instances", 10_000), "instances", "from 1");
    assertFieldError(process().put("shutdownTimeout", "soon"), "shutdownTimeout", "must be a duration");
    assertFieldError(process().put("maxRestarts", 2.5), "maxRestarts", "whole number");
  }

  @Test
  void unknownAndMisplacedFieldsAreNamed() {
    assertFieldError(process().put("colour", "blue"), "colour", "unknown field");
    assertFieldError(process().put("verticle", "x.Y"), "verticle", "not allowed for kind \"process\"");
    assertFieldError(verticle().put("argv", new JsonArray().add("ls")), "argv", "not allowed for kind \"verticle\"");
  }

  @Test
  void verticleFieldsAreChecked() {
    assertFieldError(verticle().putNull("verticle"), "verticle", "is required");
    assertFieldError(verticle().put("verticle", "not a class"), "verticle", "is not a Java class name");
    assertFieldError(verticle().put("config", "text"), "config", "must be a JSON object");
  }

  @Test
  void envAndMetadataAreChecked() {
    assertFieldError(process().put("env", new JsonObject().put("1BAD", "x")), "env.1BAD", "not a valid variable name");
    assertFieldError(process().put("env", new JsonObject().put("OK", 3)), "env.OK", "must be a string");
    assertFieldError(process().put("metadata", new JsonObject().put("team", 3)), "metadata.team", "must be a string");
    assertFieldError(process().put("metadata", "x"), "metadata", "must be an object");
  }

  @Test
  void everyErrorIsReportedNotOnlyTheFirst() {
    List<FieldError> errs = errors(new JsonObject().put("id", "bad id").put("kind", "process")
        .put("restart", "sometimes").put("maxRestarts", -3));
    assertEquals(List.of("id", "restart", "maxRestarts", "argv"), errs.stream().map(FieldError::field).toList());
  }

  @Test
  void prefixNamesNestedSpecs() {
    PogoException e = assertThrows(PogoException.class, () -> ChildSpecValidator.parse(process().put("argv", new JsonArray()), "children[2]."));
    assertEquals("children[2].argv", e.errors().get(0).field());
  }

  @Test
  void errorsSurviveTheEventBusEncoding() {
    PogoException e = assertThrows(PogoException.class, () -> ChildSpecValidator.parse(process().put("kind", "vm")));
    JsonObject json = e.toJson();
    assertEquals("VALIDATION_FAILED", json.getString("code"));
    assertEquals("kind", json.getJsonArray("errors").getJsonObject(0).getString("field"));
  }
}
