package io.pogo.registry;

import io.pogo.core.Addresses;
import io.pogo.core.child.ChildState;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Serves {@code pogo.child.await}: answers when a child reaches one of the states asked for. Event-driven: while
 * anyone waits, the registry listens to the child events of the whole cluster and looks the child up again when one
 * names it; the look-up after the listener is registered closes the race with a transition that happened before.
 * Waits are bounded in number and in time.
 */
final class ChildAwaiter {
  static final int MAX_WAITERS = 10_000;
  static final long DEFAULT_TIMEOUT_MS = io.pogo.core.Limits.AWAIT_DEFAULT_TIMEOUT_MS;
  static final long MAX_TIMEOUT_MS = io.pogo.core.Limits.AWAIT_MAX_TIMEOUT_MS;
  static final long FIRST_RECHECK_MS = 500;
  static final long MAX_RECHECK_MS = 5_000;
  private static final Set<String> TERMINAL = Set.of(ChildState.FAILED.wire(), ChildState.EXITED.wire(), ChildState.STOPPED.wire());

  private final Vertx vertx;
  private final Function<String, Future<List<JsonObject>>> lookup;
  private final Map<String, List<Waiter>> waiters = new HashMap<>();
  private int count;
  private MessageConsumer<JsonObject> events;
  private Future<Void> listening = Future.succeededFuture();

  /** @param lookup a child's replica records by id, in replica order; fails with CHILD_NOT_FOUND when it is gone */
  ChildAwaiter(Vertx vertx, Function<String, Future<List<JsonObject>>> lookup) {
    this.vertx = vertx;
    this.lookup = lookup;
  }

  private final class Waiter {
    final String id;
    final Set<String> states;
    final Promise<JsonObject> result = Promise.promise();
    long timer;
    long recheck = -1;
    long recheckMs = FIRST_RECHECK_MS;
    String lastState = "unknown";

    Waiter(String id, Set<String> states) {
      this.id = id;
      this.states = states;
    }

    /**
     * Looks the child up again. {@code reported} is the record an event carried: a supervisor publishes a transition
     * before its report reaches the table, so the table may still show the state before; the newer of the two counts.
     */
    void check(JsonObject reported) {
      if (result.future().isComplete()) {
        return;
      }
      lookup.apply(id).onComplete(ar -> {
        if (ar.failed()) {
          PogoException pe = PogoException.from(ar.cause());
          if (reported != null && pe.code() == ErrorCode.CHILD_NOT_FOUND && states.contains(reported.getString("state"))) {
            finish(reported, null); // its last transition removed it (a stop): that is the state waited for
          } else {
            finish(null, pe);
          }
          return;
        }
        JsonObject record = ReplicaRecords.combineOne(newest(ar.result(), reported));
        String state = record.getString("state");
        lastState = state;
        if (states.contains(state)) {
          finish(record, null);
        } else if (TERMINAL.contains(state)) {
          JsonObject exit = record.getJsonObject("lastExit");
          finish(null, new PogoException(ErrorCode.INVALID_STATE, "child \"" + id + "\" is " + state
              + (exit == null ? "" : " (" + exit.getString("message") + ")") + ", not " + String.join(" or ", states)));
        }
      });
    }

    void finish(JsonObject record, PogoException error) {
      if (record != null ? result.tryComplete(record) : result.tryFail(error)) {
        vertx.cancelTimer(timer);
        vertx.cancelTimer(recheck);
        remove(this);
      }
    }
  }

