package io.pogo.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.pogo.core.node.NodeOptions;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterConfigTest {

  private static NodeOptions options(Map<String, String> flags) {
    return new NodeConfigLoader(Map.of(), "n1").load(null, flags);
  }

  @Test
  void loopbackTcpIpOnlyWithPropertiesFromTheNodeSettings() {
    NodeOptions o = options(Map.of("clusterName", "east", "clusterPort", "5801", "heartbeat", "2s",
        "failureTimeout", "7s"));
    Config cfg = ClusterConfig.hazelcast(o);
    assertEquals("east", cfg.getClusterName());
    assertEquals(5801, cfg.getNetworkConfig().getPort());
    String policy = cfg.getMapConfig("pogo.children").getMergePolicyConfig().getPolicy();
    assertEquals("io.pogo.registry.EpochMergePolicy", policy, "a healed partition keeps the higher epoch");
    assertNotNull(assertDoesNotThrow(() -> Class.forName(policy)), "the policy is on the node's classpath");
    assertFalse(cfg.getNetworkConfig().isPortAutoIncrement());
    assertTrue(cfg.getNetworkConfig().getInterfaces().isEnabled());
    assertEquals(List.of("127.0.0.1"), List.copyOf(cfg.getNetworkConfig().getInterfaces().getInterfaces()));
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5801"), join.getTcpIpConfig().getMembers(), "alone: only itself");

    assertEquals("2", cfg.getProperty("hazelcast.heartbeat.interval.seconds"));
    assertEquals("7", cfg.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals("deadline", cfg.getProperty("hazelcast.heartbeat.failuredetector.type"));
    assertEquals("false", cfg.getProperty("hazelcast.phone.home.enabled"));
    assertEquals("false", cfg.getProperty("hazelcast.socket.bind.any"));
    assertEquals("0", cfg.getProperty("hazelcast.wait.seconds.before.join"));
    assertEquals("slf4j", cfg.getProperty("hazelcast.logging.type"));
    assertEquals("false", cfg.getProperty("hazelcast.shutdownhook.enabled"));
    // ConfigUtil.loadConfig() kept vertx-hazelcast's own map settings
    assertNotNull(cfg.getMultiMapConfigs().get("__vertx.subs"));
  }

  @Test
  void joinListAndHostNamesAndRounding() {
    NodeOptions o = options(Map.of("clusterHost", "localhost", "join", "127.0.0.1:5701, 127.0.0.1:5702",
        "heartbeat", "300ms", "failureTimeout", "2500ms"));
    Config cfg = ClusterConfig.hazelcast(o);
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), cfg.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
    assertEquals(List.of("127.0.0.1"), List.copyOf(cfg.getNetworkConfig().getInterfaces().getInterfaces()));
    assertEquals("1", cfg.getProperty("hazelcast.heartbeat.interval.seconds"), "rounded up to whole seconds");
    assertEquals("3", cfg.getProperty("hazelcast.max.no.heartbeat.seconds"));
  }

  @Test
  void eventBusBindsToTheClusterHostOnAnEphemeralPort() {
    VertxOptions v = ClusterConfig.vertx(options(Map.of()));
    assertEquals("127.0.0.1", v.getEventBusOptions().getHost());
    assertEquals(0, v.getEventBusOptions().getPort());
    assertEquals("[::1]:5701", ClusterConfig.hostPort("::1", 5701));
  }
}
