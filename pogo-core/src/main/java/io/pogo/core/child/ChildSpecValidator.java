package io.pogo.core.child;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a child spec before anything happens, reporting every problem with its field, not only
 * the first. Checks that need the target node (the executable exists there, the class is on its
 * classpath) are made by that node's supervisor before it starts anything.
 */
public final class ChildSpecValidator {
  private static final Pattern ID = Pattern.compile(ChildSpec.ID_PATTERN);
  private static final Pattern TAG_KEY = Pattern.compile(ChildSpec.TAG_KEY_PATTERN);
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");
  private static final Pattern CLASS_NAME =
      Pattern.compile("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");

  private static final Set<String> COMMON = Set.of("id", "kind", "restart", "maxRestarts", "restartWindow",
      "backoffInitial", "backoffMax", "shutdownTimeout", "metadata", "node", "selector", "replicas", "migration");
  private static final Set<String> VERTICLE_ONLY = Set.of("verticle", "config", "instances");
  private static final Set<String> PROCESS_ONLY = Set.of("argv", "env", "cwd", "logMaxLines", "logMaxBytes");

  private ChildSpecValidator() {
  }

  /** Parses and validates; throws {@link PogoException} ({@code VALIDATION_FAILED}) listing every field error. */
  public static ChildSpec parse(JsonObject json) {
    return parse(json, "");
  }

