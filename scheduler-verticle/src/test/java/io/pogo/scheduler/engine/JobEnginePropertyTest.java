package io.pogo.scheduler.engine;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.scheduler.config.JobRequest;
import io.pogo.scheduler.config.Limit;
import io.pogo.scheduler.config.NamespaceConfig;
import io.pogo.scheduler.config.NamespaceConfigParser;
import io.pogo.scheduler.config.Targets;
import io.pogo.scheduler.plan.Plan;
import io.pogo.scheduler.plan.Planner;
import io.pogo.scheduler.plan.SlotRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The engine driven at random: random namespace configs, up to four jobs sharing one namespace, random task outcomes,
 * random controls and failovers, a placer that is sometimes busy. After every step the invariants are checked
 * against the hosts' states and plans, computed here without trusting the engine's own bookkeeping (its ledger,
 * counters and holding totals are compared against that, not used for it). Each run has its own seed; a failure
 * prints it with the last steps, and {@code -Dpogo.test.seed=<seed>} replays exactly that run first.
 */
class JobEnginePropertyTest {
  private static final int SEEDS = 300;
  private static final int STEPS = 200;
  /** Rounds allowed to drive every job to its end once the random part is over. */
  private static final int END_ROUNDS = 300;
  private static final String NS = "ns";

