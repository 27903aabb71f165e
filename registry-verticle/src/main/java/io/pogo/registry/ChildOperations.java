package io.pogo.registry;

import io.pogo.core.Addresses;
import io.pogo.core.Addresses.SupervisorOps;
import io.pogo.core.Requests;
import io.pogo.core.child.ChildKind;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ChildState;
import io.pogo.core.child.ExitInfo;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.pogo.core.node.NodeOptions;
import io.pogo.registry.placement.Placement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongSupplier;

/**
 * The child operations behind the registry's addresses. A start validates the spec, claims the id in the
 * table (atomically: one of two concurrent starts of an id loses with {@code ALREADY_STARTED}), then asks the
 * hosting node's supervisor, which reports every transition back into the table before it answers; so the
 * reply of a start is visible in the table (read-your-writes). A start the supervisor refuses (executable or
 * class missing on that node) releases the claim: a rejected request changes nothing.
 */
final class ChildOperations {
  private static final Logger log = LoggerFactory.getLogger(ChildOperations.class);

  private final Vertx vertx;
  private final RegistryStore store;
  private final NodeOptions options;
  private final LongSupplier clock;
  private final ClusterView cluster;

  ChildOperations(Vertx vertx, RegistryStore store, NodeOptions options, ClusterView cluster, LongSupplier clock) {
    this.vertx = vertx;
    this.store = store;
    this.options = options;
    this.cluster = cluster;
    this.clock = clock;
  }

  Future<JsonObject> start(JsonObject body) {
    ChildSpec spec = ChildSpecValidator.parse(body);
    requireQuorum();
    String node = placement(spec);
    JsonObject claim = new ChildRecord(spec, ChildState.STARTING, node, 1, 0, null, null, 0, null, clock.getAsLong()).toJson();
    return store.claim(spec.id(), claim).compose(existing -> {
      if (existing != null) {
        return Future.failedFuture(alreadyStarted(spec.id(), existing));
      }
      JsonObject request = new JsonObject().put("spec", spec.toJson()).put("epoch", claim.getLong("epoch"));
      return this.<JsonObject>request(node, SupervisorOps.START, request, options.requestTimeoutMs())
          .recover(err -> {
            PogoException pe = PogoException.from(err);
            if (pe.code() == ErrorCode.VALIDATION_FAILED || pe.code() == ErrorCode.MALFORMED_REQUEST) {
              // refused by the node before anything ran: the start changes nothing
              return store.removeIfOwner(spec.id(), node, 1).transform(ignored -> Future.failedFuture(pe));
            }
            // the child is in the table: if its node died meanwhile, a survivor adopts it
            return Future.failedFuture(new PogoException(pe.code() == ErrorCode.TIMEOUT ? ErrorCode.TIMEOUT : ErrorCode.UNAVAILABLE,
                "node " + node + " did not confirm the start of \"" + spec.id() + "\" (" + pe.getMessage() + "); the child is "
                    + "recorded and will run where placement puts it: look it up to see its state"));
          });
    });
  }

  Future<JsonObject> stop(JsonObject body) {
    String id = id(body);
    return existing(id).compose(record -> {
      String node = record.getString("node");
      long timeout = shutdownTimeout(record) + options.requestTimeoutMs();
      return this.<JsonObject>request(node, SupervisorOps.STOP, new JsonObject().put("id", id), timeout)
          .recover(err -> {
            PogoException pe = PogoException.from(err);
            if (pe.code() == ErrorCode.CHILD_NOT_FOUND || pe.code() == ErrorCode.UNAVAILABLE) {
              // the table names a node that does not run the child: the record is stale, and removing it is the stop
              log.warn("child {} was recorded on node {}, which does not run it ({}); removing the record", id, node, pe.getMessage());
              JsonObject stopped = record.copy().put("state", ChildState.STOPPED.wire()).put("pid", null).put("deploymentId", null)
                  .put("lastExit", ExitInfo.shutdown("removed: node " + node + " does not run it", clock.getAsLong()).toJson());
              return store.remove(id).map(stopped);
            }
            return Future.failedFuture(pe);
          }); // on success the supervisor's last report removed the record
    });
  }

  Future<JsonObject> restart(JsonObject body) {
    String id = id(body);
    requireQuorum();
    return existing(id).compose(record -> {
      if (!cluster.liveNodes().contains(record.getString("node"))) {
        // its node is gone (a finished or failed child is not moved by failover): start it where placement says
        ChildSpec spec = ChildSpecValidator.parse(record.getJsonObject("spec"));
        String node = placement(spec);
        return store.assign(id, record.getString("node"), record.getLong("epoch", 0L), node, clock.getAsLong())
            .compose(assigned -> assigned == null
                ? Future.failedFuture(new PogoException(ErrorCode.INVALID_STATE, "child \"" + id + "\" changed meanwhile; try again"))
                : request(node, SupervisorOps.START, new JsonObject().put("spec", spec.toJson())
                    .put("epoch", assigned.getLong("epoch")), options.requestTimeoutMs()));
      }
      return request(record.getString("node"), SupervisorOps.RESTART, new JsonObject().put("id", id),
          shutdownTimeout(record) + options.requestTimeoutMs());
    });
  }

  /** A supervisor checks its assignment before it starts an instance. */
  Future<JsonObject> assignment(JsonObject body) {
    String id = id(body);
    return existing(id).map(r -> new JsonObject().put("id", id).put("node", r.getString("node")).put("epoch", r.getLong("epoch")));
  }

