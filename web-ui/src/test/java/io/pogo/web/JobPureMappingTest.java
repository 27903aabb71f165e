package io.pogo.web;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure pieces of the job half's HTTP face: query parsing, control bodies, the user, YAML. */
class JobPureMappingTest {

  private static MultiMap query(String... pairs) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      m.add(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static List<String> fieldsOf(Runnable r) {
    PogoException e = assertThrows(PogoException.class, r::run);
    return e.errors().stream().map(FieldError::field).sorted().toList();
  }

  @Test
  void jobListBounds() {
    assertEquals(new JsonObject().put("limit", 1).put("offset", 0), JobParams.jobList(query("limit", "1")));
    for (String state : JobParams.JOB_STATES) {
      assertEquals(state, JobParams.jobList(query("state", state)).getString("state"));
    }
    assertEquals(List.of("limit"), fieldsOf(() -> JobParams.jobList(query("limit", "1", "limit", "2"))));
    assertEquals(List.of("limit", "offset", "state"), fieldsOf(() -> JobParams.jobList(
        query("limit", "99999999999999999999", "offset", "1.5", "state", "RUNNING"))));
  }

  @Test
  void hostListAndOutputBounds() {
    assertEquals(new JsonObject().put("id", "j1").put("state", "lost").put("limit", 1).put("offset", 2147483647L),
        JobParams.hostList("j1", query("state", "lost", "limit", "1", "offset", "2147483647")));
    assertEquals(List.of("offset"), fieldsOf(() -> JobParams.hostList("j1", query("offset", "2147483648"))));
    assertEquals(new JsonObject().put("id", "j1").put("host", "h").put("after", 0),
        JobParams.output("j1", "h", query("after", "0")));
    assertEquals(List.of("attempt"), fieldsOf(() -> JobParams.output("j1", "h", query("attempt", ""))));
  }

  @Test
  void controlBodiesNameBadFieldsAndTakeTheIdFromThePath() {
    assertEquals(new JsonObject().put("id", "j1"), JobControls.halt("j1", new JsonObject()));
    assertEquals(new JsonObject().put("kill", false).put("id", "j1"), JobControls.halt("j1", new JsonObject().put("kill", false)));
    assertEquals(List.of("reason"), fieldsOf(() -> JobControls.halt("j1", new JsonObject().put("reason", 7))));
    assertEquals(List.of("hosts[0]"), fieldsOf(() -> JobControls.hosts("j1",
        new JsonObject().put("hosts", new JsonArray().add(3)))));
    assertEquals(List.of("hosts"), fieldsOf(() -> JobControls.hosts("j1", new JsonObject().put("hosts", "web1"))));
    assertEquals(new JsonObject().put("retries", 0).put("id", "j1"), JobControls.alter("j1", new JsonObject().put("retries", 0)));
    assertEquals(List.of("id"), fieldsOf(() -> JobControls.resume("j1", new JsonObject().put("id", "j2"))));
  }

  @Test
  void theUserComesFromThePrincipalOnlyWhenTheRequestHasNone() {
    JsonObject request = new JsonObject().put("targets", new JsonArray().add("h"));
    assertSame(request, JobHandlers.withUser(request, null));
    assertEquals(request.copy().put("user", "alice"), JobHandlers.withUser(request, User.fromName("alice")));
    assertFalse(request.containsKey("user"), "the request itself is not changed");
    JsonObject bob = request.copy().put("user", "bob");
    assertEquals("bob", JobHandlers.withUser(bob, User.fromName("alice")).getString("user"));
  }

  @Test
  void yamlMediaTypes() {
    assertTrue(RequestBodies.isYaml("Application/X-YAML; charset=utf-8"));
    assertFalse(RequestBodies.isYaml("application/json"));
  }

  @Test
  void yamlKeepsKeyOrderAndQuotesWhatNeedsIt() {
    JsonObject config = new JsonObject().put("tag", new JsonObject().put("db", new JsonArray().add("db1").add("db{2,3}")))
        .put("constraint", new JsonObject().put("$db", new JsonObject().put("max_parallel", "50%")))
        .put("empty", new JsonObject());
    assertEquals("""
        tag:
          db:
            - db1
            - db{2,3}
        constraint:
          $db:
            max_parallel: 50%
        empty: {}
        """, YamlText.render(config));
  }
}
