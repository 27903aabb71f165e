package io.pogo.scheduler.config;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static io.pogo.scheduler.config.NaturalOrder.COMPARATOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NaturalOrderTest {

  @Test
  void digitRunsCompareAsNumbers() {
    assertTrue(COMPARATOR.compare("web2", "web10") < 0);
    assertTrue(COMPARATOR.compare("web10", "web10a") < 0);
    assertTrue(COMPARATOR.compare("web9.east", "web10.east") < 0);
    assertTrue(COMPARATOR.compare("web", "web1") < 0);
    assertTrue(COMPARATOR.compare("a10b2", "a10b10") < 0);
    assertTrue(COMPARATOR.compare("h99999999999999999999", "h100000000000000000000") < 0, "longer than a long");
  }

  @Test
  void sortsAHostList() {
    List<String> hosts = new ArrayList<>(List.of("web10", "web2", "web10a", "db1", "web1", "web01", "web001"));
    hosts.sort(COMPARATOR);
    assertEquals(List.of("db1", "web001", "web01", "web1", "web2", "web10", "web10a"), hosts);
  }

  @Test
  void equalNumbersFallBackToStringOrderSoOnlyEqualStringsCompareEqual() {
    assertTrue(COMPARATOR.compare("web01", "web1") < 0);
    assertTrue(COMPARATOR.compare("web1", "web01") > 0);
    assertEquals(0, COMPARATOR.compare("web01", "web01"));
  }

  @Test
  void isATotalOrderOnRandomNames() {
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    String alphabet = "ab.-0129";
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      StringBuilder sb = new StringBuilder();
      int len = rnd.nextInt(7);
      for (int k = 0; k < len; k++) {
        sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      }
      names.add(sb.toString());
    }
    for (String a : names) {
      for (String b : names) {
        int ab = Integer.signum(COMPARATOR.compare(a, b));
        assertEquals(-ab, Integer.signum(COMPARATOR.compare(b, a)), "antisymmetry, seed " + seed + ": " + a + " " + b);
        assertEquals(a.equals(b), ab == 0, "consistent with equals, seed " + seed + ": " + a + " " + b);
        if (ab < 0) {
          for (String c : names) {
            if (COMPARATOR.compare(b, c) < 0) {
              assertTrue(COMPARATOR.compare(a, c) < 0, "transitivity, seed " + seed + ": " + a + " " + b + " " + c);
            }
          }
        }
      }
    }
    List<String> shuffled = new ArrayList<>(names);
    Collections.shuffle(shuffled, rnd);
    shuffled.sort(COMPARATOR);
    names.sort(COMPARATOR);
    assertEquals(names, shuffled, "seed " + seed);
  }
}
