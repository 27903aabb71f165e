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

import java.util.ArrayList;
import java.util.List;
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

  /** Starts a child and answers once every replica has settled (read-your-writes). */
  Future<JsonObject> start(JsonObject body) {
    return start(body, true);
  }

  /**
   * Starts a child and answers as soon as its records are in the table (state {@code starting}), before any node
   * runs it; {@code pogo.child.await} waits for the state wanted. A node's refusal (executable or class missing)
   * then removes the records and publishes {@code child.refused}.
   */
  Future<JsonObject> startAsync(JsonObject body) {
    return start(body, false);
  }

  private Future<JsonObject> start(JsonObject body, boolean wait) {
    ChildSpec spec = ChildSpecValidator.parse(body);
    requireQuorum();
    String[] owners = placement(spec);
    long now = clock.getAsLong();
    List<JsonObject> claims = new ArrayList<>(owners.length);
    for (int r = 0; r < owners.length; r++) {
      claims.add(new ChildRecord(spec, r, ChildState.STARTING, owners[r], 1, 0, null, null, 0, null, now).toJson());
    }
    // replica 0's key is the child's id: whoever claims it owns the id, the other replicas' keys follow
    return store.claim(spec.id(), claims.get(0)).compose(existing -> {
      if (existing != null) {
        return Future.failedFuture(alreadyStarted(spec.id(), existing));
      }
      List<Future<Void>> rest = new ArrayList<>();
      for (JsonObject claim : claims.subList(1, claims.size())) {
        rest.add(claimReplica(claim));
      }
      return Future.all(rest).compose(v -> {
        Future<JsonObject> started = startReplicas(spec, claims);
        if (wait) {
          return started;
        }
        started.onFailure(err -> {
          PogoException pe = PogoException.from(err);
          log.warn("async start of child {} did not complete: {}", spec.id(), pe.getMessage());
          if (refusal(pe)) {
            vertx.eventBus().publish(Addresses.EVENTS_CHILD, new JsonObject().put("type", "child.refused").put("id", spec.id())
                .put("code", pe.code().name()).put("reason", pe.getMessage()).put("at", clock.getAsLong()));
          }
        });
        return Future.succeededFuture(ReplicaRecords.combineOne(claims));
      });
    });
  }

  /** A replica key other than the id's: a leftover of an interrupted stop is replaced (the id's key is ours). */
  private Future<Void> claimReplica(JsonObject claim) {
    String key = ChildRecord.key(claim);
    return store.claim(key, claim).compose(existing -> existing == null ? Future.succeededFuture()
        : store.remove(key).compose(v -> store.claim(key, claim)).mapEmpty());
  }

  /** Asks each replica's node to start it; a refusal by any node rolls every replica back. */
  private Future<JsonObject> startReplicas(ChildSpec spec, List<JsonObject> claims) {
    List<Future<JsonObject>> starts = new ArrayList<>();
    for (JsonObject claim : claims) {
      JsonObject request = new JsonObject().put("spec", spec.toJson()).put("epoch", claim.getLong("epoch"))
          .put("replica", claim.getInteger("replica"));
      starts.add(this.<JsonObject>request(claim.getString("node"), SupervisorOps.START, request, options.requestTimeoutMs()));
    }
    return Future.join(starts).transform(ignored -> {
      PogoException refused = null;
      PogoException other = null;
      String otherNode = null;
      for (int r = 0; r < starts.size(); r++) {
        if (starts.get(r).failed()) {
          PogoException pe = PogoException.from(starts.get(r).cause());
          if (refusal(pe)) {
            refused = refused == null ? pe : refused;
          } else if (other == null) {
            other = pe;
            otherNode = claims.get(r).getString("node");
          }
        }
      }
      if (refused != null) {
        PogoException cause = refused;
        return rollBack(claims, starts).transform(v -> Future.failedFuture(cause));
      }
      if (other != null) {
        // the child is in the table: if its node died meanwhile, a survivor adopts it
        return Future.failedFuture(new PogoException(other.code() == ErrorCode.TIMEOUT ? ErrorCode.TIMEOUT : ErrorCode.UNAVAILABLE,
            "node " + otherNode + " did not confirm the start of \"" + spec.id() + "\" (" + other.getMessage() + "); the child "
                + "is recorded and will run where placement puts it: look it up to see its state"));
      }
      return Future.succeededFuture(ReplicaRecords.combineOne(starts.stream().map(Future::result).toList()));
    });
  }

  /** Refused by a node before anything ran there: the start changes nothing. */
  private static boolean refusal(PogoException pe) {
    return pe.code() == ErrorCode.VALIDATION_FAILED || pe.code() == ErrorCode.MALFORMED_REQUEST;
  }

  /** Undoes a start: replicas that started are stopped (their stop removes their records), the others' records removed. */
  private Future<Void> rollBack(List<JsonObject> claims, List<Future<JsonObject>> starts) {
    List<Future<?>> undo = new ArrayList<>();
    for (int r = claims.size() - 1; r >= 0; r--) {
      JsonObject claim = claims.get(r);
      String node = claim.getString("node");
      if (starts.get(r).succeeded()) {
        JsonObject stop = new JsonObject().put("id", claim.getString("id")).put("replica", r);
        undo.add(request(node, SupervisorOps.STOP, stop, shutdownTimeout(claim) + options.requestTimeoutMs())
            .recover(err -> store.removeIfOwner(ChildRecord.key(claim), node, 1).mapEmpty()));
      } else {
        undo.add(store.removeIfOwner(ChildRecord.key(claim), node, 1));
      }
    }
    return Future.join(undo).mapEmpty();
  }

  Future<JsonObject> stop(JsonObject body) {
    String id = id(body);
    return replicasOf(id).compose(records -> {
      // replica 0 last: its key is the child's id, so the id is free only once every replica is gone
      List<Future<JsonObject>> others = new ArrayList<>();
      for (JsonObject r : records.subList(1, records.size())) {
        others.add(stopReplica(r));
      }
      return Future.join(others).transform(ignored -> stopReplica(records.get(0))).compose(first -> {
        List<JsonObject> stopped = new ArrayList<>();
        stopped.add(first);
        for (Future<JsonObject> f : others) {
          if (f.failed()) {
            return Future.failedFuture(f.cause());
          }
          stopped.add(f.result());
        }
        return Future.succeededFuture(ReplicaRecords.combineOne(stopped));
      });
    });
  }

  private Future<JsonObject> stopReplica(JsonObject record) {
    return stopReplica(record, 1);
  }

  /** Moves a stop may chase before it gives up: a child that moves this often is being rebalanced in a loop. */
  static final int STOP_CHASES = 3;

  private Future<JsonObject> stopReplica(JsonObject record, int attempt) {
    String id = record.getString("id");
    int replica = record.getInteger("replica", 0);
    String key = ChildRecord.key(record);
    String node = record.getString("node");
    long epoch = record.getLong("epoch", 0L);
    long timeout = shutdownTimeout(record) + options.requestTimeoutMs();
    JsonObject body = new JsonObject().put("id", id).put("replica", replica);
    return this.<JsonObject>request(node, SupervisorOps.STOP, body, timeout)
        .recover(err -> {
          PogoException pe = PogoException.from(err);
          if (pe.code() != ErrorCode.CHILD_NOT_FOUND && pe.code() != ErrorCode.UNAVAILABLE) {
            return Future.failedFuture(pe);
          }
          JsonObject stopped = record.copy().put("state", ChildState.STOPPED.wire()).put("pid", null).put("deploymentId", null)
              .put("lastExit", ExitInfo.shutdown("removed: node " + node + " does not run it", clock.getAsLong()).toJson());
          // the table names a node that does not run the child: if the record is still the one read, it is stale and
          // removing it is the stop; if it changed meanwhile (a move, a failover), the stop follows the child
          return store.removeIfOwner(key, node, epoch).compose(removed -> {
            if (removed) {
              log.warn("child {} was recorded on node {}, which does not run it ({}); record removed", key, node, pe.getMessage());
              return Future.succeededFuture(stopped);
            }
            return store.get(key).compose(now -> {
              if (now == null) {
                return Future.succeededFuture(stopped); // stopped by someone else meanwhile
              }
              if (attempt >= STOP_CHASES) {
                return Future.failedFuture(new PogoException(ErrorCode.INVALID_STATE, "child \"" + key + "\" moved "
                    + attempt + " times while being stopped; try the stop again"));
              }
              return stopReplica(now, attempt + 1);
            });
          });
        }); // on success the supervisor's last report removed the record
  }

  Future<JsonObject> restart(JsonObject body) {
    String id = id(body);
    requireQuorum();
    return replicasOf(id).compose(records -> {
      List<Future<JsonObject>> restarts = new ArrayList<>();
      for (JsonObject r : records) {
        restarts.add(restartReplica(r, records));
      }
      return Future.all(restarts).map(all -> ReplicaRecords.combineOne(restarts.stream().map(Future::result).toList()));
    });
  }

  private Future<JsonObject> restartReplica(JsonObject record, List<JsonObject> siblings) {
    String key = ChildRecord.key(record);
    int replica = record.getInteger("replica", 0);
    if (!cluster.liveNodes().contains(record.getString("node"))) {
      // its node is gone (a finished or failed child is not moved by failover): start it where placement says
      ChildSpec spec = ChildSpecValidator.parse(record.getJsonObject("spec"));
      String node = replicaOwner(spec, replica, siblings);
      if (node == null) {
        return Future.failedFuture(noEligibleNode(spec));
      }
      return store.assign(key, record.getString("node"), record.getLong("epoch", 0L), node, clock.getAsLong())
          .compose(assigned -> assigned == null
              ? Future.failedFuture(new PogoException(ErrorCode.INVALID_STATE, "child \"" + key + "\" changed meanwhile; try again"))
              : request(node, SupervisorOps.START, new JsonObject().put("spec", spec.toJson())
                  .put("epoch", assigned.getLong("epoch")).put("replica", replica), options.requestTimeoutMs()));
    }
    return request(record.getString("node"), SupervisorOps.RESTART,
        new JsonObject().put("id", record.getString("id")).put("replica", replica),
        shutdownTimeout(record) + options.requestTimeoutMs());
  }

  private String replicaOwner(ChildSpec spec, int replica, List<JsonObject> siblings) {
    return replicaOwner(spec, replica, siblings, cluster);
  }

  /** Where one replica runs, given where its siblings are now (only siblings on live nodes count). */
  static String replicaOwner(ChildSpec spec, int replica, List<JsonObject> siblings, ClusterView cluster) {
    String[] current = new String[spec.replicas()];
    java.util.Set<String> live = cluster.liveNodes();
    for (JsonObject s : siblings) {
      int r = s.getInteger("replica", 0);
      if (r < current.length && live.contains(s.getString("node"))) {
        current[r] = s.getString("node");
      }
    }
    return Placement.replicaOwners(spec.id(), constraints(spec), cluster.candidates(), current)[replica];
  }

  /** Every replica record of a child, by replica; fails with CHILD_NOT_FOUND when the child is unknown. */
  Future<List<JsonObject>> replicasOf(String id) {
    return existing(id).compose(first -> {
      int n = ReplicaRecords.replicas(first);
      if (n <= 1) {
        return Future.succeededFuture(List.of(first));
      }
      List<Future<JsonObject>> rest = new ArrayList<>();
      for (int r = 1; r < n; r++) {
        rest.add(store.get(ChildRecord.key(id, r)));
      }
      return Future.all(rest).map(all -> {
        List<JsonObject> out = new ArrayList<>();
        out.add(first);
        rest.forEach(f -> {
          if (f.result() != null) {
            out.add(f.result());
          }
        });
        return out;
      });
    });
  }

  /** A supervisor checks its assignment before it starts an instance. */
  Future<JsonObject> assignment(JsonObject body) {
    String id = id(body);
    int replica = body.getInteger("replica", 0);
    return existing(ChildRecord.key(id, replica)).map(r -> new JsonObject().put("id", id).put("replica", replica)
        .put("node", r.getString("node")).put("epoch", r.getLong("epoch")));
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
    return replicasOf(id(body)).map(ReplicaRecords::combineOne);
  }

  Future<JsonObject> list(JsonObject body) {
    ChildQuery query = ChildQuery.fromJson(body);
    if (query.scope() == ChildQuery.Scope.LOCAL && query.node() == null) {
      query = query.onNode(options.name());
    }
    return store.query(query).map(ReplicaRecords::combine).map(children -> new JsonObject()
        .put("children", new JsonArray(children))
        .put("count", children.size()));
  }

  Future<JsonObject> logs(JsonObject body) {
    String id = id(body);
    Object replica = body.getValue("replica", 0);
    if (!(replica instanceof Integer r) || r < 0 || r >= ChildSpec.MAX_REPLICAS) {
      throw PogoException.validation("replica", "must be a whole number from 0 to " + (ChildSpec.MAX_REPLICAS - 1));
    }
    return existing(ChildRecord.key(id, (Integer) replica)).compose(record -> {
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
    String id = ChildRecord.key(record);
    Future<Boolean> write = body.getBoolean("remove", false)
        ? store.removeIfOwner(id, record.getString("node"), record.getLong("epoch", 0L))
        : store.update(id, record);
    return write.compose(written -> written ? Future.succeededFuture(new JsonObject())
        : Future.failedFuture(new PogoException(ErrorCode.FENCED, "node " + record.getString("node") + " no longer owns child \""
            + id + "\" at epoch " + record.getLong("epoch") + ": stop that instance")));
  }

  /** Where a new child's replicas run: the placement owners among the live nodes that may host it, one per replica. */
  private String[] placement(ChildSpec spec) {
    String[] owners = Placement.replicaOwners(spec.id(), constraints(spec), cluster.candidates(), new String[spec.replicas()]);
    if (java.util.Arrays.asList(owners).contains(null)) {
      throw noEligibleNode(spec);
    }
    return owners;
  }

  private PogoException noEligibleNode(ChildSpec spec) {
    return new PogoException(ErrorCode.NO_ELIGIBLE_NODE, (spec.replicas() > 1
        ? "child \"" + spec.id() + "\" needs " + spec.replicas() + " distinct live nodes for its replicas"
        : "no live node can host child \"" + spec.id() + "\"")
        + (spec.node() != null ? " (pinned to node " + spec.node() + ")" : "")
        + (spec.selector().isEmpty() ? "" : " (selector " + spec.selector() + ")")
        + "; live nodes: " + cluster.candidates().stream().map(c -> c.name() + c.tags()).toList());
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
        + " (state " + state + ")", List.of(), new JsonObject().put("id", id).put("node", node).put("state", state));
  }

  private <T> Future<T> request(String node, String op, JsonObject body, long timeoutMs) {
    return vertx.eventBus().<T>request(Addresses.supervisor(node, op), body, Requests.options(timeoutMs))
        .map(Message::body);
  }
}
