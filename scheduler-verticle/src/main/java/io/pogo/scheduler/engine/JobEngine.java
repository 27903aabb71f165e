package io.pogo.scheduler.engine;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
import io.pogo.scheduler.config.JobMode;
import io.pogo.scheduler.config.JobRequest;
import io.pogo.scheduler.config.Limit;
import io.pogo.scheduler.plan.Plan;
import io.pogo.scheduler.plan.PlanStep;
import io.pogo.scheduler.plan.SlotRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The constraint engine: decides which hosts of which jobs run now, and keeps every job's and host's state. Pure:
 * no I/O, no clock of its own (every call gets {@code now}), confined to one thread. The scheduler verticle feeds it
 * requests and worker reports, persists what it marks dirty, sends the tasks it returns and publishes its
 * transitions.
 *
 * <p>Rules (DESIGN.md, "Jobs"): a host starts only when every step it waits for has finished, its job's concurrency
 * has room, and every slot it counts against has room across all jobs of the namespace; hosts are considered in
 * natural name order, and blocked hosts are considered again on every pass, so a freed slot is always used. A
 * failed host keeps its slots while its job runs, until it is retried or skipped. A job where nothing runs and
 * nothing can run is {@code deadlocked} and releases what its failed hosts held.
 */
public final class JobEngine {
  /** A worker that does not report within the host timeout plus this is asked to kill the task. */
  public static final long TIMEOUT_GRACE_MS = 10_000;
  /** A kill not confirmed within this long marks the host lost: its worker is unreachable. */
  public static final long KILL_CONFIRM_MS = 30_000;

  private final Map<String, JobRun> jobs = new LinkedHashMap<>();
  private final Map<String, Ledger> ledgers = new HashMap<>();
  private final Set<HostRun> dirtyHosts = new LinkedHashSet<>();
  private final Set<JobRun> dirtyJobs = new LinkedHashSet<>();
  private final List<Transition> transitions = new ArrayList<>();
  private final List<TaskKill> kills = new ArrayList<>();
  private long nextSeq;
  /** Set by a dispatch pass in which an impossible placement ended a host (which may end a step). */
  private boolean endedInPass;

  // ---- jobs -------------------------------------------------------------------------------------------------

  /**
   * Adds a job; its hosts wait until {@link #dispatch} starts them.
   *
   * @param configSnapshot the namespace config the plan was made from (kept for failover)
   */
  public JobRun submit(String id, JobRequest request, Plan plan, JsonObject configSnapshot, long now) {
    JobRun job = new JobRun(id, nextSeq++, request, plan, ledgerKey(id, request.namespace()), configSnapshot, now);
    jobs.put(id, job);
    ledger(job);
    dirtyJobs.add(job);
    dirtyHosts.addAll(job.byHost.values());
    transitions.add(new Transition(id, null, job.state.wire(), "started: " + job.total() + " hosts", now, null, 0));
    if (job.total() == 0) {
      complete(job, now);
    }
    return job;
  }

  /**
   * Rebuilds a job from what a previous scheduler stored: its record ({@link JobRun#toRecord()}), its plan (made
   * again from the config snapshot of {@link JobRun#toSpec()}) and its host records. Slots held are taken again.
   */
  public JobRun restore(JsonObject record, JobRequest request, Plan plan, JsonObject configSnapshot,
                        Map<String, JsonObject> hostRecords) {
    JobRun job = new JobRun(record.getString("id"), record.getLong("seq"), request, plan,
        ledgerKey(record.getString("id"), request.namespace()), configSnapshot, record.getLong("createdAt"));
    nextSeq = Math.max(nextSeq, job.seq + 1);
    job.state = JobState.fromWire(record.getString("state"));
    job.reason = record.getString("reason");
    job.endedAt = record.getLong("endedAt");
    job.hostTimeoutMs = record.getLong("hostTimeoutMs");
    job.jobTimeoutMs = record.getLong("jobTimeoutMs");
    job.concurrency = record.getString("concurrency") == null ? null : Limit.parse(record.getString("concurrency"));
    job.maxFailures = record.getString("maxFailures") == null ? null : Limit.parse(record.getString("maxFailures"));
    job.retries = record.getInteger("retries");
    Ledger ledger = ledger(job);
    for (HostRun h : job.hosts) {
      JsonObject r = hostRecords.get(h.host());
      if (r == null) {
        continue;
      }
      HostState before = h.state;
      h.restore(r);
      HostState after = h.state;
      h.state = before;
      count(job, h, before, after);
      h.state = after;
      if (h.holding) {
        hold(ledger, job, h);
      }
    }
    jobs.put(job.id, job);
    if (jobs.values().stream().anyMatch(j -> j.seq > job.seq)) {
      // Restored after newer jobs (an ended job loaded when a control names it): keep older jobs first.
      List<JobRun> bySeq = new ArrayList<>(jobs.values());
      bySeq.sort(java.util.Comparator.comparingLong(j -> j.seq));
      jobs.clear();
      bySeq.forEach(j -> jobs.put(j.id, j));
    }
    return job;
  }

