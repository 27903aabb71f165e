package io.pogo.web;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The query of {@code GET /api/v1/children/{id}/logs}: {@code tail} (lines, {@value #DEFAULT_TAIL} by default,
 * 1 to {@value #MAX_TAIL}) and {@code format} ({@code json} or {@code text}; without it the {@code Accept} header
 * decides) and {@code replica} (which replica's output, 0 to {@code ChildSpec.MAX_REPLICAS - 1}; replica 0 by default).
 * Pure.
 *
 * @param tail    how many of the most recent lines to return
 * @param text    whether {@code format=text} was asked for explicitly (null: not given)
 * @param replica the replica asked for (null: not given, which means replica 0)
 */
record LogParams(int tail, Boolean text, Integer replica) {
  /** Enough for a screenful of context after a crash, small enough to answer fast. */
  static final int DEFAULT_TAIL = 200;
  /** Bounds the reply (and the event-bus message) to a few megabytes at most. */
  static final int MAX_TAIL = 10_000;
  private static final Set<String> KNOWN = Set.of("tail", "format", "replica");

  static LogParams parse(MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(params, KNOWN, errs);
    int tail = DEFAULT_TAIL;
    List<String> tails = params.getAll("tail");
    if (tails.size() > 1) {
      errs.add(new FieldError("tail", "must be given at most once"));
    } else if (tails.size() == 1) {
      String t = tails.get(0);
      if (!t.matches("\\d{1,9}") || Integer.parseInt(t) < 1 || Integer.parseInt(t) > MAX_TAIL) {
        errs.add(new FieldError("tail", "must be a whole number from 1 to " + MAX_TAIL + "; got \"" + t + "\""));
      } else {
        tail = Integer.parseInt(t);
      }
    }
    Boolean text = null;
    List<String> formats = params.getAll("format");
    if (formats.size() > 1) {
      errs.add(new FieldError("format", "must be given at most once"));
    } else if (formats.size() == 1) {
      switch (formats.get(0)) {
        case "json" -> text = false;
        case "text" -> text = true;
        default -> errs.add(new FieldError("format", "must be \"json\" or \"text\"; got \"" + formats.get(0) + "\""));
      }
    }
    Integer replica = null;
    String r = QueryParams.single(params, "replica", errs);
    if (r != null) {
      if (!r.matches("\\d{1,2}") || Integer.parseInt(r) >= ChildSpec.MAX_REPLICAS) {
        errs.add(new FieldError("replica", "must be a whole number from 0 to " + (ChildSpec.MAX_REPLICAS - 1)
            + "; got \"" + r + "\""));
      } else {
        replica = Integer.parseInt(r);
      }
    }
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return new LogParams(tail, text, replica);
  }
}
