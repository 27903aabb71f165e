package io.pogo.scheduler.plan;

import io.pogo.core.error.PogoException;
import io.pogo.scheduler.config.NamespaceConfig;
import io.pogo.scheduler.config.NamespaceConfigParser;
import io.pogo.scheduler.config.NaturalOrder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The planner against random configs and random job host subsets, checked against a small, obviously correct
 * reference model and against the invariants the engine relies on. Each case has its own seed; a failure prints it,
 * and {@code -Dpogo.test.seed=<seed>} replays exactly that case first.
 */
class PlannerPropertyTest {
  private static final int CASES = 400;
  private static final int JOBS_PER_CASE = 6;

  @Test
  void randomConfigsAndJobs() {
    long base = Long.getLong("pogo.test.seed", System.nanoTime());
    int cycles = 0;
    for (int i = 0; i < CASES; i++) {
      long seed = base + i;
      try {
        cycles += oneCase(seed);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("planner property failed with seed " + seed + " (replay: -Dpogo.test.seed=" + seed
            + "): " + e.getMessage(), e);
      }
    }
    assertTrue(cycles > 0, "the generator should produce some circular sequences too (base seed " + base + ")");
  }

  /** One random config and several jobs on it; returns how many of the jobs were refused as circular. */
  private static int oneCase(long seed) {
    Random rnd = new Random(seed);
    List<String> pool = new ArrayList<>();
    int n = 3 + rnd.nextInt(25);
    for (int i = 1; i <= n; i++) {
      pool.add("h" + i);
    }
    JsonObject json = randomConfig(rnd, pool);
    NamespaceConfig config = NamespaceConfigParser.parse(json);

    Set<String> known = new TreeSet<>(NaturalOrder.COMPARATOR);
    config.tags().values().forEach(known::addAll);
    config.sequences().forEach(s -> s.steps().forEach(st -> {
      if (st.host() != null) {
        known.add(st.host());
      }
    }));
    boolean fullCircular = reference(config, new ArrayList<>(known)).circular;

    int refused = 0;
    for (int j = 0; j < JOBS_PER_CASE; j++) {
      List<String> job = new ArrayList<>();
      for (String h : pool) {
        if (rnd.nextInt(3) > 0) {
          job.add(h);
        }
      }
      if (rnd.nextBoolean()) {
        job.add("outsider" + rnd.nextInt(3));
      }
      if (job.isEmpty()) {
        job.add(pool.get(0));
      }
      Reference ref = reference(config, job);
      Plan plan;
      try {
        plan = Planner.plan(config, job);
      } catch (PogoException e) {
        assertTrue(ref.circular, "refused a plan the reference finds acyclic: " + e.getMessage());
        assertEquals("sequence", e.errors().get(0).field());
        assertTrue(fullCircular, "a job on a subset is circular only if the whole config is");
        refused++;
        continue;
      }
      assertFalse(ref.circular, "accepted a circular plan");
      check(config, job, plan, ref, rnd);
    }
    return refused;
  }

