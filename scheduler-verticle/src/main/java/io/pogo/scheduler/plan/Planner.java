package io.pogo.scheduler.plan;

import io.pogo.core.error.PogoException;
import io.pogo.scheduler.config.NamespaceConfig;
import io.pogo.scheduler.config.NaturalOrder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes a job's {@link Plan} from its namespace config and its hosts. Pure: no clock, no randomness, no I/O,
 * and the same inputs give an equal plan, so a dry run shows exactly what a run would do and a scheduler that
 * takes over after a node loss re-plans to the same schedule.
 *
 * <p>Rules (DESIGN.md, "Jobs"; the numbered Yahoo bugs are in reference/yahoo-pogo.md, section 2):
 * <ul>
 *   <li>Hosts are distinct and in natural order ({@link NaturalOrder}); so are the hosts of each step.</li>
 *   <li>Every step of every sequence becomes a {@link PlanStep}, in config order, holding the job hosts that are in
 *       the step's tag (or are its literal host) and in every filter tag of its sequence. A step with no job hosts
 *       stays in the plan (a dry run shows it) but is skipped: the next step waits for the nearest earlier step
 *       that has hosts, so the order stays transitive across an empty middle step.</li>
 *   <li>A host listed in two steps of the same sequence belongs to the first of them only: it runs once, and
 *       putting it in the later step too would make it wait for a step it is itself in.</li>
 *   <li>A host in several sequences runs once, after the predecessor step of each (Yahoo ran it once per
 *       sequence). If that makes steps wait for each other in a circle, no host of them could ever start, so the
 *       plan is refused ({@code sequence}) naming the steps and hosts of the circle.</li>
 *   <li>Each {@code max_parallel} gives slots: one per child value for a per-value key ({@code $colo} gives
 *       {@code colo.east}, {@code colo.west}), else one for the key's tag; nested keys intersect and prefix the name
 *       ({@code frontend&colo.east}). A slot's population is its host count in the namespace config, not in the job,
 *       because the limit is a budget shared by every job of the namespace; percentages resolve to
 *       max(1, floor(P x population / 100)). When two constraints give the same slot name the smaller limit wins
 *       (both limits are then respected). A host counts against each of its slots once (Yahoo could add a counter
 *       twice); a host the config does not know has no slots.</li>
 * </ul>
 */
public final class Planner {

  /** The display name of the unnamed sequence (a top-level {@code sequence} list). */
  public static final String MAIN = "main";

  private Planner() {
  }

