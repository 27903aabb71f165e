package io.pogo.node;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns successive snapshots of a job's hosts into progress lines ({@code web1: running},
 * {@code web1: succeeded (exit 0)}), one per change. Every host starts out waiting, so nothing is said about a host
 * until it moves on; after that, a host going back to waiting or ready (a retry) is said too. A state that comes
 * and goes between two snapshots is not seen: the lines are what polling observed. Pure.
 */
final class HostProgress {
  private static final Set<String> NOT_STARTED = Set.of("waiting", "ready");

  /** Per host: its last state and attempt count, as last reported. */
  private final Map<String, String> seen = new HashMap<>();

  /** The lines for the hosts whose state (or attempt) changed since the last snapshot, in snapshot order. */
  List<String> update(List<JsonObject> hosts) {
    List<String> lines = new ArrayList<>();
    for (JsonObject h : hosts) {
      String host = String.valueOf(h.getValue("host"));
      String state = String.valueOf(h.getValue("state"));
      String key = state + "#" + h.getValue("attempts", 0);
      String before = seen.put(host, key);
      if (key.equals(before)) {
        continue;
      }
      boolean quietStart = before == null && NOT_STARTED.contains(state);
      boolean stillNotStarted = before != null && NOT_STARTED.contains(state)
          && NOT_STARTED.contains(before.substring(0, before.indexOf('#')));
      if (!quietStart && !stillNotStarted) {
        lines.add(JobRender.transition(h));
      }
    }
    return lines;
  }
}
