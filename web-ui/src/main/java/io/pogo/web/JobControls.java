package io.pogo.web;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The bodies of a job's controls (halt, resume, retry, skip, alter), checked for their shape before they go to the
 * scheduler: unknown fields are refused by name, so {@code "hostTimout"} is an error instead of a silent no-op. The
 * values themselves (durations, limits, host names) are the scheduler's to judge, by the same rules as a new job.
 * The job id always comes from the path. Pure.
 */
final class JobControls {
  static final Set<String> HALT_FIELDS = Set.of("kill", "reason");
  static final Set<String> HOSTS_FIELDS = Set.of("hosts");
  static final Set<String> ALTER_FIELDS = Set.of("hostTimeout", "jobTimeout", "maxFailures", "retries", "concurrency");

  private JobControls() {
  }

  /** {@code {"kill":bool,"reason":text}}, both optional, as {@code {"id","kill","reason"}}. */
  static JsonObject halt(String id, JsonObject body) {
    List<FieldError> errs = new ArrayList<>();
    rejectUnknown(body, HALT_FIELDS, errs);
    if (body.containsKey("kill") && !(body.getValue("kill") instanceof Boolean)) {
      errs.add(new FieldError("kill", "must be true or false; got " + body.getValue("kill")));
    }
    if (body.containsKey("reason") && !(body.getValue("reason") instanceof String)) {
      errs.add(new FieldError("reason", "must be a string; got " + body.getValue("reason")));
    }
    return checked(body.copy().put("id", id), errs);
  }

  /** Nothing, or {@code {}}, as {@code {"id"}}: resume takes no options. */
  static JsonObject resume(String id, JsonObject body) {
    List<FieldError> errs = new ArrayList<>();
    rejectUnknown(body, Set.of(), errs);
    return checked(new JsonObject().put("id", id), errs);
  }

  /** {@code {"hosts":[host...]}} (at least one) as {@code {"id","hosts"}}: the hosts to retry or skip. */
  static JsonObject hosts(String id, JsonObject body) {
    List<FieldError> errs = new ArrayList<>();
    rejectUnknown(body, HOSTS_FIELDS, errs);
    Object hosts = body.getValue("hosts");
    if (!(hosts instanceof JsonArray list) || list.isEmpty()) {
      errs.add(new FieldError("hosts", "required: a list of at least one host of the job"));
    } else {
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof String h) || h.isBlank()) {
          errs.add(new FieldError("hosts[" + i + "]", "must be a host name; got " + list.getValue(i)));
        }
      }
    }
    return checked(body.copy().put("id", id), errs);
  }

  /** At least one of hostTimeout, jobTimeout, maxFailures, retries, concurrency, as {@code {"id",...}}. */
  static JsonObject alter(String id, JsonObject body) {
    List<FieldError> errs = new ArrayList<>();
    rejectUnknown(body, ALTER_FIELDS, errs);
    if (errs.isEmpty() && body.isEmpty()) {
      errs.add(new FieldError("body", "say what to change: one or more of " + String.join(", ", new TreeSet<>(ALTER_FIELDS))));
    }
    return checked(body.copy().put("id", id), errs);
  }

  private static void rejectUnknown(JsonObject body, Set<String> known, List<FieldError> errs) {
    for (String key : body.fieldNames()) {
      if (!known.contains(key)) {
        errs.add(new FieldError(key, known.isEmpty() ? "unknown field (this call takes none)"
            : "unknown field (known: " + String.join(", ", new TreeSet<>(known)) + ")"));
      }
    }
  }

  private static JsonObject checked(JsonObject request, List<FieldError> errs) {
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return request;
  }
}
