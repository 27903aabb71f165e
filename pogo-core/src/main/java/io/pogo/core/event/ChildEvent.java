package io.pogo.core.event;

import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildState;
import io.vertx.core.json.JsonObject;

/**
 * Published on {@link io.pogo.core.Addresses#EVENTS_CHILD} for every child transition. {@code type} is
 * {@code child.<new state>} ({@code child.running}, {@code child.backoff}, ...); {@code from} is the previous
 * state (null for the first event of a child); {@code record} is the record after the transition.
 */
public record ChildEvent(String type, String id, String node, ChildState from, ChildState state, long at,
                         ChildRecord record) {

  public static ChildEvent of(ChildState from, ChildRecord record) {
    return new ChildEvent("child." + record.state().wire(), record.id(), record.node(), from, record.state(),
        record.updatedAt(), record);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("type", type)
        .put("id", id)
        .put("node", node)
        .put("from", from == null ? null : from.wire())
        .put("state", state.wire())
        .put("at", at)
        .put("record", record.toJson());
  }

  public static ChildEvent fromJson(JsonObject json) {
    String from = json.getString("from");
    return new ChildEvent(json.getString("type"), json.getString("id"), json.getString("node"),
        from == null ? null : ChildState.fromWire(from), ChildState.fromWire(json.getString("state")),
        json.getLong("at", 0L), ChildRecord.fromJson(json.getJsonObject("record")));
  }
}
