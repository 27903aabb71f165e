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

  /** One table row of a child record. */
  static List<String> childRow(JsonObject r, Instant now) {
    return List.of(
        text(r.getValue("id")),
        text(r.getValue("kind")),
        text(r.getValue("state")),
        text(r.getValue("node")),
        text(r.getValue("restarts")),
        text(r.getValue("pid")),
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
    kv.add(List.of("node:", text(r.getValue("node"))));
    kv.add(List.of("epoch:", text(r.getValue("epoch"))));
    kv.add(List.of("restarts:", text(r.getValue("restarts"))));
    JsonObject spec = r.getValue("spec") instanceof JsonObject s ? s : new JsonObject();
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
    return sb.toString();
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
