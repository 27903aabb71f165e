package io.pogo.registry;

import io.pogo.core.Addresses;
import io.pogo.core.Addresses.SupervisorOps;
import io.pogo.core.Requests;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.MigrationMode;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ChildState;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.pogo.registry.placement.Placement;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps every live child running on a live node: level-triggered, on every change of the cluster and on a tick.
 * Each node adopts what it should run and nothing else, so the nodes never race for the same child:
 * <ol>
 *   <li>children recorded on a node that is gone, in a live state (starting, running, backoff): the placement owner
 *       among the live nodes moves it to itself (compare-and-set of node and epoch), then starts it. Children that had
 *       finished ({@code exited}, {@code failed}) stay as they are: finished is not resurrected. A stop that was under
 *       way on the dead node is completed by removing the record;</li>
 *   <li>children recorded on this node in a live state that its supervisor does not run (a lost start message, this
 *       node restarted under the same name, or its quorum came back): re-assigned to itself at the next epoch and
 *       started;</li>
 *   <li>children recorded on this node whose placement owner is now another live node (a node joined, or this node
 *       is leaving): moved there, break-before-make: the local instance stops first (its record is left as it is, so
 *       a crash in between is a plain failover), then the compare-and-set gives it to the owner at the next epoch
 *       and the owner starts it. At most {@link #MOVES} at a time per node. On a join this happens only with
 *       {@code rebalanceOnJoin}; a manual rebalance ({@code pogo.cluster.rebalance}) runs it once; a leaving node
 *       always moves its children away.</li>
 * </ol>
 * The compare-and-set makes each adoption happen once; the epoch fences the instance of the node that lost it.
 * Adoptions run a few at a time so a large failover does not flood the node.
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  /** The safety-net period; changes of the cluster trigger a pass at once. */
  static final long TICK_MS = 2_000;
  /** Adoptions in flight at once. */
  static final int PARALLEL = 16;
  /** Moves in flight at once per node: a join moves about 1/N of the children, a few at a time. */
  static final int MOVES = 4;
  /** Ids (with epoch) seen unrun by the previous pass: a record is re-adopted only when two passes agree. */
  private Set<String> unrunBefore = Set.of();
  private static final Set<String> LIVE = Set.of(ChildState.STARTING.wire(), ChildState.RUNNING.wire(), ChildState.BACKOFF.wire());

  private final Vertx vertx;
  private final RegistryStore store;
  private final NodeOptions options;
  private final ClusterView cluster;
  private final LongSupplier clock;
  private long timer = -1;
  private boolean running;
  private boolean again;
  private boolean stopped;
  /** A manual rebalance was asked for: the next pass moves misplaced children even without rebalanceOnJoin. */
  private boolean rebalanceAsked;
  /** This node is draining: every child it holds moves away. */
  private boolean leaving;
  /** Completed by the first pass of a drain that finds nothing left to move. */
  private Promise<Void> drained;
  /** Moves in flight at once while draining: the node is going away, so faster than a join's rebalance. */
  static final int DRAIN_MOVES = 16;
  static final long DRAIN_RECHECK_MS = 100;

  /** A pass that could not run for an expected reason; not worth a log line. */
  private static final class Quiet extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Quiet() {
      super(null, null, false, false);
    }
  }

  Reconciler(Vertx vertx, RegistryStore store, NodeOptions options, ClusterView cluster, LongSupplier clock) {
    this.vertx = vertx;
    this.store = store;
    this.options = options;
    this.cluster = cluster;
    this.clock = clock;
  }

  void start() {
    if (!options.hasRole("supervisor")) {
      return; // only nodes that host children adopt them
    }
    cluster.onChange(this::trigger);
    timer = vertx.setPeriodic(TICK_MS, id -> trigger());
    trigger();
  }

  void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** Moves misplaced children at the next pass, whatever {@code rebalanceOnJoin} says. */
  void rebalance() {
    rebalanceAsked = true;
    trigger();
  }

  /**
   * Drains this node: from now on its children move to other nodes ({@link #DRAIN_MOVES} at a time). Completes when a
   * pass finds nothing left that could move (children pinned here, or with no other eligible node, stay), or fails
   * after {@code timeoutMs}; either way the node goes on draining until it stops.
   */
  Future<Void> drain(long timeoutMs) {
    leaving = true;
    if (drained == null) {
      drained = Promise.promise();
    }
    Future<Void> done = drained.future();
    trigger();
    return done.timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Runs a pass now, or right after the one under way. */
  void trigger() {
    if (stopped) {
      return;
    }
    if (running) {
      again = true;
      return;
    }
    running = true;
    pass().onComplete(ar -> {
      if (ar.failed() && !(ar.cause() instanceof Quiet)) {
        log.warn("reconcile pass on {} failed: {}", cluster.self(), PogoException.from(ar.cause()).getMessage());
      }
      running = false;
      if (again) {
        again = false;
        trigger();
      }
    });
  }

  private Future<Void> pass() {
    if (!cluster.hasQuorum()) {
      return Future.succeededFuture();
    }
    String self = cluster.self();
    return store.onNodesOtherThan(cluster.liveNodes())
        .compose(orphans -> {
          Deque<Supplier<Future<Void>>> work = new ArrayDeque<>();
          for (JsonObject r : orphans) {
            String state = r.getString("state");
            if (ChildState.STOPPING.wire().equals(state) || ChildState.STOPPED.wire().equals(state)) {
              work.add(() -> finishStop(r));
            } else if (LIVE.contains(state)) {
              work.add(() -> owner(r).compose(owner -> self.equals(owner)
                  ? adopt(r, "its node " + r.getString("node") + " is gone") : Future.succeededFuture()));
            }
          }
          return drain(work);
        })
        .compose(v -> ownUnrun())
        .compose(v -> {
          boolean move = leaving || options.rebalanceOnJoin() || rebalanceAsked;
          rebalanceAsked = false;
          return move ? moveMisplaced() : Future.succeededFuture(0);
        })
        .map(moved -> {
          if (leaving && drained != null) {
            if (moved == 0) {
              drained.tryComplete();
            } else {
              // more may have become movable (a move that lost its race, a start still settling): look again shortly
              vertx.setTimer(DRAIN_RECHECK_MS, t -> trigger());
            }
          }
          return null;
        });
  }

  /** This node's children whose placement owner is another live node go there, a few at a time; how many tried. */
  private Future<Integer> moveMisplaced() {
    String self = cluster.self();
    return store.query(ChildQuery.local().onNode(self)).compose(mine -> {
      Deque<Supplier<Future<Void>>> work = new ArrayDeque<>();
      int[] tried = {0};
      for (JsonObject r : mine) {
        if (!LIVE.contains(r.getString("state"))) {
          continue;
        }
        work.add(() -> owner(r).compose(owner -> {
          if (owner == null || owner.equals(self)) {
            return Future.succeededFuture();
          }
          tried[0]++;
          return move(r, owner);
        }));
      }
      return drain(work, leaving ? DRAIN_MOVES : MOVES).map(v -> tried[0]);
    });
  }

  /** Break-before-make: stop here, then compare-and-set to the owner, then start there. */
  private Future<Void> move(JsonObject record, String to) {
    String id = ChildRecord.key(record);
    int replica = record.getInteger("replica", 0);
    String self = cluster.self();
    long epoch = record.getLong("epoch", 0L);
    String why = leaving ? "node " + self + " is leaving" : "its placement owner is now " + to;
    JsonObject release = new JsonObject().put("id", record.getString("id")).put("replica", replica).put("epoch", epoch)
        .put("reason", "moving to " + to + ": " + why);
    long timeout = ChildOperations.shutdownTimeout(record) + options.requestTimeoutMs();
    if (MigrationMode.START_THEN_STOP.wire().equals(record.getJsonObject("spec").getString("migration"))) {
      return handOver(record, to, why, release, timeout);
    }
    return vertx.eventBus().request(Addresses.supervisor(self, SupervisorOps.RELEASE), release, Requests.local(timeout))
        .compose(released -> store.assign(id, self, epoch, to, clock.getAsLong()))
        .compose(assigned -> {
          if (assigned == null) {
            return Future.succeededFuture(); // changed meanwhile; the next pass sees it
          }
          log.info("child {} moves from {} to {} at epoch {}: {}", id, self, to, assigned.getLong("epoch"), why);
          publishMoved(record, self, to, assigned.getLong("epoch"), why);
          JsonObject start = startRequest(record, assigned);
          return vertx.eventBus().<JsonObject>request(Addresses.supervisor(to, SupervisorOps.START), start,
                  Requests.options(options.requestTimeoutMs()))
              .onFailure(err -> log.warn("child {} moved to {} did not confirm its start: {}; {}'s reconciler takes it over",
                  id, to, PogoException.from(err).getMessage(), to))
              .<Void>mapEmpty()
              .recover(err -> Future.succeededFuture());
        });
  }

  /**
   * Start-then-stop: the local instance gives its state (if it keeps one), the compare-and-set gives the child to the
   * owner at the next epoch, the owner starts the new instance with that state, and only then is the local instance
   * stopped. The child is never down; for that window two instances run.
   */
  private Future<Void> handOver(JsonObject record, String to, String why, JsonObject release, long releaseTimeout) {
    String key = ChildRecord.key(record);
    String self = cluster.self();
    long epoch = record.getLong("epoch", 0L);
    JsonObject ask = new JsonObject().put("id", record.getString("id")).put("replica", record.getInteger("replica", 0))
        .put("epoch", epoch);
    return vertx.eventBus().<JsonObject>request(Addresses.supervisor(self, SupervisorOps.HANDOVER), ask,
            Requests.local(2 * options.requestTimeoutMs()))
        .map(reply -> reply.body().getJsonObject("state"))
        .recover(err -> Future.succeededFuture(null))
        .compose(state -> store.assign(key, self, epoch, to, clock.getAsLong()).compose(assigned -> {
          if (assigned == null) {
            return Future.succeededFuture(); // changed meanwhile; the next pass sees it
          }
          log.info("child {} moves from {} to {} at epoch {}, start-then-stop{}: {}", key, self, to,
              assigned.getLong("epoch"), state == null ? "" : " with its handed-over state", why);
          publishMoved(record, self, to, assigned.getLong("epoch"), why);
          JsonObject start = startRequest(record, assigned).put("handover", state);
          return vertx.eventBus().<JsonObject>request(Addresses.supervisor(to, SupervisorOps.START), start,
                  Requests.options(options.requestTimeoutMs()))
              .onFailure(err -> log.warn("child {} moved to {} did not confirm its start: {}; {}'s reconciler takes it over",
                  key, to, PogoException.from(err).getMessage(), to))
              .transform(started -> vertx.eventBus().request(Addresses.supervisor(self, SupervisorOps.RELEASE), release,
                  Requests.local(releaseTimeout)))
              .<Void>mapEmpty()
              .recover(err -> Future.succeededFuture());
        }));
  }

  /** What a supervisor needs to start the replica of {@code record} that {@code assigned} gives it. */
  private static JsonObject startRequest(JsonObject record, JsonObject assigned) {
    return new JsonObject().put("spec", record.getJsonObject("spec")).put("epoch", assigned.getLong("epoch"))
        .put("replica", record.getInteger("replica", 0));
  }

  private void publishMoved(JsonObject record, String from, String to, long epoch, String why) {
    vertx.eventBus().publish(Addresses.EVENTS_CHILD, new JsonObject().put("type", "child.moved").put("id", record.getString("id"))
        .put("replica", record.getInteger("replica", 0)).put("node", to).put("from", from).put("epoch", epoch)
        .put("reason", why).put("at", clock.getAsLong()));
  }

  /** Records of this node in a live state that its supervisor does not run. */
  private Future<Void> ownUnrun() {
    String self = cluster.self();
    Future<List<JsonObject>> mine = store.query(ChildQuery.local().onNode(self));
    Future<Message<JsonObject>> running = vertx.eventBus().request(Addresses.supervisor(self, SupervisorOps.RUNNING),
        new JsonObject(), Requests.local(options.requestTimeoutMs()));
    return Future.all(mine, running).recover(err -> {
      if (PogoException.from(err).code() == io.pogo.core.error.ErrorCode.UNAVAILABLE) {
        return Future.failedFuture(new Quiet()); // the supervisor is not deployed yet (start-up) or any more
      }
      return Future.failedFuture(err);
    }).compose(all -> {
      Set<String> runs = new HashSet<>();
      running.result().body().getJsonArray("children").forEach(o -> {
        JsonObject c = (JsonObject) o;
        runs.add(ChildRecord.key(c) + "@" + c.getLong("epoch"));
      });
      long now = clock.getAsLong();
      // a start may wait in a queue up to the request timeout: younger records may be on their way to the supervisor
      long young = 2 * options.requestTimeoutMs();
      Set<String> unrun = new HashSet<>();
      Deque<Supplier<Future<Void>>> work = new ArrayDeque<>();
      for (JsonObject r : mine.result()) {
        String key = ChildRecord.key(r) + "@" + r.getLong("epoch");
        if (LIVE.contains(r.getString("state")) && now - r.getLong("updatedAt", 0L) >= young && !runs.contains(key)) {
          unrun.add(key);
          if (unrunBefore.contains(key)) {
            work.add(() -> adopt(r, "node " + self + " does not run it"));
          }
        }
      }
      unrunBefore = unrun;
      return drain(work);
    });
  }

  /** The node a record's replica belongs on now; for a replicated child this depends on where its siblings are. */
  private Future<String> owner(JsonObject record) {
    ChildSpec spec = ChildSpecValidator.parse(record.getJsonObject("spec"));
    if (spec.replicas() <= 1) {
      return Future.succeededFuture(Placement.owner(spec.id(), ChildOperations.constraints(spec), cluster.candidates()));
    }
    int replica = record.getInteger("replica", 0);
    List<Future<JsonObject>> siblings = new java.util.ArrayList<>();
    for (int r = 0; r < spec.replicas(); r++) {
      siblings.add(r == replica ? Future.succeededFuture(record) : store.get(ChildRecord.key(spec.id(), r)));
    }
    return Future.all(siblings).map(all -> ChildOperations.replicaOwner(spec, replica,
        siblings.stream().map(Future::result).filter(java.util.Objects::nonNull).toList(), cluster));
  }

  /** Takes the child at the next epoch (compare-and-set), then starts it here. */
  private Future<Void> adopt(JsonObject record, String why) {
    String id = ChildRecord.key(record);
    String from = record.getString("node");
    long epoch = record.getLong("epoch", 0L);
    String self = cluster.self();
    return store.assign(id, from, epoch, self, clock.getAsLong()).compose(assigned -> {
      if (assigned == null) {
        return Future.succeededFuture(); // someone else changed it first: the next pass sees the new state
      }
      log.info("child {} moves from {} to {} at epoch {}: {}", id, from, self, assigned.getLong("epoch"), why);
      publishMoved(record, from, self, assigned.getLong("epoch"), why);
      JsonObject start = startRequest(record, assigned);
      return vertx.eventBus().<JsonObject>request(Addresses.supervisor(self, SupervisorOps.START), start,
              Requests.local(options.requestTimeoutMs()))
          .onFailure(err -> log.warn("child {} adopted by {} did not start: {}", id, self, PogoException.from(err).getMessage()))
          .mapEmpty();
    });
  }

  /** A stop was under way on a node that died: the stop is done. */
  private Future<Void> finishStop(JsonObject record) {
    return store.removeIfOwner(ChildRecord.key(record), record.getString("node"), record.getLong("epoch", 0L)).mapEmpty();
  }

  /** Runs the work a few at a time; each item logs its own failure, which does not stop the others. */
  private Future<Void> drain(Deque<Supplier<Future<Void>>> work) {
    return drain(work, PARALLEL);
  }

  private Future<Void> drain(Deque<Supplier<Future<Void>>> work, int parallel) {
    Promise<Void> done = Promise.promise();
    int[] inFlight = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (inFlight[0] < parallel && !work.isEmpty()) {
        inFlight[0]++;
        Future<Void> f;
        try {
          f = work.poll().get();
        } catch (RuntimeException e) {
          f = Future.failedFuture(e);
        }
        f.onComplete(ar -> {
          if (ar.failed()) {
            log.warn("reconcile step on {} failed: {}", cluster.self(), PogoException.from(ar.cause()).getMessage());
          }
          inFlight[0]--;
          pump[0].run();
        });
      }
      if (inFlight[0] == 0 && work.isEmpty()) {
        done.tryComplete();
      }
    };
    pump[0].run();
    return done.future();
  }
}
