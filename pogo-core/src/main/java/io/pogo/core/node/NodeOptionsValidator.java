package io.pogo.core.node;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a node's settings from JSON (the config file, already merged with environment and flags), rejecting
 * unknown keys and bad values with every error named, and applying the security rule: an HTTP address other
 * than loopback needs a token.
 */
public final class NodeOptionsValidator {
  /** Node names: used in event-bus addresses and as agent-mode host names, so host-name characters only. */
  public static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?");
  private static final Pattern TAG_KEY = Pattern.compile(ChildSpec.TAG_KEY_PATTERN);
  private static final Set<String> KEYS = Set.of("name", "tags", "roles", "httpHost", "httpPort", "clusterName",
      "clusterHost", "clusterPort", "join", "dataDir", "heartbeat", "failureTimeout", "processLease",
      "requestTimeout", "token", "maxBodyBytes", "children", "weight", "quorum", "rebalanceOnJoin", "maxTasks");

  private NodeOptionsValidator() {
  }

  /**
   * @param json        merged settings; missing keys take their defaults
   * @param defaultName the name to use when none is given
   */
  public static NodeOptions parse(JsonObject json, String defaultName) {
    List<FieldError> errs = new ArrayList<>();
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        errs.add(new FieldError(key, "unknown setting (known: " + String.join(", ", KEYS.stream().sorted().toList()) + ")"));
      }
    }
    NodeOptions d = NodeOptions.defaults(defaultName);
    String name = str(json, "name", d.name(), errs);
    if (name != null && !NODE_NAME.matcher(name).matches()) {
      errs.add(new FieldError("name", "\"" + name + "\" is not a valid node name: 1 to 63 of A-Z a-z 0-9 . -, "
          + "starting and ending with a letter or digit"));
    }
    Map<String, String> tags = tags(json, errs);
    Set<String> roles = roles(json, errs);
    String httpHost = str(json, "httpHost", d.httpHost(), errs);
    int httpPort = port(json, "httpPort", d.httpPort(), errs);
    String clusterName = str(json, "clusterName", d.clusterName(), errs);
    String clusterHost = str(json, "clusterHost", d.clusterHost(), errs);
    int clusterPort = port(json, "clusterPort", d.clusterPort(), errs);
    if (clusterPort == 0) {
      errs.add(new FieldError("clusterPort", "must be a fixed port (other members join through it)"));
    }
    List<String> join = join(json, errs);
    String dataDir = str(json, "dataDir", d.dataDir(), errs);
    long heartbeat = duration(json, "heartbeat", d.heartbeatMs(), 100, 60_000, errs);
    long failureTimeout = duration(json, "failureTimeout", d.failureTimeoutMs(), 1_000, 600_000, errs);
    long lease = duration(json, "processLease", Math.min(d.processLeaseMs(), failureTimeout / 2), 500, 600_000, errs);
    if (lease >= failureTimeout) {
      errs.add(new FieldError("processLease", "must be shorter than failureTimeout (" + Durations.format(failureTimeout)
          + "), so a hung node's processes stop before the cluster restarts them elsewhere"));
    }
    if (heartbeat * 2 > failureTimeout) {
      errs.add(new FieldError("heartbeat", "must be at most half of failureTimeout (" + Durations.format(failureTimeout) + ")"));
    }
    long requestTimeout = duration(json, "requestTimeout", d.requestTimeoutMs(), 100, 600_000, errs);
    String token = json.getValue("token") == null ? null : str(json, "token", null, errs);
    if (token != null && token.length() < 16) {
      errs.add(new FieldError("token", "must be at least 16 characters"));
    }
    int maxBody = integer(json, "maxBodyBytes", d.maxBodyBytes(), 1024, 64 << 20, errs);
    List<JsonObject> children = children(json, errs);
    double weight = weight(json, errs);
    int quorum = quorum(json, errs);
    boolean rebalanceOnJoin = bool(json, "rebalanceOnJoin", true, errs);
    int maxTasks = integer(json, "maxTasks", d.maxTasks(), 1, NodeOptions.MAX_MAX_TASKS, errs);
    if (httpHost != null && token == null && roles.contains("http") && !isLoopback(httpHost)) {
      errs.add(new FieldError("httpHost", "\"" + httpHost + "\" is not a loopback address: set a token (--token, "
          + "POGO_TOKEN or token: in the config file) before exposing the API, since it runs commands on this machine"));
    }
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return new NodeOptions(name, tags, roles, httpHost, httpPort, clusterName, clusterHost, clusterPort, join, dataDir,
        heartbeat, failureTimeout, lease, requestTimeout, token, maxBody, children, weight, quorum, rebalanceOnJoin, maxTasks);
  }

  /** True for 127.0.0.0/8, ::1 and "localhost"; names are resolved. */
  public static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static String str(JsonObject json, String key, String dflt, List<FieldError> errs) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      errs.add(new FieldError(key, "must be a non-empty string"));
      return dflt;
    }
    return s;
  }

  private static int integer(JsonObject json, String key, int dflt, int min, int max, List<FieldError> errs) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    long n;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else if (v instanceof String s && s.matches("\\d{1,10}")) {
      n = Long.parseLong(s);
    } else {
      errs.add(new FieldError(key, "must be a whole number; got \"" + v + "\""));
      return dflt;
    }
    if (n < min || n > max) {
      errs.add(new FieldError(key, "must be from " + min + " to " + max + "; got " + n));
      return dflt;
    }
    return (int) n;
  }

  private static int port(JsonObject json, String key, int dflt, List<FieldError> errs) {
    return integer(json, key, dflt, 0, 65535, errs);
  }

  private static long duration(JsonObject json, String key, long dflt, long min, long max, List<FieldError> errs) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    try {
      long ms = Durations.parseMillis(v instanceof String s && s.matches("\\d+") ? Long.parseLong(s) : v);
      if (ms < min || ms > max) {
        errs.add(new FieldError(key, "must be from " + Durations.format(min) + " to " + Durations.format(max)
            + "; got " + Durations.format(ms)));
        return dflt;
      }
      return ms;
    } catch (IllegalArgumentException e) {
      errs.add(new FieldError(key, e.getMessage()));
      return dflt;
    }
  }

  private static double weight(JsonObject json, List<FieldError> errs) {
    Object v = json.getValue("weight");
    if (v == null) {
      return NodeOptions.DEFAULT_WEIGHT;
    }
    try {
      double w = v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v));
      if (w > 0 && w <= 1000) {
        return w;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errs.add(new FieldError("weight", "must be a number above 0 and at most 1000; got \"" + v + "\""));
    return NodeOptions.DEFAULT_WEIGHT;
  }

  private static int quorum(JsonObject json, List<FieldError> errs) {
    Object v = json.getValue("quorum");
    if (v == null || "majority".equals(v)) {
      return NodeOptions.QUORUM_MAJORITY;
    }
    if ("none".equals(v)) {
      return NodeOptions.QUORUM_NONE;
    }
    String text = String.valueOf(v);
    if (text.matches("\\d{1,4}") && Integer.parseInt(text) >= 1) {
      return Integer.parseInt(text);
    }
    errs.add(new FieldError("quorum", "must be \"majority\" (of the largest cluster seen), \"none\" (availability "
        + "mode: both sides of a partition keep running), or a member count from 1; got \"" + v + "\""));
    return NodeOptions.QUORUM_MAJORITY;
  }

  private static boolean bool(JsonObject json, String key, boolean dflt, List<FieldError> errs) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if ("true".equals(v) || "false".equals(v)) {
      return Boolean.parseBoolean((String) v);
    }
    errs.add(new FieldError(key, "must be true or false; got \"" + v + "\""));
    return dflt;
  }

  private static Map<String, String> tags(JsonObject json, List<FieldError> errs) {
    Object v = json.getValue("tags");
    Map<String, String> out = new LinkedHashMap<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonObject o)) {
      errs.add(new FieldError("tags", "must be a map of tag to value (k=v,k=v on the command line)"));
      return out;
    }
    for (Map.Entry<String, Object> e : o) {
      if (!TAG_KEY.matcher(e.getKey()).matches()) {
        errs.add(new FieldError("tags." + e.getKey(), "is not a valid tag name (1 to 63 of A-Z a-z 0-9 . _ / -)"));
      } else if (!(e.getValue() instanceof String || e.getValue() instanceof Number || e.getValue() instanceof Boolean)) {
        errs.add(new FieldError("tags." + e.getKey(), "must be a plain value"));
      } else {
        out.put(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    return out;
  }

  private static Set<String> roles(JsonObject json, List<FieldError> errs) {
    Object v = json.getValue("roles");
    if (v == null) {
      return NodeOptions.ALL_ROLES;
    }
    List<?> list = v instanceof JsonArray a ? a.getList() : v instanceof String s ? List.of(s.split(",")) : null;
    if (list == null || list.isEmpty()) {
      errs.add(new FieldError("roles", "must be a list of roles: " + String.join(", ", NodeOptions.ALL_ROLES)));
      return NodeOptions.ALL_ROLES;
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object r : list) {
      String role = String.valueOf(r).trim();
      if (!NodeOptions.ALL_ROLES.contains(role)) {
        errs.add(new FieldError("roles", "unknown role \"" + role + "\" (known: registry, supervisor, scheduler, http)"));
      } else {
        out.add(role);
      }
    }
    return out;
  }

  private static List<String> join(JsonObject json, List<FieldError> errs) {
    Object v = json.getValue("join");
    if (v == null) {
      return List.of();
    }
    List<?> list = v instanceof JsonArray a ? a.getList() : v instanceof String s ? List.of(s.split(",")) : null;
    if (list == null) {
      errs.add(new FieldError("join", "must be a list of host:port"));
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String m = String.valueOf(list.get(i)).trim();
      if (m.isEmpty()) {
        continue;
      }
      int colon = m.lastIndexOf(':');
      boolean ok = colon > 0 && m.substring(colon + 1).matches("\\d{1,5}")
          && Integer.parseInt(m.substring(colon + 1)) > 0 && Integer.parseInt(m.substring(colon + 1)) <= 65535;
      if (!ok) {
        errs.add(new FieldError("join[" + i + "]", "\"" + m + "\" is not host:port"));
      } else {
        out.add(m);
      }
    }
    return out;
  }

  private static List<JsonObject> children(JsonObject json, List<FieldError> errs) {
    Object v = json.getValue("children");
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof JsonArray arr)) {
      errs.add(new FieldError("children", "must be a list of child specs"));
      return List.of();
    }
    List<JsonObject> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      Object o = arr.getValue(i);
      String prefix = "children[" + i + "].";
      if (!(o instanceof JsonObject spec)) {
        errs.add(new FieldError("children[" + i + "]", "must be a child spec object"));
        continue;
      }
      try {
        ChildSpec parsed = ChildSpecValidator.parse(spec, prefix);
        if (!ids.add(parsed.id())) {
          errs.add(new FieldError(prefix + "id", "\"" + parsed.id() + "\" is declared twice"));
        }
        out.add(spec);
      } catch (PogoException e) {
        errs.addAll(e.errors());
      }
    }
    return out;
  }
}
