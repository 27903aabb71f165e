package io.pogo.scheduler.config;

import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Validates a job request body (the JSON of {@code POST /api/v1/jobs} and of the event-bus request) into a
 * {@link JobRequest}, reporting every problem at once, each naming its field. The job runs commands on machines,
 * so nothing is guessed: unknown fields (a typo such as {@code concurent} would otherwise silently drop a limit)
 * are errors. Targets are only checked for shape here; their hosts are expanded by {@link Targets} once the
 * namespace config is known.
 */
public final class JobRequestParser {

  /** At most this many arguments in {@code command}. */
  public static final int MAX_COMMAND_ARGS = 4096;
  /** At most this many characters in one argument. */
  public static final int MAX_ARG_LENGTH = 131_072;
  /** At most this many entries in {@code targets} (each may still expand to many hosts). */
  public static final int MAX_TARGETS = JobRequest.MAX_HOSTS;
  /** At most this many characters in one target (a long host pattern). */
  public static final int MAX_TARGET_LENGTH = 4096;
  public static final int MAX_USER_LENGTH = 128;
  public static final long MIN_TIMEOUT_MS = 1000;
  public static final int MIN_OUTPUT_LIMIT_BYTES = 1024;

  private static final List<String> FIELDS = List.of("namespace", "targets", "command", "mode", "concurrency",
      "hostTimeout", "jobTimeout", "maxFailures", "retries", "user", "outputLimit", "requestId");
  private static final Set<String> KNOWN = Set.copyOf(FIELDS);

  private JobRequestParser() {
  }

  /**
   * Parses and validates a request.
   *
   * @throws PogoException {@code VALIDATION_FAILED} listing every field error
   */
  public static JobRequest parse(JsonObject body) {
    FieldErrors errs = new FieldErrors();
    if (body == null) {
      errs.add("(body)", "the job request must be a JSON object");
      errs.throwIfAny();
    }
    for (String key : body.fieldNames()) {
      if (!KNOWN.contains(key)) {
        String hint = closest(key);
        errs.add(FieldErrors.key(key), "unknown field " + FieldErrors.quote(key)
            + (hint == null ? "; expected one of " + String.join(", ", FIELDS) : "; did you mean \"" + hint + "\"?"));
      }
    }
    String namespace = namespace(body.getValue("namespace"), errs);
    List<String> targets = targets(body.getValue("targets"), errs);
    List<String> command = command(body.getValue("command"), errs);
    JobMode mode = mode(body.getValue("mode"), errs);
    Limit concurrency = limit(body.getValue("concurrency"), "concurrency", errs);
    long hostTimeout = timeout(body.getValue("hostTimeout"), "hostTimeout", JobRequest.DEFAULT_HOST_TIMEOUT_MS, errs);
    long jobTimeout = timeout(body.getValue("jobTimeout"), "jobTimeout", JobRequest.DEFAULT_JOB_TIMEOUT_MS, errs);
    Limit maxFailures = limit(body.getValue("maxFailures"), "maxFailures", errs);
    int retries = integer(body.getValue("retries"), "retries", 0, 0, JobRequest.MAX_RETRIES, errs);
    String user = user(body.getValue("user"), errs);
    int outputLimit = integer(body.getValue("outputLimit"), "outputLimit", JobRequest.DEFAULT_OUTPUT_LIMIT_BYTES,
        MIN_OUTPUT_LIMIT_BYTES, JobRequest.MAX_OUTPUT_LIMIT_BYTES, errs);
    String requestId = requestId(body.getValue("requestId"), errs);
    errs.throwIfAny();
    return new JobRequest(namespace, targets, command, mode, concurrency, hostTimeout, jobTimeout, maxFailures,
        retries, user, outputLimit, requestId);
  }

  /**
   * The request as JSON, in the form {@link #parse} reads back to an equal request: durations as text
   * ({@code "10m"}), limits as written ({@code "25%"}), absent (null) fields omitted.
   */
  public static JsonObject toJson(JobRequest r) {
    JsonObject json = new JsonObject();
    if (r.namespace() != null) {
      json.put("namespace", r.namespace());
    }
    json.put("targets", new JsonArray(new ArrayList<>(r.targets())));
    json.put("command", new JsonArray(new ArrayList<>(r.command())));
    json.put("mode", r.mode().wire());
    if (r.concurrency() != null) {
      json.put("concurrency", r.concurrency().text());
    }
    json.put("hostTimeout", Durations.format(r.hostTimeoutMs()));
    json.put("jobTimeout", Durations.format(r.jobTimeoutMs()));
    if (r.maxFailures() != null) {
      json.put("maxFailures", r.maxFailures().text());
    }
    json.put("retries", r.retries());
    if (r.user() != null) {
      json.put("user", r.user());
    }
    json.put("outputLimit", r.outputLimitBytes());
    if (r.requestId() != null) {
      json.put("requestId", r.requestId());
    }
    return json;
  }

