package io.pogo.scheduler.store;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's fence against a superseded scheduler, on a real (single, loopback) Hazelcast member: two stores on the
 * same maps stand for the old scheduler and its successor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HazelcastJobStoreTest {
  private HazelcastInstance hz;
  private Vertx vertx;
  private Context context;

  @BeforeAll
  void start() {
    Config config = new Config().setClusterName("store-test-" + UUID.randomUUID()).setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(0).getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1"));
    hz = Hazelcast.newHazelcastInstance(config);
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    hz.shutdown();
  }

  private HazelcastJobStore store(long epoch) {
    HazelcastJobStore s = new HazelcastJobStore(vertx, context, hz);
    s.writeAs(epoch);
    return s;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the write was accepted");
  }

  private static JsonObject host(String state) {
    return new JsonObject().put("state", state);
  }

  @Test
  void whatIsWrittenIsReadBack() throws Exception {
    HazelcastJobStore s = store(3);
    JsonObject job = new JsonObject().put("id", "r1").put("view", new JsonObject().put("state", "running"));
    await(s.write(Map.of("r1", job), Map.of("r1", new JsonObject().put("hosts", List.of("a"))),
        Map.of(JobStore.key("r1", "a"), host("running")), Map.of(JobStore.outputKey("r1", "a", 1), new JsonObject().put("lines", 1))));
    assertEquals(job, await(s.job("r1")));
    assertEquals(host("running"), await(s.hosts("r1", List.of("a", "b"))).get("a"));
    assertEquals(1, await(s.outputs("r1", "a", 2)).size());
    assertTrue(await(s.jobs()).contains(job));
    await(s.putNamespace("ns-r1", new JsonObject().put("name", "ns-r1")));
    assertEquals(new JsonObject().put("name", "ns-r1"), await(s.namespaces()).get("ns-r1"));
  }

  @Test
  void aSupersededSchedulerCannotOverwriteWhatItsSuccessorWrote() throws Exception {
    HazelcastJobStore old = store(4);
    HazelcastJobStore successor = store(5);
    await(old.write(Map.of(), Map.of(), Map.of(JobStore.key("f1", "a"), host("running")), Map.of()));
    await(successor.write(Map.of(), Map.of(), Map.of(JobStore.key("f1", "a"), host("lost")), Map.of()));

    Throwable refused = failure(old.write(Map.of(), Map.of(),
        Map.of(JobStore.key("f1", "a"), host("succeeded"), JobStore.key("f1", "b"), host("running")), Map.of()));
    StoreFencedException f = assertInstanceOf(StoreFencedException.class, refused);
    assertEquals(5, f.newerEpoch());
    assertEquals("the store refused a write of pogo.job.hosts/f1/a at epoch 4: a scheduler at epoch 5 has written it since",
        f.getMessage());
    assertEquals(host("lost"), await(successor.hosts("f1", List.of("a"))).get("a"), "the successor's value stays");

    // the successor writes over its own values, and over older ones
    await(successor.write(Map.of(), Map.of(), Map.of(JobStore.key("f1", "a"), host("running")), Map.of()));
    assertEquals(host("running"), await(successor.hosts("f1", List.of("a"))).get("a"));
  }

  @Test
  void aSupersededSchedulerCannotRemoveWhatItsSuccessorWrote() throws Exception {
    HazelcastJobStore old = store(6);
    HazelcastJobStore successor = store(7);
    await(successor.putNamespace("ns-d", new JsonObject().put("name", "ns-d").put("version", 2)));
    assertInstanceOf(StoreFencedException.class, failure(old.removeNamespace("ns-d")));
    assertInstanceOf(StoreFencedException.class, failure(old.putNamespace("ns-d", new JsonObject().put("version", 1))));
    assertEquals(2, await(successor.namespaces()).get("ns-d").getInteger("version"));

    await(successor.write(Map.of("d1", new JsonObject().put("id", "d1")), Map.of("d1", new JsonObject()),
        Map.of(JobStore.key("d1", "a"), host("failed")), Map.of(JobStore.outputKey("d1", "a", 1), new JsonObject())));
    assertInstanceOf(StoreFencedException.class, failure(old.deleteJob("d1", Map.of("a", 11))));
    assertEquals(new JsonObject().put("id", "d1"), await(successor.job("d1")));
    await(successor.deleteJob("d1", Map.of("a", 11)));
    assertNull(await(successor.job("d1")));
    assertEquals(Map.of(), await(successor.hosts("d1", List.of("a"))));
    assertEquals(List.of(), await(successor.outputs("d1", "a", 11)));
  }

  @Test
  void nothingIsWrittenBeforeTheEpochIsTaken() throws Exception {
    HazelcastJobStore fresh = new HazelcastJobStore(vertx, context, hz);
    assertInstanceOf(IllegalStateException.class, failure(fresh.putNamespace("early", new JsonObject())));
    assertNull(await(store(8).namespaces()).get("early"));
  }
}
