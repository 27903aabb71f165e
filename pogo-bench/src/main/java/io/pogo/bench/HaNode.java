package io.pogo.bench;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.node.ClusterConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node of the Vert.x HA baseline ({@code pogo-bench.jar ha-node ...}, started by the cluster benchmark, never by
 * hand): clustered Vert.x with HA enabled (group {@code bench}, a quorum), built with exactly the Hazelcast and
 * Vert.x settings of a Pogo node ({@link ClusterConfig#hazelcast} and {@link ClusterConfig#vertx} from the same
 * {@link NodeOptions}: TCP-IP join on 127.0.0.1, deadline failure detector, heartbeat and max-no-heartbeat from
 * {@code --heartbeat} and {@code --failure-timeout}, Micrometer metrics), and nothing of Pogo on top.
 * <p>
 * With {@code --deploy N}, once the cluster has {@code --deploy-after-members} members, it deploys N
 * {@link HaProbeVerticle}s by name with {@code setHa(true)} (16 at a time) and prints {@code HA-DEPLOYED-ALL}.
 * It prints {@code HA-NODE-READY} once clustered. It runs until killed (the benchmark kills it with SIGKILL).
 */
final class HaNode {
  private static volatile String name = "?";

  private HaNode() {
  }

  static String nodeName() {
    return name;
  }

  static synchronized void print(String s) {
    System.out.println(s);
    System.out.flush();
  }

  static int run(String[] args) throws Exception {
    JsonObject cfg = new JsonObject();
    int quorum = 2;
    int deploy = 0;
    int afterMembers = 3;
    String dataDir = null;
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--name" -> cfg.put("name", v);
        case "--cluster-name" -> cfg.put("clusterName", v);
        case "--cluster-port" -> cfg.put("clusterPort", Integer.parseInt(v));
        case "--join" -> cfg.put("join", new JsonArray(java.util.List.of((Object[]) v.split(","))));
        case "--heartbeat" -> cfg.put("heartbeat", v);
        case "--failure-timeout" -> cfg.put("failureTimeout", v);
        case "--quorum" -> quorum = Integer.parseInt(v);
        case "--deploy" -> deploy = Integer.parseInt(v);
        case "--deploy-after-members" -> afterMembers = Integer.parseInt(v);
        case "--data-dir" -> dataDir = v;
        default -> throw new IllegalArgumentException("unknown ha-node option " + args[i]);
      }
      i++;
    }
    // unused by Vert.x HA, but NodeOptions wants one; the benchmark deletes it with the cluster
    cfg.put("dataDir", dataDir != null ? dataDir : Files.createTempDirectory("pogo-bench-ha-").toString());
    NodeOptions o = NodeOptionsValidator.parse(cfg, "ha");
    name = o.name();
    HazelcastClusterManager cm = new HazelcastClusterManager(ClusterConfig.hazelcast(o));
    VertxOptions vo = ClusterConfig.vertx(o).setHAEnabled(true).setHAGroup("bench").setQuorumSize(quorum);
    Vertx vertx = Http.await(Vertx.builder().with(vo).withMetrics(new MicrometerMetricsFactory()).withClusterManager(cm)
        .buildClustered(), 120_000);
    print("HA-NODE-READY " + name + " " + System.currentTimeMillis());
    // a membership listener of Hazelcast's own: Vert.x HA owns the cluster manager's single NodeListener
    cm.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        print("HA-MEMBERS " + e.getMembers().size());
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        print("HA-MEMBERS " + e.getMembers().size());
      }
    });
    print("HA-MEMBERS " + cm.getHazelcastInstance().getCluster().getMembers().size());
    if (deploy > 0) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (cm.getNodes().size() < afterMembers && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      deployAll(vertx, deploy).toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
      print("HA-DEPLOYED-ALL " + deploy + " " + System.currentTimeMillis());
    }
    new CountDownLatch(1).await();
    return 0;
  }

  /** N HA deployments by name, 16 in flight. */
  private static Future<Void> deployAll(Vertx vertx, int n) {
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Runnable[] one = new Runnable[1];
    one[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= n) {
        return;
      }
      DeploymentOptions opts = new DeploymentOptions().setHa(true)
          .setConfig(new JsonObject().put("address", "bench.ha." + name + "." + i));
      vertx.deployVerticle(HaProbeVerticle.class.getName(), opts).onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        if (finished.incrementAndGet() == n) {
          done.tryComplete();
        } else {
          one[0].run();
        }
      });
    };
    for (int k = 0; k < Math.min(16, n); k++) {
      one[0].run();
    }
    return done.future();
  }
}
