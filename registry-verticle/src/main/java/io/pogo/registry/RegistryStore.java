package io.pogo.registry;

import io.pogo.core.child.ChildQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;

/**
 * The cluster-wide child table: child id to its record ({@code ChildRecord.toJson()}). Records are kept as
 * JSON so the registry can pass them through without re-parsing. Every method is non-blocking, and every write
 * that decides ownership is atomic on the record and fenced by its {@code node} and {@code epoch}: a node acts
 * on a child only while the table says it owns that epoch.
 */
public interface RegistryStore {

  /** Atomically inserts the record if the id is free; completes with null on success, else with the existing record. */
  Future<JsonObject> claim(String id, JsonObject record);

  /**
   * Replaces the record if the table still assigns the child to the record's {@code node} at its {@code epoch}.
   * Completes with false when the child is gone or was reassigned (the writer is fenced).
   */
  Future<Boolean> update(String id, JsonObject record);

  /**
   * Moves the child to {@code newNode} with the next epoch, if it is still on {@code expectedNode} at
   * {@code expectedEpoch}: compare-and-set. The new record is in state {@code starting} with no instance.
   * Completes with the new record, or null when someone else changed the record first (or it is gone).
   */
  Future<JsonObject> assign(String id, String expectedNode, long expectedEpoch, String newNode, long now);

  /** The record, or null. */
  Future<JsonObject> get(String id);

  /** Removes the record unconditionally (a stop by request, or a stale record). */
  Future<Void> remove(String id);

  /** Removes the record if it is still on {@code node} at {@code epoch}; false when fenced. */
  Future<Boolean> removeIfOwner(String id, String node, long epoch);

  /** Records matching the query, ordered by id. */
  Future<List<JsonObject>> query(ChildQuery query);

  /** Records whose node is none of {@code liveNodes}: the children of nodes that are gone. Ordered by id. */
  Future<List<JsonObject>> onNodesOtherThan(Collection<String> liveNodes);
}
