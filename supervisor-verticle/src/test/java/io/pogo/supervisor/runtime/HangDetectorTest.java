package io.pogo.supervisor.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A freeze longer than the lease is noticed at once, and the node is suspect until its children are fenced. */
class HangDetectorTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<Long> hangs = new ArrayList<>();
  private final HangDetector detector = new HangDetector(now::get, 5_000, hangs::add);

  private void advanceMs(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void regularTicksAreNoHang() {
    for (int i = 0; i < 100; i++) {
      advanceMs(HangDetector.TICK_MS);
      assertFalse(detector.suspect());
      detector.tick();
    }
    assertEquals(List.of(), hangs);
  }

  @Test
  void aGapPastTheLeaseIsSuspectBeforeTheTickAndUntilFenced() {
    detector.tick();
    advanceMs(7_000); // frozen: no tick ran
    assertTrue(detector.suspect(), "the moment the JVM resumes, before the detector's thread ticks");
    detector.tick();
    assertEquals(List.of(7_000L), hangs);
    advanceMs(HangDetector.TICK_MS);
    assertTrue(detector.suspect(), "still suspect while the children are being fenced");
    detector.tick();
    assertEquals(1, hangs.size(), "one fencing per freeze");
    detector.fenced();
    assertFalse(detector.suspect());
  }

  @Test
  void aGapShorterThanTheLeaseIsTolerated() {
    detector.tick();
    advanceMs(4_000);
    assertFalse(detector.suspect());
    detector.tick();
    assertEquals(List.of(), hangs);
  }
}
