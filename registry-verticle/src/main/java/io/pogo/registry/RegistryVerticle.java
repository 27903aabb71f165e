package io.pogo.registry;

import com.hazelcast.core.HazelcastInstance;
import io.pogo.core.Addresses;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The registry verticle: the front door of every child operation and the keeper of the cluster-wide child
 * table. It validates requests, claims ids atomically in the table, and forwards to the supervisor of the
 * node that hosts the child; supervisors report every transition back here. Decisions live in
 * {@link ChildOperations}; this class only wires addresses to them.
 */
public final class RegistryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RegistryVerticle.class);

  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  @Override
  public Future<?> start() {
    NodeOptions options = NodeOptionsValidator.parse(config(), "node");
    RegistryStore store = createStore();
    ChildOperations ops = new ChildOperations(vertx, store, options, System::currentTimeMillis);
    serve(Addresses.CHILD_START, ops::start);
    serve(Addresses.CHILD_STOP, ops::stop);
    serve(Addresses.CHILD_RESTART, ops::restart);
    serve(Addresses.CHILD_GET, ops::get);
    serve(Addresses.CHILD_LIST, ops::list);
    serve(Addresses.CHILD_LOGS, ops::logs);
    serve(Addresses.REGISTRY_REPORT, ops::report);
    log.debug("registry of node {} uses {}", options.name(), store.getClass().getSimpleName());
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private RegistryStore createStore() {
    if (vertx instanceof VertxInternal vi && vi.clusterManager() instanceof HazelcastClusterManager hcm) {
      HazelcastInstance hz = hcm.getHazelcastInstance();
      return new HazelcastRegistryStore(vertx, context, hz);
    }
    return new InMemoryRegistryStore();
  }

  private void serve(String address, Function<JsonObject, Future<JsonObject>> operation) {
    consumers.add(vertx.eventBus().<Object>consumer(address, msg -> handle(msg, operation)));
  }

  private static void handle(Message<Object> msg, Function<JsonObject, Future<JsonObject>> operation) {
    if (!(msg.body() instanceof JsonObject body)) {
      new PogoException(ErrorCode.MALFORMED_REQUEST, "the body must be a JSON object").failMessage(msg);
      return;
    }
    Future<JsonObject> result;
    try {
      result = operation.apply(body);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        PogoException pe = PogoException.from(ar.cause());
        if (pe.code() == ErrorCode.INTERNAL) {
          log.error("{} failed on {}", msg.address(), body.getString("id", "(no id)"), ar.cause());
        }
        pe.failMessage(msg);
      }
    });
  }
}