  Future<JsonObject> nodes(JsonObject body) {
    return store.query(ChildQuery.global()).map(records -> {
      java.util.Map<String, Integer> counts = new java.util.HashMap<>();
      records.forEach(r -> counts.merge(r.getString("node"), 1, Integer::sum));
      JsonArray nodes = new JsonArray();
      for (JsonObject n : cluster.nodes()) {
        nodes.add(new JsonObject().put("name", n.getString("name")).put("tags", n.getJsonObject("tags"))
            .put("roles", n.getJsonArray("roles")).put("weight", n.getValue("weight")).put("state", n.getString("state"))
            .put("startedAt", n.getLong("startedAt")).put("children", counts.getOrDefault(n.getString("name"), 0)));
      }
      return new JsonObject().put("nodes", nodes).put("count", nodes.size());
    });
  }

  Future<JsonObject> clusterInfo(JsonObject body) {
    return Future.succeededFuture(new JsonObject()
        .put("node", cluster.self())
        .put("members", cluster.members())
        .put("nodes", new JsonArray(cluster.nodes().stream().map(n -> n.getString("name")).toList()))
        .put("quorum", new JsonObject().put("mode", NodeOptions.quorumText(options.quorum()))
            .put("size", cluster.quorumSize()).put("largestSeen", cluster.largestSeen()).put("present", cluster.hasQuorum()))
        .put("partitioned", !cluster.hasQuorum()));
  }

  Future<JsonObject> get(JsonObject body) {
    return existing(id(body));
  }

  Future<JsonObject> list(JsonObject body) {
    ChildQuery query = ChildQuery.fromJson(body);
    if (query.scope() == ChildQuery.Scope.LOCAL && query.node() == null) {
      query = query.onNode(options.name());
    }
    return store.query(query).map(records -> new JsonObject()
        .put("children", new JsonArray(records))
        .put("count", records.size()));
  }

  Future<JsonObject> logs(JsonObject body) {
    String id = id(body);
    return existing(id).compose(record -> {
      if (!ChildKind.PROCESS.wire().equals(record.getString("kind"))) {
        return Future.failedFuture(new PogoException(ErrorCode.INVALID_STATE, "child \"" + id + "\" is a verticle: its "
            + "output goes to the log of node " + record.getString("node") + "; only process children have logs here"));
      }
      return request(record.getString("node"), SupervisorOps.LOGS, body, options.requestTimeoutMs());
    });
  }

  /** A supervisor's report of a transition: {@code {"record", "remove"}}. */
  Future<JsonObject> report(JsonObject body) {
    JsonObject record = body.getJsonObject("record");
    if (record == null || record.getString("id") == null) {
      return Future.failedFuture(PogoException.validation("record", "is required"));
    }
    String id = record.getString("id");
    Future<Boolean> write = body.getBoolean("remove", false)
        ? store.removeIfOwner(id, record.getString("node"), record.getLong("epoch", 0L))
        : store.update(id, record);
    return write.compose(written -> written ? Future.succeededFuture(new JsonObject())
        : Future.failedFuture(new PogoException(ErrorCode.FENCED, "node " + record.getString("node") + " no longer owns child \""
            + id + "\" at epoch " + record.getLong("epoch") + ": stop that instance")));
  }

  /** Where a child runs: the placement owner among the live nodes that may host it. */
  private String placement(ChildSpec spec) {
    String owner = Placement.owner(spec.id(), constraints(spec), cluster.candidates());
    if (owner == null) {
      throw new PogoException(ErrorCode.NO_ELIGIBLE_NODE, "no live node can host child \"" + spec.id() + "\""
          + (spec.node() != null ? " (pinned to node " + spec.node() + ")" : "")
          + (spec.selector().isEmpty() ? "" : " (selector " + spec.selector() + ")")
          + "; live nodes: " + cluster.candidates().stream().map(c -> c.name() + c.tags()).toList());
    }
    return owner;
  }

  static Placement.Constraints constraints(ChildSpec spec) {
    return new Placement.Constraints(spec.node(), spec.selector());
  }

  private void requireQuorum() {
    if (!cluster.hasQuorum()) {
      throw new PogoException(ErrorCode.QUORUM_LOST, "node " + cluster.self() + " sees " + cluster.members()
          + " member(s) but needs " + cluster.quorumSize() + " for its quorum: it is on the minority side of a partition "
          + "(or its cluster lost too many nodes); retry on a node of the majority");
    }
  }

  private Future<JsonObject> existing(String id) {
    return store.get(id).compose(r -> r != null ? Future.succeededFuture(r)
        : Future.failedFuture(new PogoException(ErrorCode.CHILD_NOT_FOUND, "no child with id \"" + id + "\"")));
  }

  private static String id(JsonObject body) {
    Object id = body.getValue("id");
    if (!(id instanceof String s) || s.isEmpty()) {
      throw PogoException.validation("id", "is required");
    }
    return s;
  }

  static long shutdownTimeout(JsonObject record) {
    JsonObject spec = record.getJsonObject("spec", new JsonObject());
    Object t = spec.getValue("shutdownTimeout");
    return t == null ? ChildSpec.DEFAULT_SHUTDOWN_TIMEOUT_MS : Durations.parseMillis(t);
  }

  private static PogoException alreadyStarted(String id, JsonObject existing) {
    String node = existing.getString("node");
    String state = existing.getString("state");
    return new PogoException(ErrorCode.ALREADY_STARTED, "child \"" + id + "\" is already started on node " + node
        + " (state " + state + ")", java.util.List.of(), new JsonObject().put("id", id).put("node", node).put("state", state));
  }

  private <T> Future<T> request(String node, String op, JsonObject body, long timeoutMs) {
    return vertx.eventBus().<T>request(Addresses.supervisor(node, op), body, Requests.options(timeoutMs))
        .map(Message::body);
  }
}
