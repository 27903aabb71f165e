package io.pogo.core.child;

import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Filters of a child listing. {@code scope=local} lists the children of one node ({@code node}, or the node that
 * serves the request); {@code global} lists every node's. {@code tags} must all match the child's metadata;
 * {@code state}, if set, must equal its state.
 */
public record ChildQuery(Scope scope, String node, Map<String, String> tags, ChildState state) {

  public enum Scope { LOCAL, GLOBAL }

  public ChildQuery {
    tags = Map.copyOf(tags);
  }

  public static ChildQuery global() {
    return new ChildQuery(Scope.GLOBAL, null, Map.of(), null);
  }

  public static ChildQuery local() {
    return new ChildQuery(Scope.LOCAL, null, Map.of(), null);
  }

  public ChildQuery withTag(String key, String value) {
    Map<String, String> t = new LinkedHashMap<>(tags);
    t.put(key, value);
    return new ChildQuery(scope, node, t, state);
  }

  public ChildQuery withState(ChildState s) {
    return new ChildQuery(scope, node, tags, s);
  }

  public ChildQuery onNode(String n) {
    return new ChildQuery(scope, n, tags, state);
  }

  public boolean matches(ChildRecord r) {
    if (scope == Scope.LOCAL && node != null && !node.equals(r.node())) {
      return false;
    }
    if (state != null && state != r.state()) {
      return false;
    }
    for (Map.Entry<String, String> t : tags.entrySet()) {
      if (!t.getValue().equals(r.spec().metadata().get(t.getKey()))) {
        return false;
      }
    }
    return true;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("scope", scope.name().toLowerCase(java.util.Locale.ROOT))
        .put("node", node)
        .put("tags", new JsonObject(new LinkedHashMap<>(tags)))
        .put("state", state == null ? null : state.wire());
  }

  /** Parses a query; an unknown scope or state is a validation error naming the field. */
  public static ChildQuery fromJson(JsonObject json) {
    String scopeText = json.getString("scope", "global");
    Scope scope = switch (scopeText) {
      case "local" -> Scope.LOCAL;
      case "global" -> Scope.GLOBAL;
      default -> throw PogoException.validation("scope", "must be \"local\" or \"global\"; got \"" + scopeText + "\"");
    };
    String stateText = json.getString("state");
    ChildState state = null;
    if (stateText != null) {
      state = ChildState.fromWire(stateText);
      if (state == null) {
        throw PogoException.validation("state", "must be one of starting, running, backoff, stopping, stopped, "
            + "exited, failed; got \"" + stateText + "\"");
      }
    }
    Map<String, String> tags = new LinkedHashMap<>();
    JsonObject t = json.getJsonObject("tags", new JsonObject());
    t.forEach(e -> tags.put(e.getKey(), String.valueOf(e.getValue())));
    return new ChildQuery(scope, json.getString("node"), tags, state);
  }
}
