package io.pogo.supervisor;

import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildState;
import io.pogo.core.child.ExitInfo;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.supervisor.policy.RestartHistory;
import io.pogo.supervisor.policy.RestartPolicy;
import io.pogo.supervisor.runtime.ChildInstance;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One child on this node and its lifecycle. Confined to the supervisor's event loop: every method and every
 * callback runs there, so the fields need no locks.
 *
 * <p>Each launch gets a generation number; a stop or manual restart bumps it, so callbacks of an instance
 * that was superseded (an exit, or a start that completes after a stop was asked) are ignored. Restart decisions
 * come from {@link RestartPolicy}; the next attempt is scheduled on a timer, never retried inside a callback,
 * so a stop can always get in between.
 */
final class SupervisedChild {
  private static final Logger log = LoggerFactory.getLogger(SupervisedChild.class);

  private final ChildSpec spec;
  private final int replica;
  private final long epoch;
  private final ChildHost host;

  private ChildState state;
  private int restarts;
  private RestartHistory history = RestartHistory.EMPTY;
  private ChildInstance instance;
  private Future<ChildInstance> launching;
  private ExitInfo lastExit;
  private long startedAt;
  private long updatedAt;
  private long backoffTimer = -1;
  private int generation;
  private Future<Void> lastReport = Future.succeededFuture();
  private Promise<ChildRecord> settled;
  private Future<ChildRecord> stopping;
  /** Set when the registry no longer assigns this child here at this epoch: stop, and write nothing more. */
  private boolean fenced;

  SupervisedChild(ChildSpec spec, long epoch, ChildHost host) {
    this(spec, 0, epoch, host);
  }

  SupervisedChild(ChildSpec spec, int replica, long epoch, ChildHost host) {
    this.spec = spec;
    this.replica = replica;
    this.epoch = epoch;
    this.host = host;
  }

  ChildSpec spec() {
    return spec;
  }

  int replica() {
    return replica;
  }

  /** The registry key of this replica. */
  String key() {
    return ChildRecord.key(spec.id(), replica);
  }

  long epoch() {
    return epoch;
  }

  ChildState state() {
    return state;
  }

  ChildRecord record() {
    ChildInstance i = instance;
    return new ChildRecord(spec, replica, state, host.nodeName(), epoch, restarts, i == null ? null : i.pid(),
        i == null ? null : i.deploymentId(), startedAt, lastExit, updatedAt);
  }

  /** The running instance's state for a start-then-stop move; null when none runs or it keeps no state. */
  Future<io.vertx.core.json.JsonObject> handOver() {
    ChildInstance i = instance;
    return i == null ? Future.succeededFuture(null) : i.handOver();
  }

  /** First start. Completes with the record once the child has settled (running, or backoff/exited/failed after a failed start). */
  Future<ChildRecord> start() {
    move(ChildState.STARTING, false);
    return launch();
  }

  /**
   * Stops the child for good. {@code remove}: the registry forgets it (a user's stop); otherwise the record stays
   * as {@code stopped} (the node is shutting down). Completes when no instance runs and the registry knows.
   */
  Future<ChildRecord> stop(String why, boolean remove) {
    if (stopping != null) {
      return stopping;
    }
    ExitInfo reason = ExitInfo.shutdown(why, host.now());
    boolean hadInstance = instance != null || launching != null;
    Future<Void> down = takeDown();
    if (state != ChildState.STOPPING) {
      move(ChildState.STOPPING, false);
    }
    stopping = down.compose(v -> {
      if (!hadInstance) {
        lastExit = lastExit == null ? reason : lastExit;
      }
      return move(ChildState.STOPPED, remove);
    });
    return stopping;
  }

  /**
   * The registry moved this child away (another node owns a later epoch) or this node lost its quorum: stop the
   * instance now and write nothing more to the registry, whose record belongs to someone else.
   */
  Future<ChildRecord> fence(String why) {
    fenced = true;
    return stop("fenced: " + why, false);
  }

  boolean isFenced() {
    return fenced;
  }

  /** A restart by hand: resets restart intensity and revives a failed or exited child. */
  Future<ChildRecord> restart() {
    if (stopping != null || state == ChildState.STOPPING) {
      return Future.failedFuture(new PogoException(ErrorCode.INVALID_STATE, "child \"" + spec.id() + "\" is being stopped"));
    }
    history = RestartHistory.EMPTY;
    if (instance != null || launching != null) {
      Future<Void> down = takeDown();
      move(ChildState.STOPPING, false);
      return down.compose(v -> {
        if (stopping != null) {
          return stopping; // a stop came in while the old instance went down
        }
        restarts++;
        move(ChildState.STARTING, false);
        return launch();
      });
    }
    cancelBackoff();
    generation++;
    restarts++;
    move(ChildState.STARTING, false);
    return launch();
  }