  public JobRun job(String id) {
    return jobs.get(id);
  }

  public Collection<JobRun> jobs() {
    return jobs.values();
  }

  /** Forgets an ended job (retention); its slots are already released. */
  public void forget(String id) {
    JobRun job = jobs.get(id);
    if (job != null && job.state.ended() && job.active() == 0) {
      jobs.remove(id);
    }
  }

  /** The shared ledger of a namespace (empty if no job of it ran since this scheduler started). */
  public Ledger ledgerOf(String namespace) {
    return ledgers.getOrDefault(ledgerKey(null, namespace), new Ledger());
  }

  private static String ledgerKey(String jobId, String namespace) {
    return namespace != null ? "ns:" + namespace : "job:" + jobId;
  }

  private Ledger ledger(JobRun job) {
    Ledger l = ledgers.computeIfAbsent(job.ledgerKey, k -> new Ledger());
    job.plan.slots().values().forEach(l::remember);
    return l;
  }

  // ---- dispatch ---------------------------------------------------------------------------------------------

  /**
   * Starts every host that may start now, oldest job first, hosts in natural order; then marks jobs that can
   * never progress as deadlocked (which frees their slots, so it passes again). Returns the tasks to send.
   */
  public List<TaskStart> dispatch(long now, Placer placer) {
    List<TaskStart> out = new ArrayList<>();
    boolean again = true;
    while (again) {
      again = false;
      Set<String> busyLedgers = new java.util.HashSet<>();
      endedInPass = false;
      for (JobRun job : jobs.values()) {
        if (job.state == JobState.RUNNING && !job.waiting.isEmpty() && dispatchJob(job, now, placer, out)) {
          busyLedgers.add(job.ledgerKey);
        }
      }
      if (endedInPass) {
        // A host that failed at once may have ended a step that hosts scanned before it wait for: pass again.
        again = true;
        continue;
      }
      Set<String> moving = new java.util.HashSet<>();
      for (JobRun job : jobs.values()) {
        if (job.active() > 0) {
          moving.add(job.ledgerKey);
        }
      }
      List<JobRun> stuck = new ArrayList<>();
      for (JobRun job : jobs.values()) {
        if (job.state == JobState.RUNNING && job.active() == 0 && !job.waiting.isEmpty()
            && !moving.contains(job.ledgerKey) && !busyLedgers.contains(job.ledgerKey)) {
          stuck.add(job);
        }
      }
      if (!stuck.isEmpty()) {
        // One at a time: what this job frees may let the others run, so pass again before judging them.
        deadlock(firstToDeadlock(stuck), now);
        again = true;
      }
    }
    return out;
  }

  /**
   * Which stuck job to declare deadlocked first: one blocked by its own failed hosts (it could not run even if every
   * other stuck job gave its slots back), so that a job blocked only by another's failed hosts is freed by that
   * job's deadlock instead of being deadlocked itself; else (stuck jobs blocking each other) the oldest that holds
   * something, whose release may let the others run.
   */
  private JobRun firstToDeadlock(List<JobRun> stuck) {
    for (JobRun job : stuck) {
      if (blockedByItself(job, stuck)) {
        return job;
      }
    }
    for (JobRun job : stuck) {
      if (job.holding > 0) {
        return job;
      }
    }
    return stuck.get(0);
  }

  /** Whether no waiting host of the job could start even without the slots the other stuck jobs hold. */
  private boolean blockedByItself(JobRun job, List<JobRun> stuck) {
    Set<String> others = new java.util.HashSet<>();
    for (JobRun j : stuck) {
      if (j != job && j.ledgerKey.equals(job.ledgerKey)) {
        others.add(j.id);
      }
    }
    Ledger ledger = ledgers.get(job.ledgerKey);
    boolean concurrencyFull = job.holding >= job.concurrencyLimit();
    for (int i = job.waiting.nextSetBit(0); i >= 0; i = job.waiting.nextSetBit(i + 1)) {
      HostRun h = job.hosts[i];
      if (pendingStep(job, h) != null) {
        continue;
      }
      if (h.holding) {
        return false;
      }
      if (concurrencyFull) {
        continue;
      }
      boolean fits = true;
      for (SlotRef s : h.plan.slots()) {
        int used = 0;
        for (String holder : ledger.holders(s.name())) {
          if (!others.contains(holder.substring(0, holder.lastIndexOf('/')))) {
            used++;
          }
        }
        if (used >= s.limit()) {
          fits = false;
          break;
        }
      }
      if (fits) {
        return false;
      }
    }
    return true;
  }

