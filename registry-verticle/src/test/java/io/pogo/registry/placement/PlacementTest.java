package io.pogo.registry.placement;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rendezvous placement: determinism, balance, minimal movement, weights, constraints. */
class PlacementTest {
  private static final long SEED = Long.getLong("pogo.test.seed", 20261121L);

  private static List<Candidate> nodes(int n) {
    List<Candidate> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(Candidate.of("node-" + i));
    }
    return out;
  }

  private static List<String> ids(int n) {
    Random r = new Random(SEED);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("child-" + Long.toHexString(r.nextLong()));
    }
    return out;
  }

  @Test
  void sameInputsSameOwnerWhateverTheOrderOfNodes() {
    List<Candidate> a = nodes(5);
    List<Candidate> b = new ArrayList<>(a);
    java.util.Collections.reverse(b);
    for (String id : ids(1000)) {
      assertEquals(Placement.owner(id, Placement.Constraints.NONE, a), Placement.owner(id, Placement.Constraints.NONE, b));
    }
  }

  @Test
  void childrenSpreadEvenlyOverEqualNodes() {
    Map<String, Integer> counts = count(ids(30_000), nodes(3));
    counts.values().forEach(c -> assertTrue(Math.abs(c - 10_000) < 600, "share " + c + " of 30000 over 3 nodes: " + counts));
  }

  @Test
  void aJoinMovesOnlyChildrenToTheNewNodeAboutOneInN() {
    List<String> children = ids(20_000);
    List<Candidate> before = nodes(4);
    List<Candidate> after = nodes(5);
    int moved = 0;
    for (String id : children) {
      String was = Placement.owner(id, Placement.Constraints.NONE, before);
      String is = Placement.owner(id, Placement.Constraints.NONE, after);
      if (!was.equals(is)) {
        moved++;
        assertEquals("node-5", is, "a child only ever moves to the node that joined");
      }
    }
    double share = moved / (double) children.size();
    assertTrue(Math.abs(share - 0.2) < 0.015, "moved " + share + " of children; ideal 1/5");
  }

  @Test
  void aLeaveMovesExactlyTheDepartedNodesChildren() {
    List<Candidate> before = nodes(5);
    List<Candidate> after = before.subList(0, 4);
    for (String id : ids(10_000)) {
      String was = Placement.owner(id, Placement.Constraints.NONE, before);
      String is = Placement.owner(id, Placement.Constraints.NONE, after);
      if (!was.equals("node-5")) {
        assertEquals(was, is, "only node-5's children move");
      }
    }
  }

  @Test
  void weightsGiveProportionalShares() {
    List<Candidate> weighted = List.of(new Candidate("light", Map.of(), 1), new Candidate("heavy", Map.of(), 3));
    Map<String, Integer> counts = count(ids(40_000), weighted);
    double heavyShare = counts.get("heavy") / 40_000.0;
    assertTrue(Math.abs(heavyShare - 0.75) < 0.02, "heavy share " + heavyShare + "; ideal 0.75");
  }

  @Test
  void pinAndSelectorRestrictTheNodes() {
    List<Candidate> nodes = List.of(
        new Candidate("e1", Map.of("colo", "east", "role", "web"), 1),
        new Candidate("e2", Map.of("colo", "east"), 1),
        new Candidate("w1", Map.of("colo", "west", "role", "web"), 1));
    Placement.Constraints east = new Placement.Constraints(null, Map.of("colo", "east"));
    Placement.Constraints eastWeb = new Placement.Constraints(null, Map.of("colo", "east", "role", "web"));
    Placement.Constraints pinned = new Placement.Constraints("w1", Map.of());
    for (String id : ids(500)) {
      assertTrue(List.of("e1", "e2").contains(Placement.owner(id, east, nodes)));
      assertEquals("e1", Placement.owner(id, eastWeb, nodes));
      assertEquals("w1", Placement.owner(id, pinned, nodes));
      assertEquals(2, Placement.rank(id, east, nodes).size());
    }
    assertNull(Placement.owner("x", new Placement.Constraints("gone", Map.of()), nodes));
    assertNull(Placement.owner("x", new Placement.Constraints(null, Map.of("colo", "north")), nodes));
  }

  @Test
  void rankListsEveryEligibleNodeOnceBestFirst() {
    List<Candidate> nodes = nodes(6);
    for (String id : ids(200)) {
      List<String> ranked = Placement.rank(id, Placement.Constraints.NONE, nodes);
      assertEquals(6, ranked.stream().distinct().count());
      assertEquals(Placement.owner(id, Placement.Constraints.NONE, nodes), ranked.get(0));
      // the second choice is the owner once the first leaves: replicas and failover agree
      List<Candidate> without = nodes.stream().filter(n -> !n.name().equals(ranked.get(0))).toList();
      assertEquals(ranked.get(1), Placement.owner(id, Placement.Constraints.NONE, without));
    }
  }

  @Test
  void hashIsStableAcrossVersions() {
    // pinned values: a change here moves every child of every cluster on upgrade
    assertEquals(0x5630004ab48a51bdL, Placement.hash("mon-1", "node-a"));
    assertEquals(0x684c0f169bd55de6L, Placement.hash("web.east_2", "n3"));
    assertTrue(Placement.hash("ab", "c") != Placement.hash("a", "bc"), "the separator keeps pairs apart");
  }

  private static Map<String, Integer> count(List<String> children, List<Candidate> nodes) {
    Map<String, Integer> counts = new HashMap<>();
    for (String id : children) {
      counts.merge(Placement.owner(id, Placement.Constraints.NONE, nodes), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void replicasTakeTheBestDistinctNodesAndOneReplicaMatchesTheOwner() {
    List<Candidate> five = nodes(5);
    for (String id : ids(200)) {
      String[] owners = Placement.replicaOwners(id, Placement.Constraints.NONE, five, new String[3]);
      assertEquals(Placement.rank(id, Placement.Constraints.NONE, five).subList(0, 3), List.of(owners), id);
      String[] single = Placement.replicaOwners(id, Placement.Constraints.NONE, five, new String[1]);
      assertEquals(Placement.owner(id, Placement.Constraints.NONE, five), single[0], id);
    }
  }

  @Test
  void aJoinMovesOnlyTheReplicasWhoseNodeLeftTheBestSetAndNeverStacksTwoOnANode() {
    List<Candidate> four = nodes(4);
    List<Candidate> five = nodes(5);
    int moved = 0;
    int total = 0;
    for (String id : ids(2_000)) {
      String[] before = Placement.replicaOwners(id, Placement.Constraints.NONE, four, new String[3]);
      String[] after = Placement.replicaOwners(id, Placement.Constraints.NONE, five, before.clone());
      assertEquals(3, java.util.Set.of(after).size(), "distinct nodes for " + id);
      for (int r = 0; r < 3; r++) {
        total++;
        if (!before[r].equals(after[r])) {
          moved++;
          assertEquals("node-5", after[r], "a replica that moves on a join goes to the new node");
        }
      }
    }
    // the new node takes about 3/5 of the children, one replica each: 1/5 of the replicas
    double share = moved / (double) total;
    assertTrue(share > 0.15 && share < 0.25, "moved share " + share);
  }

  @Test
  void aLostNodesReplicaGoesToAFreeNodeAndTheOthersStay() {
    List<Candidate> four = nodes(4);
    for (String id : ids(500)) {
      String[] before = Placement.replicaOwners(id, Placement.Constraints.NONE, four, new String[2]);
      String gone = before[0];
      List<Candidate> left = four.stream().filter(c -> !c.name().equals(gone)).toList();
      String[] current = {null, before[1]};
      String[] after = Placement.replicaOwners(id, Placement.Constraints.NONE, left, current);
      assertEquals(before[1], after[1], "the surviving replica stays");
      assertTrue(after[0] != null && !after[0].equals(gone) && !after[0].equals(after[1]), id + " -> " + List.of(after));
    }
  }

  @Test
  void replicasBeyondTheEligibleNodesHaveNoOwnerAndTwoOnOneNodeAreSeparated() {
    List<Candidate> two = nodes(2);
    String[] owners = Placement.replicaOwners("c", Placement.Constraints.NONE, two, new String[3]);
    assertEquals(2, java.util.Arrays.stream(owners).filter(java.util.Objects::nonNull).distinct().count());
    assertNull(owners[2]);
    String[] stacked = Placement.replicaOwners("c", Placement.Constraints.NONE, nodes(3), new String[] {"node-1", "node-1", null});
    assertEquals("node-1", stacked[0]);
    assertEquals(3, java.util.Set.of(stacked).size(), List.of(stacked).toString());
  }
}
