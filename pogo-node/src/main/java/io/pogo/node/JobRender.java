package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Human output of the job half of the CLI: plans, jobs, hosts, output, namespaces and budgets. Pure. */
final class JobRender {
  static final List<String> JOB_COLUMNS = List.of("ID", "STATE", "NAMESPACE", "USER", "HOSTS", "SUMMARY", "CREATED", "COMMAND");
  static final List<String> HOST_COLUMNS = List.of("HOST", "STATE", "ATTEMPTS", "EXIT", "STARTED", "DURATION", "NODE", "REASON");
  static final List<String> BUDGET_COLUMNS = List.of("SLOT", "LIMIT", "RULE", "POPULATION", "USED", "HOLDERS");
  static final List<String> SLOT_COLUMNS = List.of("SLOT", "LIMIT", "RULE", "POPULATION", "USED");
  static final List<String> NAMESPACE_COLUMNS = List.of("NAME", "VERSION", "HOSTS", "TAGS", "SEQUENCES", "CONSTRAINTS", "UPDATED");
  /** Host states in the order a person wants to see them: what needs attention first, what is done last. */
  static final List<String> HOST_STATE_ORDER = List.of("failed", "timed_out", "lost", "halted", "skipped", "running",
      "ready", "waiting", "succeeded");
  /** Width of a host list in a table cell; longer lists end in {@code ... (+N)}. */
  static final int HOSTS_CELL = 40;
  /** Width of the first-wave line of a plan. */
  static final int HOSTS_LINE = 100;
  /** Waiting hosts listed under a plan; the rest are counted ({@code --json} has them all). */
  static final int MAX_WAITING_SHOWN = 20;

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private JobRender() {
  }

  /** {@code web1, web2, ... (+40)}: as many names as fit in {@code width} characters (at least one), then the count of the rest. */
  static String hostList(List<String> hosts, int width) {
    if (hosts.isEmpty()) {
      return "-";
    }
    String all = String.join(", ", hosts);
    if (all.length() <= width) {
      return all;
    }
    StringBuilder sb = new StringBuilder(hosts.get(0));
    int shown = 1;
    while (shown < hosts.size()) {
      String more = ", ... (+" + (hosts.size() - shown - 1) + ")";
      if (sb.length() + 2 + hosts.get(shown).length() + more.length() > width) {
        break;
      }
      sb.append(", ").append(hosts.get(shown));
      shown++;
    }
    return sb + ", ... (+" + (hosts.size() - shown) + ")";
  }

  static List<String> strings(Object array) {
    List<String> out = new ArrayList<>();
    if (array instanceof JsonArray a) {
      a.forEach(v -> out.add(String.valueOf(v)));
    }
    return out;
  }

  static List<JsonObject> objects(Object array) {
    List<JsonObject> out = new ArrayList<>();
    if (array instanceof JsonArray a) {
      a.forEach(v -> {
        if (v instanceof JsonObject o) {
          out.add(o);
        }
      });
    }
    return out;
  }

