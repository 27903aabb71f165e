package io.pogo.registry;

import io.pogo.core.child.ChildQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** The child table of a node that is not clustered through Hazelcast (tests, embedded use). */
public final class InMemoryRegistryStore implements RegistryStore {
  private final ConcurrentMap<String, JsonObject> records = new ConcurrentSkipListMap<>();

  @Override
  public Future<JsonObject> claim(String id, JsonObject record) {
    JsonObject existing = records.putIfAbsent(id, record.copy());
    return Future.succeededFuture(existing == null ? null : existing.copy());
  }

  @Override
  public Future<Void> update(String id, JsonObject record) {
    records.computeIfPresent(id, (k, old) -> record.copy());
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> get(String id) {
    JsonObject r = records.get(id);
    return Future.succeededFuture(r == null ? null : r.copy());
  }

  @Override
  public Future<Void> remove(String id) {
    records.remove(id);
    return Future.succeededFuture();
  }

  @Override
  public Future<List<JsonObject>> query(ChildQuery query) {
    return Future.succeededFuture(records.values().stream()
        .filter(r -> RecordFilter.matches(query, r))
        .map(JsonObject::copy)
        .toList());
  }

}
