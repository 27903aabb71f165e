package io.pogo.registry;

import io.pogo.core.Addresses;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ChildState;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry's child operations against an in-memory table and a fake supervisor on the local event bus. */
class ChildOperationsTest {
  private Vertx vertx;
  private InMemoryRegistryStore store;
  private ChildOperations ops;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    store = new InMemoryRegistryStore();
    NodeOptions options = NodeOptions.defaults("n1");
    ops = new ChildOperations(vertx, store, options, new LocalClusterView(options, 0), () -> 1_000L);
    // a supervisor that runs what it is given, but refuses argv[0] "missing" like a node without that executable
    vertx.eventBus().<JsonObject>consumer(Addresses.supervisor("n1", "start"), msg -> {
      JsonObject spec = msg.body().getJsonObject("spec");
      if ("missing".equals(spec.getJsonArray("argv").getString(0))) {
        PogoException.validation("argv[0]", "executable \"missing\" not found on PATH").failMessage(msg);
        return;
      }
      ChildRecord running = new ChildRecord(ChildSpecValidator.parse(spec), 0, ChildState.RUNNING, "n1", 1, 0, 99L, null,
          1_000, null, 1_000);
      store.update(spec.getString("id"), running.toJson()).onComplete(ar -> msg.reply(running.toJson()));
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.supervisor("n1", "stop"), msg ->
        new PogoException(ErrorCode.CHILD_NOT_FOUND, "node n1 does not run it").failMessage(msg));
  }

  @AfterEach
  void tearDown() {
    vertx.close();
  }

  private static JsonObject spec(String id, String cmd) {
    return new JsonObject().put("id", id).put("kind", "process").put("argv", new JsonArray().add(cmd));
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void startIsVisibleInTheTableWhenItReplies() throws Exception {
    JsonObject record = await(ops.start(spec("a", "sleep")));
    assertEquals("running", record.getString("state"));
    assertEquals("running", await(store.get("a")).getString("state"));
  }

  @Test
  void duplicateIdSaysWhereItRuns() throws Exception {
    await(ops.start(spec("a", "sleep")));
    PogoException e = assertThrows(PogoException.class, () -> await(ops.start(spec("a", "other"))));
    assertEquals(ErrorCode.ALREADY_STARTED, e.code());
    assertEquals("n1", e.details().getString("node"));
    assertEquals("running", e.details().getString("state"));
    assertTrue(e.getMessage().contains("already started on node n1"));
  }

  @Test
  void refusedStartReleasesTheIdAndNamesTheField() throws Exception {
    PogoException e = assertThrows(PogoException.class, () -> await(ops.start(spec("b", "missing"))));
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    assertEquals("argv[0]", e.errors().get(0).field());
    assertNull(await(store.get("b")), "a rejected start changes nothing");
    await(ops.start(spec("b", "sleep")));
  }

  @Test
  void invalidSpecNeverReachesTheTable() {
    PogoException e = assertThrows(PogoException.class, () -> await(ops.start(spec("bad id", "sleep"))));
    assertEquals("id", e.errors().get(0).field());
  }

  @Test
  void stopOfAStaleRecordRemovesIt() throws Exception {
    await(store.claim("ghost", new ChildRecord(ChildSpecValidator.parse(spec("ghost", "sleep")), 0, ChildState.RUNNING, "n1",
        1, 0, 5L, null, 1, null, 1).toJson()));
    JsonObject stopped = await(ops.stop(new JsonObject().put("id", "ghost")));
    assertEquals("stopped", stopped.getString("state"));
    assertNull(await(store.get("ghost")));
  }

  @Test
  void unknownChildIsNotFound() {
    PogoException e = assertThrows(PogoException.class, () -> await(ops.get(new JsonObject().put("id", "nope"))));
    assertEquals(ErrorCode.CHILD_NOT_FOUND, e.code());
  }

  @Test
  void localListingMeansThisNode() throws Exception {
    await(ops.start(spec("a", "sleep")));
    await(store.claim("elsewhere", new JsonObject().put("id", "elsewhere").put("node", "n2").put("state", "running")));
    JsonObject local = await(ops.list(new JsonObject().put("scope", "local")));
    assertEquals(1, local.getInteger("count"));
    JsonObject global = await(ops.list(new JsonObject().put("scope", "global")));
    assertEquals(2, global.getInteger("count"));
    PogoException e = assertThrows(PogoException.class, () -> await(ops.list(new JsonObject().put("state", "sleepy"))));
    assertEquals("state", e.errors().get(0).field());
  }
}
