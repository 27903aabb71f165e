package io.pogo.registry;

import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The contract every {@link RegistryStore} keeps; run against the in-memory store and against Hazelcast. */
abstract class RegistryStoreContract {

  protected abstract RegistryStore store();

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("store operation failed: " + e, e);
    }
  }

  static JsonObject record(String id, String node, String state, String team) {
    return new JsonObject().put("id", id).put("node", node).put("epoch", 1).put("state", state)
        .put("metadata", new JsonObject().put("team", team));
  }

  @Test
  void claimIsExclusive() {
    assertNull(await(store().claim("a", record("a", "n1", "starting", "x"))));
    JsonObject existing = await(store().claim("a", record("a", "n2", "starting", "y")));
    assertEquals("n1", existing.getString("node"));
    assertEquals("n1", await(store().get("a")).getString("node"));
  }

  @Test
  void updateDoesNotResurrectARemovedRecord() {
    await(store().claim("b", record("b", "n1", "starting", "x")));
    assertEquals(true, await(store().update("b", record("b", "n1", "running", "x"))));
    assertEquals("running", await(store().get("b")).getString("state"));
    await(store().remove("b"));
    assertEquals(false, await(store().update("b", record("b", "n1", "stopped", "x"))));
    assertNull(await(store().get("b")));
  }

  @Test
  void assignIsACompareAndSetThatBumpsTheEpoch() {
    await(store().claim("m", record("m", "n1", "running", "x").put("pid", 42)));
    JsonObject moved = await(store().assign("m", "n1", 1, "n2", 5));
    assertEquals("n2", moved.getString("node"));
    assertEquals(2, moved.getLong("epoch"));
    assertEquals("starting", moved.getString("state"));
    assertNull(moved.getValue("pid"));
    assertNull(await(store().assign("m", "n1", 1, "n3", 6)), "a second mover with the old view loses");
    assertEquals("n2", await(store().get("m")).getString("node"));
    assertNull(await(store().assign("nope", "n1", 1, "n3", 6)));
  }

  @Test
  void writesOfAFencedOwnerAreRefused() {
    await(store().claim("f", record("f", "n1", "running", "x")));
    await(store().assign("f", "n1", 1, "n2", 5));
    assertEquals(false, await(store().update("f", record("f", "n1", "running", "x"))), "n1 at epoch 1 is fenced");
    assertEquals(false, await(store().removeIfOwner("f", "n1", 1)));
    assertEquals(true, await(store().update("f", record("f", "n2", "running", "x").put("epoch", 2))));
    assertEquals(true, await(store().removeIfOwner("f", "n2", 2)));
    assertNull(await(store().get("f")));
  }

  @Test
  void recordsOfGoneNodesAreFound() {
    await(store().claim("g1", record("g1", "alive", "running", "x")));
    await(store().claim("g2", record("g2", "dead", "running", "x")));
    await(store().claim("g3", record("g3", "dead", "exited", "x")));
    assertEquals(List.of("g2", "g3"), ids(await(store().onNodesOtherThan(List.of("alive")))));
    assertEquals(List.of("g1", "g2", "g3"), ids(await(store().onNodesOtherThan(List.of()))));
  }

  @Test
  void queryFiltersByNodeStateAndTagInIdOrder() {
    await(store().claim("q3", record("q3", "n1", "running", "core")));
    await(store().claim("q1", record("q1", "n2", "running", "core")));
    await(store().claim("q2", record("q2", "n1", "failed", "web")));
    List<String> all = ids(await(store().query(ChildQuery.global())));
    assertEquals(List.of("q1", "q2", "q3"), all.stream().filter(id -> id.startsWith("q")).toList());
    assertEquals(List.of("q2", "q3"), ids(await(store().query(ChildQuery.local().onNode("n1")))));
    assertEquals(List.of("q1", "q3"), ids(await(store().query(ChildQuery.global().withTag("team", "core")))));
    assertEquals(List.of("q3"), ids(await(store().query(ChildQuery.local().onNode("n1").withState(ChildState.RUNNING)))));
    assertEquals(List.of(), ids(await(store().query(ChildQuery.global().withTag("team", "nobody")))));
  }

  private static List<String> ids(List<JsonObject> records) {
    return records.stream().map(r -> r.getString("id")).toList();
  }
}
