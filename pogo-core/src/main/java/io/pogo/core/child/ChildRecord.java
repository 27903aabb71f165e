package io.pogo.core.child;

import io.vertx.core.json.JsonObject;

/**
 * A child as the registry shows it: its spec and where and how it runs now. The JSON field names are a
 * public contract ({@code GET /api/v1/children/{id}}).
 *
 * @param spec         the spec it was started from
 * @param replica      which of the spec's {@code replicas} this record is, from 0
 * @param state        its lifecycle state
 * @param node         the node that hosts it
 * @param epoch        the ownership epoch (bumped at each assignment; see DESIGN.md)
 * @param restarts     how many times it was restarted (by policy or by hand)
 * @param pid          process kind: the OS pid of the running process, else null
 * @param deploymentId verticle kind: the Vert.x deployment id of the running instance, else null
 * @param startedAt    epoch ms when the current (or last) instance started, or 0
 * @param lastExit     how the last instance ended, or null
 * @param updatedAt    epoch ms of the last change
 */
public record ChildRecord(ChildSpec spec, int replica, ChildState state, String node, long epoch, int restarts, Long pid,
                          String deploymentId, long startedAt, ExitInfo lastExit, long updatedAt) {

  /** Separates a child id from its replica number in a key; not allowed in ids, so keys never collide with ids. */
  public static final char REPLICA_SEPARATOR = '~';

  public String id() {
    return spec.id();
  }

  /** The registry key of this record: the id for replica 0 (so a child has one key per replica, the first being its id). */
  public String key() {
    return key(spec.id(), replica);
  }

  /** The registry key of one replica of a child. */
  public static String key(String id, int replica) {
    return replica == 0 ? id : id + REPLICA_SEPARATOR + replica;
  }

  /** The key of a record in its JSON form. */
  public static String key(JsonObject record) {
    return key(record.getString("id"), record.getInteger("replica", 0));
  }

  public ChildRecord with(ChildState newState, long now) {
    return new ChildRecord(spec, replica, newState, node, epoch, restarts, pid, deploymentId, startedAt, lastExit, now);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", spec.id())
        .put("kind", spec.kind().wire())
        .put("replica", replica)
        .put("state", state.wire())
        .put("node", node)
        .put("epoch", epoch)
        .put("restarts", restarts)
        .put("pid", pid)
        .put("deploymentId", deploymentId)
        .put("startedAt", startedAt == 0 ? null : startedAt)
        .put("lastExit", lastExit == null ? null : lastExit.toJson())
        .put("updatedAt", updatedAt)
        .put("metadata", new JsonObject(new java.util.LinkedHashMap<>(spec.metadata())))
        .put("spec", spec.toJson());
    return json;
  }

  public static ChildRecord fromJson(JsonObject json) {
    Long startedAt = json.getLong("startedAt");
    return new ChildRecord(
        ChildSpecValidator.parse(json.getJsonObject("spec")),
        json.getInteger("replica", 0),
        ChildState.fromWire(json.getString("state")),
        json.getString("node"),
        json.getLong("epoch", 0L),
        json.getInteger("restarts", 0),
        json.getLong("pid"),
        json.getString("deploymentId"),
        startedAt == null ? 0 : startedAt,
        ExitInfo.fromJson(json.getJsonObject("lastExit")),
        json.getLong("updatedAt", 0L));
  }
}
