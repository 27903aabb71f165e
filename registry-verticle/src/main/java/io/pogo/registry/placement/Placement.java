package io.pogo.registry.placement;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where a child runs: weighted rendezvous (highest random weight) hashing over the eligible nodes. Every node
 * computes the same answer from the same inputs, and when a node joins or leaves only the children whose best
 * node changed move: about 1/N of them on a join, exactly the departed node's on a leave.
 *
 * <p>For each (child, node) pair a 64-bit hash gives a uniform u in (0, 1); the node's score is
 * {@code -weight / ln(u)}, and the nodes are ranked by score (ties by name). This is the logarithmic method of
 * weighted rendezvous hashing: a node's share of children is proportional to its weight. Pure: no clock, no
 * randomness beyond the hash, no I/O.
 */
public final class Placement {
  private Placement() {
  }

  /** What a child asks of its nodes. */
  public record Constraints(String pin, Map<String, String> selector) {
    public static final Constraints NONE = new Constraints(null, Map.of());

    public Constraints {
      selector = Map.copyOf(selector);
    }

    public boolean admits(Candidate node) {
      if (pin != null && !pin.equals(node.name())) {
        return false;
      }
      for (Map.Entry<String, String> s : selector.entrySet()) {
        if (!s.getValue().equals(node.tags().get(s.getKey()))) {
          return false;
        }
      }
      return true;
    }
  }

  /** The eligible nodes for a child, best first. Empty when no node is eligible. */
  public static List<String> rank(String childId, Constraints constraints, List<Candidate> nodes) {
    record Scored(String name, double score) {
    }
    List<Scored> scored = new ArrayList<>(nodes.size());
    for (Candidate n : nodes) {
      if (constraints.admits(n)) {
        scored.add(new Scored(n.name(), score(childId, n)));
      }
    }
    scored.sort(Comparator.comparingDouble(Scored::score).reversed().thenComparing(Scored::name));
    return scored.stream().map(Scored::name).toList();
  }

  /** The best node for a child, or null when none is eligible. */
  public static String owner(String childId, Constraints constraints, List<Candidate> nodes) {
    List<String> ranked = rank(childId, constraints, nodes);
    return ranked.isEmpty() ? null : ranked.get(0);
  }

  /**
   * Where each replica of a child runs. The replicas occupy the {@code replicas} best eligible nodes; a replica whose
   * current node is one of them stays there (so a join or a leave moves only the replicas whose node dropped out of
   * that set, about 1/N of them), and the others take the free nodes of the set, lowest replica first, best node
   * first. Two replicas never share a node: when two are on the same node, the higher one moves.
   *
   * @param current each replica's node now (index = replica; null when it has none or its node is gone)
   * @return each replica's node (index = replica); null for a replica no eligible node is left for
   */
  public static String[] replicaOwners(String childId, Constraints constraints, List<Candidate> nodes, String[] current) {
    int replicas = current.length;
    List<String> ranked = rank(childId, constraints, nodes);
    List<String> best = ranked.subList(0, Math.min(replicas, ranked.size()));
    String[] owners = new String[replicas];
    java.util.Set<String> taken = new java.util.HashSet<>();
    for (int r = 0; r < replicas; r++) {
      if (current[r] != null && best.contains(current[r]) && taken.add(current[r])) {
        owners[r] = current[r];
      }
    }
    java.util.Iterator<String> free = best.stream().filter(n -> !taken.contains(n)).iterator();
    for (int r = 0; r < replicas; r++) {
      if (owners[r] == null && free.hasNext()) {
        owners[r] = free.next();
      }
    }
    return owners;
  }

  static double score(String childId, Candidate node) {
    long h = hash(childId, node.name());
    // 53 high bits -> a double in (0, 1): never 0, so ln(u) < 0 and the score is finite and positive
    double u = ((h >>> 11) + 0.5) / (double) (1L << 53);
    return -node.weight() / Math.log(u);
  }

  /** FNV-1a over "child\0node", then the splitmix64 finaliser to spread the bits. Stable across JVMs and versions. */
  static long hash(String childId, String nodeName) {
    long h = 0xcbf29ce484222325L;
    for (byte b : childId.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ 0) * 0x100000001b3L;
    for (byte b : nodeName.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return h;
  }
}