  /** Ends whatever instance runs or is being started; invalidates callbacks of the current generation. */
  private Future<Void> takeDown() {
    cancelBackoff();
    generation++;
    ChildInstance current = instance;
    Future<ChildInstance> inFlight = launching;
    instance = null;
    launching = null;
    if (current != null) {
      return stopInstance(current);
    }
    if (inFlight != null) {
      return inFlight.transform(ar -> ar.succeeded() ? stopInstance(ar.result()) : Future.succeededFuture());
    }
    return Future.succeededFuture();
  }

  private Future<Void> stopInstance(ChildInstance i) {
    return i.stop(spec.shutdownTimeoutMs()).compose(v -> i.exit()).map(exit -> {
      lastExit = exit;
      return null;
    });
  }

  private Future<ChildRecord> launch() {
    settled = Promise.promise();
    Future<ChildRecord> result = settled.future();
    int gen = generation;
    Future<ChildInstance> f;
    try {
      f = host.startInstance(spec);
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    launching = f;
    f.onComplete(ar -> launched(gen, ar));
    return result;
  }

  private void launched(int gen, AsyncResult<ChildInstance> ar) {
    if (gen != generation) {
      return; // superseded: takeDown() owns this instance
    }
    launching = null;
    if (ar.failed()) {
      exited(gen, ExitInfo.abnormal("start failed: " + describe(ar.cause()), host.now()));
      return;
    }
    instance = ar.result();
    startedAt = instance.startedAt();
    move(ChildState.RUNNING, false);
    instance.exit().onSuccess(exit -> exited(gen, exit));
  }

  private void exited(int gen, ExitInfo exit) {
    if (gen != generation) {
      return;
    }
    instance = null;
    lastExit = exit;
    long now = host.now();
    RestartPolicy.Outcome outcome = RestartPolicy.decide(spec, history, exit.kind(), now);
    if (outcome instanceof RestartPolicy.Restart r) {
      history = r.history();
      move(ChildState.BACKOFF, false);
      backoffTimer = host.setTimer(Math.max(1, r.delayMs()), () -> {
        backoffTimer = -1;
        if (gen == generation && state == ChildState.BACKOFF) {
          restarts++;
          move(ChildState.STARTING, false);
          launch();
        }
      });
    } else if (outcome instanceof RestartPolicy.GiveUp) {
      move(ChildState.FAILED, false);
    } else {
      move(ChildState.EXITED, false);
    }
  }

  private void cancelBackoff() {
    if (backoffTimer >= 0) {
      host.cancelTimer(backoffTimer);
      backoffTimer = -1;
    }
  }

  /** Moves to the next state, publishes, reports; the returned future completes once the registry has it. */
  private Future<ChildRecord> move(ChildState next, boolean remove) {
    ChildState from = state;
    if (from != null && !from.canMoveTo(next)) {
      throw new IllegalStateException("child " + spec.id() + ": illegal transition " + from + " -> " + next);
    }
    state = next;
    updatedAt = host.now();
    ChildRecord record = record();
    logTransition(from, record);
    host.published(from, record);
    if (from != null && !fenced) {
      // a child's first state, starting on this node, is what the registry wrote when it assigned it here
      lastReport = lastReport.transform(ignored -> fenced ? Future.succeededFuture() : host.report(record, remove));
    } else if (fenced) {
      lastReport = Future.succeededFuture();
    }
    Future<ChildRecord> written = lastReport.map(record);
    if (settled != null && next != ChildState.STARTING && next != ChildState.STOPPING) {
      Promise<ChildRecord> p = settled;
      settled = null;
      written.onComplete(p);
    }
    return written;
  }

  private void logTransition(ChildState from, ChildRecord r) {
    switch (r.state()) {
      case RUNNING -> log.info("child {} running on {} ({}){}", r.id(), r.node(),
          r.pid() != null ? "pid " + r.pid() : "deployment " + r.deploymentId(), restarts > 0 ? ", restart " + restarts : "");
      case BACKOFF -> log.warn("child {} ended ({}); restarting in backoff, {} restart(s) in the window", r.id(),
          lastExit == null ? "?" : lastExit.message(), history.count());
      case FAILED -> log.error("child {} failed: {}; more than {} restarts within {} ms, it stays down until restarted by hand",
          r.id(), lastExit == null ? "?" : lastExit.message(), spec.maxRestarts(), spec.restartWindowMs());
      case EXITED -> log.info("child {} exited ({}); restart type {} keeps it down", r.id(),
          lastExit == null ? "?" : lastExit.message(), spec.restart().wire());
      case STOPPED -> log.info("child {} stopped", r.id());
      default -> log.debug("child {} {} -> {}", r.id(), from, r.state());
    }
  }

  private static String describe(Throwable t) {
    if (t instanceof PogoException pe) {
      return pe.getMessage();
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    return root.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
  }
}
