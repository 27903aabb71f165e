package io.pogo.scheduler.plan;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.scheduler.config.NamespaceConfig;
import io.pogo.scheduler.config.NamespaceConfigParser;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {

  static final String COLOS = """
      tag:
        colo:
          north_america: [host1, host2, host3]
          south_east_asia: [host4, host5, host6]
        frontend: [host1, host4]
        backend: [host2, host5]
      """;

  private static NamespaceConfig config(String yaml) {
    return NamespaceConfigParser.parse(yaml);
  }

  private static List<String> hosts(String... h) {
    return List.of(h);
  }

  private static List<String> range(String prefix, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  private static HostPlan host(String host, List<SlotRef> slots, List<Integer> steps, List<Integer> after) {
    return new HostPlan(host, slots, steps, after);
  }

  @Test
  void tripleCfg() {
    Plan p = Planner.plan(config("""
        tag:
          colo:
            one: [host1, host2, host3]
            two: [host4, host5, host6]
            three: [host7, host8, host9]
        sequence:
          foo: [$colo.one, $colo.two]
          bar: [$colo.three]
        """), range("host", 1, 10));
    assertEquals(List.of(
        new PlanStep(0, "foo", 0, "$colo.one", hosts("host1", "host2", "host3")),
        new PlanStep(1, "foo", 1, "$colo.two", hosts("host4", "host5", "host6")),
        new PlanStep(2, "bar", 0, "$colo.three", hosts("host7", "host8", "host9"))), p.steps());
    assertEquals(hosts("host10"), p.unsequenced(), "a host the config does not know runs unconstrained");
    assertEquals(host("host1", List.of(), List.of(0), List.of()), p.byHost().get("host1"));
    assertEquals(host("host5", List.of(), List.of(1), List.of(0)), p.byHost().get("host5"));
    assertEquals(host("host8", List.of(), List.of(2), List.of()), p.byHost().get("host8"));
    assertEquals(host("host10", List.of(), List.of(), List.of()), p.byHost().get("host10"));
    assertEquals(range("host", 1, 10), p.hosts(), "natural order: host10 last");
    assertEquals(p.hosts(), List.copyOf(p.byHost().keySet()));
    assertTrue(p.slots().isEmpty());
  }

  @Test
  void workedExampleMaxParallelTwoPerColo() {
    Plan p = Planner.plan(config(COLOS + """
        sequence:
          - $colo.north_america
          - $colo.south_east_asia
        constraint:
          $colo:
            max_parallel: 2
        """), range("host", 1, 6));
    SlotRef na = new SlotRef("colo.north_america", 2, 3, "2");
    SlotRef sea = new SlotRef("colo.south_east_asia", 2, 3, "2");
    assertEquals(List.of(new PlanStep(0, "main", 0, "$colo.north_america", hosts("host1", "host2", "host3")),
        new PlanStep(1, "main", 1, "$colo.south_east_asia", hosts("host4", "host5", "host6"))), p.steps());
    assertEquals(Map.of("colo.north_america", na, "colo.south_east_asia", sea), p.slots());
    assertEquals(host("host2", List.of(na), List.of(0), List.of()), p.byHost().get("host2"));
    assertEquals(host("host6", List.of(sea), List.of(1), List.of(0)), p.byHost().get("host6"));
    assertEquals(List.of(), p.unsequenced());
  }

  @Test
  void sequencesOnSubsets() {
    Plan p = Planner.plan(config(COLOS + """
        sequence:
          $frontend: [ $colo.north_america, $colo.south_east_asia ]
        """), range("host", 1, 6));
    assertEquals(List.of(new PlanStep(0, "$frontend", 0, "$colo.north_america", hosts("host1")),
        new PlanStep(1, "$frontend", 1, "$colo.south_east_asia", hosts("host4"))), p.steps());
    assertEquals(hosts("host2", "host3", "host5", "host6"), p.unsequenced(), "host1 | host2 | host3 | host5 | host6");
    assertEquals(List.of(0), p.byHost().get("host4").after());
  }

  @Test
  void slotAlgorithmExample() {
    Plan p = Planner.plan(config(COLOS + """
        sequence:
          $frontend: [ $colo.north_america, $colo.south_east_asia ]
          $backend: [ $colo.south_east_asia, $colo.north_america ]
        """), range("host", 1, 6));
    assertEquals(List.of(new PlanStep(0, "$frontend", 0, "$colo.north_america", hosts("host1")),
        new PlanStep(1, "$frontend", 1, "$colo.south_east_asia", hosts("host4")),
        new PlanStep(2, "$backend", 0, "$colo.south_east_asia", hosts("host5")),
        new PlanStep(3, "$backend", 1, "$colo.north_america", hosts("host2"))), p.steps());
    assertEquals(List.of(0), p.byHost().get("host4").after(), "thread1: host1 -> host4");
    assertEquals(List.of(2), p.byHost().get("host2").after(), "thread2: host5 -> host2");
    assertEquals(hosts("host3", "host6"), p.unsequenced(), "thread3: host3 + host6");
  }

  @Test
  void percentagesAreMaxOneFloorOfTheNamespacePopulation() {
    NamespaceConfig c = config("""
        tag:
          db: [db1, db2, db3]
          frontend: ['foo[1-101].east', 'foo[1-101].west']
          coast:
            east: ['foo[1-101].east', 'bar[1-10].east']
            west: ['foo[1-101].west', 'bar[1-10].west']
          small: [s1, s2, s3]
        constraint:
          $db: {max_parallel: 50%}
          $small: {max_parallel: 10%}
          $frontend:
            $coast: {max_parallel: 25%}
        """);
    Plan p = Planner.plan(c, hosts("db1", "s1", "foo1.east", "foo7.west", "bar1.east"));
    assertEquals(new SlotRef("db", 1, 3, "50%"), p.slots().get("db"), "floor(1.5)");
    assertEquals(new SlotRef("small", 1, 3, "10%"), p.slots().get("small"), "max(1, floor(0.3))");
    assertEquals(new SlotRef("frontend&coast.east", 25, 101, "25%"), p.slots().get("frontend&coast.east"),
        "population is the config's 101, not the job's 1");
    assertEquals(new SlotRef("frontend&coast.west", 25, 101, "25%"), p.slots().get("frontend&coast.west"));
    assertEquals(List.of(), p.byHost().get("bar1.east").slots(), "bar is in coast but not in frontend");
    assertEquals(4, p.slots().size());
  }

  @Test
  void nestedConstraintsIntersectAndEveryLevelCounts() {
    NamespaceConfig c = config(COLOS + """
        constraint:
          $colo:
            max_parallel: 2
          $frontend:
            $colo:
              max_parallel: 1
            $colo.north_america:
              max_parallel: 3
              $backend:
                max_parallel: 1
          $backend:
            max_parallel: 50%
        """);
    Plan p = Planner.plan(c, range("host", 1, 7));
    SlotRef coloNa = new SlotRef("colo.north_america", 2, 3, "2");
    SlotRef feNa = new SlotRef("frontend&colo.north_america", 1, 1, "1");
    SlotRef feSea = new SlotRef("frontend&colo.south_east_asia", 1, 1, "1");
    SlotRef nested3 = new SlotRef("frontend&colo.north_america&backend", 1, 0, "1");
    SlotRef backend = new SlotRef("backend", 1, 2, "50%");
    assertEquals(List.of(coloNa, feNa), p.byHost().get("host1").slots(),
        "frontend&colo.north_america is defined twice (1 and 3): the smaller limit wins, once");
    assertEquals(List.of(new SlotRef("colo.south_east_asia", 2, 3, "2"), feSea), p.byHost().get("host4").slots());
    assertEquals(List.of(coloNa, backend), p.byHost().get("host2").slots());
    assertEquals(List.of(coloNa), p.byHost().get("host3").slots());
    assertEquals(List.of(), p.byHost().get("host7").slots());
    assertTrue(!p.slots().containsKey(nested3.name()), "an empty intersection holds no job host");
    assertEquals(List.of("backend", "colo.north_america", "colo.south_east_asia", "frontend&colo.north_america",
        "frontend&colo.south_east_asia"), List.copyOf(p.slots().keySet()));
  }

  @Test
  void aValueKeyAndAValuelessTagGiveOneSlot() {
    Plan p = Planner.plan(config(COLOS + """
        constraint:
          $colo.north_america: {max_parallel: 1}
          $frontend: {max_parallel: 2}
        """), hosts("host1", "host2", "host4"));
    assertEquals(List.of(new SlotRef("colo.north_america", 1, 3, "1"), new SlotRef("frontend", 2, 2, "2")),
        p.byHost().get("host1").slots());
    assertEquals(List.of(new SlotRef("frontend", 2, 2, "2")), p.byHost().get("host4").slots());
  }

  @Test
  void emptyMiddleStepKeepsTheOrderTransitive() {
    NamespaceConfig c = config("""
        tag:
          tier: {one: [a1, a2], two: [b1], three: [c1, c2]}
        sequence: [$tier.one, $tier.two, $tier.three]
        """);
    Plan p = Planner.plan(c, hosts("c2", "a1", "c1"));
    assertEquals(List.of(new PlanStep(0, "main", 0, "$tier.one", hosts("a1")),
        new PlanStep(1, "main", 1, "$tier.two", hosts()),
        new PlanStep(2, "main", 2, "$tier.three", hosts("c1", "c2"))), p.steps());
    assertEquals(List.of(0), p.byHost().get("c1").after(), "tier 3 still waits for tier 1");
    Plan noFirst = Planner.plan(c, hosts("b1", "c1"));
    assertEquals(List.of(1), noFirst.byHost().get("c1").after());
    Plan onlyLast = Planner.plan(c, hosts("c1"));
    assertEquals(List.of(), onlyLast.byHost().get("c1").after());
  }

  @Test
  void aHostInSeveralSequencesWaitsForAllOfThemAndRunsOnce() {
    Plan p = Planner.plan(config("""
        tag:
          t: {a: [x1], b: [x2, shared], c: [y1], d: [shared, y2]}
        sequence:
          s1: [$t.a, $t.b]
          s2: [$t.c, $t.d]
        """), hosts("x1", "x2", "y1", "y2", "shared"));
    assertEquals(host("shared", List.of(), List.of(1, 3), List.of(0, 2)), p.byHost().get("shared"));
    assertEquals(List.of(0), p.byHost().get("x2").after());
    assertEquals(List.of(2), p.byHost().get("y2").after());
    assertEquals(List.of(), p.unsequenced());
  }

  @Test
  void aHostInTwoStepsOfOneSequenceBelongsToTheFirst() {
    Plan p = Planner.plan(config("""
        tag:
          t: {a: [h1, h2], b: [h2, h3], c: [h2]}
        sequence: [$t.a, h4, $t.b, $t.c, $t.a]
        """), hosts("h1", "h2", "h3", "h4"));
    assertEquals(List.of(hosts("h1", "h2"), hosts("h4"), hosts("h3"), hosts(), hosts()),
        p.steps().stream().map(PlanStep::hosts).toList());
    assertEquals(host("h2", List.of(), List.of(0), List.of()), p.byHost().get("h2"));
    assertEquals(List.of(1), p.byHost().get("h3").after());
    assertEquals(List.of(0), p.byHost().get("h4").after(), "a literal host step");
  }

  @Test
  void sequencesWaitingForEachOtherInACircleAreRefused() {
    NamespaceConfig c = config("""
        tag:
          colo: {one: [host1, host2], two: [host4]}
        sequence:
          a: [$colo.one, $colo.two]
          b: [$colo.two, $colo.one]
        """);
    PogoException e = assertThrows(PogoException.class, () -> Planner.plan(c, hosts("host1", "host4")));
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    assertEquals("sequence", e.errors().get(0).field());
    assertEquals("the sequences wait for each other in a circle, so these hosts could never start: host1 (in step "
        + "a[0] $colo.one) waits for step b[0] $colo.two; host4 (in step b[0] $colo.two) waits for step a[0] $colo.one; "
        + "order these steps the same way in every sequence, or keep these hosts in one sequence",
        e.errors().get(0).message());
    Plan half = Planner.plan(c, hosts("host1", "host2"));
    assertEquals(hosts("host1", "host2"), half.steps().get(0).hosts(), "no circle without the colo.two hosts");
    assertEquals(List.of(), half.byHost().get("host1").after());
  }

  @Test
  void aLongerCircleThroughLiteralStepsIsNamed() {
    NamespaceConfig c = config("""
        sequence:
          a: [h1, h2]
          b: [h2, h3]
          c: [h3, h1]
        """);
    PogoException e = assertThrows(PogoException.class, () -> Planner.plan(c, hosts("h1", "h2", "h3")));
    String msg = e.errors().get(0).message();
    assertTrue(msg.contains("h1 (in step a[0] h1) waits for step c[0] h3")
        && msg.contains("h3 (in step c[0] h3) waits for step b[0] h2")
        && msg.contains("h2 (in step b[0] h2) waits for step a[0] h1"), msg);
    Planner.plan(c, hosts("h1", "h2"));
  }

  @Test
  void noConfigMeansEveryHostUnsequencedAndUnconstrained() {
    Plan p = Planner.plan(null, hosts("web10", "web2", "web2", "web1"));
    assertEquals(hosts("web1", "web2", "web10"), p.hosts());
    assertEquals(p.hosts(), p.unsequenced());
    assertTrue(p.steps().isEmpty() && p.slots().isEmpty());
    assertEquals(host("web2", List.of(), List.of(), List.of()), p.byHost().get("web2"));
    assertEquals(Planner.plan(NamespaceConfig.empty(), hosts("web1", "web2", "web10")), p);
  }

  @Test
  void stepHostsAreInNaturalOrderAndThePlanIsDeterministic() {
    NamespaceConfig c = config("""
        tag:
          web: ['web[1-12]']
          colo: {east: ['web[1-6]'], west: ['web[7-12]']}
        sequence: [$colo.west, $colo.east]
        constraint:
          $colo: {max_parallel: 34%}
        """);
    List<String> shuffled = new ArrayList<>(range("web", 1, 12));
    shuffled.addAll(range("web", 3, 5));
    Collections.shuffle(shuffled, new java.util.Random(7));
    Plan p = Planner.plan(c, shuffled);
    assertEquals(range("web", 7, 12), p.steps().get(0).hosts());
    assertEquals(range("web", 1, 6), p.steps().get(1).hosts());
    assertEquals(new SlotRef("colo.east", 2, 6, "34%"), p.slots().get("colo.east"));
    assertEquals(p, Planner.plan(c, range("web", 1, 12)));
  }

  @Test
  void thePlanIsImmutable() {
    Plan p = Planner.plan(config(COLOS + "sequence: [$frontend]\nconstraint: {$colo: {max_parallel: 1}}\n"),
        range("host", 1, 6));
    assertThrows(UnsupportedOperationException.class, () -> p.hosts().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> p.byHost().clear());
    assertThrows(UnsupportedOperationException.class, () -> p.steps().get(0).hosts().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> p.byHost().get("host1").slots().clear());
    assertThrows(UnsupportedOperationException.class, () -> p.slots().clear());
    assertThrows(UnsupportedOperationException.class, () -> p.unsequenced().clear());
  }
}
