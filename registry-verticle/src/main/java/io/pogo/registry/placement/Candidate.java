package io.pogo.registry.placement;

import java.util.Map;

/**
 * A node that may host children: its name, its tags (for selectors) and its weight (a node of weight 2 gets
 * about twice the children of a node of weight 1).
 */
public record Candidate(String name, Map<String, String> tags, double weight) {

  public Candidate {
    tags = Map.copyOf(tags);
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight of node " + name + " must be positive and finite; got " + weight);
    }
  }

  public static Candidate of(String name) {
    return new Candidate(name, Map.of(), 1.0);
  }
}
