package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Human output of the CLI: aligned tables, relative times, record details. */
final class Render {
  static final List<String> CHILD_COLUMNS = List.of("ID", "KIND", "STATE", "NODE", "RESTARTS", "PID", "STARTED", "LAST EXIT");
  private static final int MAX_CELL = 48;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private Render() {
  }

  /** Columns separated by two spaces, each as wide as its widest cell; the last column is not padded. */
  static String table(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    for (int i = 0; i < header.size(); i++) {
      width[i] = header.get(i).length();
    }
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        if (i > 0) {
          line.append("  ");
        }
        line.append(i == row.size() - 1 ? row.get(i) : pad(row.get(i), width[i]));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s : s + " ".repeat(w - s.length());
  }

  /** Where a child runs: its node, or every replica's node ({@code a,b,c}) for a child with replicas. */
  static String nodes(JsonObject r) {
    if (r.getValue("nodes") instanceof JsonArray nodes && !nodes.isEmpty()) {
      return nodes.stream().map(Render::text).collect(Collectors.joining(","));
    }
    return text(r.getValue("node"));
  }

  /** The pid of a process child, or each replica's ({@code 11,12,-}); "-" when none runs. */
  static String pids(JsonObject r) {
    if (r.getValue("replicas") instanceof JsonArray replicas && !replicas.isEmpty()) {
      List<String> pids = replicas.stream().map(o -> o instanceof JsonObject rep ? text(rep.getValue("pid")) : "-").toList();
      return pids.stream().allMatch("-"::equals) ? "-" : String.join(",", pids);
    }
    return text(r.getValue("pid"));
  }

  /** One table row of a child record. */
  static List<String> childRow(JsonObject r, Instant now) {
    return List.of(
        text(r.getValue("id")),
        text(r.getValue("kind")),
        text(r.getValue("state")),
        cell(nodes(r)),
        text(r.getValue("restarts")),
        cell(pids(r)),
        ago(r.getValue("startedAt"), now),
        cell(lastExit(r.getValue("lastExit"), now)));
  }

