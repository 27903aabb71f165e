package io.pogo.web;

import io.pogo.core.error.FieldError;
import io.vertx.core.MultiMap;

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
