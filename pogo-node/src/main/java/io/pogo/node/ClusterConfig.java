package io.pogo.node;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.pogo.core.node.NodeOptions;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The Hazelcast and Vert.x settings of a node, built in code from {@link NodeOptions} (see
 * shared/reference/vertx-stack.md §3): TCP-IP join only, bound to the cluster host only, no phone-home, and
 * failure detection from the node's settings.
 */
public final class ClusterConfig {
  /** Hazelcast waits this long for a graceful leave (partition migration); its default is 600 s. */
  static final int GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS = 10;

  private ClusterConfig() {
  }

  /** How often a member looks for the other side of a partition to merge with. */
  static final int MERGE_CHECK_SECONDS = 5;
  static final String CHILD_TABLE = "pogo.children";
  static final String NODE_TABLE = "pogo.nodes";
  /** The scheduler's state: meta counters, namespaces, jobs, job hosts and their output. */
  static final List<String> SCHEDULER_TABLES = List.of("pogo.scheduler", "pogo.namespaces", "pogo.jobs", "pogo.job.specs", "pogo.job.hosts",
      "pogo.job.output");
  /** Synchronous backups of Pogo's tables: simultaneous member losses they survive. */
  static final int TABLE_BACKUPS = 2;
  static final String EPOCH_MERGE_POLICY = "io.pogo.registry.EpochMergePolicy";

  /**
   * The Hazelcast config. Starts from vertx-hazelcast's default (through {@link ConfigUtil#loadConfig()}, which
   * keeps the {@code __vertx.*} map settings) and replaces its network and join settings.
   */
  public static Config hazelcast(NodeOptions o) {
    Config cfg = ConfigUtil.loadConfig();
    cfg.setClusterName(o.clusterName());
    // Hazelcast counts these two in whole seconds: round up, never below 1 s.
    cfg.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(seconds(o.heartbeatMs())));
    cfg.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(seconds(o.failureTimeoutMs())));
    cfg.setProperty("hazelcast.heartbeat.failuredetector.type", "deadline");
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.socket.bind.any", "false");
    cfg.setProperty("hazelcast.wait.seconds.before.join", "0");
    // a healed partition (or a node back from a pause) merges within seconds, so a duplicate lives only that long
    // two synchronous backups: the table survives two members crashing at once (one backup lost the records whose
    // primary and backup sat on the two)
    cfg.getMapConfig(CHILD_TABLE).setBackupCount(TABLE_BACKUPS);
    cfg.getMapConfig(NODE_TABLE).setBackupCount(TABLE_BACKUPS);
    // a job survives its scheduler's node and one more crashing at once
    SCHEDULER_TABLES.forEach(t -> cfg.getMapConfig(t).setBackupCount(TABLE_BACKUPS));
    cfg.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(MERGE_CHECK_SECONDS));
    cfg.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(MERGE_CHECK_SECONDS));
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    // Pogo's own shutdown hook leaves the cluster after the verticles have stopped; Hazelcast's would leave first.
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    cfg.setProperty("hazelcast.graceful.shutdown.max.wait", Integer.toString(GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS));

    // after a heal, the child record with the higher epoch wins (see EpochMergePolicy); the loser's node stops its instance
    cfg.getMapConfig(CHILD_TABLE).getMergePolicyConfig().setPolicy(EPOCH_MERGE_POLICY);
    // no precomputed JSON metadata: Hazelcast 5.3 reads a value and its metadata separately, so a query racing an
    // update could apply old offsets to the new value and miss the record (a fencing check would then stop a live
    // child). Queries parse the JSON instead: consistent, and about 1.5 KB less heap per child.
    cfg.getMapConfig(CHILD_TABLE).setMetadataPolicy(com.hazelcast.config.MetadataPolicy.OFF);
    cfg.getMapConfig(NODE_TABLE).setMetadataPolicy(com.hazelcast.config.MetadataPolicy.OFF);

    NetworkConfig net = cfg.getNetworkConfig();
    net.setPort(o.clusterPort()).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(true).setInterfaces(List.of(address(o.clusterHost())));
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members(o));
    return cfg;
  }

  /** TCP-IP members: the join list, or this node alone. */
  static List<String> members(NodeOptions o) {
    if (!o.join().isEmpty()) {
      return o.join();
    }
    return List.of(hostPort(address(o.clusterHost()), o.clusterPort()));
  }

  /**
   * Vert.x options: the event bus binds to the cluster host on an ephemeral port; metrics go to a Prometheus
   * registry of this node's own (served at {@code /metrics}), with JVM metrics.
   */
  public static VertxOptions vertx(NodeOptions o) {
    return new VertxOptions().setEventBusOptions(new EventBusOptions().setHost(o.clusterHost()).setPort(0))
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
            .setRegistryName(o.metricsRegistryName())
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  /** Hazelcast interfaces want an IP address: resolve a host name once. */
  static String address(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      return host;
    }
  }

  static long seconds(long ms) {
    return Math.max(1, (ms + 999) / 1000);
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }
}
