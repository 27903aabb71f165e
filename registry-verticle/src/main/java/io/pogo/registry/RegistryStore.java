package io.pogo.registry;

import io.pogo.core.child.ChildQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The cluster-wide child table: child id to its record ({@code ChildRecord.toJson()}). Records are kept as
 * JSON so the registry can pass them through without re-parsing. Every method is non-blocking.
 */
public interface RegistryStore {

  /** Atomically inserts the record if the id is free; completes with null on success, else with the existing record. */
  Future<JsonObject> claim(String id, JsonObject record);

  /** Replaces the record of an id that is still in the table; a record removed meanwhile stays removed. */
  Future<Void> update(String id, JsonObject record);

  /** The record, or null. */
  Future<JsonObject> get(String id);

  Future<Void> remove(String id);

  /** Records matching the query, ordered by id. */
  Future<List<JsonObject>> query(ChildQuery query);
}
