package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads a job and its hosts over the API, and polls it until it is over: what {@code job run --wait},
 * {@code job status --hosts} and {@code pogo one} share. Polling (not the event stream) keeps it simple and
 * loses nothing that matters: each poll reads the current states.
 */
final class JobWatch {
  /** Job states that never change again. */
  static final Set<String> ENDED = Set.of("finished", "failed", "deadlocked", "timed_out");
  /** The API's largest page of hosts. */
  static final int HOST_PAGE = 10_000;

  private final ApiClient api;
  private final String id;
  private final long intervalMs;

  JobWatch(ApiClient api, String id, long intervalMs) {
    this.api = api;
    this.id = id;
    this.intervalMs = intervalMs;
  }

  /**
   * Whether waiting any longer is pointless: the job has ended, or it is halted with nothing running (a halted job
   * only moves again when someone resumes it). A halt without kill lets running tasks finish, so that waits for them.
   */
  static boolean isOver(JsonObject job) {
    String state = String.valueOf(job.getValue("state"));
    if (ENDED.contains(state)) {
      return true;
    }
    JsonObject counts = job.getValue("counts") instanceof JsonObject c ? c : new JsonObject();
    return "halted".equals(state) && !(counts.getValue("running") instanceof Number n && n.intValue() > 0);
  }

  static String path(String id) {
    return "/jobs/" + ChildCommands.Base.segment(id);
  }

  JsonObject job() {
    return ChildCommands.Base.object(api.get(path(id)));
  }

  /** Every host of the job (in state {@code state}, when given), page by page. */
  List<JsonObject> hosts(String state) {
    List<JsonObject> all = new ArrayList<>();
    String filter = state == null ? "" : "&state=" + ChildCommands.Base.q(state);
    while (true) {
      JsonObject page = ChildCommands.Base.object(api.get(path(id) + "/hosts?limit=" + HOST_PAGE + "&offset=" + all.size() + filter));
      JsonArray hosts = page.getValue("hosts") instanceof JsonArray a ? a : new JsonArray();
      hosts.forEach(h -> {
        if (h instanceof JsonObject o) {
          all.add(o);
        }
      });
      long total = page.getValue("total") instanceof Number n ? n.longValue() : all.size();
      if (hosts.isEmpty() || all.size() >= total) {
        return all;
      }
    }
  }

  /**
   * Polls until {@link #isOver}; returns the last job read. {@code onJob} sees every read of the job; {@code onHosts},
   * when not null, the hosts read after it (so the last call shows the final states).
   */
  JsonObject untilOver(Consumer<JsonObject> onJob, Consumer<List<JsonObject>> onHosts) throws InterruptedException {
    while (true) {
      JsonObject job = job();
      if (onHosts != null) {
        onHosts.accept(hosts(null));
      }
      onJob.accept(job);
      if (isOver(job)) {
        return job;
      }
      Thread.sleep(intervalMs);
    }
  }
}