  /** @return whether some host waits only for a free node (not a deadlock: nodes free up by themselves) */
  private boolean dispatchJob(JobRun job, long now, Placer placer, List<TaskStart> out) {
    Ledger ledger = ledgers.get(job.ledgerKey);
    int limit = job.concurrencyLimit();
    boolean waitsForNode = false;
    boolean concurrencyFull = false;
    job.waitReason = "waiting to be scheduled";
    for (int i = job.waiting.nextSetBit(0); i >= 0 && job.state == JobState.RUNNING; i = job.waiting.nextSetBit(i + 1)) {
      HostRun h = job.hosts[i];
      if (concurrencyFull && !h.holding) {
        // The job's concurrency is full: only a retrying host, which holds its place already, may still start.
        continue;
      }
      String pending = pendingStep(job, h);
      if (pending != null) {
        h.reason = "waiting for " + pending;
        continue;
      }
      if (!h.holding) {
        if (job.holding >= limit) {
          h.reason = null;
          job.waitReason = "waiting for job concurrency (" + job.concurrency.text() + " = " + limit + ")";
          concurrencyFull = true;
          continue;
        }
        List<String> full = new ArrayList<>();
        for (SlotRef s : h.plan.slots()) {
          if (!ledger.fits(s)) {
            full.add(s.name());
          }
        }
        if (!full.isEmpty()) {
          h.reason = "waiting for " + String.join(", ", full);
          continue;
        }
      }
      Placer.Placement p = placer.place(job, h);
      if (p instanceof Placer.Busy busy) {
        h.reason = busy.reason();
        waitsForNode = true;
        if (job.request.mode() == JobMode.WORKER) {
          h.reason = null;
          job.waitReason = busy.reason();
          break;
        }
        continue;
      }
      h.attempts++;
      h.round++;
      h.exitCode = null;
      h.startedAt = now;
      h.endedAt = null;
      h.taskId = TaskStart.taskId(job.id, h.host(), h.attempts);
      h.timeoutMs = job.hostTimeoutMs;
      if (p instanceof Placer.Impossible impossible) {
        h.node = null;
        h.endedAt = now;
        endedInPass = true;
        setState(job, h, HostState.FAILED, impossible.reason(), now);
        afterFailure(job, now);
        complete(job, now);
        continue;
      }
      String node = ((Placer.Node) p).name();
      h.node = node;
      if (!h.holding) {
        hold(ledger, job, h);
      }
      setState(job, h, HostState.READY, "dispatched to " + node, now);
      out.add(new TaskStart(h.taskId, job.id, h.host(), h.attempts, node, argv(job.request.command(), h.host()),
          h.timeoutMs, job.request.outputLimitBytes()));
    }
    return waitsForNode;
  }

  /** The first unfinished step the host waits for, described, or null. */
  private static String pendingStep(JobRun job, HostRun h) {
    for (int s : h.plan.after()) {
      if (job.stepUnfinished[s] > 0) {
        PlanStep step = job.plan.steps().get(s);
        return step.ref() + " (step " + (step.index() + 1) + " of sequence " + step.sequence() + ")";
      }
    }
    return null;
  }

  /** The command with every {@code {host}} replaced by the host: a task's argv. */
  public static List<String> argv(List<String> command, String host) {
    List<String> out = new ArrayList<>(command.size());
    for (String a : command) {
      out.add(a.replace("{host}", host));
    }
    return out;
  }

  // ---- worker reports -----------------------------------------------------------------------------------------

  /** The worker started the task. Stale reports (another attempt, an ended host) are ignored; returns whether it applied. */
  public boolean started(String taskId, long startedAt, long now) {
    HostRun h = current(taskId);
    if (h == null || h.state != HostState.READY) {
      return false;
    }
    h.startedAt = startedAt;
    setState(h.job, h, HostState.RUNNING, h.killAs != null ? "being killed: " + h.killReason : "running on " + h.node, now);
    return true;
  }

