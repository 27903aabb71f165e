package io.pogo.scheduler.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The example of DESIGN.md, written the way users copy it: host patterns unquoted inside one-line lists. */
class DesignExampleTest {

  @Test
  void unquotedPatternsInFlowListsAreAccepted() {
    NamespaceConfig cfg = NamespaceConfigParser.parse(String.join("\n",
        "tag:",
        "  colo:",
        "    east: [web[1-3].east]",
        "    west: [web[1-3].west]   # comment stays",
        "  db: [db{1,2}, 'db9']",
        "sequence:",
        "  - $colo.east",
        "  - $colo.west",
        "constraint:",
        "  $colo:",
        "    max_parallel: 2",
        "  $db:",
        "    max_parallel: 50%"));
    assertEquals(List.of("web1.east", "web2.east", "web3.east"), List.copyOf(cfg.tags().get("colo.east")));
    assertEquals(List.of("db1", "db2", "db9"), List.copyOf(cfg.tags().get("db")));
    assertEquals(2, cfg.constraints().size());
  }

  @Test
  void onlyLinesWithPatternsAreRewritten() {
    String text = "a: [x, y]\nb: [web[1-2]]\nc: 'd'";
    assertEquals("a: [x, y]\nb: [\"web[1-2]\"]\nc: 'd'", NamespaceConfigParser.quoteFlowPatterns(text));
  }
}