  /**
   * A plan as in Pogo's pogo-schedule: one row pair per sequence ({@code [ref]} over the step's hosts, columns
   * STEP-1..STEP-N), the hosts in no sequence, the first wave, the waiting hosts with their reasons, and the slots.
   */
  static String plan(JsonObject plan) {
    List<JsonObject> sequences = objects(plan.getValue("sequences"));
    List<String> unsequenced = strings(plan.getValue("unsequenced"));
    int total = plan.getValue("total") instanceof Number n ? n.intValue() : strings(plan.getValue("hosts")).size();
    if (total == 0) {
      return "no hosts: the targets match nothing\n";
    }
    int steps = Math.max(1, sequences.stream().mapToInt(s -> objects(s.getValue("steps")).size()).max().orElse(0));
    List<String> header = new ArrayList<>(List.of("SEQUENCE"));
    for (int i = 1; i <= steps; i++) {
      header.add("STEP-" + i);
    }
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < sequences.size(); i++) {
      JsonObject seq = sequences.get(i);
      List<String> refs = new ArrayList<>(List.of(seq.getValue("name") == null ? "#" + (i + 1) : String.valueOf(seq.getValue("name"))));
      List<String> hosts = new ArrayList<>(List.of(""));
      for (JsonObject step : objects(seq.getValue("steps"))) {
        refs.add("[" + Render.text(step.getValue("ref")) + "]");
        hosts.add(hostList(strings(step.getValue("hosts")), HOSTS_CELL));
      }
      rows.add(refs);
      rows.add(hosts);
    }
    if (!unsequenced.isEmpty()) {
      rows.add(List.of("unsequenced", hostList(unsequenced, HOSTS_CELL)));
    }
    StringBuilder sb = new StringBuilder(Render.table(header, rows));
    List<String> firstWave = strings(plan.getValue("firstWave"));
    sb.append('\n').append("first wave (").append(firstWave.size()).append(" of ").append(total).append(" hosts): ")
        .append(hostList(firstWave, HOSTS_LINE)).append('\n');
    List<JsonObject> waiting = objects(plan.getValue("waiting"));
    if (!waiting.isEmpty()) {
      sb.append("waiting (").append(waiting.size()).append("):\n");
      List<List<String>> why = new ArrayList<>();
      for (JsonObject w : waiting.subList(0, Math.min(MAX_WAITING_SHOWN, waiting.size()))) {
        why.add(List.of(Render.text(w.getValue("host")), Render.text(w.getValue("reason"))));
      }
      for (String line : Render.table(List.of("HOST", "REASON"), why).split("\n")) {
        sb.append("  ").append(line).append('\n');
      }
      if (waiting.size() > MAX_WAITING_SHOWN) {
        sb.append("  ... and ").append(waiting.size() - MAX_WAITING_SHOWN).append(" more (--json lists them all)\n");
      }
    }
    List<JsonObject> slots = objects(plan.getValue("slots"));
    if (!slots.isEmpty()) {
      sb.append('\n').append(slots(slots, false));
    }
    return sb.toString();
  }

  /** Slots with their limits and use; with {@code holders}, who holds each ({@code web1@j42}). */
  static String slots(List<JsonObject> slots, boolean holders) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonObject s : slots) {
      List<String> row = new ArrayList<>(List.of(Render.text(s.getValue("slot")), Render.text(s.getValue("limit")),
          Render.text(s.getValue("rule")), Render.text(s.getValue("population")), Render.text(s.getValue("used"))));
      if (holders) {
        List<String> who = new ArrayList<>();
        for (JsonObject h : objects(s.getValue("holders"))) {
          String state = h.getValue("state") == null || "running".equals(h.getValue("state")) ? "" : " (" + h.getValue("state") + ")";
          who.add(h.getValue("host") + "@" + h.getValue("job") + state);
        }
        row.add(hostList(who, HOSTS_LINE));
      }
      rows.add(row);
    }
    return Render.table(holders ? BUDGET_COLUMNS : SLOT_COLUMNS, rows);
  }

  static String jobTable(List<JsonObject> jobs, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonObject j : jobs) {
      rows.add(List.of(Render.text(j.getValue("id")), Render.text(j.getValue("state")), Render.text(j.getValue("namespace")),
          Render.text(j.getValue("user")), Render.text(j.getValue("total")), Render.text(j.getValue("summary")),
          Render.ago(j.getValue("createdAt"), now), Render.text(Render.argv(j.getValue("command")))));
    }
    return Render.table(JOB_COLUMNS, rows);
  }

  /** {@code running}, or {@code halted (too many failures)}. */
  static String state(JsonObject job) {
    Object reason = job.getValue("reason");
    return Render.text(job.getValue("state")) + (reason == null || String.valueOf(reason).isBlank() ? "" : " (" + reason + ")");
  }

  /** The detailed view of one job ({@code pogo job status}). */
  static String jobDetails(JsonObject j, Instant now) {
    List<List<String>> kv = new ArrayList<>();
    kv.add(List.of("id:", Render.text(j.getValue("id"))));
    kv.add(List.of("state:", state(j)));
    kv.add(List.of("summary:", String.valueOf(j.getValue("summary", "-"))));
    kv.add(List.of("namespace:", Render.text(j.getValue("namespace"))));
    kv.add(List.of("user:", Render.text(j.getValue("user"))));
    kv.add(List.of("command:", Render.argv(j.getValue("command"))));
    kv.add(List.of("mode:", Render.text(j.getValue("mode"))));
    kv.add(List.of("targets:", String.join(", ", strings(j.getValue("targets")))));
    kv.add(List.of("concurrency:", Render.text(j.getValue("concurrency"))));
    kv.add(List.of("host timeout:", Render.text(j.getValue("hostTimeout"))));
    kv.add(List.of("job timeout:", Render.text(j.getValue("jobTimeout"))));
    kv.add(List.of("max failures:", Render.text(j.getValue("maxFailures"))));
    kv.add(List.of("retries:", Render.text(j.getValue("retries"))));
    kv.add(List.of("output limit:", j.getValue("outputLimit") == null ? "-" : j.getValue("outputLimit") + " bytes"));
    kv.add(List.of("created:", Render.when(j.getValue("createdAt"), now)));
    kv.add(List.of("ended:", Render.when(j.getValue("endedAt"), now)));
    return keyValues(kv);
  }

  /** Hosts sorted failed first, then by name (numbers in names compared as numbers). */
  static String hostTable(List<JsonObject> hosts, Instant now) {
    List<JsonObject> sorted = new ArrayList<>(hosts);
    sorted.sort(Comparator.<JsonObject>comparingInt(h -> stateRank(h.getValue("state")))
        .thenComparing(h -> String.valueOf(h.getValue("host")), JobRender::naturalCompare));
    List<List<String>> rows = new ArrayList<>();
    for (JsonObject h : sorted) {
      rows.add(List.of(Render.text(h.getValue("host")), Render.text(h.getValue("state")), Render.text(h.getValue("attempts")),
          Render.text(h.getValue("exitCode")), Render.ago(h.getValue("startedAt"), now), hostDuration(h, now),
          Render.text(h.getValue("node")), Render.text(h.getValue("reason"))));
    }
    return Render.table(HOST_COLUMNS, rows);
  }

  static int stateRank(Object state) {
    int i = HOST_STATE_ORDER.indexOf(String.valueOf(state));
    return i < 0 ? HOST_STATE_ORDER.size() : i;
  }

  /** Compares {@code web2} before {@code web10}: runs of digits by value, the rest as text; ties as plain text. */
  static int naturalCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int ei = i;
        int ej = j;
        while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
          ei++;
        }
        while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
          ej++;
        }
        String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
        int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
        if (c != 0) {
          return c;
        }
        i = ei;
        j = ej;
      } else {
        if (ca != cb) {
          return Character.compare(ca, cb);
        }
        i++;
        j++;
      }
    }
    int rest = Integer.compare(a.length() - i, b.length() - j);
    return rest != 0 ? rest : a.compareTo(b); // web02 and web2 tie by value: keep the order total
  }

  /** How long a host ran, or has been running; "-" before it started. */
  static String hostDuration(JsonObject h, Instant now) {
    if (!(h.getValue("startedAt") instanceof Number started)) {
      return "-";
    }
    long end = h.getValue("endedAt") instanceof Number ended ? ended.longValue() : now.toEpochMilli();
    return duration(Math.max(0, end - started.longValue()));
  }

  /** {@code 250ms}, {@code 12s}, {@code 1m05s}, {@code 2h03m}. */
  static String duration(long ms) {
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + String.format("%02d", s % 60) + "s";
    }
    return s / 3600 + "h" + String.format("%02d", s % 3600 / 60) + "m";
  }

  /**
   * One host's state as a progress line: {@code web1: running}, {@code web2: failed (exit 3)},
   * {@code web3: timed_out (host timeout 10m)}. A reason that already says the state ({@code waiting for colo.east})
   * replaces it.
   */
  static String transition(JsonObject h) {
    String host = Render.text(h.getValue("host"));
    String state = Render.text(h.getValue("state"));
    Object exit = h.getValue("exitCode");
    String reason = h.getValue("reason") instanceof String r && !r.isBlank() ? r : null;
    if (exit != null) {
      return host + ": " + state + " (exit " + exit + ")";
    }
    if (reason != null && reason.startsWith(state)) {
      return host + ": " + reason;
    }
    return host + ": " + state + (reason == null ? "" : " (" + reason + ")");
  }

  /** {@code == web1 attempt 2: failed (exit 3) on node-a, started 12:00:01.000 ==}. */
  static String attemptHeader(String host, JsonObject attempt, ZoneId zone) {
    StringBuilder sb = new StringBuilder("== ").append(host).append(" attempt ").append(Render.text(attempt.getValue("attempt")))
        .append(": ").append(Render.text(attempt.getValue("state")));
    if (attempt.getValue("exitCode") != null) {
      sb.append(" (exit ").append(attempt.getValue("exitCode")).append(')');
    }
    if (attempt.getValue("node") != null) {
      sb.append(" on ").append(attempt.getValue("node"));
    }
    if (attempt.getValue("startedAt") instanceof Number n) {
      sb.append(", started ").append(clock(n.longValue(), zone));
    }
    return sb.append(" ==").toString();
  }

  /** {@code 12:00:00.000 [stdout] text}. */
  static String outputLine(JsonObject line, ZoneId zone) {
    String ts = line.getValue("ts") instanceof Number n ? clock(n.longValue(), zone) : "--:--:--.---";
    return ts + " [" + line.getValue("stream", "?") + "] " + (line.getValue("text") == null ? "" : line.getValue("text"));
  }

  private static String clock(long epochMs, ZoneId zone) {
    return CLOCK.format(Instant.ofEpochMilli(epochMs).atZone(zone));
  }

  static String namespaceTable(List<JsonObject> namespaces, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonObject n : namespaces) {
      rows.add(List.of(Render.text(n.getValue("name")), Render.text(n.getValue("version")), Render.text(n.getValue("hosts")),
          Render.text(n.getValue("tags")), Render.text(n.getValue("sequences")), Render.text(n.getValue("constraints")),
          Render.ago(n.getValue("updatedAt"), now)));
    }
    return Render.table(NAMESPACE_COLUMNS, rows);
  }

  /** {@code namespace web version 3: 7 hosts, 3 tags, 1 sequences, 1 constraints}. */
  static String namespaceLine(JsonObject n) {
    return "namespace " + Render.text(n.getValue("name")) + " version " + Render.text(n.getValue("version")) + ": "
        + Render.text(n.getValue("hosts")) + " hosts, " + Render.text(n.getValue("tags")) + " tags, "
        + Render.text(n.getValue("sequences")) + " sequences, " + Render.text(n.getValue("constraints")) + " constraints";
  }

  /** A namespace's facts, then its config as YAML. */
  static String namespaceDetails(JsonObject n, Instant now) {
    List<List<String>> kv = new ArrayList<>();
    kv.add(List.of("name:", Render.text(n.getValue("name"))));
    kv.add(List.of("version:", Render.text(n.getValue("version"))));
    kv.add(List.of("updated:", Render.when(n.getValue("updatedAt"), now)));
    kv.add(List.of("hosts:", Render.text(n.getValue("hosts"))));
    kv.add(List.of("tags:", Render.text(n.getValue("tags"))));
    kv.add(List.of("sequences:", Render.text(n.getValue("sequences"))));
    kv.add(List.of("constraints:", Render.text(n.getValue("constraints"))));
    return keyValues(kv) + "\n" + yaml(n.getValue("config") instanceof JsonObject c ? c : new JsonObject());
  }

  /** JSON as block-style YAML, keys in their order: a config as it is written by hand, and as {@code ns put} takes it. */
  static String yaml(JsonObject json) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    return new Yaml(options).dump(plain(json));
  }

  /** Snakeyaml dumps maps and lists, not Vert.x's JSON types. */
  private static Object plain(Object value) {
    if (value instanceof JsonObject o) {
      Map<String, Object> map = new LinkedHashMap<>();
      o.forEach(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (value instanceof JsonArray a) {
      List<Object> list = new ArrayList<>();
      a.forEach(v -> list.add(plain(v)));
      return list;
    }
    return value;
  }

  private static String keyValues(List<List<String>> kv) {
    int w = kv.stream().mapToInt(l -> l.get(0).length()).max().orElse(0);
    StringBuilder sb = new StringBuilder();
    for (List<String> l : kv) {
      sb.append(l.get(0)).append(" ".repeat(w - l.get(0).length() + 1)).append(l.get(1)).append('\n');
    }
    return sb.toString();
  }
}