  private static void check(NamespaceConfig config, List<String> job, Plan plan, Reference ref, Random rnd) {
    TreeSet<String> distinct = new TreeSet<>(NaturalOrder.COMPARATOR);
    distinct.addAll(job);
    assertEquals(List.copyOf(distinct), plan.hosts(), "hosts: distinct, natural order");
    assertEquals(plan.hosts(), List.copyOf(plan.byHost().keySet()));

    assertEquals(ref.steps, plan.steps().stream().map(PlanStep::hosts).toList(), "step hosts");
    for (int id = 0; id < plan.steps().size(); id++) {
      PlanStep s = plan.steps().get(id);
      assertEquals(id, s.id());
      List<String> sorted = new ArrayList<>(s.hosts());
      sorted.sort(NaturalOrder.COMPARATOR);
      assertEquals(sorted, s.hosts(), "hosts inside a step in natural order");
    }

    Set<String> unsequenced = new HashSet<>(plan.unsequenced());
    assertEquals(plan.unsequenced().size(), unsequenced.size());
    for (String h : plan.hosts()) {
      HostPlan hp = plan.byHost().get(h);
      assertEquals(h, hp.host());
      assertTrue(hp.steps().isEmpty() == unsequenced.contains(h), h + ": in a step or unsequenced, not both");
      assertEquals(ref.after.getOrDefault(h, List.of()), hp.after(), h + ": after");
      Set<String> sequencesOfHost = new HashSet<>();
      for (int id : hp.steps()) {
        assertTrue(plan.steps().get(id).hosts().contains(h));
        assertTrue(sequencesOfHost.add(plan.steps().get(id).sequence()), h + " is in two steps of one sequence");
      }
      for (int a : hp.after()) {
        PlanStep before = plan.steps().get(a);
        assertFalse(before.hosts().isEmpty(), "an empty step is never waited for");
        assertFalse(before.hosts().contains(h), h + " waits for a step it is in");
        assertTrue(hp.steps().stream().map(plan.steps()::get)
                .anyMatch(s -> s.sequence().equals(before.sequence()) && s.index() > before.index()),
            h + ": step " + a + " is not earlier in one of its sequences");
      }
    }
    for (PlanStep s : plan.steps()) {
      for (String h : s.hosts()) {
        assertTrue(plan.byHost().get(h).steps().contains(s.id()));
      }
    }

    Map<String, RefSlot> slots = referenceSlots(config);
    Map<String, SlotRef> used = new HashMap<>();
    for (String h : plan.hosts()) {
      List<SlotRef> got = plan.byHost().get(h).slots();
      Set<String> names = new HashSet<>();
      for (SlotRef s : got) {
        assertTrue(names.add(s.name()), h + " counts twice against " + s.name());
        RefSlot r = slots.get(s.name());
        assertTrue(r != null && r.hosts.contains(h), h + " is not in slot " + s.name());
        assertEquals(r.hosts.size(), s.population(), s.name() + ": population from the config");
        assertEquals(r.limit, s.limit(), s.name() + ": limit");
        used.put(s.name(), s);
      }
      for (Map.Entry<String, RefSlot> r : slots.entrySet()) {
        assertEquals(r.getValue().hosts.contains(h), names.contains(r.getKey()), h + " and slot " + r.getKey());
      }
    }
    assertEquals(used, plan.slots());

    List<String> shuffled = new ArrayList<>(job);
    shuffled.addAll(job.subList(0, job.size() / 2));
    Collections.shuffle(shuffled, rnd);
    assertEquals(plan, Planner.plan(config, shuffled), "same hosts in another order give the same plan");
  }

  // ---------------------------------------------------------------- random configs

  private static JsonObject randomConfig(Random rnd, List<String> pool) {
    JsonObject tag = new JsonObject();
    List<String> refs = new ArrayList<>();
    int tags = 1 + rnd.nextInt(4);
    for (int t = 0; t < tags; t++) {
      String name = "t" + t;
      refs.add("$" + name);
      if (rnd.nextInt(3) == 0) {
        tag.put(name, subset(rnd, pool));
      } else {
        int values = 1 + rnd.nextInt(3);
        JsonObject map = new JsonObject();
        for (int v = 0; v < values; v++) {
          refs.add("$" + name + ".v" + v);
          if (rnd.nextBoolean()) {
            map.put("v" + v, subset(rnd, pool));
          } else {
            tag.put(name + ".v" + v, subset(rnd, pool));
          }
        }
        if (!map.isEmpty()) {
          tag.put(name, map);
        }
      }
    }
    JsonObject json = new JsonObject().put("tag", tag);

    int sequences = rnd.nextInt(4);
    if (sequences == 1 && rnd.nextBoolean()) {
      json.put("sequence", steps(rnd, refs, pool));
    } else if (sequences > 0) {
      JsonObject seq = new JsonObject();
      for (int s = 0; s < sequences; s++) {
        int kind = rnd.nextInt(3);
        if (kind == 0) {
          seq.put("s" + s, steps(rnd, refs, pool));
        } else if (kind == 1) {
          seq.put(pick(rnd, refs), steps(rnd, refs, pool));
        } else {
          seq.put(pick(rnd, refs), new JsonObject().put(pick(rnd, refs), steps(rnd, refs, pool)));
        }
      }
      json.put("sequence", seq);
    }

    int constraints = rnd.nextInt(5);
    if (constraints > 0) {
      JsonObject con = new JsonObject();
      for (int c = 0; c < constraints; c++) {
        JsonObject body = new JsonObject();
        if (rnd.nextInt(3) > 0) {
          body.put("max_parallel", limit(rnd));
        }
        if (body.isEmpty() || rnd.nextInt(3) == 0) {
          JsonObject inner = new JsonObject().put("max_parallel", limit(rnd));
          if (rnd.nextInt(4) == 0) {
            inner.put(pick(rnd, refs), new JsonObject().put("max_parallel", limit(rnd)));
          }
          body.put(pick(rnd, refs), inner);
        }
        con.put(pick(rnd, refs), body);
      }
      json.put("constraint", con);
    }
    return json;
  }

  private static JsonArray subset(Random rnd, List<String> pool) {
    JsonArray a = new JsonArray();
    int p = 1 + rnd.nextInt(3);
    for (String h : pool) {
      if (rnd.nextInt(4) < p) {
        a.add(h);
      }
    }
    return a;
  }

