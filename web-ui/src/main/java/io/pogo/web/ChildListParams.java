package io.pogo.web;

import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildState;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the query string of {@code GET /api/v1/children} into the {@link ChildQuery} JSON of
 * {@code pogo.child.list}, rejecting bad input with every field named (P9). Pure, unit-tested.
 * <p>
 * Parameters: {@code scope=local|global} (default: {@code local} when {@code node} is given, else {@code global}),
 * {@code node=<name>} (only with the local scope), {@code tag=k=v} (repeatable, all must match),
 * {@code state=<child state>}. Unknown parameters are rejected, so a typo does not silently widen a listing.
 */
final class ChildListParams {
  static final Set<String> KNOWN = Set.of("scope", "node", "tag", "state");
  /** Same rule as child metadata keys in pogo-core's ChildSpecValidator. */
  private static final Pattern TAG_KEY = Pattern.compile(ChildSpec.TAG_KEY_PATTERN);

  private ChildListParams() {
  }

  static JsonObject parse(MultiMap params) {
    List<FieldError> errs = new ArrayList<>();
    QueryParams.rejectUnknown(params, KNOWN, errs);
    String node = QueryParams.single(params, "node", errs);
    if (node != null && !NodeOptionsValidator.NODE_NAME.matcher(node).matches()) {
      errs.add(new FieldError("node", "\"" + node + "\" is not a valid node name"));
    }
    String scopeText = QueryParams.single(params, "scope", errs);
    ChildQuery.Scope scope = node != null ? ChildQuery.Scope.LOCAL : ChildQuery.Scope.GLOBAL;
    if (scopeText != null) {
      switch (scopeText) {
        case "local" -> scope = ChildQuery.Scope.LOCAL;
        case "global" -> scope = ChildQuery.Scope.GLOBAL;
        default -> errs.add(new FieldError("scope", "must be \"local\" or \"global\"; got \"" + scopeText + "\""));
      }
    }
    if (node != null && "global".equals(scopeText)) {
      errs.add(new FieldError("node", "only with scope=local (a global listing covers every node)"));
    }
    String stateText = QueryParams.single(params, "state", errs);
    ChildState state = null;
    if (stateText != null) {
      state = ChildState.fromWire(stateText);
      if (state == null) {
        errs.add(new FieldError("state", "must be one of starting, running, backoff, stopping, stopped, exited, "
            + "failed; got \"" + stateText + "\""));
      }
    }
    Map<String, String> tags = tags(params.getAll("tag"), errs);
    if (!errs.isEmpty()) {
      throw PogoException.validation(errs);
    }
    return new ChildQuery(scope, node, tags, state).toJson();
  }

  private static Map<String, String> tags(List<String> values, List<FieldError> errs) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String v : values) {
      int eq = v.indexOf('=');
      String key = eq < 0 ? v : v.substring(0, eq);
      if (eq < 0 || !TAG_KEY.matcher(key).matches()) {
        errs.add(new FieldError("tag", "must be key=value with a key of 1 to 63 of A-Z a-z 0-9 . _ / - "
            + "(starting with a letter or digit); got \"" + v + "\""));
        continue;
      }
      String value = v.substring(eq + 1);
      String previous = tags.put(key, value);
      if (previous != null && !previous.equals(value)) {
        errs.add(new FieldError("tag", "\"" + key + "\" is given twice with different values (\"" + previous
            + "\" and \"" + value + "\"), which nothing can match"));
      }
    }
    return tags;
  }

}