  static String childTable(JsonArray children, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : children) {
      if (o instanceof JsonObject r) {
        rows.add(childRow(r, now));
      }
    }
    return table(CHILD_COLUMNS, rows);
  }

  /** {@code exit code 3 (2m ago)}, or "-". */
  static String lastExit(Object v, Instant now) {
    if (!(v instanceof JsonObject e)) {
      return "-";
    }
    String msg = e.getString("message");
    if (msg == null || msg.isBlank()) {
      msg = e.getString("kind", "exited");
    }
    Object at = e.getValue("at");
    return at instanceof Number ? msg + " (" + ago(at, now) + ")" : msg;
  }

  /** A relative time ({@code 12s ago}, {@code 5m ago}, {@code 3h ago}, {@code 2d ago}); ISO if in the future; "-" if unset. */
  static String ago(Object epochMs, Instant now) {
    if (!(epochMs instanceof Number n) || n.longValue() <= 0) {
      return "-";
    }
    long diff = now.toEpochMilli() - n.longValue();
    if (diff < -1000) {
      return iso(n.longValue());
    }
    long s = Math.max(0, diff / 1000);
    if (s < 60) {
      return s + "s ago";
    }
    if (s < 3600) {
      return s / 60 + "m ago";
    }
    if (s < 86_400) {
      return s / 3600 + "h ago";
    }
    return s / 86_400 + "d ago";
  }

  static String iso(long epochMs) {
    return Instant.ofEpochMilli(epochMs).toString();
  }

  /** A JSON value as a table cell: null as "-". */
  static String text(Object v) {
    return v == null ? "-" : cell(String.valueOf(v));
  }

  private static String cell(String s) {
    String one = s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    return one.length() <= MAX_CELL ? one : one.substring(0, MAX_CELL - 3) + "...";
  }

  /** The detailed view of one record ({@code pogo child get}). */
  static String details(JsonObject r, Instant now) {
    List<List<String>> kv = new ArrayList<>();
    kv.add(List.of("id:", text(r.getValue("id"))));
    kv.add(List.of("kind:", text(r.getValue("kind"))));
    kv.add(List.of("state:", text(r.getValue("state"))));
    JsonArray replicas = r.getValue("replicas") instanceof JsonArray a ? a : null;
    JsonObject spec = r.getValue("spec") instanceof JsonObject s ? s : new JsonObject();
    kv.add(List.of(replicas == null ? "node:" : "nodes:", nodes(r)));
    if (replicas == null) {
      kv.add(List.of("epoch:", text(r.getValue("epoch"))));
    }
    kv.add(List.of("restarts:", text(r.getValue("restarts"))));
    Object migration = spec.getValue("migration");
    if (replicas != null) {
      kv.add(List.of("replicas:", replicas.size() + " of " + spec.getValue("replicas", replicas.size())
          + (migration == null ? "" : ", migration " + migration)));
    } else if (migration != null && !"stop-then-start".equals(migration)) {
      kv.add(List.of("migration:", String.valueOf(migration)));
    }
    if ("verticle".equals(r.getValue("kind"))) {
      kv.add(List.of("verticle:", text(spec.getValue("verticle")) + " x" + spec.getValue("instances", 1)));
      kv.add(List.of("deployment:", text(r.getValue("deploymentId"))));
      kv.add(List.of("config:", spec.getValue("config") == null ? "{}" : String.valueOf(spec.getValue("config"))));
    } else {
      kv.add(List.of("pid:", text(r.getValue("pid"))));
      kv.add(List.of("argv:", argv(spec.getValue("argv"))));
      if (spec.getValue("cwd") != null) {
        kv.add(List.of("cwd:", String.valueOf(spec.getValue("cwd"))));
      }
    }
    kv.add(List.of("restart:", text(spec.getValue("restart")) + " (at most " + spec.getValue("maxRestarts", "?")
        + " in " + spec.getValue("restartWindow", "?") + ")"));
    kv.add(List.of("started:", when(r.getValue("startedAt"), now)));
    Object exit = r.getValue("lastExit");
    if (exit instanceof JsonObject e) {
      kv.add(List.of("last exit:", e.getString("message", "-") + " [" + e.getString("kind", "?") + "] "
          + when(e.getValue("at"), now)));
    } else {
      kv.add(List.of("last exit:", "-"));
    }
    kv.add(List.of("updated:", when(r.getValue("updatedAt"), now)));
    kv.add(List.of("metadata:", tags(r.getValue("metadata"))));
    StringBuilder sb = new StringBuilder();
    int w = kv.stream().mapToInt(l -> l.get(0).length()).max().orElse(0);
    for (List<String> l : kv) {
      sb.append(pad(l.get(0), w)).append(' ').append(l.get(1)).append('\n');
    }
    if (replicas != null) {
      sb.append('\n');
      for (String line : replicaTable(replicas, now).split("\n")) {
        sb.append("  ").append(line).append('\n');
      }
    }
    return sb.toString();
  }

  static final List<String> REPLICA_COLUMNS = List.of("REPLICA", "NODE", "STATE", "EPOCH", "PID", "STARTED", "RESTARTS",
      "LAST EXIT");

  /** Each replica of a child: where it runs and how it is. */
  static String replicaTable(JsonArray replicas, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : replicas) {
      if (o instanceof JsonObject rep) {
        rows.add(List.of(text(rep.getValue("replica")), text(rep.getValue("node")), text(rep.getValue("state")),
            text(rep.getValue("epoch")), text(rep.getValue("pid")), ago(rep.getValue("startedAt"), now),
            text(rep.getValue("restarts")), cell(lastExit(rep.getValue("lastExit"), now))));
      }
    }
    return table(REPLICA_COLUMNS, rows);
  }

  static final List<String> BATCH_COLUMNS = List.of("ID", "OK", "NODE/ERROR");

  /** A batch start's results, one row per child: where it runs, or why it did not start. */
  static String batchTable(JsonArray results) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : results) {
      if (!(o instanceof JsonObject res)) {
        continue;
      }
      String id = res.getValue("id") != null ? text(res.getValue("id")) : "#" + text(res.getValue("index"));
      if (Boolean.TRUE.equals(res.getValue("ok"))) {
        JsonObject record = res.getValue("record") instanceof JsonObject rec ? rec : new JsonObject();
        rows.add(List.of(id, "yes", nodes(record)));
      } else {
        rows.add(List.of(id, "no", error(res.getValue("error"))));
      }
    }
    return table(BATCH_COLUMNS, rows);
  }

  /** An error ({@code {"code","message","errors"}}) on one line: the code, then the message, or the field errors. */
  static String error(Object v) {
    if (!(v instanceof JsonObject e)) {
      return "-";
    }
    String message = e.getValue("message") instanceof String m ? m : "";
    if (message.isBlank() && e.getValue("errors") instanceof JsonArray errs) {
      message = errs.stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast)
          .map(fe -> fe.getString("field", "?") + ": " + fe.getString("message", "")).collect(Collectors.joining("; "));
    }
    String code = e.getValue("code") instanceof String c ? c : "ERROR";
    return oneLine(code + ": " + message);
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
  }

  /** {@code 2026-11-21T15:50:01Z (12s ago)}, or "-". */
  static String when(Object epochMs, Instant now) {
    if (!(epochMs instanceof Number n) || n.longValue() <= 0) {
      return "-";
    }
    return iso(n.longValue()) + " (" + ago(n, now) + ")";
  }

  static String tags(Object v) {
    if (!(v instanceof JsonObject o) || o.isEmpty()) {
      return "-";
    }
    return o.stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }

  /** argv as a shell-like line, quoting words with spaces or quotes. */
  static String argv(Object v) {
    if (!(v instanceof JsonArray a)) {
      return "-";
    }
    return a.stream().map(String::valueOf).map(Render::shellWord).collect(Collectors.joining(" "));
  }

  private static String shellWord(String w) {
    if (!w.isEmpty() && w.matches("[A-Za-z0-9_./:=@%+,-]+")) {
      return w;
    }
    return "'" + w.replace("'", "'\\''") + "'";
  }

  /** One log line: local time, stream, text; or the text alone when {@code raw}. */
  static String logLine(JsonObject line, ZoneId zone, boolean raw) {
    String text = line.getValue("text") == null ? "" : String.valueOf(line.getValue("text"));
    if (raw) {
      return text;
    }
    Object at = line.getValue("at");
    String time = at instanceof Number n ? CLOCK.format(Instant.ofEpochMilli(n.longValue()).atZone(zone)) : "--:--:--.---";
    return time + " " + pad(String.valueOf(line.getValue("stream", "?")), 4) + " " + text;
  }

  /** Parses repeated {@code k=v} options; a malformed one is a usage error naming the option. */
  static Map<String, String> keyValues(List<String> items, String option) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (items == null) {
      return out;
    }
    for (String item : items) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw CliException.usage(option + ": \"" + item + "\" is not key=value");
      }
      out.put(item.substring(0, eq), item.substring(eq + 1));
    }
    return out;
  }
}