  /**
   * As {@link #parse(JsonObject)}, with field names prefixed (e.g. {@code children[2].}) for specs nested in a
   * larger document such as the node's config file.
   */
  public static ChildSpec parse(JsonObject json, String prefix) {
    Errors errs = new Errors(prefix);
    if (json == null) {
      errs.add("", "the spec must be a JSON object");
      throw errs.exception();
    }
    String id = string(json, "id", errs, true);
    if (id != null && !ID.matcher(id).matches()) {
      errs.add("id", "\"" + abbreviate(id) + "\" is not a valid id: " + ChildSpec.ID_RULE);
    }
    String kindText = string(json, "kind", errs, true);
    ChildKind kind = null;
    if (kindText != null) {
      kind = ChildKind.fromWire(kindText);
      if (kind == null) {
        errs.add("kind", "must be \"verticle\" or \"process\"; got \"" + abbreviate(kindText) + "\"");
      }
    }
    for (String key : json.fieldNames()) {
      boolean known = COMMON.contains(key)
          || (kind != ChildKind.PROCESS && VERTICLE_ONLY.contains(key))
          || (kind != ChildKind.VERTICLE && PROCESS_ONLY.contains(key));
      if (!known) {
        if (VERTICLE_ONLY.contains(key) || PROCESS_ONLY.contains(key)) {
          errs.add(key, "is not allowed for kind \"" + kind.wire() + "\"");
        } else {
          errs.add(key, "unknown field");
        }
      }
    }

    RestartType restart = ChildSpec.DEFAULT_RESTART;
    String restartText = string(json, "restart", errs, false);
    if (restartText != null) {
      restart = RestartType.fromWire(restartText);
      if (restart == null) {
        errs.add("restart", "must be one of permanent, transient, temporary; got \"" + abbreviate(restartText) + "\"");
      }
    }
    int maxRestarts = integer(json, "maxRestarts", ChildSpec.DEFAULT_MAX_RESTARTS, 0, ChildSpec.MAX_MAX_RESTARTS, errs);
    long window = duration(json, "restartWindow", ChildSpec.DEFAULT_RESTART_WINDOW_MS,
        ChildSpec.MIN_RESTART_WINDOW_MS, ChildSpec.MAX_RESTART_WINDOW_MS, errs);
    long backoffInitial = duration(json, "backoffInitial", ChildSpec.DEFAULT_BACKOFF_INITIAL_MS, 0, ChildSpec.MAX_BACKOFF_MS, errs);
    long backoffMax = duration(json, "backoffMax", Math.max(ChildSpec.DEFAULT_BACKOFF_MAX_MS, backoffInitial), 0,
        ChildSpec.MAX_BACKOFF_MS, errs);
    if (backoffMax < backoffInitial) {
      errs.add("backoffMax", "must be at least backoffInitial (" + Durations.format(backoffInitial) + "); got "
          + Durations.format(backoffMax));
    }
    long shutdown = duration(json, "shutdownTimeout", ChildSpec.DEFAULT_SHUTDOWN_TIMEOUT_MS, 0,
        ChildSpec.MAX_SHUTDOWN_TIMEOUT_MS, errs);
    Map<String, String> metadata = stringMap(json, "metadata", errs);
    String pin = string(json, "node", errs, false);
    if (pin != null && !NodeOptionsValidator.NODE_NAME.matcher(pin).matches()) {
      errs.add("node", "\"" + abbreviate(pin) + "\" is not a valid node name");
    }
    Map<String, String> selector = stringMap(json, "selector", errs);
    int replicas = integer(json, "replicas", ChildSpec.DEFAULT_REPLICAS, 1, ChildSpec.MAX_REPLICAS, errs);
    if (pin != null && replicas > 1) {
      errs.add("replicas", "must be 1 for a child pinned to node " + abbreviate(pin) + ": replicas run on distinct nodes; "
          + "use a selector to spread them over several nodes");
    }
    MigrationMode migration = ChildSpec.DEFAULT_MIGRATION;
    String migrationText = string(json, "migration", errs, false);
    if (migrationText != null) {
      migration = MigrationMode.fromWire(migrationText);
      if (migration == null) {
        errs.add("migration", "must be \"stop-then-start\" or \"start-then-stop\"; got \"" + abbreviate(migrationText) + "\"");
      }
    }

    String verticle = null;
    JsonObject config = null;
    int instances = ChildSpec.DEFAULT_INSTANCES;
    List<String> argv = null;
    Map<String, String> env = null;
    String cwd = null;
    int logMaxLines = ChildSpec.DEFAULT_LOG_MAX_LINES;
    int logMaxBytes = ChildSpec.DEFAULT_LOG_MAX_BYTES;
    if (kind == ChildKind.VERTICLE) {
      verticle = string(json, "verticle", errs, true);
      if (verticle != null && !CLASS_NAME.matcher(verticle).matches()) {
        errs.add("verticle", "\"" + abbreviate(verticle) + "\" is not a Java class name");
      }
      Object cfg = json.getValue("config");
      if (cfg == null) {
        config = new JsonObject();
      } else if (cfg instanceof JsonObject o) {
        config = o;
      } else {
        errs.add("config", "must be a JSON object");
      }
      instances = integer(json, "instances", ChildSpec.DEFAULT_INSTANCES, 1, ChildSpec.MAX_INSTANCES, errs);
    } else if (kind == ChildKind.PROCESS) {
      argv = argv(json, errs);
      env = env(json, errs);
      cwd = string(json, "cwd", errs, false);
      if (cwd != null && (cwd.isEmpty() || cwd.indexOf('\0') >= 0)) {
        errs.add("cwd", "must be a non-empty path");
      }
      logMaxLines = integer(json, "logMaxLines", ChildSpec.DEFAULT_LOG_MAX_LINES, 1, ChildSpec.MAX_LOG_MAX_LINES, errs);
      logMaxBytes = integer(json, "logMaxBytes", ChildSpec.DEFAULT_LOG_MAX_BYTES, 1024, ChildSpec.MAX_LOG_MAX_BYTES, errs);
    }
    if (!errs.list.isEmpty()) {
      throw errs.exception();
    }
    return new ChildSpec(id, kind, restart, maxRestarts, window, backoffInitial, backoffMax, shutdown, metadata,
        pin, selector, replicas, migration, verticle, config, instances, argv, env, cwd, logMaxLines, logMaxBytes);
  }

