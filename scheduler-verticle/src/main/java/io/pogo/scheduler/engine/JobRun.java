package io.pogo.scheduler.engine;

import io.pogo.core.json.Durations;
import io.pogo.scheduler.config.JobRequest;
import io.pogo.scheduler.config.JobRequestParser;
import io.pogo.scheduler.config.Limit;
import io.pogo.scheduler.plan.HostPlan;
import io.pogo.scheduler.plan.Plan;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.BitSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One job: its request, plan, settings that can be altered, and its hosts. Confined to the scheduler's event loop. */
public final class JobRun {
  final String id;
  final JobRequest request;
  final Plan plan;
  /** The namespace whose ledger it shares, or a private key for a job without one. */
  final String ledgerKey;
  /** The namespace config the plan was made from, kept so a new scheduler rebuilds the same plan. */
  final JsonObject configSnapshot;
  final long createdAt;
  /** Submission order across the scheduler's lifetime: older jobs dispatch first. */
  final long seq;
  JobState state = JobState.RUNNING;
  String reason = "running";
  Long endedAt;
  long hostTimeoutMs;
  long jobTimeoutMs;
  Limit concurrency;
  Limit maxFailures;
  int retries;
  final HostRun[] hosts;
  final Map<String, HostRun> byHost = new LinkedHashMap<>();
  final int[] stepUnfinished;
  final EnumMap<HostState, Integer> counts = new EnumMap<>(HostState.class);
  final BitSet waiting = new BitSet();
  /** What a waiting host the dispatch scan did not reach waits for. */
  String waitReason = "waiting to be scheduled";
  /** Hosts holding a place of the job's concurrency (active, failed while running, or retrying). */
  int holding;

  JobRun(String id, long seq, JobRequest request, Plan plan, String ledgerKey, JsonObject configSnapshot, long createdAt) {
    this.id = id;
    this.seq = seq;
    this.request = request;
    this.plan = plan;
    this.ledgerKey = ledgerKey;
    this.configSnapshot = configSnapshot;
    this.createdAt = createdAt;
    this.hostTimeoutMs = request.hostTimeoutMs();
    this.jobTimeoutMs = request.jobTimeoutMs();
    this.concurrency = request.concurrency();
    this.maxFailures = request.maxFailures();
    this.retries = request.retries();
    List<String> names = plan.hosts();
    this.hosts = new HostRun[names.size()];
    for (HostState s : HostState.values()) {
      counts.put(s, 0);
    }
    for (int i = 0; i < hosts.length; i++) {
      HostPlan hp = plan.byHost().get(names.get(i));
      hosts[i] = new HostRun(this, hp, i);
      byHost.put(hp.host(), hosts[i]);
    }
    counts.put(HostState.WAITING, hosts.length);
    waiting.set(0, hosts.length);
    stepUnfinished = new int[plan.steps().size()];
    for (int s = 0; s < stepUnfinished.length; s++) {
      stepUnfinished[s] = plan.steps().get(s).hosts().size();
    }
  }

  public String id() {
    return id;
  }

  public JobState state() {
    return state;
  }

  public String reason() {
    return reason;
  }

  public JobRequest request() {
    return request;
  }

  public Plan plan() {
    return plan;
  }

  public int total() {
    return hosts.length;
  }

  public int count(HostState s) {
    return counts.get(s);
  }

  public HostRun host(String name) {
    return byHost.get(name);
  }

  public List<HostRun> hosts() {
    return List.of(hosts);
  }

  public long createdAt() {
    return createdAt;
  }

  public Long endedAt() {
    return endedAt;
  }

  public long hostTimeoutMs() {
    return hostTimeoutMs;
  }

  int active() {
    return counts.get(HostState.READY) + counts.get(HostState.RUNNING);
  }

  int failures() {
    return counts.get(HostState.FAILED) + counts.get(HostState.TIMED_OUT) + counts.get(HostState.LOST);
  }

  int terminalCount() {
    return hosts.length - counts.get(HostState.WAITING) - active();
  }

  /** How many hosts may hold a place of the job's concurrency at once. */
  public int concurrencyLimit() {
    return concurrency == null ? Integer.MAX_VALUE : concurrency.resolve(hosts.length);
  }

  /** How many failed hosts halt the job. */
  public int failureThreshold() {
    return maxFailures == null ? Integer.MAX_VALUE : maxFailures.resolve(hosts.length);
  }

  long deadline() {
    return createdAt + jobTimeoutMs;
  }

  /** {@code done 8/11: 7 succeeded, 2 running, 1 failed}, like Pogo's status line. */
  public String summary() {
    StringBuilder sb = new StringBuilder("done ").append(terminalCount()).append('/').append(hosts.length);
    String sep = ": ";
    Object[][] parts = {
        {counts.get(HostState.SUCCEEDED), "succeeded"}, {active(), "running"}, {counts.get(HostState.WAITING), "waiting"},
        {counts.get(HostState.FAILED), "failed"}, {counts.get(HostState.TIMED_OUT), "timed out"},
        {counts.get(HostState.LOST), "lost"}, {counts.get(HostState.SKIPPED), "skipped"},
        {counts.get(HostState.HALTED), "halted"}};
    for (Object[] p : parts) {
      int n = (Integer) p[0];
      if (n > 0) {
        sb.append(sep).append(n).append(' ').append(p[1]);
        sep = ", ";
      }
    }
    return sb.toString();
  }

  /** The public view (HTTP, event bus): field names are a contract. */
  public JsonObject toJson() {
    JsonObject json = JobRequestParser.toJson(request)
        .put("id", id).put("state", state.wire()).put("reason", reason)
        .put("hostTimeout", Durations.format(hostTimeoutMs)).put("jobTimeout", Durations.format(jobTimeoutMs))
        .put("retries", retries)
        .put("createdAt", createdAt).put("endedAt", endedAt).put("total", hosts.length);
    json.remove("concurrency");
    json.remove("maxFailures");
    if (concurrency != null) {
      json.put("concurrency", concurrency.text());
    }
    if (maxFailures != null) {
      json.put("maxFailures", maxFailures.text());
    }
    JsonObject c = new JsonObject();
    for (HostState s : HostState.values()) {
      c.put(s.wire(), counts.get(s));
    }
    return json.put("counts", c).put("summary", summary());
  }

  /**
   * What changes while the job runs, with the public view: stored on every change, so it stays small (the job's
   * request, config snapshot and host names are in {@link #toSpec()}, stored once).
   */
  public JsonObject toRecord() {
    return new JsonObject().put("id", id).put("seq", seq).put("createdAt", createdAt).put("state", state.wire())
        .put("reason", reason).put("endedAt", endedAt).put("hostTimeoutMs", hostTimeoutMs).put("jobTimeoutMs", jobTimeoutMs)
        .put("concurrency", concurrency == null ? null : concurrency.text())
        .put("maxFailures", maxFailures == null ? null : maxFailures.text()).put("retries", retries)
        .put("view", toJson());
  }

  /** What never changes: the request, the namespace config the plan was made from, and the hosts. */
  public JsonObject toSpec() {
    return new JsonObject().put("id", id).put("request", JobRequestParser.toJson(request)).put("config", configSnapshot)
        .put("hosts", new JsonArray(plan.hosts()));
  }
}