  /**
   * The task ended. {@code exitCode} null means it never ran (the worker says why in {@code reason}). Returns
   * whether the report applied (false: a stale or repeated report).
   */
  public boolean finished(String taskId, Integer exitCode, boolean timedOut, String reason, long endedAt, long now) {
    return finished(taskId, exitCode, timedOut, true, reason, endedAt, now);
  }

  /**
   * As {@link #finished(String, Integer, boolean, String, long, long)}, with the worker's word on whether the kill
   * asked for reached the task: a task that ended by itself before the kill arrived keeps its own outcome (an exit 0
   * then is a success, and a resume does not run it again).
   */
  public boolean finished(String taskId, Integer exitCode, boolean timedOut, boolean killed, String reason, long endedAt,
                          long now) {
    HostRun h = current(taskId);
    if (h == null || !h.state.active()) {
      return false;
    }
    JobRun job = h.job;
    h.exitCode = exitCode;
    h.endedAt = endedAt;
    if (h.killAs != null && !killed && !timedOut) {
      clearKill(h);
    }
    if (h.killAs != null) {
      HostState as = h.killAs;
      String why = h.killReason;
      clearKill(h);
      if (as.failure()) {
        // Timed out (by the host timeout backstop, or the job timeout): like a timeout the worker reports itself,
        // retried automatically while the job runs.
        fail(job, h, as, why, now);
        return true;
      }
      if (job.state == JobState.RUNNING) {
        // The job was resumed while the kill was on its way: the host waits again, like the hosts the resume woke.
        release(job, h);
        h.round = 0;
        setState(job, h, HostState.WAITING, "killed by a halt; waiting again since the job was resumed", now);
        return true;
      }
      release(job, h);
      setState(job, h, as, why, now);
      complete(job, now);
      return true;
    }
    if (exitCode != null && exitCode == 0 && !timedOut) {
      release(job, h);
      setState(job, h, HostState.SUCCEEDED, "exited 0", now);
      complete(job, now);
      return true;
    }
    String why = timedOut ? "timed out after " + Durations.format(h.timeoutMs) + "; killed"
        : exitCode == null ? (reason == null ? "could not start" : reason) : "exited with status " + exitCode;
    fail(job, h, timedOut ? HostState.TIMED_OUT : HostState.FAILED, why, now);
    return true;
  }

  /** The task's worker is gone: the outcome is unknown. Not retried automatically (it may have run). */
  public boolean lost(String taskId, String why, long now) {
    HostRun h = current(taskId);
    if (h == null || !h.state.active()) {
      return false;
    }
    h.endedAt = now;
    clearKill(h);
    if (h.job.state != JobState.RUNNING) {
      release(h.job, h);
    }
    setState(h.job, h, HostState.LOST, why, now);
    afterFailure(h.job, now);
    complete(h.job, now);
    return true;
  }

  /** The host whose current attempt is {@code taskId}, or null. */
  public HostRun current(String taskId) {
    String[] parts = taskId.split("/");
    if (parts.length != 3) {
      return null;
    }
    JobRun job = jobs.get(parts[0]);
    HostRun h = job == null ? null : job.byHost.get(parts[1]);
    if (h == null || !taskId.equals(h.taskId)) {
      return null;
    }
    return h;
  }

  private void fail(JobRun job, HostRun h, HostState as, String why, long now) {
    if (job.state == JobState.RUNNING && h.round <= job.retries) {
      setState(job, h, HostState.WAITING, "retrying (" + h.round + " of " + job.retries + " retries) after: " + why, now);
      return;
    }
    if (job.state != JobState.RUNNING) {
      release(job, h);
    }
    setState(job, h, as, why, now);
    afterFailure(job, now);
    complete(job, now);
  }

  /** Halts the job when its failure budget is spent. */
  private void afterFailure(JobRun job, long now) {
    int failures = job.failures();
    if (job.state == JobState.RUNNING && failures >= job.failureThreshold() && job.terminalCount() < job.total()) {
      halt(job, false, "failure budget spent: " + failures + " failed hosts reach maxFailures "
          + job.maxFailures.text() + " (" + job.failureThreshold() + ")", now);
    }
  }

  // ---- time ---------------------------------------------------------------------------------------------------

