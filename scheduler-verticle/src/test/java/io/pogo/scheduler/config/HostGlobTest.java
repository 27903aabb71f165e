package io.pogo.scheduler.config;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostGlobTest {
  private static final int CAP = 100_000;

  private static List<String> x(String pattern) {
    return HostGlob.expand(pattern, CAP);
  }

  private static String error(String pattern, int cap) {
    return assertThrows(IllegalArgumentException.class, () -> HostGlob.expand(pattern, cap)).getMessage();
  }

  @Test
  void yahooTargetExamples() {
    assertEquals(List.of("foo1", "foo2"), x("foo[1-2]"));
    assertEquals(List.of("foo3", "foo4"), x("foo[3,4]"));
    assertEquals(List.of("foo8", "foo10", "foo33"), x("foo[8,10,33]"));
    assertEquals(List.of("bar1", "bar2", "bar3", "bar4", "bar5", "bar6", "bar7", "bar8", "bar9"), x("bar[1-9]"));
    assertEquals(List.of("host01", "host02", "host03", "host04", "host05", "host06", "host07", "host08", "host09",
        "host10"), x("host[01-10]"));
    List<String> product = x("host[01-10].foo{bar,baz}");
    assertEquals(20, product.size());
    assertEquals(List.of("host01.foobar", "host01.foobaz", "host02.foobar"), product.subList(0, 3));
    assertEquals("host10.foobaz", product.get(19));
  }

  @Test
  void listsRangesAndAlternatives() {
    assertEquals(List.of("web1", "web2", "web3"), x("web[1-3]"));
    assertEquals(List.of("foo1", "foo2", "foo3", "foo7"), x("foo[1-3,7]"));
    assertEquals(List.of("db1", "db2"), x("db{1,2}"));
    assertEquals(List.of("web1.east", "web1.west", "web2.east", "web2.west"), x("web[1-2].{east,west}"));
    assertEquals(List.of("a-1", "a"), x("a{-1,}"), "an empty alternative is allowed");
    assertEquals(List.of("plain.host"), x("plain.host"));
  }

  @Test
  void paddingFollowsALowBoundWrittenWithALeadingZero() {
    assertEquals(List.of("h1", "h2", "h9", "h10"), pick(x("h[1-10]"), 0, 1, 8, 9));
    assertEquals(List.of("h001", "h099", "h100", "h120"), pick(x("h[001-120]"), 0, 98, 99, 119));
    assertEquals(List.of("h08", "h09", "h10"), x("h[08-10]"));
    assertEquals(List.of("h01", "h99", "h100"), pick(x("h[01-100]"), 0, 98, 99));
    assertEquals(List.of("h0", "h1"), x("h[0-1]"));
    assertEquals(List.of("h007", "h8"), x("h[007,8]"), "a lone number is kept as written");
  }

  @Test
  void duplicatesAreDroppedKeepingTheFirst() {
    assertEquals(List.of("w3", "w1", "w2"), x("w[3,1-3]"));
    assertEquals(List.of("a", "b"), x("{a,b,a}"));
  }

  @Test
  void isGlob() {
    assertTrue(HostGlob.isGlob("web[1-3]"));
    assertTrue(HostGlob.isGlob("db{1,2}"));
    assertTrue(HostGlob.isGlob("web1]"));
    assertFalse(HostGlob.isGlob("web1.east"));
  }

  @Test
  void refusesBadPatternsClearly() {
    assertEquals("\"web[3-1]\" is a reversed range (3-1: the low bound comes first)", error("web[3-1]", CAP));
    assertTrue(error("web[1-3", CAP).contains("\"web[1-3\" is unbalanced: \"[\" at position 4 is never closed"));
    assertTrue(error("web1]", CAP).contains("is unbalanced: \"]\" at position 5 has no opening \"[\""));
    assertTrue(error("web{1,2", CAP).contains("is unbalanced"));
    assertTrue(error("web[1-[2]]", CAP).contains("groups do not nest"));
    assertTrue(error("web[]", CAP).contains("has an empty []"));
    assertTrue(error("web{}", CAP).contains("has an empty {}"));
    assertTrue(error("web[a-c]", CAP).contains("\"a-c\" in [...], which is not a number or a range like 1-3"));
    assertTrue(error("web[1-3-5]", CAP).contains("not a number or a range"));
    assertTrue(error("web[1234567890123456789]", CAP).contains("not a number or a range"));
    assertTrue(error("web[1-999999999]", CAP).contains("is a range that is too big"));
    assertEquals("\"w[1-400]x[1-400]\" expands to more than 100000 hosts", error("w[1-400]x[1-400]", CAP));
    assertEquals("\"w[1-11]\" is a range that is too big (1-11 expands to more than 10 hosts)", error("w[1-11]", 10));
    assertEquals("\"w[1-6,7-12]\" expands to more than 10 hosts", error("w[1-6,7-12]", 10));
    assertEquals("\"w[1-3]{a,b}\" expands to more than 5 hosts", error("w[1-3]{a,b}", 5));
    assertTrue(error("", CAP).contains("empty host pattern"));
  }

  @Test
  void everyProducedNameMustBeAValidHostName() {
    assertEquals("\"web[1-2]{.ok,_bad}\" gives \"web1_bad\", which is not a valid host name (" + HostNames.RULE + ")",
        error("web[1-2]{.ok,_bad}", CAP));
    assertTrue(error("web {1,2}", CAP).contains("\"web 1\""));
    assertTrue(error("{-a,b}", CAP).contains("\"-a\""));
    assertEquals("\"web 1\" is not a valid host name (" + HostNames.RULE + ")", error("web 1", CAP));
    assertTrue(error("h{$x,y}", CAP).contains("\"h$x\""));
  }

  @Test
  void expandsExactlyTheCap() {
    assertEquals(CAP, x("h[1-100000]").size());
    assertEquals(CAP, x("h[1-100]x[1-1000]").size());
  }

  private static List<String> pick(List<String> all, int... indexes) {
    List<String> out = new ArrayList<>();
    for (int i : indexes) {
      out.add(all.get(i));
    }
    return out;
  }
}
