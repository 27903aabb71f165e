package io.pogo.registry;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import io.pogo.core.child.ChildQuery;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The child table in the Hazelcast map {@value #MAP}: records as {@link HazelcastJsonValue}, so queries by
 * node, state and metadata tag run as predicates on the members that own the data. Single-key operations
 * use Hazelcast's async API (entry processors for atomic claim and update); queries, which have no async
 * form, run on the worker pool.
 */
public final class HazelcastRegistryStore implements RegistryStore {
  public static final String MAP = "pogo.children";

  private final Vertx vertx;
  private final Context context;
  private final IMap<String, HazelcastJsonValue> map;

  public HazelcastRegistryStore(Vertx vertx, Context context, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.context = context;
    this.map = hazelcast.getMap(MAP);
  }

  @Override
  public Future<JsonObject> claim(String id, JsonObject record) {
    return onContext(map.submitToKey(id, new Claim(record.encode())))
        .map(existing -> existing == null ? null : new JsonObject(existing));
  }

  @Override
  public Future<Boolean> update(String id, JsonObject record) {
    return onContext(map.submitToKey(id, new Update(record.encode(), record.getString("node"), record.getLong("epoch", 0L))));
  }

  @Override
  public Future<JsonObject> assign(String id, String expectedNode, long expectedEpoch, String newNode, long now) {
    return onContext(map.submitToKey(id, new Assign(expectedNode, expectedEpoch, newNode, now)))
        .map(json -> json == null ? null : new JsonObject(json));
  }

  @Override
  public Future<JsonObject> get(String id) {
    return onContext(map.getAsync(id))
        .map(v -> v == null ? null : new JsonObject(v.getValue()));
  }

  @Override
  public Future<Void> remove(String id) {
    return onContext(map.removeAsync(id)).mapEmpty();
  }

  @Override
  public Future<Boolean> removeIfOwner(String id, String node, long epoch) {
    return onContext(map.submitToKey(id, new RemoveIfOwner(node, epoch)));
  }

  @Override
  public Future<List<JsonObject>> onNodesOtherThan(Collection<String> liveNodes) {
    Predicate<String, HazelcastJsonValue> elsewhere = liveNodes.isEmpty() ? null
        : Predicates.not(Predicates.in("node", liveNodes.toArray(new String[0])));
    return values(elsewhere);
  }

  @Override
  public Future<List<JsonObject>> query(ChildQuery query) {
    return values(predicate(query));
  }

  /** Values matching the predicate (all if null), ordered by id and replica; Hazelcast queries block, so on a worker. */
  private Future<List<JsonObject>> values(Predicate<String, HazelcastJsonValue> predicate) {
    return vertx.executeBlocking(() -> {
      List<JsonObject> out = new ArrayList<>();
      for (HazelcastJsonValue v : predicate == null ? map.values() : map.values(predicate)) {
        out.add(new JsonObject(v.getValue()));
      }
      out.sort(Comparator.<JsonObject, String>comparing(r -> r.getString("id")).thenComparing(r -> r.getInteger("replica", 0)));
      return out;
    }, false);
  }

  /**
   * Completes a Vert.x future on this verticle's context when a Hazelcast operation completes. The callback runs
   * directly on the Hazelcast thread that completes it and only hops to the context: Hazelcast's own default
   * executor for callbacks is a new thread per callback when the common pool has parallelism 1 (2-core machines),
   * which cost three thread starts per child start.
   */
  private <T> Future<T> onContext(CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, error) -> context.runOnContext(v -> {
      if (error != null) {
        promise.fail(error);
      } else {
        promise.complete(value);
      }
    }), Runnable::run);
    return promise.future();
  }

  private static Predicate<String, HazelcastJsonValue> predicate(ChildQuery q) {
    List<Predicate<String, HazelcastJsonValue>> parts = new ArrayList<>();
    if (q.scope() == ChildQuery.Scope.LOCAL && q.node() != null) {
      parts.add(Predicates.equal("node", q.node()));
    }
    if (q.state() != null) {
      parts.add(Predicates.equal("state", q.state().wire()));
    }
    for (Map.Entry<String, String> t : q.tags().entrySet()) {
      parts.add(Predicates.equal("metadata." + t.getKey(), t.getValue()));
    }
    if (parts.isEmpty()) {
      return null;
    }
    @SuppressWarnings("unchecked")
    Predicate<String, HazelcastJsonValue>[] array = parts.toArray(new Predicate[0]);
    return array.length == 1 ? array[0] : Predicates.and(array);
  }

  /** The entry's record if it still assigns the child to {@code node} at {@code epoch}, else null: the fence of every write. */
  static JsonObject owned(Map.Entry<String, HazelcastJsonValue> entry, String node, long epoch) {
    HazelcastJsonValue current = entry.getValue();
    if (current == null) {
      return null;
    }
    JsonObject record = new JsonObject(current.getValue());
    return Records.owns(record, node, epoch) ? record : null;
  }

  /** Inserts the record if the key is free; returns the existing record's JSON otherwise. */
  static final class Claim implements EntryProcessor<String, HazelcastJsonValue, String> {
    private static final long serialVersionUID = 1L;
    private final String json;

    Claim(String json) {
      this.json = json;
    }

    @Override
    public String process(Map.Entry<String, HazelcastJsonValue> entry) {
      HazelcastJsonValue existing = entry.getValue();
      if (existing != null) {
        return existing.getValue();
      }
      entry.setValue(new HazelcastJsonValue(json));
      return null;
    }
  }

  /** Replaces the record only if the table still assigns the child to the writer's node and epoch. */
  static final class Update implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 2L;
    private final String json;
    private final String node;
    private final long epoch;

    Update(String json, String node, long epoch) {
      this.json = json;
      this.node = node;
      this.epoch = epoch;
    }

    @Override
    public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
      if (owned(entry, node, epoch) == null) {
        return false;
      }
      entry.setValue(new HazelcastJsonValue(json));
      return true;
    }
  }

  /** Compare-and-set of the owner: next epoch on the new node, if the record is still where the caller saw it. */
  static final class Assign implements EntryProcessor<String, HazelcastJsonValue, String> {
    private static final long serialVersionUID = 1L;
    private final String expectedNode;
    private final long expectedEpoch;
    private final String newNode;
    private final long now;

    Assign(String expectedNode, long expectedEpoch, String newNode, long now) {
      this.expectedNode = expectedNode;
      this.expectedEpoch = expectedEpoch;
      this.newNode = newNode;
      this.now = now;
    }

    @Override
    public String process(Map.Entry<String, HazelcastJsonValue> entry) {
      JsonObject record = owned(entry, expectedNode, expectedEpoch);
      if (record == null) {
        return null;
      }
      String next = Records.assigned(record, newNode, now).encode();
      entry.setValue(new HazelcastJsonValue(next));
      return next;
    }
  }

  /** Removes the record if the remover still owns it. */
  static final class RemoveIfOwner implements EntryProcessor<String, HazelcastJsonValue, Boolean> {
    private static final long serialVersionUID = 1L;
    private final String node;
    private final long epoch;

    RemoveIfOwner(String node, long epoch) {
      this.node = node;
      this.epoch = epoch;
    }

    @Override
    public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
      if (owned(entry, node, epoch) == null) {
        return false;
      }
      entry.setValue(null);
      return true;
    }
  }
}
