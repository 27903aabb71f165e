package io.pogo.scheduler.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostNamesTest {

  @Test
  void acceptsPlainNames() {
    for (String ok : new String[] {"web1", "web1.east.example.com", "a", "A-b", "10.0.0.1", "x".repeat(63),
        ("a".repeat(63) + ".").repeat(3) + "a".repeat(61)}) {
      assertTrue(HostNames.valid(ok), ok);
    }
  }

  @Test
  void refusesAnythingAnArgvCouldReadAsMore() {
    for (String bad : new String[] {null, "", "web 1", "web1;rm", "'web1'", "\"web1\"", "$HOST", "a/b", "a_b", "-web",
        "web-", "a..b", ".a", "a.", "x".repeat(64), ("a".repeat(63) + ".").repeat(3) + "a".repeat(62), "web1\n",
        "wéb1", "web`1`", "web1&", "a.-b"}) {
      assertFalse(HostNames.valid(bad), String.valueOf(bad));
    }
  }
}