  /**
   * Plans a job.
   *
   * @param config   the namespace config, or {@code null} for a job without namespace: no steps, no slots
   * @param jobHosts the job's hosts (expanded targets); order and duplicates do not matter
   * @throws PogoException {@code VALIDATION_FAILED} on field {@code sequence} when the sequences would make steps
   *                       wait for each other in a circle
   */
  public static Plan plan(NamespaceConfig config, List<String> jobHosts) {
    NamespaceConfig cfg = config == null ? NamespaceConfig.empty() : config;
    SortedSet<String> sorted = new TreeSet<>(NaturalOrder.COMPARATOR);
    for (String h : jobHosts) {
      sorted.add(Objects.requireNonNull(h, "a job host is null"));
    }
    List<String> hosts = List.copyOf(sorted);
    Set<String> jobSet = new HashSet<>(hosts);

    List<PlanStep> steps = new ArrayList<>();
    Map<String, List<Integer>> stepsOf = new HashMap<>();
    Map<String, SortedSet<Integer>> afterOf = new HashMap<>();
    for (NamespaceConfig.Sequence seq : cfg.sequences()) {
      String name = seq.name() == null ? MAIN : seq.name();
      List<SortedSet<String>> filters = seq.filters().stream().map(f -> members(cfg, f)).toList();
      Set<String> taken = new HashSet<>();
      int previous = -1;
      for (int k = 0; k < seq.steps().size(); k++) {
        NamespaceConfig.Step step = seq.steps().get(k);
        List<String> stepHosts = new ArrayList<>();
        for (String h : candidates(cfg, step, hosts, jobSet)) {
          if (!taken.contains(h) && inAll(h, filters)) {
            stepHosts.add(h);
          }
        }
        taken.addAll(stepHosts);
        int id = steps.size();
        steps.add(new PlanStep(id, name, k, step.ref(), List.copyOf(stepHosts)));
        for (String h : stepHosts) {
          stepsOf.computeIfAbsent(h, x -> new ArrayList<>()).add(id);
          SortedSet<Integer> after = afterOf.computeIfAbsent(h, x -> new TreeSet<>());
          if (previous >= 0) {
            after.add(previous);
          }
        }
        if (!stepHosts.isEmpty()) {
          previous = id;
        }
      }
    }
    checkAcyclic(steps, afterOf);

    Map<String, List<SlotRef>> slotsOf = new HashMap<>();
    SortedMap<String, SlotRef> usedSlots = new TreeMap<>(NaturalOrder.COMPARATOR);
    for (Slot slot : slots(cfg)) {
      Iterable<String> scan = slot.hosts.size() <= jobSet.size() ? slot.hosts : hosts;
      for (String h : scan) {
        if (jobSet.contains(h) && slot.hosts.contains(h)) {
          slotsOf.computeIfAbsent(h, x -> new ArrayList<>()).add(slot.ref);
          usedSlots.put(slot.ref.name(), slot.ref);
        }
      }
    }

    Map<String, HostPlan> byHost = new LinkedHashMap<>();
    List<String> unsequenced = new ArrayList<>();
    for (String h : hosts) {
      List<Integer> in = stepsOf.getOrDefault(h, List.of());
      if (in.isEmpty()) {
        unsequenced.add(h);
      }
      byHost.put(h, new HostPlan(h, List.copyOf(slotsOf.getOrDefault(h, List.of())), List.copyOf(in),
          List.copyOf(afterOf.getOrDefault(h, Collections.emptySortedSet()))));
    }
    return new Plan(hosts, Collections.unmodifiableMap(byHost), List.copyOf(steps), List.copyOf(unsequenced),
        Collections.unmodifiableSortedMap(usedSlots));
  }

  private static SortedSet<String> members(NamespaceConfig cfg, String tagPath) {
    SortedSet<String> m = cfg.tags().get(tagPath);
    return m == null ? Collections.emptySortedSet() : m;
  }

  private static boolean inAll(String host, List<? extends Set<String>> sets) {
    for (Set<String> s : sets) {
      if (!s.contains(host)) {
        return false;
      }
    }
    return true;
  }

  /** The job hosts a step names, in natural order, scanning whichever of the two sets is smaller. */
  private static List<String> candidates(NamespaceConfig cfg, NamespaceConfig.Step step, List<String> hosts,
                                         Set<String> jobSet) {
    if (step.host() != null) {
      return jobSet.contains(step.host()) ? List.of(step.host()) : List.of();
    }
    SortedSet<String> members = members(cfg, step.tagPath());
    List<String> out = new ArrayList<>();
    if (members.size() < hosts.size() && members.comparator() == NaturalOrder.COMPARATOR) {
      for (String h : members) {
        if (jobSet.contains(h)) {
          out.add(h);
        }
      }
    } else {
      for (String h : hosts) {
        if (members.contains(h)) {
          out.add(h);
        }
      }
    }
    return out;
  }

