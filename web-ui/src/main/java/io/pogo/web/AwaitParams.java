package io.pogo.web;

import io.pogo.core.child.ChildState;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The query of {@code GET /api/v1/children/{id}/await}: {@code states} (child states, comma-separated or repeated;
 * {@code running} by default) and {@code timeout} (a duration, {@value #DEFAULT_TIMEOUT_MS} ms by default, at most
 * {@value #MAX_TIMEOUT_MS} ms). Checked here, not only by the registry, because the HTTP side must know the timeout to
 * wait longer than it. Pure.
 *
 * @param states    the states waited for, in the order given
 * @param timeoutMs how long the registry waits
 */
record AwaitParams(List<String> states, long timeoutMs) {
  /** The registry's default wait ({@code ChildAwaiter.DEFAULT_TIMEOUT_MS}). */
  static final long DEFAULT_TIMEOUT_MS = io.pogo.core.Limits.AWAIT_DEFAULT_TIMEOUT_MS;
  /** The registry's longest wait ({@code ChildAwaiter.MAX_TIMEOUT_MS}). */
  static final long MAX_TIMEOUT_MS = io.pogo.core.Limits.AWAIT_MAX_TIMEOUT_MS;
  private static final Set<String> KNOWN = Set.of("states", "timeout");

  static AwaitParams parse(MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(params, KNOWN, errs);
    Set<String> states = new LinkedHashSet<>();
    for (String value : params.getAll("states")) {
      for (String s : value.split(",", -1)) {
        String st = s.trim();
        if (ChildState.fromWire(st) == null) {
          errs.add(new FieldError("states", "\"" + st + "\" is not a child state; states are "
              + Arrays.stream(ChildState.values()).map(ChildState::wire).toList()));
        } else {
          states.add(st);
        }
      }
    }
    if (states.isEmpty()) {
      states.add(ChildState.RUNNING.wire());
    }
    long timeout = DEFAULT_TIMEOUT_MS;
    String t = QueryParams.single(params, "timeout", errs);
    if (t != null) {
      try {
        timeout = Durations.parseMillis(t.matches("\\d{1,12}") ? (Object) Long.parseLong(t) : t);
        if (timeout < 1 || timeout > MAX_TIMEOUT_MS) {
          errs.add(new FieldError("timeout", "must be from 1ms to " + Durations.format(MAX_TIMEOUT_MS) + "; got \"" + t + "\""));
        }
      } catch (IllegalArgumentException e) {
        errs.add(new FieldError("timeout", e.getMessage()));
      }
    }
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return new AwaitParams(List.copyOf(states), timeout);
  }

  /** The body of {@code pogo.child.await}. */
  JsonObject toRequest(String id) {
    return new JsonObject().put("id", id).put("states", new JsonArray(new ArrayList<>(states))).put("timeout", timeoutMs);
  }
}
