package io.pogo.scheduler.config;

import io.pogo.core.error.PogoException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and validates a namespace config in the tag / sequence / constraint language (DESIGN.md, "Jobs"), from
 * YAML or JSON text or from a JSON object. Everything is checked before anything is kept, and every problem is
 * reported at once with its path ({@code tag.colo.east[2]}, {@code sequence[1]}, {@code constraint.$colo.max_parallel}:
 * map keys joined by {@code .}, list indexes in {@code [i]}), because a config is edited by hand and a rejected
 * config changes nothing.
 *
 * <p>Rules, and where they differ from Yahoo Pogo (whose bugs are listed in reference/yahoo-pogo.md, section 2):
 * <ul>
 *   <li>Top-level keys: {@code tag}, {@code sequence}, {@code constraint}, each optional; anything else is an error
 *       (Yahoo ignored typos such as {@code sequences}).</li>
 *   <li>{@code tag}: nested maps or dotted keys ({@code colo.usa: [h1]} is {@code colo: {usa: [h1]}}); a node is
 *       either a list of hosts and host patterns ({@link HostGlob}) or a map of values, never both, and a list is
 *       given once. An empty list or map is a tag without hosts. A parent's hosts are the union of its
 *       descendants'. At most {@link #MAX_HOSTS} distinct hosts and {@link #MAX_MEMBERSHIPS} host-in-tag entries,
 *       which bounds the work a config can cause.</li>
 *   <li>{@code sequence}: a list is one unnamed sequence ({@code []} is none); a map of lists is several, keyed by
 *       a label or by a {@code $tag} filter; under a {@code $tag} key a map of further {@code $tag} keys adds
 *       filters (their intersection), and the sequence is named by the keys joined with {@code .}
 *       ({@code $frontend.$colo}). A step is {@code $tag}, {@code $tag.value} or one literal host. The list-of-lists
 *       form Yahoo documented but never handled ({@code - [ $a, $b ]}) is refused with a clear message, as is a host
 *       pattern as a step (put it in a tag).</li>
 *   <li>{@code constraint}: {@code $tag} keys mapping to {@code max_parallel} ({@link Limit}) and/or nested
 *       {@code $tag} keys, nesting meaning intersection. Percentages are honoured and every nesting level counts
 *       (Yahoo compared {@code 15%} as 15 and ignored nesting).</li>
 * </ul>
 * Text is limited to {@link #MAX_TEXT_CHARS} characters; YAML is read with the safe constructor (plain data only),
 * duplicate keys refused, and few aliases allowed so an alias bomb cannot blow up memory.
 */
public final class NamespaceConfigParser {

  /** At most this many distinct hosts in a namespace's tags. */
  public static final int MAX_HOSTS = JobRequest.MAX_HOSTS;
  /** At most this many host-in-tag entries (a host counted once per leaf tag it is listed in). */
  public static final int MAX_MEMBERSHIPS = 10 * MAX_HOSTS;
  /** The longest config text accepted. */
  public static final int MAX_TEXT_CHARS = 4 << 20;

  private static final int MAX_YAML_ALIASES = 10;
  /**
   * YAML reads {@code [} and <code>{</code> inside a flow list ({@code [a, b]}) as nesting, so {@code [web[1-3]]} is
   * a syntax error, not a pattern; say how to write it.
   */
  private static final String FLOW_HINT = "a host pattern inside a [...] list must be quoted ('web[1-3]') or written "
      + "on its own line (- web[1-3])";
  private static final Set<String> TOP_KEYS = Set.of("tag", "sequence", "constraint");
  private static final String MAX_PARALLEL = "max_parallel";
  private static final Pattern TAG_SEGMENT = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern TAG_REF = Pattern.compile("\\$([A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*)");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}");
  private static final String TAG_NAME_RULE = "dot-separated parts of letters, digits, '_' or '-'";
  private static final String LABEL_RULE = "1 to 63 letters, digits, '_', '.' or '-', not starting with '.' or '-'";

  private NamespaceConfigParser() {
  }

  /**
   * Parses YAML or JSON text. Text whose first non-blank character is <code>{</code> is read as JSON (YAML would
   * accept it too, but the JSON parser's messages are exact for JSON); blank text or only comments is an empty
   * config.
   *
   * @throws PogoException {@code VALIDATION_FAILED} with every problem, each naming its field ({@code config} for
   *                       a syntax error, with line and column)
   */
  public static NamespaceConfig parse(String text) {
    if (text == null) {
      throw PogoException.validation("config", "is required");
    }
    if (text.length() > MAX_TEXT_CHARS) {
      throw PogoException.validation("config", "is " + text.length() + " characters long; at most " + MAX_TEXT_CHARS
          + " are accepted");
    }
    String trimmed = text.strip();
    JsonObject json;
    if (trimmed.startsWith("{")) {
      try {
        json = new JsonObject(trimmed);
      } catch (DecodeException e) {
        throw PogoException.validation("config", "invalid JSON: " + oneLine(e.getMessage()));
      }
    } else {
      try {
        json = yaml(text);
      } catch (PogoException invalid) {
        // DESIGN.md's own example writes `east: [web[1-3].east]`, which no YAML parser accepts: retry with the host
        // patterns of such one-line lists quoted, and report the original error if that does not help either.
        String quoted = quoteFlowPatterns(text);
        if (quoted.equals(text)) {
          throw invalid;
        }
        try {
          json = yaml(quoted);
        } catch (PogoException stillInvalid) {
          throw invalid;
        }
      }
    }
    return parse(json);
  }

  private static final java.util.regex.Pattern FLOW_LIST_LINE =
      java.util.regex.Pattern.compile("^(\\s*(?:-\\s+)?[^\\s#'\"\\[{][^:#]*:\\s+)\\[(.*)\\](\\s*(?:#.*)?)$");

  /**
   * Quotes the items of one-line {@code key: [a, b]} lists whose items hold host-pattern brackets or braces
   * ({@code [web[1-3].east, db{1,2}]} becomes {@code ["web[1-3].east", "db{1,2}"]}); other lines stay as they are.
   */
  static String quoteFlowPatterns(String text) {
    StringBuilder out = new StringBuilder(text.length() + 64);
    for (String line : text.split("\n", -1)) {
      java.util.regex.Matcher m = FLOW_LIST_LINE.matcher(line);
      if (!m.matches() || (m.group(2).indexOf('[') < 0 && m.group(2).indexOf('{') < 0)) {
        out.append(line).append('\n');
        continue;
      }
      List<String> items = new ArrayList<>();
      int depth = 0;
      StringBuilder item = new StringBuilder();
      for (char c : m.group(2).toCharArray()) {
        if (c == ',' && depth == 0) {
          items.add(item.toString().strip());
          item.setLength(0);
          continue;
        }
        if (c == '[' || c == '{') {
          depth++;
        } else if ((c == ']' || c == '}') && depth > 0) {
          depth--;
        }
        item.append(c);
      }
      items.add(item.toString().strip());
      List<String> quoted = new ArrayList<>();
      for (String i : items) {
        boolean alreadyQuoted = i.length() >= 2 && (i.startsWith("\"") || i.startsWith("'"));
        quoted.add(i.isEmpty() || alreadyQuoted ? i : "\"" + i.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
      }
      out.append(m.group(1)).append('[').append(String.join(", ", quoted)).append(']').append(m.group(3)).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }

  /**
   * Validates a config given as JSON and builds it; {@code source} is a copy of {@code json}.
   *
   * @throws PogoException {@code VALIDATION_FAILED} with every problem, each naming its field
   */
  public static NamespaceConfig parse(JsonObject json) {
    if (json == null) {
      throw PogoException.validation("config", "must be a map with the keys tag, sequence and constraint");
    }
    FieldErrors errs = new FieldErrors();
    for (String key : json.fieldNames()) {
      if (!TOP_KEYS.contains(key)) {
        errs.add(FieldErrors.key(key), "unknown key " + FieldErrors.quote(key) + "; expected tag, sequence or constraint");
      }
    }
    TagTable tags = new TagTable(errs);
    tags.read(json.getValue("tag"));
    List<NamespaceConfig.Sequence> sequences = new Sequences(tags, errs).read(json.getValue("sequence"));
    List<NamespaceConfig.Constraint> constraints = new Constraints(tags, errs).read(json.getValue("constraint"));
    errs.throwIfAny();
    return new NamespaceConfig(tags.tags(), tags.children(), List.copyOf(sequences), List.copyOf(constraints),
        json.copy());
  }

  /**
   * A short summary for listings: {@code {"hosts", "tags", "sequences", "constraints"}}, where hosts counts the
   * distinct hosts named by the tags and by literal sequence steps.
   */
  public static JsonObject describe(NamespaceConfig config) {
    Set<String> hosts = new HashSet<>();
    config.tags().values().forEach(hosts::addAll);
    for (NamespaceConfig.Sequence s : config.sequences()) {
      for (NamespaceConfig.Step step : s.steps()) {
        if (step.host() != null) {
          hosts.add(step.host());
        }
      }
    }
    return new JsonObject()
        .put("hosts", hosts.size())
        .put("tags", config.tags().size())
        .put("sequences", config.sequences().size())
        .put("constraints", config.constraints().size());
  }

  // ---------------------------------------------------------------- YAML

  private static JsonObject yaml(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(MAX_YAML_ALIASES);
    options.setCodePointLimit(MAX_TEXT_CHARS);
    DumperOptions unused = new DumperOptions();
    Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(unused), unused, options, new PlainResolver());
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
      if (e.getContext() != null && e.getContext().contains("flow")) {
        what = what + "; " + FLOW_HINT;
      }
      throw PogoException.validation("config", "invalid YAML: " + where + oneLine(what));
    } catch (YAMLException e) {
      throw PogoException.validation("config", "invalid YAML: " + oneLine(e.getMessage()));
    }
    if (doc == null) {
      return new JsonObject();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw PogoException.validation("config", "must be a map with the keys tag, sequence and constraint, not "
          + (doc instanceof List<?> ? "a list" : "a single value"));
    }
    return (JsonObject) toJson(map);
  }

  /**
   * YAML 1.1's implicit types without the two that corrupt host and tag names: {@code yes/no/on/off} stay strings
   * (only {@code true}/{@code false} are booleans) and {@code 2024-01-01} stays a string, not a date.
   */
  private static final class PlainResolver extends Resolver {
    private static final Pattern TRUE_FALSE = Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");

    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, TRUE_FALSE, "tTfF");
      addImplicitResolver(Tag.INT, INT, "-+0123456789");
      addImplicitResolver(Tag.FLOAT, FLOAT, "-+.0123456789");
      addImplicitResolver(Tag.MERGE, MERGE, "<");
      addImplicitResolver(Tag.NULL, NULL, "~nN\0");
      addImplicitResolver(Tag.NULL, EMPTY, null);
    }
  }

  /** YAML data to Vert.x JSON types, keys kept as written. */
  private static Object toJson(Object v) {
    if (v instanceof Map<?, ?> m) {
      JsonObject o = new JsonObject(new LinkedHashMap<>());
      m.forEach((k, val) -> o.put(String.valueOf(k), toJson(val)));
      return o;
    }
    if (v instanceof List<?> l) {
      JsonArray a = new JsonArray(new ArrayList<>(l.size()));
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

  private static String oneLine(String s) {
    return s == null ? "unreadable" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  // ---------------------------------------------------------------- tags

  /** The {@code tag} section: walks it, expands the host lists and builds the tag tree. */
  private static final class TagTable {
    private final FieldErrors errs;
    /** Every declared path: whether it is a host list (true) or a map of values (false), and where it was given. */
    private final Map<String, Boolean> isList = new HashMap<>();
    private final Map<String, String> declaredAt = new HashMap<>();
    private final Map<String, SortedSet<String>> leafHosts = new HashMap<>();
    private final Set<String> allHosts = new HashSet<>();
    private long memberships;
    private boolean overflow;

    TagTable(FieldErrors errs) {
      this.errs = errs;
    }

    void read(Object section) {
      if (section == null) {
        return;
      }
      if (!(section instanceof JsonObject map)) {
        errs.add("tag", "must be a map of tag names to host lists or to maps of tag values; got " + FieldErrors.kind(section));
        return;
      }
      walk(map, null, "tag");
    }

    boolean contains(String path) {
      return isList.containsKey(path);
    }

    /** True when {@code path} is a tag with child values. */
    boolean hasValues(String path) {
      return Boolean.FALSE.equals(isList.get(path)) && isList.keySet().stream().anyMatch(p -> p.startsWith(path + "."));
    }

    private void walk(JsonObject map, String parent, String fieldPrefix) {
      for (Map.Entry<String, Object> e : map) {
        String key = e.getKey();
        String field = fieldPrefix + "." + FieldErrors.key(key);
        String[] parts = key.split("\\.", -1);
        boolean validName = true;
        for (String part : parts) {
          validName &= TAG_SEGMENT.matcher(part).matches();
        }
        if (!validName) {
          errs.add(field, FieldErrors.quote(key) + " is not a valid tag name (" + TAG_NAME_RULE + ")");
          continue;
        }
        String path = parent;
        boolean ok = true;
        for (int i = 0; i < parts.length - 1 && ok; i++) {
          path = path == null ? parts[i] : path + "." + parts[i];
          ok = declare(path, false, field);
        }
        if (!ok) {
          continue;
        }
        path = path == null ? parts[parts.length - 1] : path + "." + parts[parts.length - 1];
        Object value = e.getValue();
        if (value instanceof JsonObject values) {
          if (declare(path, false, field)) {
            walk(values, path, field);
          }
        } else if (value instanceof JsonArray list) {
          if (declare(path, true, field)) {
            hosts(path, list, field);
          }
        } else {
          errs.add(field, "must be a list of hosts or a map of tag values; got " + FieldErrors.kind(value));
        }
      }
    }

    /** Records that {@code path} is a list or a map; false (with an error) if that contradicts an earlier key. */
    private boolean declare(String path, boolean list, String field) {
      Boolean before = isList.get(path);
      if (before == null) {
        isList.put(path, list);
        declaredAt.put(path, field);
        return true;
      }
      if (!before && !list) {
        return true;
      }
      String where = declaredAt.get(path);
      if (before && list) {
        errs.add(field, "tag " + FieldErrors.quote(path) + " is listed twice (also at " + where + ")");
      } else if (before) {
        errs.add(field, "tag " + FieldErrors.quote(path) + " is a list of hosts (at " + where
            + ") and cannot also have values");
      } else {
        errs.add(field, "tag " + FieldErrors.quote(path) + " has values (at " + where
            + ") and cannot also be a list of hosts");
      }
      return false;
    }

    private void hosts(String path, JsonArray list, String field) {
      SortedSet<String> leaf = new TreeSet<>(NaturalOrder.COMPARATOR);
      leafHosts.put(path, leaf);
      for (int i = 0; i < list.size() && !overflow; i++) {
        String f = field + "[" + i + "]";
        Object item = list.getValue(i);
        if (!(item instanceof String pattern)) {
          errs.add(f, "must be a host name or host pattern (a string); got " + FieldErrors.kind(item)
              + (item instanceof Number || item instanceof Boolean ? " (quote it in YAML)" : ""));
          continue;
        }
        List<String> names;
        try {
          names = HostGlob.expand(pattern, MAX_HOSTS);
        } catch (IllegalArgumentException ex) {
          errs.add(f, ex.getMessage());
          continue;
        }
        memberships += names.size();
        leaf.addAll(names);
        allHosts.addAll(names);
        if (allHosts.size() > MAX_HOSTS) {
          errs.add("tag", "names more than " + MAX_HOSTS + " distinct hosts");
          overflow = true;
        } else if (memberships > MAX_MEMBERSHIPS) {
          errs.add("tag", "lists more than " + MAX_MEMBERSHIPS + " hosts in all (a host counts once per tag "
              + "it is listed in)");
          overflow = true;
        }
      }
    }

    /** Every path to its hosts, a parent holding the union of its descendants. */
    SortedMap<String, SortedSet<String>> tags() {
      Map<String, SortedSet<String>> sets = new HashMap<>();
      for (String path : isList.keySet()) {
        sets.put(path, new TreeSet<>(NaturalOrder.COMPARATOR));
      }
      for (Map.Entry<String, SortedSet<String>> leaf : leafHosts.entrySet()) {
        String path = leaf.getKey();
        while (true) {
          sets.get(path).addAll(leaf.getValue());
          int dot = path.lastIndexOf('.');
          if (dot < 0) {
            break;
          }
          path = path.substring(0, dot);
        }
      }
      SortedMap<String, SortedSet<String>> out = new TreeMap<>(NaturalOrder.COMPARATOR);
      sets.forEach((path, hosts) -> out.put(path, Collections.unmodifiableSortedSet(hosts)));
      return Collections.unmodifiableSortedMap(out);
    }

    /** Every path to its direct child paths, natural order; a leaf has none. */
    Map<String, List<String>> children() {
      Map<String, SortedSet<String>> kids = new HashMap<>();
      for (String path : isList.keySet()) {
        kids.computeIfAbsent(path, p -> new TreeSet<>(NaturalOrder.COMPARATOR));
        int dot = path.lastIndexOf('.');
        if (dot >= 0) {
          kids.computeIfAbsent(path.substring(0, dot), p -> new TreeSet<>(NaturalOrder.COMPARATOR)).add(path);
        }
      }
      SortedMap<String, List<String>> out = new TreeMap<>(NaturalOrder.COMPARATOR);
      kids.forEach((path, list) -> out.put(path, List.copyOf(list)));
      return Collections.unmodifiableSortedMap(out);
    }

    /**
     * Checks a {@code $tag} / {@code $tag.value} reference; returns its tag path, or null (with an error) when it is
     * malformed or names no tag.
     */
    String ref(String ref, String field) {
      Matcher m = TAG_REF.matcher(ref);
      if (!m.matches()) {
        errs.add(field, FieldErrors.quote(ref) + " is not a tag reference ($tag or $tag.value, " + TAG_NAME_RULE + ")");
        return null;
      }
      String path = m.group(1);
      if (!contains(path)) {
        errs.add(field, "unknown tag " + FieldErrors.quote(ref));
        return null;
      }
      return path;
    }
  }

  // ---------------------------------------------------------------- sequences

  /** The {@code sequence} section. */
  private static final class Sequences {
    private final TagTable tags;
    private final FieldErrors errs;
    private final List<NamespaceConfig.Sequence> out = new ArrayList<>();

    Sequences(TagTable tags, FieldErrors errs) {
      this.tags = tags;
      this.errs = errs;
    }

    List<NamespaceConfig.Sequence> read(Object section) {
      if (section == null) {
        return out;
      }
      if (section instanceof JsonArray list) {
        if (!list.isEmpty()) {
          out.add(new NamespaceConfig.Sequence(null, List.of(), steps(list, "sequence")));
        }
      } else if (section instanceof JsonObject map) {
        for (Map.Entry<String, Object> e : map) {
          named(e.getKey(), e.getValue(), "sequence." + FieldErrors.key(e.getKey()), List.of(), null);
        }
      } else {
        errs.add("sequence", "must be a list of steps (one sequence), or a map of labels or $tag filters to lists of "
            + "steps (several sequences); got " + FieldErrors.kind(section));
      }
      return out;
    }

    private void named(String key, Object value, String field, List<String> outerFilters, String outerName) {
      List<String> filters = outerFilters;
      boolean filter = key.startsWith("$");
      if (filter) {
        String path = tags.ref(key, field);
        List<String> more = new ArrayList<>(outerFilters);
        more.add(path == null ? key.substring(1) : path);
        filters = List.copyOf(more);
      } else if (outerName != null) {
        errs.add(field, "under a $tag filter, keys must be $tag filters too; got " + FieldErrors.quote(key));
        return;
      } else if (!LABEL.matcher(key).matches()) {
        errs.add(field, FieldErrors.quote(key) + " is not a valid sequence label (" + LABEL_RULE + ")");
      }
      String name = outerName == null ? key : outerName + "." + key;
      if (value instanceof JsonArray list) {
        if (list.isEmpty()) {
          errs.add(field, "a sequence needs at least one step");
        } else {
          out.add(new NamespaceConfig.Sequence(name, filters, steps(list, field)));
        }
      } else if (filter && value instanceof JsonObject nested) {
        if (nested.isEmpty()) {
          errs.add(field, "must be a list of steps or a map of nested $tag filters; got an empty map");
        }
        for (Map.Entry<String, Object> e : nested) {
          named(e.getKey(), e.getValue(), field + "." + FieldErrors.key(e.getKey()), filters, name);
        }
      } else {
        errs.add(field, (filter ? "must be a list of steps or a map of nested $tag filters" : "must be a list of steps")
            + "; got " + FieldErrors.kind(value));
      }
    }

    private List<NamespaceConfig.Step> steps(JsonArray list, String field) {
      List<NamespaceConfig.Step> steps = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        String f = field + "[" + i + "]";
        Object item = list.getValue(i);
        if (item instanceof JsonArray) {
          errs.add(f, "a list of lists is not supported: write one step per line; for several independent sequences "
              + "use a map of lists");
        } else if (!(item instanceof String s)) {
          errs.add(f, "must be $tag, $tag.value or a host name (a string); got " + FieldErrors.kind(item));
        } else if (s.startsWith("$")) {
          String path = tags.ref(s, f);
          if (path != null) {
            steps.add(new NamespaceConfig.Step(s, path, null));
          }
        } else if (HostGlob.isGlob(s)) {
          errs.add(f, FieldErrors.quote(s) + " is a host pattern; a step is $tag, $tag.value or one host "
              + "(put the pattern in a tag)");
        } else if (!HostNames.valid(s)) {
          errs.add(f, FieldErrors.quote(s) + " is not a valid host name (" + HostNames.RULE + ")");
        } else {
          steps.add(new NamespaceConfig.Step(s, null, s));
        }
      }
      return List.copyOf(steps);
    }
  }

  // ---------------------------------------------------------------- constraints

  /** The {@code constraint} section. */
  private static final class Constraints {
    private final TagTable tags;
    private final FieldErrors errs;
    private final List<NamespaceConfig.Constraint> out = new ArrayList<>();

    Constraints(TagTable tags, FieldErrors errs) {
      this.tags = tags;
      this.errs = errs;
    }

    List<NamespaceConfig.Constraint> read(Object section) {
      if (section == null) {
        return out;
      }
      if (!(section instanceof JsonObject map)) {
        errs.add("constraint", "must be a map of $tag keys to {max_parallel: N or N%}; got " + FieldErrors.kind(section));
        return out;
      }
      for (Map.Entry<String, Object> e : map) {
        String field = "constraint." + FieldErrors.key(e.getKey());
        if (e.getKey().startsWith("$")) {
          constraint(e.getKey(), e.getValue(), field, List.of());
        } else {
          errs.add(field, "unknown key " + FieldErrors.quote(e.getKey()) + "; expected a $tag or $tag.value key");
        }
      }
      return out;
    }

    private void constraint(String key, Object value, String field, List<String> scope) {
      String path = tags.ref(key, field);
      if (!(value instanceof JsonObject body)) {
        errs.add(field, "must be a map with max_parallel and/or nested $tag keys; got " + FieldErrors.kind(value));
        return;
      }
      if (body.isEmpty()) {
        errs.add(field, "sets nothing: give max_parallel or a nested $tag");
      }
      List<String> inner = new ArrayList<>(scope);
      inner.add(path == null ? key.substring(1) : path);
      for (Map.Entry<String, Object> e : body) {
        String k = e.getKey();
        String f = field + "." + FieldErrors.key(k);
        if (k.equals(MAX_PARALLEL)) {
          Limit limit;
          try {
            limit = Limit.parse(e.getValue());
          } catch (IllegalArgumentException ex) {
            errs.add(f, ex.getMessage());
            continue;
          }
          if (path != null) {
            boolean perValue = path.indexOf('.') < 0 && tags.hasValues(path);
            out.add(new NamespaceConfig.Constraint(scope, path, perValue, limit, f));
          }
        } else if (k.startsWith("$")) {
          constraint(k, e.getValue(), f, List.copyOf(inner));
        } else {
          errs.add(f, "unknown key " + FieldErrors.quote(k) + "; expected max_parallel or a nested $tag");
        }
      }
    }
  }
}