  /**
   * Refuses sequences that wait for each other in a circle. Step S depends on step P when a host of S waits for P
   * (S cannot finish before that host runs); a circle of such dependencies can never start.
   */
  private static void checkAcyclic(List<PlanStep> steps, Map<String, SortedSet<Integer>> afterOf) {
    int n = steps.size();
    List<SortedSet<Integer>> deps = new ArrayList<>(n);
    List<List<Integer>> dependents = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      deps.add(new TreeSet<>());
      dependents.add(new ArrayList<>());
    }
    for (PlanStep s : steps) {
      for (String h : s.hosts()) {
        for (int p : afterOf.getOrDefault(h, Collections.emptySortedSet())) {
          if (deps.get(s.id()).add(p)) {
            dependents.get(p).add(s.id());
          }
        }
      }
    }
    int[] waiting = new int[n];
    Deque<Integer> free = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      waiting[i] = deps.get(i).size();
      if (waiting[i] == 0) {
        free.add(i);
      }
    }
    while (!free.isEmpty()) {
      for (int s : dependents.get(free.poll())) {
        if (--waiting[s] == 0) {
          free.add(s);
        }
      }
    }
    for (int start = 0; start < n; start++) {
      if (waiting[start] > 0) {
        throw PogoException.validation("sequence", describeCycle(cycleFrom(start, deps, waiting), steps, afterOf));
      }
    }
  }

  /** Follows stuck dependencies (each stuck step has one) from {@code start} until a step repeats. */
  private static List<Integer> cycleFrom(int start, List<SortedSet<Integer>> deps, int[] waiting) {
    List<Integer> path = new ArrayList<>();
    Map<Integer, Integer> seenAt = new HashMap<>();
    int cur = start;
    while (!seenAt.containsKey(cur)) {
      seenAt.put(cur, path.size());
      path.add(cur);
      int next = -1;
      for (int p : deps.get(cur)) {
        if (waiting[p] > 0) {
          next = p;
          break;
        }
      }
      cur = next;
    }
    return path.subList(seenAt.get(cur), path.size());
  }

  private static String describeCycle(List<Integer> cycle, List<PlanStep> steps, Map<String, SortedSet<Integer>> afterOf) {
    StringBuilder sb = new StringBuilder("the sequences wait for each other in a circle, so these hosts could never start: ");
    for (int i = 0; i < cycle.size(); i++) {
      PlanStep s = steps.get(cycle.get(i));
      PlanStep p = steps.get(cycle.get((i + 1) % cycle.size()));
      String witness = s.hosts().stream()
          .filter(h -> afterOf.getOrDefault(h, Collections.emptySortedSet()).contains(p.id()))
          .findFirst().orElseThrow();
      if (i > 0) {
        sb.append("; ");
      }
      sb.append(witness).append(" (in step ").append(label(s)).append(") waits for step ").append(label(p));
    }
    return sb.append("; order these steps the same way in every sequence, or keep these hosts in one sequence").toString();
  }

  private static String label(PlanStep s) {
    return s.sequence() + "[" + s.index() + "] " + s.ref();
  }

  /** A slot with the config hosts it covers. */
  private record Slot(SlotRef ref, Set<String> hosts) {
  }

  /** Every slot the constraints define, in config order; a repeated name keeps the smaller limit. */
  private static List<Slot> slots(NamespaceConfig cfg) {
    Map<String, Slot> byName = new LinkedHashMap<>();
    for (NamespaceConfig.Constraint c : cfg.constraints()) {
      List<SortedSet<String>> scopes = c.scope().stream().map(s -> members(cfg, s)).toList();
      List<String> bases = c.perValue() ? cfg.children().getOrDefault(c.tagPath(), List.of()) : List.of(c.tagPath());
      String prefix = c.scope().isEmpty() ? "" : String.join("&", c.scope()) + "&";
      for (String base : bases) {
        Set<String> hosts = new HashSet<>();
        for (String h : members(cfg, base)) {
          if (inAll(h, scopes)) {
            hosts.add(h);
          }
        }
        int population = hosts.size();
        SlotRef ref = new SlotRef(prefix + base, c.maxParallel().resolve(population), population, c.maxParallel().text());
        Slot before = byName.get(ref.name());
        if (before == null || ref.limit() < before.ref.limit()) {
          byName.put(ref.name(), new Slot(ref, hosts));
        }
      }
    }
    return List.copyOf(byName.values());
  }
}
