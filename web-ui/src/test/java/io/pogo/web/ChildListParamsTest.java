package io.pogo.web;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Query parsing of the child listing: defaults, the wire shape, and every rule naming its parameter. */
class ChildListParamsTest {

  private static MultiMap params(String... kv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < kv.length; i += 2) {
      m.add(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static List<String> fieldsOf(MultiMap params) {
    PogoException e = assertThrows(PogoException.class, () -> ChildListParams.parse(params));
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    return e.errors().stream().map(f -> f.field()).toList();
  }

  @Test
  void defaultsToAGlobalListingWithNoFilters() {
    assertEquals(new JsonObject().put("scope", "global").putNull("node").put("tags", new JsonObject()).putNull("state"),
        ChildListParams.parse(params()));
  }

  @Test
  void aNodeImpliesTheLocalScope() {
    assertEquals("local", ChildListParams.parse(params("node", "node-b")).getString("scope"));
  }

  @Test
  void tagsSplitAtTheFirstEquals() {
    JsonObject q = ChildListParams.parse(params("tag", "role=web", "tag", "expr=a=b", "tag", "empty="));
    assertEquals(new JsonObject().put("role", "web").put("expr", "a=b").put("empty", ""), q.getJsonObject("tags"));
  }

  @Test
  void eachBadParameterIsNamed() {
    assertEquals(List.of("scope"), fieldsOf(params("scope", "everywhere")));
    assertEquals(List.of("state"), fieldsOf(params("state", "Running")));
    assertEquals(List.of("tag"), fieldsOf(params("tag", "role")));
    assertEquals(List.of("tag"), fieldsOf(params("tag", "=web")));
    assertEquals(List.of("tag"), fieldsOf(params("tag", "a=1", "tag", "a=2")));
    assertEquals(List.of("node"), fieldsOf(params("node", "bad node")));
    assertEquals(List.of("node"), fieldsOf(params("node", "n1", "scope", "global")));
    assertEquals(List.of("scope"), fieldsOf(params("scope", "local", "scope", "global")));
    assertEquals(List.of("sate"), fieldsOf(params("sate", "running")));
  }

  @Test
  void allErrorsAreReportedTogether() {
    assertEquals(List.of("scope", "state", "tag"),
        fieldsOf(params("scope", "x", "state", "y", "tag", "z")).stream().sorted().toList());
  }
}
