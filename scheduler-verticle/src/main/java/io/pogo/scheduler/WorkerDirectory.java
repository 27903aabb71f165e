package io.pogo.scheduler;

import io.pogo.scheduler.config.JobMode;
import io.pogo.scheduler.engine.HostRun;
import io.pogo.scheduler.engine.JobRun;
import io.pogo.scheduler.engine.Placer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The nodes that can run tasks, and how many tasks this scheduler has on each: the {@link Placer} of the engine.
 * Worker mode picks the least loaded node (by share of its {@code maxTasks}); agent mode the node named like the
 * host. Counts are the scheduler's own (tasks it dispatched and that have not ended), so placing never waits for a
 * round trip.
 */
final class WorkerDirectory implements Placer {
  /** Assumed until a node tells its own {@code maxTasks}. */
  static final int DEFAULT_CAPACITY = 256;

  private final Map<String, Integer> capacity = new LinkedHashMap<>();
  private final Map<String, Integer> inFlight = new HashMap<>();
  /** Nodes that refused a task as busy (tasks we do not know of run there), until the given time. */
  private final Map<String, Long> fullUntil = new HashMap<>();
  private int nextStart;
  private long now;

  /** Members still in the cluster that take no new tasks (draining, leaving): their running tasks are not lost. */
  private final Set<String> present = new java.util.HashSet<>();

  /**
   * The live nodes that run supervisors and take tasks; others are forgotten (their tasks are handled as lost
   * elsewhere) unless listed in {@code stillPresent}.
   */
  void nodes(Map<String, Integer> nodesWithCapacity, Set<String> stillPresent) {
    capacity.keySet().retainAll(nodesWithCapacity.keySet());
    nodesWithCapacity.forEach((n, c) -> capacity.put(n, c == null ? capacity.getOrDefault(n, DEFAULT_CAPACITY) : c));
    present.clear();
    present.addAll(stillPresent);
  }

  void nodes(Map<String, Integer> nodesWithCapacity) {
    nodes(nodesWithCapacity, Set.of());
  }

  /** Whether the node is still a member (placeable or not): its tasks run on. */
  boolean member(String node) {
    return capacity.containsKey(node) || present.contains(node);
  }

  void capacity(String node, int cap) {
    if (capacity.containsKey(node)) {
      capacity.put(node, cap);
    }
  }

  boolean known(String node) {
    return capacity.containsKey(node);
  }

  Set<String> nodes() {
    return capacity.keySet();
  }

  void now(long now) {
    this.now = now;
  }

  void taken(String node) {
    inFlight.merge(node, 1, Integer::sum);
  }

  void freed(String node) {
    if (node != null) {
      inFlight.computeIfPresent(node, (k, v) -> v <= 1 ? null : v - 1);
    }
  }

  void busy(String node, long until) {
    fullUntil.put(node, until);
  }

  int inFlight(String node) {
    return inFlight.getOrDefault(node, 0);
  }

  void clearCounts() {
    inFlight.clear();
  }

  private boolean hasRoom(String node) {
    Long until = fullUntil.get(node);
    if (until != null) {
      if (now < until) {
        return false;
      }
      fullUntil.remove(node);
    }
    return inFlight(node) < capacity.get(node);
  }

  @Override
  public Placement place(JobRun job, HostRun host) {
    if (job.request().mode() == JobMode.AGENT) {
      String node = host.host();
      if (!capacity.containsKey(node)) {
        return new Impossible("no node named " + node + " in the cluster (agent mode runs each task on the node named like its host)");
      }
      if (!hasRoom(node)) {
        return new Busy("waiting for a free task place on node " + node);
      }
      taken(node);
      return new Node(node);
    }
    if (capacity.isEmpty()) {
      return new Busy("waiting for a worker node");
    }
    List<String> names = new ArrayList<>(capacity.keySet());
    String best = null;
    double bestLoad = Double.MAX_VALUE;
    // Start the scan at a rotating position so equally loaded nodes take turns.
    for (int i = 0; i < names.size(); i++) {
      String n = names.get((nextStart + i) % names.size());
      if (!hasRoom(n)) {
        continue;
      }
      double load = (double) inFlight(n) / capacity.get(n);
      if (load < bestLoad) {
        best = n;
        bestLoad = load;
      }
    }
    nextStart = (nextStart + 1) % names.size();
    if (best == null) {
      int total = capacity.values().stream().mapToInt(Integer::intValue).sum();
      return new Busy("waiting for a free worker (" + names.size() + " nodes, " + total + " task places in use)");
    }
    taken(best);
    return new Node(best);
  }
}
