package io.pogo.registry;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;
import java.util.UUID;

/** The store contract against a real (single-member, loopback) Hazelcast. */
class HazelcastRegistryStoreTest extends RegistryStoreContract {
  private static HazelcastInstance hazelcast;
  private static Vertx vertx;
  private RegistryStore store;

  @BeforeAll
  static void startHazelcast() {
    Config cfg = new Config().setClusterName("registry-test-" + UUID.randomUUID());
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    cfg.getNetworkConfig().setPort(0).setPortAutoIncrement(true);
    cfg.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(false);
    hazelcast = Hazelcast.newHazelcastInstance(cfg);
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopHazelcast() {
    vertx.close();
    hazelcast.shutdown();
  }

  @BeforeEach
  void freshMap() {
    hazelcast.getMap(HazelcastRegistryStore.MAP).clear();
    store = new HazelcastRegistryStore(vertx, vertx.getOrCreateContext(), hazelcast);
  }

  @Override
  protected RegistryStore store() {
    return store;
  }
}
