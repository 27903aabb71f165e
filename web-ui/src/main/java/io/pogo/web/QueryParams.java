package io.pogo.web;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Small helpers shared by the query parsers: unknown names and single-valued parameters, each error naming its field. */
final class QueryParams {
  private QueryParams() {
  }

  /** Adds an error for every parameter not in {@code known}, so a typo is refused rather than ignored. */
  static void rejectUnknown(MultiMap params, Set<String> known, List<FieldError> errs) {
    String list = String.join(", ", new TreeSet<>(known));
    for (String name : params.names()) {
      if (!known.contains(name)) {
        errs.add(new FieldError(name, known.isEmpty() ? "unknown query parameter (this call takes none)"
            : "unknown query parameter (known: " + list + ")"));
      }
    }
  }

  /** For calls that take no query parameters: any given is refused, each by name. */
  static void requireNone(MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    rejectUnknown(params, Set.of(), errs);
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
  }

  /** The one value of {@code name}, or null when absent; an error when it is given more than once. */
  static String single(MultiMap params, String name, List<FieldError> errs) {
    List<String> all = params.getAll(name);
    if (all.isEmpty()) {
      return null;
    }
    if (all.size() > 1) {
      errs.add(new FieldError(name, "must be given at most once"));
    }
    return all.get(0);
  }

  /**
   * A whole number from {@code min} to {@code max}, written in plain digits; {@code fallback} when absent; an error
   * naming {@code name} (and {@code fallback} returned) otherwise.
   */
  static long wholeNumber(MultiMap params, String name, long min, long max, long fallback, List<FieldError> errs) {
    String v = single(params, name, errs);
    if (v == null) {
      return fallback;
    }
    if (v.matches("\\d{1,18}")) {
      long n = Long.parseLong(v);
      if (n >= min && n <= max) {
        return n;
      }
    }
    errs.add(new FieldError(name, "must be a whole number from " + min + " to " + max + "; got \"" + v + "\""));
    return fallback;
  }

  /** The one value of {@code name} if it is one of {@code allowed}; null when absent; an error naming it otherwise. */
  static String oneOf(MultiMap params, String name, List<String> allowed, List<FieldError> errs) {
    String v = single(params, name, errs);
    if (v != null && !allowed.contains(v)) {
      errs.add(new FieldError(name, "must be one of " + String.join(", ", allowed) + "; got \"" + v + "\""));
      return null;
    }
    return v;
  }

  /** {@code true} or {@code false}; anything else is an error naming {@code name}. Null when absent. */
  static Boolean bool(MultiMap params, String name, List<FieldError> errs) {
    String v = single(params, name, errs);
    if (v == null) {
      return null;
    }
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> {
        errs.add(new FieldError(name, "must be \"true\" or \"false\"; got \"" + v + "\""));
        yield null;
      }
    };
  }
}
