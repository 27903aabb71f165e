package io.pogo.registry;

import io.pogo.core.child.ChildState;
import io.vertx.core.json.JsonObject;

/** The fencing rules of the child table, shared by every store so they cannot drift apart. */
final class Records {
  private Records() {
  }

  /** Does {@code current} still assign the child to this node at this epoch? */
  static boolean owns(JsonObject current, String node, long epoch) {
    return current != null && node != null && node.equals(current.getString("node"))
        && epoch == current.getLong("epoch", 0L);
  }

  /** The record of an assignment: the same child on a new node, next epoch, starting, no instance yet. */
  static JsonObject assigned(JsonObject current, String newNode, long now) {
    return current.copy()
        .put("node", newNode)
        .put("epoch", current.getLong("epoch", 0L) + 1)
        .put("state", ChildState.STARTING.wire())
        .putNull("pid")
        .putNull("deploymentId")
        .put("updatedAt", now);
  }
}
