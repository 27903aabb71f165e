package io.pogo.registry;

import com.hazelcast.core.HazelcastInstance;
import io.pogo.core.Addresses;
import io.pogo.core.EventBusService;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonObject;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry verticle: the front door of every child operation and the keeper of the cluster-wide child
 * table. It validates requests, claims ids atomically in the table, and forwards to the supervisor of the
 * node that hosts the child; supervisors report every transition back here. Decisions live in
 * {@link ChildOperations}; this class only wires addresses to them.
 */
public final class RegistryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RegistryVerticle.class);
  private ClusterView cluster;
  private Reconciler reconciler;
  private RegistryStore store;

  @Override
  public Future<?> start() {
    NodeOptions options = NodeOptionsValidator.parse(config(), "node");
    store = createStore();
    cluster = createClusterView(options);
    ChildOperations ops = new ChildOperations(vertx, store, options, cluster, System::currentTimeMillis);
    reconciler = new Reconciler(vertx, store, options, cluster, System::currentTimeMillis);
    ChildAwaiter awaiter = new ChildAwaiter(vertx, ops::replicasOf);
    BatchStart batch = new BatchStart(ops::start, ops::stop);
    EventBusService service = new EventBusService(vertx.eventBus())
        .serve(Addresses.CHILD_START, ops::start)
        .serve(Addresses.CHILD_START_ASYNC, ops::startAsync)
        .serve(Addresses.CHILD_START_BATCH, batch::start)
        .serve(Addresses.CHILD_AWAIT, awaiter::await)
        .serve(Addresses.CHILD_STOP, ops::stop)
        .serve(Addresses.CHILD_RESTART, ops::restart)
        .serve(Addresses.CHILD_GET, ops::get)
        .serve(Addresses.CHILD_LIST, ops::list)
        .serve(Addresses.CHILD_LOGS, ops::logs)
        .serve(Addresses.REGISTRY_REPORT, ops::report)
        .serve(Addresses.REGISTRY_ASSIGNMENT, ops::assignment)
        .serve(Addresses.NODES_LIST, ops::nodes)
        .serve(Addresses.CLUSTER_INFO, ops::clusterInfo)
        // asked by this node only (its start-up, its HTTP API, its shutdown), never by another node
        .serveLocal(Addresses.REGISTRY_READY, body -> cluster.markUp().map(new JsonObject()))
        .serveLocal(Addresses.REGISTRY_DRAIN, this::drain);
    log.debug("registry of node {} uses {}", options.name(), store.getClass().getSimpleName());
    vertx.eventBus().consumer(Addresses.CLUSTER_REBALANCE, msg -> reconciler.rebalance());
    // lets the typed client of this Vert.x ask this node's registry, never a dead node's that is not yet noticed
    vertx.sharedData().getLocalMap(LOCAL_MAP).put(LOCAL_REGISTRY, true);
    return service.ready().compose(v -> cluster.start()).onSuccess(v -> reconciler.start());
  }

  /**
   * Marks this node draining and moves its children away; completes with {@code {"node","remaining"}} once nothing
   * movable is left here, or fails with TIMEOUT after {@code timeoutMs}.
   */
  private Future<JsonObject> drain(JsonObject body) {
    long timeout = body.getLong("timeoutMs", 30_000L);
    return cluster.markDraining()
        .compose(v -> reconciler.drain(timeout).recover(err -> Future.failedFuture(new PogoException(ErrorCode.TIMEOUT,
            "node " + cluster.self() + " still held movable children after " + timeout + " ms of draining"))))
        .compose(v -> store.query(ChildQuery.local().onNode(cluster.self())))
        .map(left -> new JsonObject().put("node", cluster.self()).put("remaining", left.size()));
  }

  /** The node's local map, and the key under which the registry says it runs in this Vert.x. */
  public static final String LOCAL_MAP = "pogo.node";
  public static final String LOCAL_REGISTRY = "registry";

  @Override
  public Future<?> stop() {
    vertx.sharedData().getLocalMap(LOCAL_MAP).remove(LOCAL_REGISTRY);
    reconciler.stop();
    return cluster.stop();
  }

  private ClusterView createClusterView(NodeOptions options) {
    long now = System.currentTimeMillis();
    if (vertx instanceof VertxInternal vi && vi.clusterManager() instanceof HazelcastClusterManager hcm) {
      return new NodeDirectory(vertx, context, options, hcm.getHazelcastInstance(), now);
    }
    return new LocalClusterView(options, now);
  }

  private RegistryStore createStore() {
    if (vertx instanceof VertxInternal vi && vi.clusterManager() instanceof HazelcastClusterManager hcm) {
      HazelcastInstance hz = hcm.getHazelcastInstance();
      return new HazelcastRegistryStore(vertx, context, hz);
    }
    return new InMemoryRegistryStore();
  }

}