  private static String string(JsonObject json, String field, Errors errs, boolean required) {
    Object v = json.getValue(field);
    if (v == null) {
      if (required) {
        errs.add(field, "is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      errs.add(field, "must be a string");
      return null;
    }
    if (s.isEmpty()) {
      errs.add(field, "must not be empty");
      return null;
    }
    return s;
  }

  private static int integer(JsonObject json, String field, int dflt, int min, int max, Errors errs) {
    Object v = json.getValue(field);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min || ((Number) v).longValue() > max) {
      errs.add(field, "must be a whole number from " + min + " to " + max + "; got " + abbreviate(String.valueOf(v)));
      return dflt;
    }
    return ((Number) v).intValue();
  }

  private static long duration(JsonObject json, String field, long dflt, long min, long max, Errors errs) {
    Object v = json.getValue(field);
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
    if (ms < min || ms > max) {
      errs.add(field, "must be from " + Durations.format(min) + " to " + Durations.format(max) + "; got " + Durations.format(ms));
      return dflt;
    }
    return ms;
  }

  /** metadata and selector: objects of tag name to string value. */
  private static Map<String, String> stringMap(JsonObject json, String field, Errors errs) {
    Object v = json.getValue(field);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof JsonObject o)) {
      errs.add(field, "must be an object of string tags");
      return Map.of();
    }
    if (o.size() > ChildSpec.MAX_METADATA) {
      errs.add(field, "has " + o.size() + " tags; at most " + ChildSpec.MAX_METADATA + " are allowed");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o) {
      String key = e.getKey();
      if (!TAG_KEY.matcher(key).matches()) {
        errs.add(field + "." + abbreviate(key), "is not a valid tag name (1 to 63 of A-Z a-z 0-9 . _ / -)");
      } else if (!(e.getValue() instanceof String s) || s.length() > ChildSpec.MAX_METADATA_VALUE) {
        errs.add(field + "." + key, "must be a string of at most " + ChildSpec.MAX_METADATA_VALUE + " characters");
      } else {
        out.put(key, s);
      }
    }
    return out;
  }

  private static List<String> argv(JsonObject json, Errors errs) {
    Object v = json.getValue("argv");
    if (v == null) {
      errs.add("argv", "is required for kind \"process\": the command and its arguments, e.g. [\"sleep\",\"60\"]");
      return null;
    }
    if (!(v instanceof JsonArray arr)) {
      errs.add("argv", "must be an array of strings");
      return null;
    }
    if (arr.isEmpty()) {
      errs.add("argv", "must not be empty: give at least the command");
      return null;
    }
    if (arr.size() > ChildSpec.MAX_ARGV) {
      errs.add("argv", "has " + arr.size() + " entries; at most " + ChildSpec.MAX_ARGV + " are allowed");
      return null;
    }
    List<String> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      Object a = arr.getValue(i);
      if (!(a instanceof String s)) {
        errs.add("argv[" + i + "]", "must be a string");
      } else if (s.indexOf('\0') >= 0) {
        errs.add("argv[" + i + "]", "must not contain a NUL character");
      } else if (s.length() > ChildSpec.MAX_ARG_LENGTH) {
        errs.add("argv[" + i + "]", "is longer than " + ChildSpec.MAX_ARG_LENGTH + " characters");
      } else if (i == 0 && s.isEmpty()) {
        errs.add("argv[0]", "the command must not be empty");
      } else {
        out.add(s);
      }
    }
    return out;
  }

  private static Map<String, String> env(JsonObject json, Errors errs) {
    Object v = json.getValue("env");
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof JsonObject o)) {
      errs.add("env", "must be an object of string variables");
      return Map.of();
    }
    if (o.size() > ChildSpec.MAX_ENV) {
      errs.add("env", "has " + o.size() + " variables; at most " + ChildSpec.MAX_ENV + " are allowed");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        errs.add("env." + abbreviate(e.getKey()), "is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
      } else if (!(e.getValue() instanceof String s) || s.indexOf('\0') >= 0 || s.length() > ChildSpec.MAX_ARG_LENGTH) {
        errs.add("env." + e.getKey(), "must be a string without NUL of at most " + ChildSpec.MAX_ARG_LENGTH + " characters");
      } else {
        out.put(e.getKey(), s);
      }
    }
    return out;
  }

  static String abbreviate(String s) {
    String oneLine = s.replace('\n', ' ').replace('\r', ' ');
    return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
  }

  private static final class Errors {
    final String prefix;
    final List<FieldError> list = new ArrayList<>();

    Errors(String prefix) {
      this.prefix = prefix;
    }

    void add(String field, String message) {
      String path = field.isEmpty() ? (prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix) : prefix + field;
      list.add(new FieldError(path.isEmpty() ? "(body)" : path, message));
    }

    PogoException exception() {
      return PogoException.validation(list);
    }
  }
}