  private static final java.util.regex.Pattern REQUEST_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]+");

  private static String requestId(Object v, FieldErrors errs) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      errs.add("requestId", "must be a string; got " + FieldErrors.kind(v));
      return null;
    }
    if (s.isEmpty() || s.length() > JobRequest.MAX_REQUEST_ID_LENGTH || !REQUEST_ID.matcher(s).matches()) {
      errs.add("requestId", "must be 1 to " + JobRequest.MAX_REQUEST_ID_LENGTH + " letters, digits, '.', '_', ':' or '-' "
          + "(a UUID fits); got " + FieldErrors.quote(s.length() > 40 ? s.substring(0, 40) + "..." : s));
      return null;
    }
    return s;
  }

  private static String namespace(Object v, FieldErrors errs) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      errs.add("namespace", "must be a string; got " + FieldErrors.kind(v));
      return null;
    }
    if (!NamespaceNames.valid(s)) {
      errs.add("namespace", FieldErrors.quote(s) + " is not a valid namespace name (" + NamespaceNames.RULE + ")");
      return null;
    }
    return s;
  }

  private static List<String> targets(Object v, FieldErrors errs) {
    if (v == null) {
      errs.add("targets", "is required: host names, host patterns (web[1-3]) or $tag expressions");
      return List.of();
    }
    if (!(v instanceof JsonArray arr)) {
      errs.add("targets", "must be a list of strings; got " + FieldErrors.kind(v));
      return List.of();
    }
    if (arr.isEmpty()) {
      errs.add("targets", "must not be empty");
      return List.of();
    }
    if (arr.size() > MAX_TARGETS) {
      errs.add("targets", "has " + arr.size() + " entries; at most " + MAX_TARGETS + " are allowed");
      return List.of();
    }
    List<String> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      Object t = arr.getValue(i);
      if (!(t instanceof String s) || s.isEmpty()) {
        errs.add("targets[" + i + "]", "must be a non-empty string (a host name, host pattern or $tag expression)");
      } else if (s.length() > MAX_TARGET_LENGTH) {
        errs.add("targets[" + i + "]", "is longer than " + MAX_TARGET_LENGTH + " characters");
      } else {
        out.add(s);
      }
    }
    return out;
  }

  private static List<String> command(Object v, FieldErrors errs) {
    if (v == null) {
      errs.add("command", "is required: the program and its arguments, e.g. [\"uptime\"]; {host} is replaced by the target");
      return List.of();
    }
    if (!(v instanceof JsonArray arr)) {
      errs.add("command", "must be a list of strings (argv, no shell); got " + FieldErrors.kind(v));
      return List.of();
    }
    if (arr.isEmpty()) {
      errs.add("command", "must not be empty: give at least the program");
      return List.of();
    }
    if (arr.size() > MAX_COMMAND_ARGS) {
      errs.add("command", "has " + arr.size() + " arguments; at most " + MAX_COMMAND_ARGS + " are allowed");
      return List.of();
    }
    List<String> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      Object a = arr.getValue(i);
      String field = "command[" + i + "]";
      if (!(a instanceof String s)) {
        errs.add(field, "must be a string; got " + FieldErrors.kind(a));
      } else if (s.isEmpty()) {
        errs.add(field, "must not be empty");
      } else if (s.indexOf('\0') >= 0) {
        errs.add(field, "must not contain a NUL character");
      } else if (s.length() > MAX_ARG_LENGTH) {
        errs.add(field, "is longer than " + MAX_ARG_LENGTH + " characters");
      } else {
        out.add(s);
      }
    }
    return out;
  }

  private static JobMode mode(Object v, FieldErrors errs) {
    if (v == null) {
      return JobRequest.DEFAULT_MODE;
    }
    if (!(v instanceof String s)) {
      errs.add("mode", "must be one of agent, worker; got " + FieldErrors.kind(v));
      return JobRequest.DEFAULT_MODE;
    }
    try {
      return JobMode.fromWire(s);
    } catch (IllegalArgumentException e) {
      errs.add("mode", e.getMessage());
      return JobRequest.DEFAULT_MODE;
    }
  }

  private static Limit limit(Object v, String field, FieldErrors errs) {
    if (v == null) {
      return null;
    }
    try {
      return Limit.parse(v);
    } catch (IllegalArgumentException e) {
      errs.add(field, e.getMessage());
      return null;
    }
  }

  private static long timeout(Object v, String field, long dflt, FieldErrors errs) {
    if (v == null) {
      return dflt;
    }
    long ms;
    try {
      ms = Durations.parseMillis(v);
    } catch (IllegalArgumentException e) {
      errs.add(field, e.getMessage());
      return dflt;
    }
    if (ms < MIN_TIMEOUT_MS || ms > JobRequest.MAX_TIMEOUT_MS) {
      errs.add(field, "must be from " + Durations.format(MIN_TIMEOUT_MS) + " to " + Durations.format(JobRequest.MAX_TIMEOUT_MS)
          + "; got " + Durations.format(ms));
      return dflt;
    }
    return ms;
  }

  private static int integer(Object v, String field, int dflt, int min, int max, FieldErrors errs) {
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
        || ((Number) v).longValue() > max) {
      errs.add(field, "must be a whole number from " + min + " to " + max + "; got " + FieldErrors.quote(v));
      return dflt;
    }
    return ((Number) v).intValue();
  }

  private static String user(Object v, FieldErrors errs) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      errs.add("user", "must be a string; got " + FieldErrors.kind(v));
      return null;
    }
    if (s.length() > MAX_USER_LENGTH) {
      errs.add("user", "is longer than " + MAX_USER_LENGTH + " characters");
      return null;
    }
    if (s.chars().anyMatch(Character::isISOControl)) {
      errs.add("user", "must not contain control characters");
      return null;
    }
    return s;
  }

  /** The known field nearest to a misspelt one (at most a third of its letters changed, ignoring case), or null. */
  private static String closest(String key) {
    String best = null;
    int allowed = Math.max(2, key.length() / 3);
    int bestDistance = allowed + 1;
    for (String f : FIELDS) {
      int d = distance(key.toLowerCase(Locale.ROOT), f.toLowerCase(Locale.ROOT), allowed);
      if (d < bestDistance) {
        best = f;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance, or MAX_VALUE when it is certainly above {@code allowed} (or the key is absurdly long). */
  private static int distance(String a, String b, int allowed) {
    if (Math.abs(a.length() - b.length()) > allowed || a.length() > 64) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