  @Test
  void randomJobsKeepEveryInvariant() {
    long base = Long.getLong("pogo.test.seed", System.nanoTime());
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < SEEDS; i++) {
      long seed = base + i;
      Run run = new Run(seed, seen);
      try {
        run.play();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("engine property failed with seed " + seed + " (replay: -Dpogo.test.seed=" + seed
            + "): " + e.getMessage() + "\nlast steps:\n  " + String.join("\n  ", run.history) + "\nnow:\n"
            + run.describe(), e);
      }
    }
    for (String event : List.of("dispatch", "deadlock", "budget halt", "job timeout", "host timeout kill",
        "kill never confirmed", "failover", "busy", "impossible", "automatic retry", "refused control", "retry", "skip",
        "halt with kill", "resume", "alter", "stale report ignored", "job finished", "job failed",
        "circular config regenerated", "host in two sequences", "empty step", "nested slot", "percentage slot")) {
      assertTrue(seen.getOrDefault(event, 0) > 0, "the generator never produced a " + event + " (base seed " + base
          + "): " + seen);
    }
  }

  /** One seeded run. */
  private static final class Run {
    final Random rnd;
    final Map<String, Integer> seen;
    final FakeFleet fleet = new FakeFleet();
    final Deque<String> history = new ArrayDeque<>();
    final List<JsonObject> pending = new ArrayList<>();
    double busyRate;
    double impossibleRate;
    /** Jobs that got a Busy placement during the current dispatch call. */
    final Set<String> busyJobs = new HashSet<>();
    int transitionsSeen;
    Map<String, String> lastStates = new HashMap<>();
    /** Per job, its concurrency limit; forgotten at every control (an alter may change it). */
    final Map<String, Integer> limits = new HashMap<>();
    /** Per job, hosts holding a place of its concurrency after the previous step. */
    Map<String, Integer> lastConcurrencyUse = new HashMap<>();

    Run(long seed, Map<String, Integer> seen) {
      this.rnd = new Random(seed);
      this.seen = seen;
    }

    /** Every job with its state and hosts, and who holds each slot: printed with a failure. */
    String describe() {
      StringBuilder sb = new StringBuilder();
      for (JobRun job : fleet.engine.jobs()) {
        sb.append("  ").append(job.id()).append(' ').append(job.state().wire()).append(" (").append(job.reason())
            .append(") concurrency ").append(job.toJson().getString("concurrency")).append(": ");
        for (HostRun h : job.hosts()) {
          sb.append(h.host()).append('=').append(h.state().wire()).append(h.holding() ? "*" : "")
              .append(plan(job, h).slots().stream().map(SlotRef::name).toList());
          if (h.state() == HostState.WAITING) {
            for (int st : plan(job, h).after()) {
              sb.append("<after ").append(job.plan().steps().get(st)).append(" unfinished ")
                  .append(job.stepUnfinished[st]).append('>');
            }
          }
          sb.append(' ');
        }
        sb.append('\n');
      }
      everything().forEach((k, v) -> {
        if (k.startsWith("slot ")) {
          sb.append("  ").append(k).append(' ').append(v).append('\n');
        }
      });
      return sb.toString();
    }

    void note(String event) {
      seen.merge(event, 1, Integer::sum);
    }

    void log(String step) {
      history.addLast(step);
      if (history.size() > 20) {
        history.removeFirst();
      }
    }

    void play() {
      setUp();
      fleet.placement = (job, host) -> {
        if (rnd.nextDouble() < busyRate) {
          busyJobs.add(job.id());
          note("busy");
          return new Placer.Busy("waiting for a free worker");
        }
        if (rnd.nextDouble() < impossibleRate) {
          note("impossible");
          return new Placer.Impossible("no node is named " + host.host());
        }
        return new Placer.Node("n" + rnd.nextInt(3));
      };
      submitNext();
      for (int step = 0; step < STEPS; step++) {
        act();
        check();
      }
      driveToTheEnd();
    }

    // ---- set-up: a config the planner accepts, and the jobs to submit ------------------------------------------------

    void setUp() {
      for (int attempt = 0; ; attempt++) {
        assertTrue(attempt < 100, "no acceptable random config in 100 tries");
        List<String> pool = new ArrayList<>();
        int n = 4 + rnd.nextInt(14);
        for (int i = 1; i <= n; i++) {
          pool.add("h" + i);
        }
        JsonObject json = randomConfig(pool);
        NamespaceConfig cfg;
        try {
          cfg = NamespaceConfigParser.parse(json);
        } catch (PogoException e) {
          continue;
        }
        List<JsonObject> jobs = new ArrayList<>();
        List<Plan> plans = new ArrayList<>();
        int count = 1 + rnd.nextInt(4);
        boolean acyclic = true;
        for (int j = 0; j < count && acyclic; j++) {
          JsonObject req = randomRequest(pool);
          try {
            NamespaceConfig c = req.getString("namespace") == null ? null : cfg;
            plans.add(Planner.plan(c, Targets.expand(req.getJsonArray("targets").stream().map(String.class::cast)
                .toList(), c, JobRequest.MAX_HOSTS)));
          } catch (PogoException e) {
            assertEquals("sequence", e.errors().get(0).field(), e.getMessage());
            acyclic = false;
          }
          jobs.add(req);
        }
        if (!acyclic) {
          note("circular config regenerated");
          continue;
        }
        for (Plan plan : plans) {
          if (plan.byHost().values().stream().anyMatch(h -> h.steps().size() > 1)) {
            note("host in two sequences");
          }
          if (plan.steps().stream().anyMatch(st -> st.hosts().isEmpty())) {
            note("empty step");
          }
          if (plan.slots().keySet().stream().anyMatch(name -> name.contains("&"))) {
            note("nested slot");
          }
          if (plan.slots().values().stream().anyMatch(slot -> slot.rule().endsWith("%"))) {
            note("percentage slot");
          }
        }
        fleet.namespace(NS, json.encode());
        pending.addAll(jobs);
        busyRate = new double[] {0, 0.1, 0.3}[rnd.nextInt(3)];
        impossibleRate = rnd.nextInt(3) == 0 ? 0.03 : 0;
        log("config " + json.encode() + " busy " + busyRate + " impossible " + impossibleRate);
        return;
      }
    }

    JsonObject randomConfig(List<String> pool) {
      JsonObject tag = new JsonObject();
      List<String> refs = new ArrayList<>();
      List<String> topWithValues = new ArrayList<>();
      int tags = 1 + rnd.nextInt(3);
      for (int t = 0; t < tags; t++) {
        String name = "t" + t;
        refs.add("$" + name);
        int levels = 1 + rnd.nextInt(3);
        if (levels == 1) {
          tag.put(name, subset(pool));
          continue;
        }
        topWithValues.add(name);
        JsonObject values = new JsonObject();
        int k = 1 + rnd.nextInt(3);
        for (int v = 0; v < k; v++) {
          String value = "v" + v;
          refs.add("$" + name + "." + value);
          if (levels == 3 && rnd.nextBoolean()) {
            JsonObject deeper = new JsonObject();
            int m = 1 + rnd.nextInt(2);
            for (int w = 0; w < m; w++) {
              deeper.put("w" + w, subset(pool));
              refs.add("$" + name + "." + value + ".w" + w);
            }
            values.put(value, deeper);
          } else {
            values.put(value, subset(pool));
          }
        }
        tag.put(name, values);
      }
      JsonObject json = new JsonObject().put("tag", tag);
      int sequences = rnd.nextInt(4);
      if (sequences == 1 && rnd.nextBoolean()) {
        json.put("sequence", steps(refs, pool));
      } else if (sequences > 0) {
        JsonObject seq = new JsonObject();
        for (int s = 0; s < sequences; s++) {
          if (rnd.nextInt(3) == 0) {
            seq.put(pick(refs), steps(refs, pool));
          } else {
            seq.put("s" + s, steps(refs, pool));
          }
        }
        json.put("sequence", seq);
      }
      JsonObject constraint = new JsonObject();
      int constraints = 1 + rnd.nextInt(4);
      for (int c = 0; c < constraints; c++) {
        String key = rnd.nextBoolean() && !topWithValues.isEmpty() ? "$" + pick(topWithValues) : pick(refs);
        if (rnd.nextInt(4) == 0) {
          String inner = pick(refs);
          if (!inner.equals(key)) {
            constraint.put(key, new JsonObject().put(inner, new JsonObject().put("max_parallel", limit())));
            continue;
          }
        }
        constraint.put(key, new JsonObject().put("max_parallel", limit()));
      }
      return json.put("constraint", constraint);
    }

    JsonArray subset(List<String> pool) {
      JsonArray a = new JsonArray();
      int p = 1 + rnd.nextInt(3);
      for (String h : pool) {
        if (rnd.nextInt(6) < p) {
          a.add(h);
        }
      }
      return a;
    }

    /** Steps of one sequence: tags (their hosts may be outside the job: an empty step), a literal host or a stranger. */
    JsonArray steps(List<String> refs, List<String> pool) {
      JsonArray a = new JsonArray();
      int k = 1 + rnd.nextInt(4);
      for (int i = 0; i < k; i++) {
        int kind = rnd.nextInt(6);
        a.add(kind == 0 ? pick(pool) : kind == 1 ? "stranger" + rnd.nextInt(2) : pick(refs));
      }
      return a;
    }

    Object limit() {
      return switch (rnd.nextInt(4)) {
        case 0, 1 -> 1 + rnd.nextInt(3);
        case 2 -> (10 + rnd.nextInt(60)) + "%";
        default -> String.valueOf(1 + rnd.nextInt(4));
      };
    }

    Object randomLimit(int percentChance) {
      return rnd.nextInt(100) < percentChance ? (10 + rnd.nextInt(91)) + "%" : 1 + rnd.nextInt(4);
    }

    JsonObject randomRequest(List<String> pool) {
      JsonArray targets = new JsonArray();
      int p = 3 + rnd.nextInt(7);
      for (String h : pool) {
        if (rnd.nextInt(10) < p) {
          targets.add(h);
        }
      }
      if (rnd.nextInt(4) == 0) {
        targets.add("outsider" + rnd.nextInt(2));
      }
      if (targets.isEmpty()) {
        targets.add(pick(pool));
      }
      JsonObject req = new JsonObject().put("targets", targets);
      if (rnd.nextInt(10) > 0) {
        req.put("namespace", NS);
      }
      if (rnd.nextBoolean()) {
        req.put("concurrency", randomLimit(40));
      }
      if (rnd.nextInt(3) == 0) {
        req.put("maxFailures", randomLimit(40));
      }
      req.put("retries", rnd.nextInt(3));
      req.put("hostTimeout", (30 + rnd.nextInt(270)) + "s");
      req.put("jobTimeout", rnd.nextInt(4) == 0 ? (3 + rnd.nextInt(8)) + "m" : "1h");
      if (rnd.nextInt(4) == 0) {
        req.put("mode", "agent");
      }
      return req;
    }

    <T> T pick(List<T> from) {
      return from.get(rnd.nextInt(from.size()));
    }

    // ---- the random part ------------------------------------------------------------------------------------------------

    void act() {
      int r = rnd.nextInt(100);
      if (r < 25) {
        dispatch();
      } else if (r < 35) {
        startOne();
      } else if (r < 57) {
        endOne();
      } else if (r < 67) {
        long ms = rnd.nextInt(5) == 0 ? 60_000 + rnd.nextInt(300_000) : 1 + rnd.nextInt(40_000);
        log("tick +" + ms + "ms");
        fleet.advance(ms);
        int killsBefore = fleet.kills.size();
        fleet.tick();
        if (fleet.kills.size() > killsBefore) {
          note("host timeout kill");
        }
      } else if (r < 70) {
        staleReport();
      } else if (r < 74) {
        control("halt");
      } else if (r < 78) {
        control("resume");
      } else if (r < 84) {
        control("retry");
      } else if (r < 90) {
        control("skip");
      } else if (r < 93) {
        control("alter");
      } else if (r < 97) {
        submitNext();
      } else {
        failover();
      }
    }

    void submitNext() {
      if (pending.isEmpty()) {
        return;
      }
      JsonObject req = pending.remove(0);
      String id = "j" + (fleet.engine.jobs().size() + 1);
      JsonArray targets = req.getJsonArray("targets");
      JsonObject rest = req.copy();
      rest.remove("targets");
      log("submit " + id + " " + req.encode());
      fleet.submit(id, rest, targets.stream().map(String.class::cast).toArray(String[]::new));
    }

    List<HostRun> hostsWhere(java.util.function.Predicate<HostRun> p) {
      List<HostRun> out = new ArrayList<>();
      for (JobRun job : fleet.engine.jobs()) {
        for (HostRun h : job.hosts()) {
          if (p.test(h)) {
            out.add(h);
          }
        }
      }
      return out;
    }

    void startOne() {
      List<HostRun> ready = hostsWhere(h -> h.state() == HostState.READY);
      if (ready.isEmpty()) {
        return;
      }
      HostRun h = pick(ready);
      log("started " + h.taskId());
      assertTrue(fleet.engine.started(h.taskId(), fleet.now, fleet.now), "the start of a ready task applies");
      fleet.drain();
    }

    void endOne() {
      List<HostRun> active = hostsWhere(h -> h.state().active());
      if (active.isEmpty()) {
        return;
      }
      HostRun h = pick(active);
      String task = h.taskId();
      if (h.state() == HostState.READY && rnd.nextBoolean()) {
        assertTrue(fleet.engine.started(task, fleet.now, fleet.now));
      }
      int r = rnd.nextInt(100);
      boolean applied;
      if (r < 45) {
        log("succeeded " + task);
        applied = fleet.engine.finished(task, 0, false, null, fleet.now, fleet.now);
      } else if (r < 70) {
        log("failed " + task);
        applied = fleet.engine.finished(task, 1 + rnd.nextInt(3), false, null, fleet.now, fleet.now);
      } else if (r < 80) {
        log("timed out " + task);
        applied = fleet.engine.finished(task, 143, true, null, fleet.now, fleet.now);
      } else if (r < 85) {
        log("never started " + task);
        applied = fleet.engine.finished(task, null, false, "the worker refused the task", fleet.now, fleet.now);
      } else {
        log("lost " + task);
        applied = fleet.engine.lost(task, "its worker left", fleet.now);
      }
      assertTrue(applied, "the end of the current attempt applies");
      if (h.state().failure() && h.job().state() == JobState.RUNNING) {
        assertTrue(h.holding(), task + " failed in a running job and gave its places back");
      }
      HostRun after = fleet.engine.current(task);
      if (after != null && after.state() == HostState.WAITING && after.reason().startsWith("retrying")) {
        note("automatic retry");
      }
      fleet.drain();
    }

    void staleReport() {
      List<String> old = new ArrayList<>();
      for (String task : fleet.tasks.keySet()) {
        HostRun h = fleet.engine.current(task);
        if (h == null || !h.state().active()) {
          old.add(task);
        }
      }
      if (old.isEmpty()) {
        return;
      }
      String task = pick(old);
      log("stale report for " + task);
      String before = stored();
      boolean applied = switch (rnd.nextInt(3)) {
        case 0 -> fleet.engine.started(task, fleet.now, fleet.now);
        case 1 -> fleet.engine.finished(task, rnd.nextInt(2), false, null, fleet.now, fleet.now);
        default -> fleet.engine.lost(task, "late", fleet.now);
      };
      assertFalse(applied, "a report for " + task + " (not the current attempt, or ended) must be ignored");
      assertEquals(before, stored(), "an ignored report changed something");
      note("stale report ignored");
    }

    void control(String what) {
      if (fleet.engine.jobs().isEmpty()) {
        return;
      }
      JobRun job = pick(List.copyOf(fleet.engine.jobs()));
      String id = job.id();
      String before = stored();
      limits.clear();
      try {
        switch (what) {
          case "halt" -> {
            boolean kill = rnd.nextBoolean();
            log("halt " + id + (kill ? " with kill" : ""));
            fleet.engine.halt(id, kill, rnd.nextBoolean() ? null : "by the test", fleet.now);
            if (kill && job.hosts().stream().anyMatch(h -> h.state().active())) {
              note("halt with kill");
            }
          }
          case "resume" -> {
            log("resume " + id);
            fleet.engine.resume(id, fleet.now);
            note("resume");
          }
          case "retry" -> {
            List<String> hosts = chooseHosts(job, HostState::terminal);
            log("retry " + id + " " + hosts);
            fleet.engine.retry(id, hosts, fleet.now);
            note("retry");
          }
          case "skip" -> {
            List<String> hosts = chooseHosts(job, h -> h == HostState.WAITING || h == HostState.HALTED || h.failure());
            log("skip " + id + " " + hosts);
            fleet.engine.skip(id, hosts, fleet.now);
            note("skip");
          }
          default -> {
            JsonObject changes = randomChanges();
            log("alter " + id + " " + changes.encode());
            fleet.engine.alter(id, changes, fleet.now);
            note("alter");
          }
        }
      } catch (PogoException e) {
        log("  refused: " + e.code() + " " + e.getMessage());
        assertTrue(e.code() == ErrorCode.VALIDATION_FAILED || e.code() == ErrorCode.INVALID_STATE, e.toString());
        assertEquals(before, stored(), "a refused " + what + " changed something");
        note("refused control");
      }
      fleet.drain();
    }

    /** Mostly hosts the action accepts; sometimes one it must refuse (unknown, or in the wrong state). */
    List<String> chooseHosts(JobRun job, java.util.function.Predicate<HostState> fits) {
      List<String> good = job.hosts().stream().filter(h -> fits.test(h.state())).map(HostRun::host).toList();
      List<String> out = new ArrayList<>();
      int n = 1 + rnd.nextInt(3);
      for (int i = 0; i < n && !good.isEmpty(); i++) {
        out.add(pick(good));
      }
      if (out.isEmpty() || rnd.nextInt(8) == 0) {
        out.add(rnd.nextBoolean() ? "nohost" : pick(job.hosts()).host());
      }
      return out;
    }

    JsonObject randomChanges() {
      JsonObject c = new JsonObject();
      if (rnd.nextBoolean()) {
        c.put("concurrency", rnd.nextInt(4) == 0 ? null : randomLimit(30));
      }
      if (rnd.nextInt(3) == 0) {
        c.put("maxFailures", rnd.nextInt(3) == 0 ? null : randomLimit(30));
      }
      if (rnd.nextInt(3) == 0) {
        c.put("retries", rnd.nextInt(3));
      }
      if (rnd.nextInt(3) == 0) {
        c.put("hostTimeout", (30 + rnd.nextInt(270)) + "s");
      }
      if (rnd.nextInt(10) == 0) {
        c.put("concurrency", "lots");
      }
      if (c.isEmpty()) {
        c.put("retries", 1);
      }
      return c;
    }

    void failover() {
      log("failover");
      Map<String, String> before = everything();
      fleet.failover();
      assertEquals(before, everything(), "a failover must restore the same jobs, hosts and ledger");
      assertTrue(fleet.engine.drainTransitions().isEmpty(), "a restore changes no state");
      note("failover");
    }

    /** Public views of jobs, host records, and the ledger's holders per slot. */
    Map<String, String> everything() {
      Map<String, String> out = new TreeMap<>();
      Set<String> slots = new HashSet<>();
      for (JobRun job : fleet.engine.jobs()) {
        out.put(job.id(), job.toJson().encode());
        for (HostRun h : job.hosts()) {
          out.put(job.id() + "/" + h.host(), h.toRecord().encode());
          plan(job, h).slots().forEach(s -> slots.add(s.name()));
        }
      }
      for (String s : slots) {
        out.put("slot " + s, new TreeMap<>(Map.of("h", new java.util.TreeSet<>(fleet.engine.ledgerOf(NS).holders(s))))
            .toString());
      }
      return out;
    }

    /** What the engine would store: to check that a refused or ignored request changed nothing. */
    String stored() {
      StringBuilder sb = new StringBuilder();
      everything().forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
      return sb.toString();
    }

    // ---- dispatch and the invariants that only a dispatch can break -----------------------------------------------------

    void dispatch() {
      Map<String, HostState> pre = new HashMap<>();
      Set<String> preHolding = new HashSet<>();
      Map<String, JobState> preJobs = new HashMap<>();
      boolean anyActive = false;
      for (JobRun job : fleet.engine.jobs()) {
        preJobs.put(job.id(), job.state());
        for (HostRun h : job.hosts()) {
          pre.put(key(job, h), h.state());
          anyActive |= h.state().active();
          if (h.holding()) {
            preHolding.add(key(job, h));
          }
        }
      }
      busyJobs.clear();
      int firstTransition = fleet.transitions.size();
      List<TaskStart> out = fleet.dispatch();
      log("dispatch -> " + out.stream().map(TaskStart::taskId).toList());
      if (!out.isEmpty()) {
        note("dispatch");
      }

      Set<String> grew = new HashSet<>();
      for (TaskStart t : out) {
        JobRun job = fleet.engine.job(t.job());
        HostRun h = job.host(t.host());
        String k = t.job() + "/" + t.host();
        // (d) no double run: only a waiting host is dispatched, once per attempt
        assertEquals(HostState.WAITING, pre.get(k), k + " was dispatched while " + pre.get(k));
        assertEquals(HostState.READY, h.state(), k);
        assertEquals(t.taskId(), h.taskId());
        assertEquals(TaskStart.taskId(t.job(), t.host(), t.attempt()), t.taskId());
        assertEquals(List.of("deploy", t.host()), t.argv());
        // (c) every step it waits for has ended
        for (int s : plan(job, h).after()) {
          for (String other : job.plan().steps().get(s).hosts()) {
            assertTrue(job.host(other).state().terminal(), k + " dispatched while " + other + " of step "
                + job.plan().steps().get(s).ref() + " is " + job.host(other).state());
          }
        }
        if (!preHolding.contains(k)) {
          grew.add(t.job());
        }
      }
      // (b) a job that took a new place of its concurrency is within it
      for (String id : grew) {
        JobRun job = fleet.engine.job(id);
        int use = concurrencyUse(job);
        assertTrue(use <= concurrencyLimit(job), id + " dispatched beyond its concurrency: " + use + " > "
            + concurrencyLimit(job));
      }

      List<String> deadlockedNow = new ArrayList<>();
      for (Transition t : fleet.transitions.subList(firstTransition, fleet.transitions.size())) {
        if (t.host() == null && t.state().equals("deadlocked")) {
          deadlockedNow.add(t.job());
          note("deadlock");
        }
      }
      checkDeadlocks(deadlockedNow, preHolding);
      checkNothingStartableWaits();

      // (e) no hang: with nothing in flight, a dispatch that starts nothing leaves a job running only while the placer
      // was busy for a job of its namespace (whose hosts, once placed, may end and change what it waits for)
      if (!anyActive && out.isEmpty()) {
        for (JobRun job : fleet.engine.jobs()) {
          boolean busyNamespace = busyJobs.stream().anyMatch(id -> sameLedger(job, fleet.engine.job(id)));
          if (job.state() == JobState.RUNNING && !busyNamespace) {
            fail("hang: nothing runs, nothing was dispatched, no placer was busy in its namespace, and " + job.id()
                + " is still running: " + job.summary());
          }
        }
      }
    }

    /**
     * (h) A job deadlocked by this dispatch could start none of its waiting hosts (counting what its own failed hosts
     * held before the deadlock released them), unless a job deadlocked after it in the same dispatch released what it
     * needed: then that later job must not have been blocked by its own failed hosts (such a job is deadlocked first,
     * since its release may free the others). And a job holding nothing is never deadlocked before a job holding
     * failed hosts.
     */
    void checkDeadlocks(List<String> deadlocked, Set<String> preHolding) {
      for (int i = 0; i < deadlocked.size(); i++) {
        JobRun job = fleet.engine.job(deadlocked.get(i));
        assertEquals(JobState.DEADLOCKED, job.state());
        for (HostRun h : job.hosts()) {
          assertFalse(h.state().active(), job.id() + " deadlocked while " + h.host() + " is " + h.state());
          assertFalse(h.holding(), job.id() + " deadlocked but " + h.host() + " still holds");
        }
        assertTrue(job.hosts().stream().anyMatch(h -> h.state() == HostState.WAITING));
        Set<String> ownReleased = heldBefore(job, preHolding);
        List<JobRun> later = new ArrayList<>();
        for (String id : deadlocked.subList(i + 1, deadlocked.size())) {
          if (sameLedger(job, fleet.engine.job(id))) {
            later.add(fleet.engine.job(id));
          }
        }
        Map<String, Integer> slotUse = slotUse(ownReleased, false);
        for (HostRun h : job.hosts()) {
          if (h.state() == HostState.WAITING && blocked(job, h, ownReleased, slotUse) == null) {
            assertFalse(later.isEmpty(), job.id() + " was deadlocked (" + job.reason() + ") but " + h.host()
                + " could start; deadlocked by this dispatch, in order: " + deadlocked);
            for (JobRun other : later) {
              assertFalse(blockedByItself(other, preHolding), job.id() + " was deadlocked before " + other.id()
                  + ", which was blocked by its own failed hosts; its release let " + h.host() + " start");
            }
          }
        }
        for (JobRun other : later) {
          assertFalse(ownReleased.isEmpty() && !heldBefore(other, preHolding).isEmpty(), job.id()
              + " held nothing and was deadlocked before " + other.id() + ", whose failed hosts held slots");
        }
      }
    }

    /** Hosts of the job that held their places before the dispatch. */
    Set<String> heldBefore(JobRun job, Set<String> preHolding) {
      Set<String> out = new HashSet<>();
      for (HostRun h : job.hosts()) {
        if (preHolding.contains(key(job, h))) {
          out.add(key(job, h));
        }
      }
      return out;
    }

    /** Whether none of the job's waiting hosts could start even if only its own failed hosts held anything. */
    boolean blockedByItself(JobRun job, Set<String> preHolding) {
      Set<String> own = heldBefore(job, preHolding);
      Map<String, Integer> slotUse = slotUse(own, true);
      return job.hosts().stream()
          .noneMatch(h -> h.state() == HostState.WAITING && blocked(job, h, own, slotUse) == null);
    }

    /** After a dispatch, no waiting host of a running job could have started (unless its placer was busy). */
    void checkNothingStartableWaits() {
      Map<String, Integer> slotUse = slotUse(Set.of(), false);
      for (JobRun job : fleet.engine.jobs()) {
        if (job.state() != JobState.RUNNING || busyJobs.contains(job.id())) {
          continue;
        }
        for (HostRun h : job.hosts()) {
          if (h.state() == HostState.WAITING) {
            assertTrue(blocked(job, h, Set.of(), slotUse) != null, job.id() + "/" + h.host()
                + " could start but still waits (" + h.reason() + ")");
          }
        }
      }
    }

    /**
     * Why a waiting host cannot start now, computed from the states of all hosts of the namespace; null if it could.
     * {@code alsoHolding} names hosts to count as holding their places though they no longer do; {@code slotUse} is
     * {@link #slotUse} of the same hosts.
     */
    String blocked(JobRun job, HostRun h, Set<String> alsoHolding, Map<String, Integer> slotUse) {
      for (int s : plan(job, h).after()) {
        for (String other : job.plan().steps().get(s).hosts()) {
          if (!job.host(other).state().terminal()) {
            return "step " + job.plan().steps().get(s).ref();
          }
        }
      }
      if (h.holding()) {
        return null;
      }
      int use = concurrencyUse(job);
      for (HostRun o : job.hosts()) {
        if (alsoHolding.contains(key(job, o)) && !o.holding() && !o.state().active()) {
          use++;
        }
      }
      if (use >= concurrencyLimit(job)) {
        return "job concurrency";
      }
      for (SlotRef slot : plan(job, h).slots()) {
        if (slotUse.getOrDefault(ledger(job) + " " + slot.name(), 0) >= slot.limit()) {
          return slot.name();
        }
      }
      return null;
    }

    /**
     * Per namespace and slot ({@code "ns:x t1"}), how many hosts of every job hold it: running or holding, and the
     * hosts of {@code alsoHolding}; with {@code onlyThose}, the hosts of {@code alsoHolding} alone.
     */
    Map<String, Integer> slotUse(Set<String> alsoHolding, boolean onlyThose) {
      Map<String, Integer> use = new HashMap<>();
      for (JobRun job : fleet.engine.jobs()) {
        for (HostRun h : job.hosts()) {
          boolean holds = !onlyThose && (h.state().active() || h.holding());
          if (holds || alsoHolding.contains(key(job, h))) {
            for (SlotRef s : plan(job, h).slots()) {
              use.merge(ledger(job) + " " + s.name(), 1, Integer::sum);
            }
          }
        }
      }
      return use;
    }

    // ---- the invariants checked after every step ------------------------------------------------------------------------

    void check() {
      Map<String, Map<String, List<String>>> holdersByLedger = new HashMap<>();
      Map<String, SlotRef> slotRefs = new HashMap<>();
      Map<String, String> states = new HashMap<>();
      for (JobRun job : fleet.engine.jobs()) {
        checkJob(job);
        states.put(job.id(), job.state().wire());
        for (HostRun h : job.hosts()) {
          states.put(key(job, h), h.state().wire());
          if (h.state().active() || h.holding()) {
            for (SlotRef s : plan(job, h).slots()) {
              holdersByLedger.computeIfAbsent(ledger(job), x -> new TreeMap<>())
                  .computeIfAbsent(s.name(), x -> new ArrayList<>()).add(key(job, h));
              slotRefs.merge(s.name(), s, (a, b) -> a.limit() <= b.limit() ? a : b);
            }
          }
        }
      }
      // (a) no slot holds more than its limit, across every job of the namespace; the engine's ledger agrees
      holdersByLedger.forEach((ledger, slots) -> slots.forEach((slot, holders) ->
          assertTrue(holders.size() <= slotRefs.get(slot).limit(), "slot " + slot + " of " + ledger + " holds "
              + holders + " beyond its limit " + slotRefs.get(slot).limit())));
      Map<String, List<String>> nsHolders = holdersByLedger.getOrDefault("ns:" + NS, Map.of());
      for (String slot : fleet.engine.ledgerOf(NS).knownSlots().keySet()) {
        assertEquals(Set.copyOf(nsHolders.getOrDefault(slot, List.of())), fleet.engine.ledgerOf(NS).holders(slot),
            "the ledger of slot " + slot + " disagrees with the hosts");
      }

      // every state change was published, and the last transition of each host or job is its state
      List<Transition> fresh = fleet.transitions.subList(transitionsSeen, fleet.transitions.size());
      Map<String, String> lastPublished = new HashMap<>();
      for (Transition t : fresh) {
        lastPublished.put(t.host() == null ? t.job() : t.job() + "/" + t.host(), t.state());
      }
      transitionsSeen = fleet.transitions.size();
      for (Map.Entry<String, String> e : states.entrySet()) {
        String before = lastStates.get(e.getKey());
        if (before != null && !before.equals(e.getValue())) {
          assertTrue(lastPublished.containsKey(e.getKey()), e.getKey() + " went from " + before + " to " + e.getValue()
              + " without a transition");
        }
        if (lastPublished.containsKey(e.getKey())) {
          assertEquals(e.getValue(), lastPublished.get(e.getKey()), "the last transition of " + e.getKey());
        }
      }
      lastStates = states;
    }

    void checkJob(JobRun job) {
      Map<HostState, Integer> counts = new HashMap<>();
      int holding = 0;
      int failures = 0;
      int terminal = 0;
      for (HostRun h : job.hosts()) {
        counts.merge(h.state(), 1, Integer::sum);
        failures += h.state().failure() ? 1 : 0;
        terminal += h.state().terminal() ? 1 : 0;
        if (h.state().active()) {
          assertTrue(h.holding(), key(job, h) + " runs without holding its places");
        } else if (h.holding()) {
          holding++;
          assertEquals(JobState.RUNNING, job.state(), key(job, h) + " is " + h.state() + " and holds in a "
              + job.state() + " job");
          assertTrue(h.state().failure() || h.state() == HostState.WAITING, key(job, h) + " holds while " + h.state());
        }
        if (h.state() == HostState.WAITING) {
          assertTrue(h.reason() != null && !h.reason().isEmpty(), key(job, h) + " waits without a reason");
        }
      }
      // (g) the counts and summary in the public view match the hosts
      JsonObject view = job.toJson();
      for (HostState s : HostState.values()) {
        assertEquals(counts.getOrDefault(s, 0), view.getJsonObject("counts").getInteger(s.wire()), job.id() + " count "
            + s.wire());
      }
      assertEquals(job.total(), view.getInteger("total"));
      assertTrue(job.summary().startsWith("done " + terminal + "/" + job.total()), job.summary());
      // (b) job concurrency: within its limit, or (after an alter lowered it) never growing
      int use = concurrencyUse(job);
      int limit = concurrencyLimit(job);
      if (use > limit) {
        assertTrue(use <= lastConcurrencyUse.getOrDefault(job.id(), 0), job.id() + " holds " + use
            + " places of its concurrency " + limit + " and took more");
      }
      lastConcurrencyUse.put(job.id(), use);

      switch (job.state()) {
        case RUNNING -> {
          assertTrue(terminal < job.total(), job.id() + " runs with every host ended: " + job.summary());
          assertEquals(null, job.endedAt());
          assertEquals(0, counts.getOrDefault(HostState.HALTED, 0), job.id() + " runs with halted hosts: "
              + job.summary());
        }
        case FINISHED, FAILED -> {
          assertEquals(job.total(), terminal, job.id() + " ended with hosts not ended: " + job.summary());
          assertEquals(job.state() == JobState.FAILED, failures > 0, job.id() + " is " + job.state() + ": "
              + job.summary());
          assertEquals(0, counts.getOrDefault(HostState.HALTED, 0), job.id() + " is " + job.state()
              + " with halted hosts: " + job.summary());
          assertEquals(0, holding);
          assertTrue(job.endedAt() != null);
          note("job " + job.state().wire());
        }
        case DEADLOCKED -> {
          assertEquals(0, holding);
          assertTrue(counts.getOrDefault(HostState.WAITING, 0) > 0, job.id() + " deadlocked with nothing waiting");
          assertEquals(0, counts.getOrDefault(HostState.READY, 0) + counts.getOrDefault(HostState.RUNNING, 0));
        }
        case HALTED -> {
          assertEquals(0, holding);
          if (job.reason().startsWith("failure budget spent")) {
            note("budget halt");
          }
        }
        case TIMED_OUT -> {
          assertEquals(0, holding);
          assertEquals(0, counts.getOrDefault(HostState.WAITING, 0), job.id() + " timed out with waiting hosts");
          note("job timeout");
        }
        default -> fail("unknown job state " + job.state());
      }
      for (HostRun h : job.hosts()) {
        if (h.state() == HostState.LOST && h.reason().contains("did not confirm the kill")) {
          note("kill never confirmed");
        }
      }
    }

    // ---- the end: every job is driven to one of its end states ---------------------------------------------------------

    void driveToTheEnd() {
      log("-- driving every job to its end");
      busyRate = 0;
      impossibleRate = 0;
      while (!pending.isEmpty()) {
        submitNext();
        check();
      }
      for (int round = 0; round < END_ROUNDS && !allEnded(); round++) {
        for (HostRun h : hostsWhere(x -> x.state().active())) {
          log("succeeded " + h.taskId());
          assertTrue(fleet.engine.finished(h.taskId(), 0, false, null, fleet.now, fleet.now));
          fleet.drain();
          check();
        }
        for (JobRun job : List.copyOf(fleet.engine.jobs())) {
          if (job.state() == JobState.HALTED) {
            tryControl(() -> fleet.engine.resume(job.id(), fleet.now), "resume " + job.id());
          } else if (job.state() == JobState.DEADLOCKED) {
            List<String> failed = job.hosts().stream().filter(h -> h.state().failure()).map(HostRun::host).toList();
            if (failed.isEmpty()) {
              List<String> waiting = job.hosts().stream().filter(h -> h.state() == HostState.WAITING)
                  .map(HostRun::host).toList();
              tryControl(() -> fleet.engine.skip(job.id(), waiting.subList(0, 1), fleet.now), "skip " + job.id()
                  + " " + waiting.get(0));
            } else if (rnd.nextBoolean()) {
              tryControl(() -> fleet.engine.retry(job.id(), failed, fleet.now), "retry " + job.id() + " " + failed);
            } else {
              tryControl(() -> fleet.engine.skip(job.id(), failed, fleet.now), "skip " + job.id() + " " + failed);
            }
          }
          check();
        }
        fleet.advance(1_000);
        fleet.tick();
        check();
        dispatch();
        check();
      }
      // (f) every target ends in exactly one terminal state, and the jobs' outcomes match their hosts
      for (JobRun job : fleet.engine.jobs()) {
        assertTrue(job.state().ended(), job.id() + " did not end within " + END_ROUNDS + " rounds: " + job.state()
            + " (" + job.reason() + ") " + job.summary());
        int terminal = 0;
        for (HostRun h : job.hosts()) {
          assertTrue(h.state().terminal(), key(job, h) + " is " + h.state() + " in an ended job");
          terminal++;
        }
        assertEquals(job.total(), terminal);
        assertEquals(job.plan().hosts().size(), job.total());
        assertTrue(job.summary().startsWith("done " + job.total() + "/" + job.total()), job.summary());
      }
      for (String slot : fleet.engine.ledgerOf(NS).knownSlots().keySet()) {
        assertEquals(0, fleet.engine.ledgerOf(NS).used(slot), "slot " + slot + " still held after every job ended");
      }
    }

    boolean allEnded() {
      return pending.isEmpty() && fleet.engine.jobs().stream()
          .allMatch(j -> j.state().ended() && j.hosts().stream().noneMatch(h -> h.state().active()));
    }

    void tryControl(Runnable action, String what) {
      log(what);
      try {
        action.run();
      } catch (PogoException e) {
        log("  refused: " + e.getMessage());
      }
      fleet.drain();
    }

    // ---- independent model helpers --------------------------------------------------------------------------------------

    static io.pogo.scheduler.plan.HostPlan plan(JobRun job, HostRun h) {
      return job.plan().byHost().get(h.host());
    }

    static String key(JobRun job, HostRun h) {
      return job.id() + "/" + h.host();
    }

    static String ledger(JobRun job) {
      return job.request().namespace() == null ? "job:" + job.id() : "ns:" + job.request().namespace();
    }

    static boolean sameLedger(JobRun a, JobRun b) {
      return ledger(a).equals(ledger(b));
    }

    /** Hosts of the job holding a place of its concurrency: running, or failed (or retrying) and still holding. */
    static int concurrencyUse(JobRun job) {
      int n = 0;
      for (HostRun h : job.hosts()) {
        if (h.state().active() || h.holding()) {
          n++;
        }
      }
      return n;
    }

    /** The job's concurrency as its public view states it, resolved over its hosts (cached until an alter). */
    int concurrencyLimit(JobRun job) {
      return limits.computeIfAbsent(job.id(), id -> {
        String text = job.toJson().getString("concurrency");
        return text == null ? Integer.MAX_VALUE : Limit.parse(text).resolve(job.total());
      });
    }
  }
}
