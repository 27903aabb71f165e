package io.pogo.node;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a node's {@link NodeOptions} from three layers, each overriding the one before: the YAML config file,
 * the environment ({@code POGO_*}, one variable per key), and the command-line flags. The merged JSON goes through
 * {@link NodeOptionsValidator#parse}, so unknown keys and bad values are reported together, each with its field.
 * Nothing is started here.
 */
public final class NodeConfigLoader {

  /** Environment variable to config key. Every key except {@code children} has one. */
  public static final Map<String, String> ENV_KEYS;

  static {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("POGO_NAME", "name");
    m.put("POGO_TAGS", "tags");
    m.put("POGO_ROLES", "roles");
    m.put("POGO_HTTP_HOST", "httpHost");
    m.put("POGO_HTTP_PORT", "httpPort");
    m.put("POGO_CLUSTER_NAME", "clusterName");
    m.put("POGO_CLUSTER_HOST", "clusterHost");
    m.put("POGO_CLUSTER_PORT", "clusterPort");
    m.put("POGO_JOIN", "join");
    m.put("POGO_DATA_DIR", "dataDir");
    m.put("POGO_HEARTBEAT", "heartbeat");
    m.put("POGO_FAILURE_TIMEOUT", "failureTimeout");
    m.put("POGO_PROCESS_LEASE", "processLease");
    m.put("POGO_REQUEST_TIMEOUT", "requestTimeout");
    m.put("POGO_TOKEN", "token");
    m.put("POGO_MAX_BODY_BYTES", "maxBodyBytes");
    m.put("POGO_WEIGHT", "weight");
    m.put("POGO_QUORUM", "quorum");
    m.put("POGO_REBALANCE_ON_JOIN", "rebalanceOnJoin");
    m.put("POGO_MAX_TASKS", "maxTasks");
    ENV_KEYS = Collections.unmodifiableMap(m);
  }

  private final Map<String, String> env;
  private final String defaultName;

  /**
   * @param env         the environment to read {@code POGO_*} from (System.getenv() in production)
   * @param defaultName the node name used when no layer sets one
   */
  public NodeConfigLoader(Map<String, String> env, String defaultName) {
    this.env = Map.copyOf(env);
    this.defaultName = defaultName;
  }

  /** A loader reading the process environment, with the host-derived default name. */
  public static NodeConfigLoader fromSystem() {
    return new NodeConfigLoader(System.getenv(), defaultNodeName());
  }

  /**
   * Loads, merges and validates.
   *
   * @param configFile the YAML file, or null for none
   * @param flags      command-line values by config key (raw strings as typed; null values are ignored)
   * @throws PogoException (validation) naming every problem, including YAML syntax errors with line and column
   */
  public NodeOptions load(Path configFile, Map<String, String> flags) {
    return NodeOptionsValidator.parse(merge(configFile, flags), defaultName);
  }

  /** The merged, not yet validated settings (file, then environment, then flags). */
  public JsonObject merge(Path configFile, Map<String, String> flags) {
    List<FieldError> errs = new ArrayList<>();
    JsonObject merged = configFile == null ? new JsonObject() : readFile(configFile);
    for (Map.Entry<String, String> e : ENV_KEYS.entrySet()) {
      String value = env.get(e.getKey());
      if (value != null && !value.isBlank()) {
        put(merged, e.getValue(), value.trim(), e.getKey(), errs);
      }
    }
    if (flags != null) {
      for (Map.Entry<String, String> e : flags.entrySet()) {
        if (e.getValue() != null) {
          put(merged, e.getKey(), e.getValue().trim(), "--" + kebab(e.getKey()), errs);
        }
      }
    }
    if (!errs.isEmpty()) {
      // Report these together with whatever else is wrong in the merged settings.
      try {
        NodeOptionsValidator.parse(merged, defaultName);
      } catch (PogoException e) {
        errs.addAll(e.errors());
      }
      throw PogoException.validation(errs);
    }
    return merged;
  }

  private static void put(JsonObject target, String key, String raw, String source, List<FieldError> errs) {
    if (key.equals("tags")) {
      JsonObject tags = parseTags(raw, source, errs);
      if (tags != null) {
        target.put("tags", tags);
      }
    } else {
      // Numbers, durations and comma lists are accepted as strings by the validator.
      target.put(key, raw);
    }
  }

  /** Parses {@code k=v,k=v}; null (with an error) if malformed. */
  static JsonObject parseTags(String raw, String source, List<FieldError> errs) {
    JsonObject tags = new JsonObject();
    if (raw.isEmpty()) {
      return tags;
    }
    for (String part : raw.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0) {
        errs.add(new FieldError("tags", source + ": \"" + p + "\" is not key=value (write k=v,k=v)"));
        return null;
      }
      tags.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
    }
    return tags;
  }

  static String kebab(String key) {
    StringBuilder sb = new StringBuilder();
    for (char c : key.toCharArray()) {
      if (Character.isUpperCase(c)) {
        sb.append('-').append(Character.toLowerCase(c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Reads a YAML config file into JSON. */
  public static JsonObject readFile(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw PogoException.validation("config", "file " + file + " does not exist");
    } catch (IOException e) {
      throw PogoException.validation("config", "cannot read " + file + ": " + e.getMessage());
    }
    return parseYaml(text, file.toString());
  }

  /**
   * Parses YAML text (safe loader: plain data only, no duplicate keys) into a JSON object.
   *
   * @param source the name used in error messages (the file name)
   */
  public static JsonObject parseYaml(String text, String source) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setCodePointLimit(4 * 1024 * 1024);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    Object doc;
    try {
      doc = yaml.load(text);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String where = mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
      String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
      if (e.getContext() != null) {
        what = what + " (" + e.getContext() + ")";
      }
      throw PogoException.validation("config", source + ": " + where + oneLine(what));
    } catch (YAMLException e) {
      throw PogoException.validation("config", source + ": " + oneLine(e.getMessage()));
    }
    if (doc == null) {
      return new JsonObject();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw PogoException.validation("config", source + ": must be a mapping of settings (key: value), not a "
          + (doc instanceof List<?> ? "list" : "single value"));
    }
    return (JsonObject) toJson(map);
  }

  private static String oneLine(String s) {
    return s == null ? "invalid YAML" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  /** YAML data (maps, lists, scalars) to Vert.x JSON types. */
  private static Object toJson(Object v) {
    if (v instanceof Map<?, ?> m) {
      JsonObject o = new JsonObject();
      m.forEach((k, val) -> o.put(String.valueOf(k), toJson(val)));
      return o;
    }
    if (v instanceof List<?> l) {
      JsonArray a = new JsonArray();
      l.forEach(x -> a.add(toJson(x)));
      return a;
    }
    if (v instanceof BigInteger b) {
      return b.toString();
    }
    if (v instanceof Date d) {
      return d.toInstant().toString();
    }
    if (v instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return v;
  }

  /**
   * The default node name: the machine's short host name (up to the first dot), with anything outside
   * {@code [A-Za-z0-9.-]} replaced by '-'; "pogo" if that leaves nothing usable.
   */
  public static String defaultNodeName() {
    String host = null;
    try {
      Path kernel = Path.of("/proc/sys/kernel/hostname");
      if (Files.isReadable(kernel)) {
        host = Files.readString(kernel).trim();
      }
    } catch (IOException | RuntimeException ignored) {
      // fall through
    }
    if (host == null || host.isEmpty()) {
      try {
        host = InetAddress.getLocalHost().getHostName();
      } catch (IOException | RuntimeException e) {
        host = null;
      }
    }
    return sanitizeNodeName(host);
  }

  /** Short host name sanitised to a valid node name, or "pogo". */
  static String sanitizeNodeName(String host) {
    if (host == null) {
      return "pogo";
    }
    String s = host.trim();
    int dot = s.indexOf('.');
    if (dot > 0) {
      s = s.substring(0, dot);
    }
    s = s.replaceAll("[^A-Za-z0-9.-]", "-").replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
    if (s.length() > 63) {
      s = s.substring(0, 63).replaceAll("[^A-Za-z0-9]+$", "");
    }
    return NodeOptionsValidator.NODE_NAME.matcher(s).matches() ? s : "pogo";
  }
}