  /** Applies the job timeouts and the server-side host timeouts that are due. */
  public void tick(long now) {
    for (JobRun job : jobs.values()) {
      if (!job.state.ended() && now >= job.deadline()) {
        timeOut(job, now);
      }
      if (job.active() == 0) {
        continue;
      }
      for (HostRun h : job.hosts) {
        if (!h.state.active()) {
          continue;
        }
        if (h.killAs == null && h.startedAt != null && now >= h.startedAt + h.timeoutMs + TIMEOUT_GRACE_MS) {
          kill(h, HostState.TIMED_OUT, "no result within the host timeout of " + Durations.format(h.timeoutMs)
              + "; killed", now);
        } else if (h.killAs != null && now >= h.killRequestedAt + KILL_CONFIRM_MS) {
          lost(h.taskId, "its worker " + h.node + " did not confirm the kill within " + Durations.format(KILL_CONFIRM_MS), now);
        }
      }
    }
  }

  /** The earliest time {@link #tick} has something to do, or Long.MAX_VALUE. */
  public long nextDeadline() {
    long next = Long.MAX_VALUE;
    for (JobRun job : jobs.values()) {
      if (!job.state.ended()) {
        next = Math.min(next, job.deadline());
      }
      if (job.active() == 0) {
        continue;
      }
      for (HostRun h : job.hosts) {
        if (h.state.active() && h.killAs != null) {
          next = Math.min(next, h.killRequestedAt + KILL_CONFIRM_MS);
        } else if (h.state.active() && h.startedAt != null) {
          next = Math.min(next, h.startedAt + h.timeoutMs + TIMEOUT_GRACE_MS);
        }
      }
    }
    return next;
  }

  private void timeOut(JobRun job, long now) {
    String why = "job timeout of " + Durations.format(job.jobTimeoutMs) + " passed";
    stopHosts(job, true, HostState.TIMED_OUT, why, now);
    setJobState(job, JobState.TIMED_OUT, why, now);
    job.endedAt = now;
    releaseFailed(job);
  }

  // ---- control ------------------------------------------------------------------------------------------------

  /** Stops dispatching; with {@code kill} also kills the running tasks. */
  public JobRun halt(String id, boolean kill, String reason, long now) {
    JobRun job = require(id);
    if (job.state.ended()) {
      throw new PogoException(ErrorCode.INVALID_STATE, "job " + id + " has ended (" + job.state.wire()
          + "); there is nothing to halt");
    }
    if (job.state == JobState.HALTED && !kill) {
      return job;
    }
    halt(job, kill, reason == null || reason.isBlank() ? "halted by user" : reason, now);
    return job;
  }

  private void halt(JobRun job, boolean kill, String why, long now) {
    stopHosts(job, kill, HostState.HALTED, why, now);
    setJobState(job, JobState.HALTED, why, now);
    releaseFailed(job);
  }

  private void stopHosts(JobRun job, boolean kill, HostState killAs, String why, long now) {
    for (HostRun h : job.hosts) {
      if (h.state == HostState.WAITING) {
        if (h.holding) {
          release(job, h);
        }
        setState(job, h, HostState.HALTED, why, now);
      } else if (kill && h.state.active() && h.killAs == null) {
        kill(h, killAs, "killed: " + why, now);
      }
    }
  }

  private void kill(HostRun h, HostState as, String why, long now) {
    h.killAs = as;
    h.killReason = why;
    h.killRequestedAt = now;
    h.reason = "being killed: " + why;
    dirtyHosts.add(h);
    kills.add(new TaskKill(h.taskId, h.node, why));
  }

  private static void clearKill(HostRun h) {
    h.killAs = null;
    h.killReason = null;
    h.killRequestedAt = null;
  }

  /** Continues a halted job: its halted hosts wait again. */
  public JobRun resume(String id, long now) {
    JobRun job = require(id);
    if (job.state != JobState.HALTED) {
      throw new PogoException(ErrorCode.INVALID_STATE, "job " + id + " is " + job.state.wire()
          + "; only a halted job can be resumed" + (job.state == JobState.DEADLOCKED ? " (retry or skip hosts instead)" : ""));
    }
    if (now >= job.deadline()) {
      throw new PogoException(ErrorCode.INVALID_STATE, "job " + id + " is past its job timeout of "
          + Durations.format(job.jobTimeoutMs) + "; alter jobTimeout first");
    }
    setJobState(job, JobState.RUNNING, "resumed", now);
    job.endedAt = null;
    for (HostRun h : job.hosts) {
      if (h.state == HostState.HALTED) {
        h.round = 0;
        setState(job, h, HostState.WAITING, null, now);
      }
    }
    reholdFailed(job);
    complete(job, now);
    return job;
  }

