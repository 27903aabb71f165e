package io.pogo.web;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The query of {@code GET /api/v1/children/{id}/logs}: {@code tail} (lines, {@value #DEFAULT_TAIL} by default,
 * 1 to {@value #MAX_TAIL}) and {@code format} ({@code json} or {@code text}; without it the {@code Accept} header
 * decides). Pure.
 *
 * @param tail how many of the most recent lines to return
 * @param text whether {@code format=text} was asked for explicitly (null: not given)
 */
record LogParams(int tail, Boolean text) {
  /** Enough for a screenful of context after a crash, small enough to answer fast. */
  static final int DEFAULT_TAIL = 200;
  /** Bounds the reply (and the event-bus message) to a few megabytes at most. */
  static final int MAX_TAIL = 10_000;
  private static final Set<String> KNOWN = Set.of("tail", "format");

  static LogParams parse(MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    for (String name : params.names()) {
      if (!KNOWN.contains(name)) {
        errs.add(new FieldError(name, "unknown query parameter (known: format, tail)"));
      }
    }
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
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return new LogParams(tail, text);
  }
}
