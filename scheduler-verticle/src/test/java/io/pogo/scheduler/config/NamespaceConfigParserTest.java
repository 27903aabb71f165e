package io.pogo.scheduler.config;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamespaceConfigParserTest {

  static final String DESIGN_EXAMPLE = """
      tag:
        colo:
          east: ['web[1-3].east']
          west: ['web[1-3].west']
        db: [db1, db2]
      sequence:
        - $colo.east
        - $colo.west
      constraint:
        $colo:
          max_parallel: 2        # per value of colo: at most 2 east and 2 west at once
        $db:
          max_parallel: 50%
      """;

  /** DESIGN.md's example as printed: a host pattern inside a YAML flow list, which YAML reads as a nested list. */
  static final String DESIGN_EXAMPLE_UNQUOTED = DESIGN_EXAMPLE.replace("'", "");

  static final String TRIPLE_CFG = """
      # sample configuration file

      tag:
        colo:
          one:
            - host1
            - host2
            - host3
          two:
            - host4
            - host5
            - host6
          three:
            - host7
            - host8
            - host9
      sequence:
        foo:
          - $colo.one
          - $colo.two
        bar:
          - $colo.three
      """;

  static List<String> errors(String text) {
    PogoException e = assertThrows(PogoException.class, () -> NamespaceConfigParser.parse(text));
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    return e.errors().stream().map(FieldError::toString).toList();
  }

  static Set<String> set(String... hosts) {
    return new TreeSet<>(List.of(hosts));
  }

  @Test
  void designExample() {
    NamespaceConfig c = NamespaceConfigParser.parse(DESIGN_EXAMPLE);
    assertEquals(List.of("colo", "colo.east", "colo.west", "db"), List.copyOf(c.tags().keySet()));
    assertEquals(List.of("web1.east", "web2.east", "web3.east"), List.copyOf(c.tags().get("colo.east")));
    assertEquals(List.of("web1.east", "web1.west", "web2.east", "web2.west", "web3.east", "web3.west"),
        List.copyOf(c.tags().get("colo")));
    assertEquals(List.of("colo.east", "colo.west"), c.children().get("colo"));
    assertEquals(List.of(), c.children().get("colo.east"));
    assertEquals(List.of(), c.children().get("db"));
    assertEquals(1, c.sequences().size());
    NamespaceConfig.Sequence seq = c.sequences().get(0);
    assertNull(seq.name());
    assertEquals(List.of(), seq.filters());
    assertEquals(List.of(new NamespaceConfig.Step("$colo.east", "colo.east", null),
        new NamespaceConfig.Step("$colo.west", "colo.west", null)), seq.steps());
    assertEquals(List.of(
        new NamespaceConfig.Constraint(List.of(), "colo", true, new Limit(2, false), "constraint.$colo.max_parallel"),
        new NamespaceConfig.Constraint(List.of(), "db", false, new Limit(50, true), "constraint.$db.max_parallel")),
        c.constraints());
    assertEquals(new JsonObject().put("hosts", 8).put("tags", 4).put("sequences", 1).put("constraints", 2),
        NamespaceConfigParser.describe(c));
  }

  @Test
  void aPatternInAFlowListThatCannotBeRepairedGetsTheQuotingHint() {
    // one-line lists like DESIGN.md's are quoted for the user (DesignExampleTest); a list spanning lines is not
    List<String> errs = errors("tag:\n  colo:\n    east: [web[1-3].east,\n      web9]\n");
    assertEquals(1, errs.size());
    assertTrue(errs.get(0).startsWith("config: invalid YAML: line 3, column 15: "), errs.get(0));
    assertTrue(errs.get(0).endsWith("a host pattern inside a [...] list must be quoted ('web[1-3]') or written on "
        + "its own line (- web[1-3])"), errs.get(0));
    assertEquals(List.of("web1.east", "web2.east", "web3.east"),
        List.copyOf(NamespaceConfigParser.parse(DESIGN_EXAMPLE_UNQUOTED).tags().get("colo.east")));
    NamespaceConfig block = NamespaceConfigParser.parse("""
        tag:
          colo:
            east:
              - web[1-3].east
              - host[01-10].foo{bar,baz}
        """);
    assertEquals(23, block.tags().get("colo.east").size());
  }

  @Test
  void tripleCfgGivesTwoNamedSequences() {
    NamespaceConfig c = NamespaceConfigParser.parse(TRIPLE_CFG);
    assertEquals(2, c.sequences().size());
    assertEquals("foo", c.sequences().get(0).name());
    assertEquals(List.of("$colo.one", "$colo.two"), c.sequences().get(0).steps().stream()
        .map(NamespaceConfig.Step::ref).toList());
    assertEquals("bar", c.sequences().get(1).name());
    assertEquals(List.of(), c.sequences().get(1).filters());
    assertEquals(set("host1", "host2", "host3", "host4", "host5", "host6", "host7", "host8", "host9"),
        c.tags().get("colo"));
    assertEquals(List.of("colo.one", "colo.three", "colo.two"), c.children().get("colo"));
  }

  @Test
  void oneCfgHasNoTagsAndLiteralHostSteps() {
    NamespaceConfig c = NamespaceConfigParser.parse("""
        tag:
          # no tags
        sequence:
          - host3
          - host2
          - host1
        """);
    assertTrue(c.tags().isEmpty());
    assertEquals(List.of(new NamespaceConfig.Step("host3", null, "host3"), new NamespaceConfig.Step("host2", null, "host2"),
        new NamespaceConfig.Step("host1", null, "host1")), c.sequences().get(0).steps());
    assertEquals(3, NamespaceConfigParser.describe(c).getInteger("hosts"));
  }

  @Test
  void dottedKeysAreNesting() {
    NamespaceConfig dotted = NamespaceConfigParser.parse("""
        tag:
          colo.usa: [host1]
          colo.mexico: [host2]
        """);
    NamespaceConfig nested = NamespaceConfigParser.parse("""
        tag:
          colo:
            usa: [host1]
            mexico: [host2]
        """);
    assertEquals(dotted.tags(), nested.tags());
    assertEquals(dotted.children(), nested.children());
    assertEquals(set("host1", "host2"), dotted.tags().get("colo"));
    assertEquals(set("host2"), dotted.tags().get("colo.mexico"));
    assertEquals(List.of("colo.mexico", "colo.usa"), dotted.children().get("colo"));
    assertTrue(dotted.source().getJsonObject("tag").containsKey("colo.usa"), "the source keeps keys as written");
  }

  @Test
  void deepTagsMixDotsAndNestingAndParentsHoldTheirDescendants() {
    NamespaceConfig c = NamespaceConfigParser.parse("""
        tag:
          a.b:
            c: [h1]
            d.e: [h2]
          a:
            f: ['h[3-4]']
        """);
    assertEquals(List.of("a", "a.b", "a.b.c", "a.b.d", "a.b.d.e", "a.f"), List.copyOf(c.tags().keySet()));
    assertEquals(set("h1", "h2", "h3", "h4"), c.tags().get("a"));
    assertEquals(set("h1", "h2"), c.tags().get("a.b"));
    assertEquals(List.of("a.b", "a.f"), c.children().get("a"));
    assertEquals(List.of("a.b.c", "a.b.d"), c.children().get("a.b"));
    assertEquals(List.of("a.b.d.e"), c.children().get("a.b.d"));
  }

  @Test
  void tagHostsAreNaturallyOrderedWithGlobsExpandedAndPaddingKept() {
    NamespaceConfig c = NamespaceConfigParser.parse("tag:\n  web: [ 'web[08-11]', web2, 'db{1,2}' ]\n");
    assertEquals(List.of("db1", "db2", "web2", "web08", "web09", "web10", "web11"), List.copyOf(c.tags().get("web")));
  }

  @Test
  void yamlKeepsYesNoOnOffAndDateLikeNamesAsStrings() {
    NamespaceConfig c = NamespaceConfigParser.parse("""
        tag:
          power:
            on: [2024-01-01, yes]
            off: [no, n1]
        constraint:
          $power: {max_parallel: 1}
        """);
    assertEquals(List.of("power.off", "power.on"), c.children().get("power"));
    assertEquals(set("2024-01-01", "yes"), c.tags().get("power.on"));
    assertEquals(set("n1", "no"), c.tags().get("power.off"));
    assertEquals(List.of("tag.t[0]: must be a host name or host pattern (a string); got a boolean (quote it in YAML)"),
        errors("tag:\n  t: [true]\n"));
  }

  @Test
  void emptyTagsAreAllowed() {
    NamespaceConfig c = NamespaceConfigParser.parse("tag:\n  db: []\n  colo: {}\n");
    assertEquals(Set.of(), c.tags().get("db"));
    assertEquals(Set.of(), c.tags().get("colo"));
  }

  @Test
  void sequencesOnSubsetsFilterByTheirTagKeys() {
    NamespaceConfig c = NamespaceConfigParser.parse("""
        tag:
          colo:
            north_america: [host1, host2, host3]
            south_east_asia: [host4, host5, host6]
          frontend: [host1, host4]
          backend: [host2, host5]
        sequence:
          $frontend: [ $colo.north_america, $colo.south_east_asia ]
          $backend: [ $colo.south_east_asia, $colo.north_america ]
          $colo.north_america:
            $frontend: [ host1 ]
          plain: [ $colo ]
        """);
    List<NamespaceConfig.Sequence> s = c.sequences();
    assertEquals(4, s.size());
    assertEquals("$frontend", s.get(0).name());
    assertEquals(List.of("frontend"), s.get(0).filters());
    assertEquals("$backend", s.get(1).name());
    assertEquals(List.of("backend"), s.get(1).filters());
    assertEquals("$colo.north_america.$frontend", s.get(2).name());
    assertEquals(List.of("colo.north_america", "frontend"), s.get(2).filters());
    assertEquals("plain", s.get(3).name());
    assertEquals(List.of(), s.get(3).filters());
    assertEquals(new NamespaceConfig.Step("$colo", "colo", null), s.get(3).steps().get(0));
  }

  @Test
  void constraintsNestAsIntersectionsAndPerValueOnlyForTopLevelTagsWithValues() {
    NamespaceConfig c = NamespaceConfigParser.parse("""
        tag:
          colo:
            north_america: [host1, host2, host3]
            south_east_asia: [host4, host5, host6]
          frontend: [host1, host4]
          rack:
            r1:
              a: [host1]
        constraint:
          $colo.south_east_asia:
            max_parallel: 15%
          $frontend:
            $colo.north_america:
              max_parallel: 2
            $colo:
              max_parallel: "1"
              $rack.r1:
                max_parallel: 1
          $rack.r1:
            max_parallel: 3
        """);
    assertEquals(List.of(
        new NamespaceConfig.Constraint(List.of(), "colo.south_east_asia", false, new Limit(15, true),
            "constraint.$colo.south_east_asia.max_parallel"),
        new NamespaceConfig.Constraint(List.of("frontend"), "colo.north_america", false, new Limit(2, false),
            "constraint.$frontend.$colo.north_america.max_parallel"),
        new NamespaceConfig.Constraint(List.of("frontend"), "colo", true, new Limit(1, false),
            "constraint.$frontend.$colo.max_parallel"),
        new NamespaceConfig.Constraint(List.of("frontend", "colo"), "rack.r1", false, new Limit(1, false),
            "constraint.$frontend.$colo.$rack.r1.max_parallel"),
        new NamespaceConfig.Constraint(List.of(), "rack.r1", false, new Limit(3, false),
            "constraint.$rack.r1.max_parallel")), c.constraints());
  }

  @Test
  void jsonTextAndJsonObjectGiveTheSameConfigAsYaml() {
    NamespaceConfig yaml = NamespaceConfigParser.parse(DESIGN_EXAMPLE);
    String json = yaml.source().encodePrettily();
    assertTrue(json.strip().startsWith("{"));
    NamespaceConfig fromText = NamespaceConfigParser.parse("  \n" + json);
    NamespaceConfig fromObject = NamespaceConfigParser.parse(new JsonObject(json));
    assertEquals(yaml, fromText);
    assertEquals(yaml, fromObject);
    assertEquals(new JsonArray().add("$colo.east").add("$colo.west"), yaml.source().getJsonArray("sequence"));
    assertEquals("50%", yaml.source().getJsonObject("constraint").getJsonObject("$db").getValue("max_parallel"));
  }

  @Test
  void emptyAndNullSectionsAreAnEmptyConfig() {
    for (String text : new String[] {"", "   \n", "# only a comment\n", "{}", "tag:\nsequence:\nconstraint:\n",
        "sequence: []\n"}) {
      NamespaceConfig c = NamespaceConfigParser.parse(text);
      assertTrue(c.tags().isEmpty() && c.sequences().isEmpty() && c.constraints().isEmpty(), text);
    }
  }

  @Test
  void reportsEveryErrorWithItsPath() {
    List<String> errs = errors("""
        tag:
          colo:
            east: [web1, web2, 'web[3-1]', 'web 4']
            west: [web5]
        sequences:
          - $colo.east
        sequence:
          - $colo.east
          - $colo.north
          - [ $colo.east, $colo.west ]
          - 'web[1-2]'
          - 'bad_host'
          - 7
        constraint:
          $colo:
            max_parallel: 15x
          $colo.east:
            max_parallel: 0
            maxparallel: 2
          $colo.west:
            max_parallel: 101%
          $nope:
            max_parallel: 1
          colo: {max_parallel: 1}
          $db: 3
        """);
    assertEquals(List.of(
        "sequences: unknown key \"sequences\"; expected tag, sequence or constraint",
        "tag.colo.east[2]: \"web[3-1]\" is a reversed range (3-1: the low bound comes first)",
        "tag.colo.east[3]: \"web 4\" is not a valid host name (" + HostNames.RULE + ")",
        "sequence[1]: unknown tag \"$colo.north\"",
        "sequence[2]: a list of lists is not supported: write one step per line; for several independent sequences "
            + "use a map of lists",
        "sequence[3]: \"web[1-2]\" is a host pattern; a step is $tag, $tag.value or one host (put the pattern in a tag)",
        "sequence[4]: \"bad_host\" is not a valid host name (" + HostNames.RULE + ")",
        "sequence[5]: must be $tag, $tag.value or a host name (a string); got a number",
        "constraint.$colo.max_parallel: \"15x\" is not N or N%",
        "constraint.$colo.east.max_parallel: 0 is not " + Limit.RULE,
        "constraint.$colo.east.maxparallel: unknown key \"maxparallel\"; expected max_parallel or a nested $tag",
        "constraint.$colo.west.max_parallel: \"101%\" is not " + Limit.RULE,
        "constraint.$nope: unknown tag \"$nope\"",
        "constraint.colo: unknown key \"colo\"; expected a $tag or $tag.value key",
        "constraint.$db: unknown tag \"$db\"",
        "constraint.$db: must be a map with max_parallel and/or nested $tag keys; got a number"), errs);
  }

  @Test
  void theExceptionMessageListsEveryError() {
    PogoException e = assertThrows(PogoException.class, () -> NamespaceConfigParser.parse(
        "sequence: [$a]\nconstraint: {$b: {max_parallel: 1}}\n"));
    assertEquals("sequence[0]: unknown tag \"$a\"; constraint.$b: unknown tag \"$b\"", e.getMessage());
  }

  @Test
  void tagShapeErrors() {
    assertEquals(List.of(
        "tag.colo.east: tag \"colo.east\" is listed twice (also at tag.colo.east)",
        "tag.db.x: tag \"db\" is a list of hosts (at tag.db) and cannot also have values",
        "tag.web: tag \"web\" has values (at tag.web.a) and cannot also be a list of hosts",
        "tag.co lo: \"co lo\" is not a valid tag name (dot-separated parts of letters, digits, '_' or '-')",
        "tag.a..b: \"a..b\" is not a valid tag name (dot-separated parts of letters, digits, '_' or '-')",
        "tag.n: must be a list of hosts or a map of tag values; got nothing (null)",
        "tag.s: must be a list of hosts or a map of tag values; got a string",
        "tag.h[0]: must be a host name or host pattern (a string); got a number (quote it in YAML)",
        "tag.h[1]: must be a host name or host pattern (a string); got a boolean (quote it in YAML)",
        "tag.h[2]: must be a host name or host pattern (a string); got a map"), errors("""
        tag:
          colo.east: [a1]
          colo:
            east: [a2]
          db: [d1]
          db.x: [d2]
          web.a: [w1]
          web: [w2]
          co lo: [c1]
          a..b: [x]
          n:
          s: host1
          h: [12, true, {a: b}]
        """));
    assertEquals(List.of("tag: must be a map of tag names to host lists or to maps of tag values; got a list"),
        errors("tag: [a, b]\n"));
  }

  @Test
  void sequenceShapeErrors() {
    assertEquals(List.of(
        "sequence.bad label: \"bad label\" is not a valid sequence label (1 to 63 letters, digits, '_', '.' or '-', "
            + "not starting with '.' or '-')",
        "sequence.empty: a sequence needs at least one step",
        "sequence.map: must be a list of steps; got a map",
        "sequence.$f.label: under a $tag filter, keys must be $tag filters too; got \"label\"",
        "sequence.$f.$g: unknown tag \"$g\"",
        "sequence.$f.$f: must be a list of steps or a map of nested $tag filters; got a string",
        "sequence.$f.$h: must be a list of steps or a map of nested $tag filters; got an empty map"), errors("""
        tag: {f: [h1]}
        sequence:
          bad label: [h1]
          empty: []
          map: {a: [h1]}
          $f:
            label: [h1]
            $g: [h1]
            $f: h1
            $h: {}
        """).stream().filter(e -> !e.startsWith("sequence.$f.$h: unknown tag")).toList());
    assertEquals(List.of("sequence.$: \"$\" is not a tag reference ($tag or $tag.value, dot-separated parts of letters, "
        + "digits, '_' or '-')"), errors("sequence: {$: [h1]}\n"));
    assertEquals(List.of("sequence: must be a list of steps (one sequence), or a map of labels or $tag filters to lists "
        + "of steps (several sequences); got a string"), errors("sequence: $colo\n"));
  }

  @Test
  void constraintShapeErrors() {
    assertEquals(List.of(
        "constraint.$t: sets nothing: give max_parallel or a nested $tag",
        "constraint.$u.max_parallel: null is not N or N%",
        "constraint.$u.$t.max_parallel: \"2.5\" is not N or N%",
        "constraint.$u.$v.max_parallel: \"0%\" is not " + Limit.RULE,
        "constraint.$v.max_parallel: \"true\" is not N or N%"), errors("""
        tag: {t: [h1], u: [h2], v: [h3]}
        constraint:
          $t: {}
          $u:
            max_parallel:
            $t: {max_parallel: 2.5}
            $v: {max_parallel: 0%}
          $v: {max_parallel: true}
        """));
    assertEquals(List.of("constraint: must be a map of $tag keys to {max_parallel: N or N%}; got a list"),
        errors("constraint: [1]\n"));
  }

  @Test
  void yamlAndJsonSyntaxErrorsSayWhere() {
    List<String> yaml = errors("tag:\n  colo: [a, b\n");
    assertEquals(1, yaml.size());
    assertTrue(yaml.get(0).startsWith("config: invalid YAML: line "), yaml.get(0));
    List<String> json = errors("{\"tag\": {\"colo\": [\"a\",]}");
    assertEquals(1, json.size());
    assertTrue(json.get(0).startsWith("config: invalid JSON: "), json.get(0));
    assertTrue(errors("tag: {a: [h]}\ntag: {b: [h]}\n").get(0).contains("duplicate key"));
    assertEquals(List.of("config: must be a map with the keys tag, sequence and constraint, not a list"),
        errors("- a\n- b\n"));
    assertEquals(List.of("config: must be a map with the keys tag, sequence and constraint, not a single value"),
        errors("hello\n"));
  }

  @Test
  void aliasBombsAndHugeTextAreRefused() {
    StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'k'; c++) {
      char p = (char) (c - 1);
      bomb.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p).append(", *").append(p)
          .append(", *").append(p).append(", *").append(p).append(", *").append(p).append("]\n");
    }
    List<String> errs = errors(bomb.toString());
    assertTrue(errs.get(0).startsWith("config: invalid YAML: ") && errs.get(0).contains("aliases"), errs.get(0));
    String huge = "tag:\n  t: [" + "h, ".repeat(NamespaceConfigParser.MAX_TEXT_CHARS / 3) + "h]\n";
    assertTrue(errors(huge).get(0).startsWith("config: is "), "size limit");
  }

  @Test
  void hostCountIsCappedPerNamespace() {
    List<String> errs = errors("tag:\n  a: ['h[1-60000]']\n  b: ['g[1-60000]']\n  c: ['k[1-60000]']\n");
    assertEquals(List.of("tag: names more than 100000 distinct hosts"), errs);
    NamespaceConfig same = NamespaceConfigParser.parse("tag:\n  a: ['h[1-60000]']\n  b: ['h[1-60000]']\n");
    assertEquals(60_000, NamespaceConfigParser.describe(same).getInteger("hosts"));
    StringBuilder many = new StringBuilder("tag:\n");
    for (int i = 0; i < 11; i++) {
      many.append("  t").append(i).append(": ['h[1-100000]']\n");
    }
    assertEquals(List.of("tag: lists more than 1000000 hosts in all (a host counts once per tag it is listed in)"),
        errors(many.toString()));
  }

  @Test
  void parsedConfigIsImmutable() {
    NamespaceConfig c = NamespaceConfigParser.parse(DESIGN_EXAMPLE);
    assertThrows(UnsupportedOperationException.class, () -> c.tags().get("db").add("x"));
    assertThrows(UnsupportedOperationException.class, () -> c.tags().remove("db"));
    assertThrows(UnsupportedOperationException.class, () -> c.children().put("x", List.of()));
    assertThrows(UnsupportedOperationException.class, () -> c.sequences().clear());
    assertFalse(c.constraints().isEmpty());
    Map<String, List<String>> kids = c.children();
    assertThrows(UnsupportedOperationException.class, () -> kids.get("colo").add("x"));
  }

  @Test
  void nullInputIsAnError() {
    assertThrows(PogoException.class, () -> NamespaceConfigParser.parse((String) null));
    assertThrows(PogoException.class, () -> NamespaceConfigParser.parse((JsonObject) null));
  }
}
