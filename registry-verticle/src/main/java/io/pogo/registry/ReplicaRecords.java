package io.pogo.registry;

import io.pogo.core.child.ChildState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A child with {@code replicas > 1} has one record per replica in the table (keys {@code id}, {@code id~1}, ...);
 * users see one record per child: replica 0's fields, plus {@code nodes} (each replica's node, by replica) and
 * {@code replicas} (each replica's node, state, epoch and instance), with {@code state} the one that needs attention
 * first. A child with one replica is shown as it is stored.
 */
final class ReplicaRecords {
  /** When replicas disagree, the state shown is the first of these that one of them is in. */
  private static final List<String> ATTENTION_FIRST = List.of(ChildState.FAILED.wire(), ChildState.BACKOFF.wire(),
      ChildState.STARTING.wire(), ChildState.STOPPING.wire(), ChildState.EXITED.wire(), ChildState.STOPPED.wire(),
      ChildState.RUNNING.wire());

  private ReplicaRecords() {
  }

  /** Records grouped into one record per child, in the order each child first appears. */
  static List<JsonObject> combine(List<JsonObject> records) {
    Map<String, List<JsonObject>> byId = new LinkedHashMap<>();
    for (JsonObject r : records) {
      byId.computeIfAbsent(r.getString("id"), k -> new ArrayList<>()).add(r);
    }
    List<JsonObject> out = new ArrayList<>(byId.size());
    for (List<JsonObject> group : byId.values()) {
      group.sort(java.util.Comparator.comparingInt(r -> r.getInteger("replica", 0)));
      out.add(combineOne(group));
    }
    return out;
  }

  /** The replicas of one child (any subset, ordered by replica) as one record. */
  static JsonObject combineOne(List<JsonObject> replicas) {
    JsonObject first = replicas.get(0);
    if (replicas(first) <= 1) {
      return first;
    }
    JsonObject combined = first.copy();
    JsonArray nodes = new JsonArray();
    JsonArray detail = new JsonArray();
    int restarts = 0;
    java.util.Set<String> states = new java.util.HashSet<>();
    for (JsonObject r : replicas) {
      nodes.add(r.getString("node"));
      restarts += r.getInteger("restarts", 0);
      states.add(r.getString("state"));
      detail.add(new JsonObject().put("replica", r.getInteger("replica", 0)).put("node", r.getString("node"))
          .put("state", r.getString("state")).put("epoch", r.getLong("epoch")).put("pid", r.getValue("pid"))
          .put("deploymentId", r.getString("deploymentId")).put("startedAt", r.getValue("startedAt"))
          .put("restarts", r.getInteger("restarts", 0)).put("lastExit", r.getJsonObject("lastExit")));
    }
    String state = ATTENTION_FIRST.stream().filter(states::contains).findFirst().orElse(first.getString("state"));
    combined.remove("replica");
    return combined.put("state", state).put("restarts", restarts).put("nodes", nodes).put("replicas", detail);
  }

  /** How many replicas the record's spec asks for. */
  static int replicas(JsonObject record) {
    JsonObject spec = record.getJsonObject("spec");
    return spec == null ? 1 : spec.getInteger("replicas", 1);
  }
}
