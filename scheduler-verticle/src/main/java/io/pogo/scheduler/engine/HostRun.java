package io.pogo.scheduler.engine;

import io.pogo.scheduler.plan.HostPlan;
import io.vertx.core.json.JsonObject;

/** One host of one job: its plan and its mutable progress. Confined to the scheduler's event loop. */
public final class HostRun {
  final JobRun job;
  final HostPlan plan;
  /** Position in the job's natural order; the dispatch scan follows it. */
  final int index;
  HostState state = HostState.WAITING;
  /** Null for a waiting host the scan has not reached: it shows the job's current wait reason. */
  String reason;
  /** Attempts since the job started (every run of the command, automatic retries included). */
  int attempts;
  /** Attempts since the host was last retried by hand; automatic retries stop at the job's {@code retries}. */
  int round;
  Integer exitCode;
  Long startedAt;
  Long endedAt;
  String node;
  String taskId;
  /** The host timeout its current task was dispatched with (a later alter applies to later tasks only). */
  long timeoutMs;
  /** Holds its slots (and a place of the job's concurrency): while active, failed in a running job, or retrying. */
  boolean holding;

  /** While a kill is on its way: the state the host takes once the worker confirms the task ended. */
  HostState killAs;
  String killReason;
  Long killRequestedAt;

  HostRun(JobRun job, HostPlan plan, int index) {
    this.job = job;
    this.plan = plan;
    this.index = index;
  }

  public String host() {
    return plan.host();
  }

  public HostState state() {
    return state;
  }

  public String reason() {
    if (reason == null && state == HostState.WAITING) {
      return job.waitReason;
    }
    return reason;
  }

  public JobRun job() {
    return job;
  }

  public int attempts() {
    return attempts;
  }

  public Integer exitCode() {
    return exitCode;
  }

  public Long startedAt() {
    return startedAt;
  }

  public Long endedAt() {
    return endedAt;
  }

  public String node() {
    return node;
  }

  public String taskId() {
    return taskId;
  }

  public boolean holding() {
    return holding;
  }

  /** The public view (HTTP, event bus): field names are a contract. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("host", host()).put("state", state.wire()).put("reason", reason())
        .put("attempts", attempts).put("exitCode", exitCode).put("startedAt", startedAt).put("endedAt", endedAt);
    if (node != null) {
      json.put("node", node);
    }
    if (taskId != null) {
      json.put("taskId", taskId);
    }
    return json;
  }

  /** The public view of a stored host record. */
  public static JsonObject publicView(JsonObject record) {
    JsonObject v = record.copy();
    v.remove("round");
    v.remove("holding");
    v.remove("killAs");
    v.remove("killReason");
    v.remove("killRequestedAt");
    v.remove("timeoutMs");
    return v;
  }

  /** What survives a scheduler failover. */
  public JsonObject toRecord() {
    JsonObject r = toJson().put("reason", reason).put("round", round).put("holding", holding).put("timeoutMs", timeoutMs);
    if (killAs != null) {
      r.put("killAs", killAs.wire()).put("killReason", killReason).put("killRequestedAt", killRequestedAt);
    }
    return r;
  }

  void restore(JsonObject r) {
    state = HostState.fromWire(r.getString("state"));
    reason = r.getString("reason", "");
    attempts = r.getInteger("attempts", 0);
    round = r.getInteger("round", 0);
    exitCode = r.getInteger("exitCode");
    startedAt = r.getLong("startedAt");
    endedAt = r.getLong("endedAt");
    node = r.getString("node");
    taskId = r.getString("taskId");
    holding = r.getBoolean("holding", false);
    timeoutMs = r.getLong("timeoutMs", job.hostTimeoutMs);
    if (r.getString("killAs") != null) {
      killAs = HostState.fromWire(r.getString("killAs"));
      killReason = r.getString("killReason");
      killRequestedAt = r.getLong("killRequestedAt");
    }
  }
}
