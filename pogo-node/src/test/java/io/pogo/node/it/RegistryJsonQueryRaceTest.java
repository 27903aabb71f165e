package io.pogo.node.it;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.ClusterConfig;
import io.pogo.registry.HazelcastRegistryStore;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Diagnostic found by {@link ChaosTest} (run it with {@code -Dpogo.diagnostics=true}): on a map configured as a node
 * configures {@value HazelcastRegistryStore#MAP} ({@link ClusterConfig#hazelcast}), a predicate query on
 * {@code node} misses records while they are rewritten with a {@code state} of another length placed before
 * {@code node}, as a child record is when it goes from {@code starting} to {@code running}. Hazelcast 5.3.8 reads a
 * record's value and its JSON metadata separately, so a query can apply the old metadata (offsets) to the new value.
 * A supervisor's fencing check lists its node's children with such a query, and fences a child the listing misses.
 */
@EnabledIfSystemProperty(named = "pogo.diagnostics", matches = "true")
class RegistryJsonQueryRaceTest {

  @Test
  void aPredicateQueryOnNodeSeesEveryRecordWhileTheirStateChanges() throws Exception {
    String cluster = "race-" + UUID.randomUUID();
    int first = NodeProcess.freePort();
    List<HazelcastInstance> members = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        JsonObject config = new JsonObject().put("name", "m" + i).put("clusterName", cluster)
            .put("clusterPort", i == 0 ? first : NodeProcess.freePort()).put("join", new JsonArray().add("127.0.0.1:" + first));
        members.add(Hazelcast.newHazelcastInstance(ClusterConfig.hazelcast(NodeOptionsValidator.parse(config, "m" + i))));
      }
      int records = 50;
      IMap<String, HazelcastJsonValue> writer = members.get(1).getMap(HazelcastRegistryStore.MAP);
      for (int i = 0; i < records; i++) {
        writer.set("c" + i, record("c" + i, "starting"));
      }
      AtomicBoolean done = new AtomicBoolean();
      Thread updates = new Thread(() -> {
        for (int i = 0; !done.get(); i++) {
          writer.set("c" + (i % records), record("c" + (i % records), (i / records) % 2 == 0 ? "running" : "starting"));
        }
      });
      updates.start();
      IMap<String, HazelcastJsonValue> reader = members.get(2).getMap(HazelcastRegistryStore.MAP);
      int queries = 0;
      int incomplete = 0;
      long end = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < end) {
        queries++;
        if (reader.values(Predicates.equal("node", "n1")).size() != records) {
          incomplete++;
        }
      }
      done.set(true);
      updates.join();
      assertEquals(0, incomplete, incomplete + " of " + queries + " queries for node=n1 missed records being updated");
    } finally {
      members.forEach(m -> m.getLifecycleService().terminate());
    }
  }

  /** The field order of a child record ({@code ChildRecord.toJson}): state comes before node. */
  private static HazelcastJsonValue record(String id, String state) {
    return new HazelcastJsonValue(new JsonObject().put("id", id).put("kind", "verticle").put("state", state).put("node", "n1")
        .put("epoch", 1).encode());
  }
}
