package io.pogo.scheduler.config;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TargetsTest {
  private static final NamespaceConfig CONFIG = NamespaceConfigParser.parse(NamespaceConfigParserTest.DESIGN_EXAMPLE);

  private static List<String> errors(List<String> targets, NamespaceConfig config, int cap) {
    PogoException e = assertThrows(PogoException.class, () -> Targets.expand(targets, config, cap));
    assertEquals(ErrorCode.VALIDATION_FAILED, e.code());
    return e.errors().stream().map(FieldError::toString).toList();
  }

  @Test
  void literalsGlobsAndTagsGiveDistinctHostsInNaturalOrder() {
    assertEquals(List.of("db1", "db2", "web1.east", "web2.east", "web3.east", "web10"),
        Targets.expand(List.of("web10", "$colo.east", "web2.east", "$db", "db{1,2}"), CONFIG, 100));
    assertEquals(List.of("web1.east", "web1.west", "web2.east", "web2.west", "web3.east", "web3.west"),
        Targets.expand(List.of("$colo"), CONFIG, 100));
    assertEquals(List.of("host01", "host02", "host10"), Targets.expand(List.of("host[10,01-02]"), null, 100));
  }

  @Test
  void everyBadTargetIsReportedWithItsIndex() {
    assertEquals(List.of(
        "targets[0]: \"$colo.east\" is a tag expression but the job has no namespace",
        "targets[2]: \"web 1\" is not a valid host name (" + HostNames.RULE + ")",
        "targets[3]: \"web[3-1]\" is a reversed range (3-1: the low bound comes first)",
        "targets[4]: must be a host name, a host pattern or a $tag expression; got an empty value",
        "targets[5]: \"$\" is not a tag expression ($tag or $tag.value)"),
        errors(List.of("$colo.east", "ok1", "web 1", "web[3-1]", "", "$"), null, 100));
    assertEquals(List.of("targets[1]: unknown tag \"$colo.north\" in the job's namespace",
        "targets[2]: \"web[1-10,11-20]\" expands to more than 10 hosts"),
        errors(List.of("$colo.east", "$colo.north", "web[1-10,11-20]"), CONFIG, 10));
  }

  @Test
  void aTagWithoutHostsIsAnError() {
    NamespaceConfig c = NamespaceConfigParser.parse("tag:\n  db: []\n");
    assertEquals(List.of("targets[0]: tag \"$db\" has no hosts"), errors(List.of("$db"), c, 10));
  }

  @Test
  void emptyOrNullListIsAnError() {
    assertEquals(List.of("targets: must not be empty"), errors(List.of(), CONFIG, 10));
    assertEquals(List.of("targets: must not be empty"), errors(null, CONFIG, 10));
    assertEquals(List.of("targets[0]: must be a host name, a host pattern or a $tag expression; got an empty value"),
        errors(Arrays.asList((String) null), CONFIG, 10));
  }

  @Test
  void theTotalIsCappedAfterDuplicatesAreRemoved() {
    assertEquals(8, Targets.expand(List.of("h[1-5]", "h[4-8]"), null, 8).size());
    assertEquals(List.of("targets: expand to more than 8 hosts"), errors(List.of("h[1-5]", "h[4-9]", "g1"), null, 8));
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      many.add("h" + i);
    }
    assertEquals(List.of("targets: expand to more than 10 hosts"), errors(many, null, 10));
  }
}