  Future<JsonObject> await(JsonObject body) {
    String id = body.getValue("id") instanceof String s && !s.isEmpty() ? s : null;
    List<io.pogo.core.error.FieldError> errors = new ArrayList<>();
    if (id == null) {
      errors.add(new io.pogo.core.error.FieldError("id", "is required"));
    }
    Set<String> states = new LinkedHashSet<>();
    Object wanted = body.getValue("states", new JsonArray().add(ChildState.RUNNING.wire()));
    if (wanted instanceof String one) {
      wanted = new JsonArray().add(one);
    }
    if (!(wanted instanceof JsonArray list) || list.isEmpty()) {
      errors.add(new io.pogo.core.error.FieldError("states", "must be a non-empty list of child states"));
    } else {
      for (Object o : list) {
        if (!(o instanceof String st) || ChildState.fromWire(st) == null) {
          errors.add(new io.pogo.core.error.FieldError("states", "\"" + o + "\" is not a child state; states are "
              + java.util.Arrays.stream(ChildState.values()).map(ChildState::wire).toList()));
        } else {
          states.add(st);
        }
      }
    }
    long timeout = DEFAULT_TIMEOUT_MS;
    if (body.getValue("timeout") != null) {
      try {
        timeout = Durations.parseMillis(body.getValue("timeout"));
        if (timeout < 1 || timeout > MAX_TIMEOUT_MS) {
          errors.add(new io.pogo.core.error.FieldError("timeout", "must be from 1ms to " + Durations.format(MAX_TIMEOUT_MS)));
        }
      } catch (IllegalArgumentException e) {
        errors.add(new io.pogo.core.error.FieldError("timeout", e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(PogoException.validation(errors));
    }
    if (count >= MAX_WAITERS) {
      return Future.failedFuture(new PogoException(ErrorCode.UNAVAILABLE, "this node already has " + MAX_WAITERS
          + " waits under way; retry later or on another node"));
    }
    Waiter w = new Waiter(id, states);
    waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(w);
    count++;
    long ms = timeout;
    w.timer = vertx.setTimer(ms, t -> w.finish(null, new PogoException(ErrorCode.TIMEOUT, "child \"" + id + "\" was still "
        + w.lastState + " after " + Durations.format(ms) + " (waiting for " + String.join(" or ", states) + ")")));
    listen().onComplete(ar -> {
      w.check(null);
      scheduleRecheck(w);
    });
    return w.result.future();
  }

  /**
   * Events are the fast path, not the only one: an event can be missed (a subscription still propagating through the
   * cluster, a publish during a merge), so a waiter also looks again after 0.5 s, 1 s, 2 s, ... up to every 5 s.
   */
  private void scheduleRecheck(Waiter w) {
    if (w.result.future().isComplete()) {
      return;
    }
    w.recheck = vertx.setTimer(w.recheckMs, t -> {
      w.check(null);
      w.recheckMs = Math.min(w.recheckMs * 2, MAX_RECHECK_MS);
      scheduleRecheck(w);
    });
  }

  private Future<Void> listen() {
    if (events == null) {
      events = vertx.eventBus().consumer(Addresses.EVENTS_CHILD, msg -> onEvent(msg.body()));
      listening = events.completion();
    }
    return listening;
  }

  private void onEvent(JsonObject event) {
    List<Waiter> list = waiters.get(event.getString("id"));
    if (list == null) {
      return;
    }
    for (Waiter w : List.copyOf(list)) {
      if ("child.refused".equals(event.getString("type"))) {
        w.finish(null, new PogoException(ErrorCode.CHILD_NOT_FOUND, "child \"" + w.id + "\" was not started: "
            + event.getString("reason")));
      } else {
        w.check(event.getJsonObject("record"));
      }
    }
  }

  /** The replicas with {@code reported} in place of its replica's stored record when it is as new or newer. */
  static List<JsonObject> newest(List<JsonObject> stored, JsonObject reported) {
    if (reported == null) {
      return stored;
    }
    List<JsonObject> out = new ArrayList<>(stored);
    int replica = reported.getInteger("replica", 0);
    for (int i = 0; i < out.size(); i++) {
      JsonObject s = out.get(i);
      if (s.getInteger("replica", 0) == replica) {
        boolean newer = reported.getLong("epoch", 0L) > s.getLong("epoch", 0L)
            || (reported.getLong("epoch", 0L) == s.getLong("epoch", 0L)
                && reported.getLong("updatedAt", 0L) >= s.getLong("updatedAt", 0L));
        if (newer) {
          out.set(i, reported);
        }
        return out;
      }
    }
    return out;
  }

  private void remove(Waiter w) {
    List<Waiter> list = waiters.get(w.id);
    if (list != null && list.remove(w)) {
      count--;
      if (list.isEmpty()) {
        waiters.remove(w.id);
      }
    }
    if (count == 0 && events != null) {
      events.unregister();
      events = null;
    }
  }
}
