package io.pogo.registry;

import io.pogo.core.child.ChildQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** The child table of a node that is not clustered through Hazelcast (tests, embedded use). Ordered by id. */
public final class InMemoryRegistryStore implements RegistryStore {
  private final ConcurrentMap<String, JsonObject> records = new ConcurrentSkipListMap<>();

  @Override
  public Future<JsonObject> claim(String id, JsonObject record) {
    JsonObject existing = records.putIfAbsent(id, record.copy());
    return Future.succeededFuture(existing == null ? null : existing.copy());
  }

  @Override
  public Future<Boolean> update(String id, JsonObject record) {
    AtomicBoolean written = new AtomicBoolean();
    records.computeIfPresent(id, (k, old) -> {
      if (Records.owns(old, record.getString("node"), record.getLong("epoch", 0L))) {
        written.set(true);
        return record.copy();
      }
      return old;
    });
    return Future.succeededFuture(written.get());
  }

  @Override
  public Future<JsonObject> assign(String id, String expectedNode, long expectedEpoch, String newNode, long now) {
    AtomicReference<JsonObject> result = new AtomicReference<>();
    records.computeIfPresent(id, (k, old) -> {
      if (Records.owns(old, expectedNode, expectedEpoch)) {
        JsonObject next = Records.assigned(old, newNode, now);
        result.set(next.copy());
        return next;
      }
      return old;
    });
    return Future.succeededFuture(result.get());
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
  public Future<Boolean> removeIfOwner(String id, String node, long epoch) {
    AtomicBoolean removed = new AtomicBoolean();
    records.computeIfPresent(id, (k, old) -> {
      if (Records.owns(old, node, epoch)) {
        removed.set(true);
        return null;
      }
      return old;
    });
    return Future.succeededFuture(removed.get());
  }

  @Override
  public Future<List<JsonObject>> query(ChildQuery query) {
    return Future.succeededFuture(records.values().stream()
        .filter(r -> RecordFilter.matches(query, r))
        .map(JsonObject::copy)
        .toList());
  }

  @Override
  public Future<List<JsonObject>> onNodesOtherThan(Collection<String> liveNodes) {
    Set<String> live = Set.copyOf(liveNodes);
    return Future.succeededFuture(records.values().stream()
        .filter(r -> !live.contains(r.getString("node")))
        .map(JsonObject::copy)
        .toList());
  }
}