  private static JsonArray steps(Random rnd, List<String> refs, List<String> pool) {
    JsonArray a = new JsonArray();
    int k = 1 + rnd.nextInt(4);
    for (int i = 0; i < k; i++) {
      int kind = rnd.nextInt(5);
      a.add(kind == 0 ? pick(rnd, pool) : kind == 1 && rnd.nextBoolean() ? "outsider" + rnd.nextInt(3) : pick(rnd, refs));
    }
    return a;
  }

  private static Object limit(Random rnd) {
    return switch (rnd.nextInt(3)) {
      case 0 -> 1 + rnd.nextInt(5);
      case 1 -> String.valueOf(1 + rnd.nextInt(5));
      default -> (1 + rnd.nextInt(100)) + "%";
    };
  }

  private static String pick(Random rnd, List<String> from) {
    return from.get(rnd.nextInt(from.size()));
  }

  // ---------------------------------------------------------------- reference model

  private record Reference(List<List<String>> steps, Map<String, List<Integer>> after, boolean circular) {
  }

  /** The planner's rules written the plain way: sets, one pass per sequence, a DFS for circles. */
  private static Reference reference(NamespaceConfig config, List<String> job) {
    Set<String> jobSet = new HashSet<>(job);
    List<List<String>> steps = new ArrayList<>();
    Map<String, List<Integer>> after = new HashMap<>();
    for (NamespaceConfig.Sequence seq : config.sequences()) {
      Set<String> taken = new HashSet<>();
      Integer previous = null;
      for (NamespaceConfig.Step step : seq.steps()) {
        Set<String> members = step.host() != null ? Set.of(step.host()) : config.tags().get(step.tagPath());
        TreeSet<String> hosts = new TreeSet<>(NaturalOrder.COMPARATOR);
        for (String h : members) {
          boolean inFilters = seq.filters().stream().allMatch(f -> config.tags().get(f).contains(h));
          if (jobSet.contains(h) && inFilters && !taken.contains(h)) {
            hosts.add(h);
          }
        }
        taken.addAll(hosts);
        int id = steps.size();
        steps.add(List.copyOf(hosts));
        for (String h : hosts) {
          List<Integer> a = after.computeIfAbsent(h, x -> new ArrayList<>());
          if (previous != null) {
            a.add(previous);
          }
        }
        if (!hosts.isEmpty()) {
          previous = id;
        }
      }
    }
    after.values().forEach(Collections::sort);
    Map<Integer, Set<Integer>> edges = new HashMap<>();
    for (int id = 0; id < steps.size(); id++) {
      for (String h : steps.get(id)) {
        edges.computeIfAbsent(id, x -> new HashSet<>()).addAll(after.get(h));
      }
    }
    int[] state = new int[steps.size()];
    boolean circular = false;
    for (int id = 0; id < steps.size() && !circular; id++) {
      circular = dfsFindsCircle(id, edges, state);
    }
    return new Reference(steps, after, circular);
  }

  private static boolean dfsFindsCircle(int node, Map<Integer, Set<Integer>> edges, int[] state) {
    if (state[node] == 1) {
      return true;
    }
    if (state[node] == 2) {
      return false;
    }
    state[node] = 1;
    for (int next : edges.getOrDefault(node, Set.of())) {
      if (dfsFindsCircle(next, edges, state)) {
        return true;
      }
    }
    state[node] = 2;
    return false;
  }

  private record RefSlot(Set<String> hosts, int limit) {
  }

  /** Every slot of the config: its hosts and its limit (the smallest when several constraints name it). */
  private static Map<String, RefSlot> referenceSlots(NamespaceConfig config) {
    Map<String, RefSlot> out = new LinkedHashMap<>();
    for (NamespaceConfig.Constraint c : config.constraints()) {
      List<String> bases = c.perValue() ? config.children().get(c.tagPath()) : List.of(c.tagPath());
      assertEquals(c.perValue(), !c.tagPath().contains(".") && !config.children().get(c.tagPath()).isEmpty(),
          "perValue for " + c.path());
      for (String base : bases) {
        Set<String> hosts = new HashSet<>(config.tags().get(base));
        for (String s : c.scope()) {
          hosts.retainAll(config.tags().get(s));
        }
        int population = hosts.size();
        int limit = c.maxParallel().percent()
            ? Math.max(1, (int) Math.floor(c.maxParallel().value() * (double) population / 100.0))
            : c.maxParallel().value();
        String name = (c.scope().isEmpty() ? "" : String.join("&", c.scope()) + "&") + base;
        RefSlot before = out.get(name);
        if (before == null || limit < before.limit) {
          out.put(name, new RefSlot(hosts, limit));
        }
      }
    }
    return out;
  }
}
