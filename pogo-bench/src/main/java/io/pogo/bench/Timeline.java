package io.pogo.bench;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a start's time goes, seen from the event bus: outbound and inbound interceptors stamp every message of one
 * operation (nanoTime relative to the operation's start). Operations are run one at a time, so every message seen
 * belongs to the current one. Steps are keyed by direction, address (replies as {@code reply}) and occurrence, and
 * summarised by the median offset over all operations.
 */
final class Timeline {
  private record Event(long at, String key, String thread) {
  }

  private final Vertx vertx;
  private final List<Event> current = new ArrayList<>();
  private final Map<String, List<Long>> offsets = new HashMap<>();
  private final Map<String, Map<String, Integer>> threads = new HashMap<>();
  private final List<Long> totals = new ArrayList<>();
  private final Handler<DeliveryContext<Object>> out = ctx -> stamp("send", ctx);
  private final Handler<DeliveryContext<Object>> in = ctx -> stamp("recv", ctx);
  private volatile long t0;
  private int operations;

  Timeline(Vertx vertx) {
    this.vertx = vertx;
  }

  void install() {
    vertx.eventBus().addOutboundInterceptor(out);
    vertx.eventBus().addInboundInterceptor(in);
  }

  void uninstall() {
    vertx.eventBus().removeOutboundInterceptor(out);
    vertx.eventBus().removeInboundInterceptor(in);
  }

  private void stamp(String dir, DeliveryContext<Object> ctx) {
    long now = System.nanoTime();
    String address = ctx.message().address();
    String a = address == null ? "?" : address.startsWith("__vertx.reply") ? "reply"
        : address.startsWith("bench.") ? "<the child's own address>" : address;
    String kind = ctx.send() ? "" : " (publish)";
    synchronized (current) {
      current.add(new Event(now - t0, dir + " " + a + kind, Thread.currentThread().getName()));
    }
    ctx.next();
  }

  void begin() {
    synchronized (current) {
      current.clear();
    }
    t0 = System.nanoTime();
  }

  /** Ends the current operation; {@code record}: keep it (false for warm-up). */
  void end(boolean record) {
    long total = System.nanoTime() - t0;
    List<Event> events;
    synchronized (current) {
      events = new ArrayList<>(current);
      current.clear();
    }
    if (!record) {
      return;
    }
    operations++;
    totals.add(total);
    Map<String, Integer> seen = new HashMap<>();
    for (Event e : events) {
      int n = seen.merge(e.key(), 1, Integer::sum);
      String key = e.key() + (n > 1 ? " #" + n : "");
      offsets.computeIfAbsent(key, k -> new ArrayList<>()).add(e.at());
      threads.computeIfAbsent(key, k -> new HashMap<>()).merge(e.thread().replaceAll("-\\d+$", "-N"), 1, Integer::sum);
    }
  }

  private static double medianMs(List<Long> values) {
    long[] v = values.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(v);
    if (v.length == 0) {
      return 0;
    }
    return v[v.length / 2] / 1e6;
  }

  /** Steps seen in at least half of the operations, by median offset; the last row is the caller's completion. */
  JsonArray steps() {
    List<JsonObject> rows = new ArrayList<>();
    offsets.forEach((key, list) -> {
      if (list.size() * 2 >= operations) {
        String thread = threads.get(key).entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("?");
        rows.add(new JsonObject().put("step", key).put("medianMs", Stats.r(medianMs(list))).put("seenIn", list.size())
            .put("thread", thread));
      }
    });
    rows.sort((a, b) -> Double.compare(a.getDouble("medianMs"), b.getDouble("medianMs")));
    rows.add(new JsonObject().put("step", "caller has the reply").put("medianMs", Stats.r(medianMs(totals)))
        .put("seenIn", totals.size()).put("thread", "main"));
    return new JsonArray(new ArrayList<>(rows));
  }

  int operations() {
    return operations;
  }
}