  /**
   * Runs ended hosts again (they wait for their slots like any other host). All or nothing. Revives a finished,
   * failed or deadlocked job; in a halted job the hosts wait for the job to be resumed.
   */
  public JobRun retry(String id, List<String> hosts, long now) {
    JobRun job = require(id);
    if (job.state == JobState.TIMED_OUT) {
      throw new PogoException(ErrorCode.INVALID_STATE, "job " + id + " timed out; run a new job for these hosts");
    }
    List<HostRun> chosen = select(job, hosts, "retried", h -> h.state.terminal() ? null
        : h.host() + " is " + h.state.wire() + "; only an ended host can be retried");
    boolean halted = job.state == JobState.HALTED;
    for (HostRun h : chosen) {
      if (h.holding) {
        release(job, h);
      }
      h.round = 0;
      setState(job, h, HostState.WAITING, halted ? "retried; resume the job to run it" : null, now);
    }
    if (job.state != JobState.RUNNING && !halted) {
      job.endedAt = null;
      setJobState(job, JobState.RUNNING, "resumed by a retry of " + chosen.size() + " hosts", now);
      reholdFailed(job);
    }
    return job;
  }

  /** Gives hosts up: they end {@code skipped} and free their slots. All or nothing. */
  public JobRun skip(String id, List<String> hosts, long now) {
    JobRun job = require(id);
    if (job.state == JobState.TIMED_OUT) {
      throw new PogoException(ErrorCode.INVALID_STATE, "job " + id + " timed out; its hosts have ended");
    }
    List<HostRun> chosen = select(job, hosts, "skipped", h -> switch (h.state) {
      case WAITING, HALTED, FAILED, TIMED_OUT, LOST -> null;
      case READY, RUNNING -> h.host() + " is running; halt the job with kill, or wait for it to end";
      default -> h.host() + " is " + h.state.wire() + " already";
    });
    for (HostRun h : chosen) {
      if (h.holding) {
        release(job, h);
      }
      setState(job, h, HostState.SKIPPED, "skipped by user", now);
    }
    if (job.state == JobState.DEADLOCKED) {
      job.endedAt = null;
      setJobState(job, JobState.RUNNING, "resumed by a skip of " + chosen.size() + " hosts", now);
      reholdFailed(job);
    }
    if (job.state == JobState.FINISHED || job.state == JobState.FAILED) {
      settle(job, now);
    }
    complete(job, now);
    return job;
  }

  /**
   * Changes a job's settings: {@code hostTimeout} (for tasks started from now on), {@code jobTimeout} (counted from
   * the job's creation), {@code maxFailures} and {@code concurrency} (N or P%, or null to remove), {@code retries}.
   * All or nothing; every bad field is named.
   */
  public JobRun alter(String id, JsonObject changes, long now) {
    JobRun job = require(id);
    List<FieldError> errors = new ArrayList<>();
    Set<String> known = Set.of("hostTimeout", "jobTimeout", "maxFailures", "concurrency", "retries");
    for (String k : changes.fieldNames()) {
      if (!known.contains(k)) {
        errors.add(new FieldError(k, "unknown field; expected one of hostTimeout, jobTimeout, maxFailures, concurrency, retries"));
      }
    }
    if (changes.isEmpty()) {
      errors.add(new FieldError("body", "nothing to alter; give hostTimeout, jobTimeout, maxFailures, concurrency or retries"));
    }
    Long hostTimeout = duration(changes, "hostTimeout", errors);
    Long jobTimeout = duration(changes, "jobTimeout", errors);
    Limit[] limits = new Limit[2];
    String[] limitFields = {"maxFailures", "concurrency"};
    for (int i = 0; i < 2; i++) {
      if (changes.containsKey(limitFields[i]) && changes.getValue(limitFields[i]) != null) {
        try {
          limits[i] = Limit.parse(changes.getValue(limitFields[i]));
        } catch (IllegalArgumentException e) {
          errors.add(new FieldError(limitFields[i], e.getMessage()));
        }
      }
    }
    Integer retries = null;
    if (changes.containsKey("retries")) {
      Object v = changes.getValue("retries");
      if (v instanceof Integer n && n >= 0 && n <= JobRequest.MAX_RETRIES) {
        retries = n;
      } else {
        errors.add(new FieldError("retries", "must be a whole number from 0 to " + JobRequest.MAX_RETRIES + "; got " + v));
      }
    }
    if (!errors.isEmpty()) {
      throw PogoException.validation(errors);
    }
    if (job.state.ended()) {
      throw new PogoException(ErrorCode.INVALID_STATE, "job " + id + " has ended (" + job.state.wire() + "); nothing to alter");
    }
    if (hostTimeout != null) {
      job.hostTimeoutMs = hostTimeout;
    }
    if (jobTimeout != null) {
      job.jobTimeoutMs = jobTimeout;
    }
    if (changes.containsKey("maxFailures")) {
      job.maxFailures = limits[0];
    }
    if (changes.containsKey("concurrency")) {
      job.concurrency = limits[1];
    }
    if (retries != null) {
      job.retries = retries;
    }
    dirtyJobs.add(job);
    transitions.add(new Transition(job.id, null, job.state.wire(), "altered: " + changes.encode(), now, null, 0));
    if (changes.containsKey("maxFailures")) {
      afterFailure(job, now);
    }
    return job;
  }

