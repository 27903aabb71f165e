package io.pogo.registry;

import io.pogo.core.child.ChildQuery;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/** Matches a child record (as JSON) against a query, without parsing the record. */
final class RecordFilter {
  private RecordFilter() {
  }

  static boolean matches(ChildQuery q, JsonObject record) {
    if (q.scope() == ChildQuery.Scope.LOCAL && q.node() != null && !q.node().equals(record.getString("node"))) {
      return false;
    }
    if (q.state() != null && !q.state().wire().equals(record.getString("state"))) {
      return false;
    }
    JsonObject metadata = record.getJsonObject("metadata", new JsonObject());
    for (Map.Entry<String, String> t : q.tags().entrySet()) {
      if (!t.getValue().equals(metadata.getValue(t.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
