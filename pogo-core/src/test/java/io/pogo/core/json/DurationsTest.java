package io.pogo.core.json;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DurationsTest {
  @Test
  void parsesUnitsAndMillis() {
    assertEquals(250, Durations.parseMillis("250ms"));
    assertEquals(5_000, Durations.parseMillis("5s"));
    assertEquals(120_000, Durations.parseMillis("2m"));
    assertEquals(3_600_000, Durations.parseMillis("1h"));
    assertEquals(86_400_000, Durations.parseMillis("1d"));
    assertEquals(1500, Durations.parseMillis(1500));
  }

  @Test
  void refusesGarbage() {
    assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis("5 parsecs"));
    assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(-1));
    assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(1.5));
    assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(true));
  }

  @Test
  void formatsShortestExact() {
    assertEquals("5s", Durations.format(5000));
    assertEquals("1500ms", Durations.format(1500));
    assertEquals("2m", Durations.format(120_000));
    assertEquals("0ms", Durations.format(0));
  }
}