  private static Long duration(JsonObject changes, String field, List<FieldError> errors) {
    if (!changes.containsKey(field)) {
      return null;
    }
    try {
      long ms = Durations.parseMillis(changes.getValue(field));
      if (ms < 1000 || ms > JobRequest.MAX_TIMEOUT_MS) {
        errors.add(new FieldError(field, "must be from 1s to " + Durations.format(JobRequest.MAX_TIMEOUT_MS)
            + "; got " + Durations.format(ms)));
        return null;
      }
      return ms;
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(field, e.getMessage()));
      return null;
    }
  }

  private List<HostRun> select(JobRun job, List<String> hosts, String verb, java.util.function.Function<HostRun, String> refusal) {
    List<FieldError> errors = new ArrayList<>();
    if (hosts == null || hosts.isEmpty()) {
      errors.add(new FieldError("hosts", "name at least one host to be " + verb));
    }
    List<HostRun> chosen = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; hosts != null && i < hosts.size(); i++) {
      String name = hosts.get(i);
      HostRun h = name == null ? null : job.byHost.get(name);
      if (h == null) {
        errors.add(new FieldError("hosts[" + i + "]", "\"" + name + "\" is not a host of job " + job.id));
        continue;
      }
      String no = refusal.apply(h);
      if (no != null) {
        errors.add(new FieldError("hosts[" + i + "]", no));
      } else if (seen.add(name)) {
        chosen.add(h);
      }
    }
    if (!errors.isEmpty()) {
      throw PogoException.validation(errors);
    }
    return chosen;
  }

  private JobRun require(String id) {
    JobRun job = jobs.get(id);
    if (job == null) {
      throw new PogoException(ErrorCode.JOB_NOT_FOUND, "no job " + id);
    }
    return job;
  }

  // ---- bookkeeping -----------------------------------------------------------------------------------------------

  private void deadlock(JobRun job, long now) {
    HostRun first = job.hosts[job.waiting.nextSetBit(0)];
    List<String> failedHolders = new ArrayList<>();
    for (HostRun h : job.hosts) {
      if (h.holding && h.state.failure()) {
        failedHolders.add(h.host());
      }
    }
    String why = "nothing can run and nothing runs: " + first.host() + " is " + first.reason()
        + (failedHolders.isEmpty() ? "" : "; held by failed hosts " + abbreviate(failedHolders))
        + " (retry or skip hosts to continue)";
    setJobState(job, JobState.DEADLOCKED, why, now);
    job.endedAt = now;
    releaseFailed(job);
  }

  private static String abbreviate(List<String> hosts) {
    return hosts.size() <= 5 ? String.join(", ", hosts)
        : String.join(", ", hosts.subList(0, 5)) + " and " + (hosts.size() - 5) + " more";
  }

  /** A running job whose hosts have all ended finishes (or fails, if some failed). */
  private void complete(JobRun job, long now) {
    if (job.state != JobState.RUNNING || job.terminalCount() < job.total()) {
      return;
    }
    settle(job, now);
    releaseFailed(job);
  }

  /** The outcome of a job whose hosts have all ended: finished, or failed if some failed. */
  private void settle(JobRun job, long now) {
    int failures = job.failures();
    job.endedAt = now;
    if (failures == 0) {
      setJobState(job, JobState.FINISHED, "every host ended: " + job.summary(), now);
    } else {
      setJobState(job, JobState.FAILED, failures + " of " + job.total() + " hosts failed", now);
    }
  }

  /** A job running again: its failed hosts hold their slots again where they still fit (others took them meanwhile). */
  private void reholdFailed(JobRun job) {
    Ledger ledger = ledgers.get(job.ledgerKey);
    for (HostRun h : job.hosts) {
      if (h.state.failure() && !h.holding && job.holding < job.concurrencyLimit()) {
        hold(ledger, job, h, false);
      }
    }
  }

  /** A job that stopped running gives back what its failed hosts held. */
  private void releaseFailed(JobRun job) {
    for (HostRun h : job.hosts) {
      if (h.holding && !h.state.active()) {
        release(job, h);
      }
    }
  }

  private void hold(Ledger ledger, JobRun job, HostRun h) {
    hold(ledger, job, h, true);
  }

  private void hold(Ledger ledger, JobRun job, HostRun h, boolean always) {
    for (SlotRef s : h.plan.slots()) {
      if (!always && !ledger.fits(s)) {
        return;
      }
    }
    for (SlotRef s : h.plan.slots()) {
      ledger.hold(s, holder(job, h));
    }
    job.holding++;
    h.holding = true;
    dirtyHosts.add(h);
  }

  private void release(JobRun job, HostRun h) {
    if (!h.holding) {
      return;
    }
    Ledger ledger = ledgers.get(job.ledgerKey);
    for (SlotRef s : h.plan.slots()) {
      ledger.release(s, holder(job, h));
    }
    job.holding--;
    h.holding = false;
    dirtyHosts.add(h);
  }

  static String holder(JobRun job, HostRun h) {
    return job.id + "/" + h.host();
  }

  private void setState(JobRun job, HostRun h, HostState to, String reason, long now) {
    HostState from = h.state;
    h.reason = reason;
    if (from != to) {
      count(job, h, from, to);
      h.state = to;
    }
    dirtyHosts.add(h);
    transitions.add(new Transition(job.id, h.host(), to.wire(), reason == null ? job.waitReason : reason, now, h.exitCode,
        h.attempts));
  }

  private static void count(JobRun job, HostRun h, HostState from, HostState to) {
    if (from == to) {
      return;
    }
    job.counts.merge(from, -1, Integer::sum);
    job.counts.merge(to, 1, Integer::sum);
    if (from == HostState.WAITING) {
      job.waiting.clear(h.index);
    }
    if (to == HostState.WAITING) {
      job.waiting.set(h.index);
    }
    if (!from.terminal() && to.terminal()) {
      for (int s : h.plan.steps()) {
        job.stepUnfinished[s]--;
      }
    } else if (from.terminal() && !to.terminal()) {
      for (int s : h.plan.steps()) {
        job.stepUnfinished[s]++;
      }
    }
  }

  private void setJobState(JobRun job, JobState to, String reason, long now) {
    job.state = to;
    job.reason = reason;
    dirtyJobs.add(job);
    transitions.add(new Transition(job.id, null, to.wire(), reason, now, null, 0));
  }

  // ---- what the runtime drains ---------------------------------------------------------------------------------

  /** Hosts changed since the last call, to persist. */
  public List<HostRun> drainDirtyHosts() {
    List<HostRun> out = new ArrayList<>(dirtyHosts);
    dirtyHosts.clear();
    return out;
  }

  /** Jobs changed since the last call, to persist (their records, not their hosts). */
  public List<JobRun> drainDirtyJobs() {
    List<JobRun> out = new ArrayList<>(dirtyJobs);
    dirtyJobs.clear();
    return out;
  }

  public boolean hasDirty() {
    return !dirtyHosts.isEmpty() || !dirtyJobs.isEmpty();
  }

  /** Transitions since the last call, to publish. */
  public List<Transition> drainTransitions() {
    List<Transition> out = new ArrayList<>(transitions);
    transitions.clear();
    return out;
  }

  /** Kills asked for since the last call, to send. */
  public List<TaskKill> drainKills() {
    List<TaskKill> out = new ArrayList<>(kills);
    kills.clear();
    return out;
  }

  /** Every slot of a namespace with its use across jobs, for {@code GET /namespaces/{ns}/budget}. */
  public JsonArray budget(String namespace, Map<String, SlotRef> configured) {
    Ledger ledger = ledgerOf(namespace);
    Map<String, SlotRef> all = new java.util.TreeMap<>(configured);
    ledger.knownSlots().forEach(all::putIfAbsent);
    JsonArray out = new JsonArray();
    for (SlotRef s : all.values()) {
      JsonArray holders = new JsonArray();
      for (String holder : ledger.holders(s.name())) {
        int slash = holder.indexOf('/');
        JobRun job = jobs.get(holder.substring(0, slash));
        HostRun h = job == null ? null : job.byHost.get(holder.substring(slash + 1));
        holders.add(new JsonObject().put("job", holder.substring(0, slash)).put("host", holder.substring(slash + 1))
            .put("state", h == null ? null : h.state.wire()));
      }
      out.add(new JsonObject().put("slot", s.name()).put("limit", s.limit()).put("rule", s.rule())
          .put("population", s.population()).put("used", ledger.used(s.name())).put("holders", holders));
    }
    return out;
  }
}
