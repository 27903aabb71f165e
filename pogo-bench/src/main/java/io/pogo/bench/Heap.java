package io.pogo.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** Used heap after full collections, and GC counters. */
final class Heap {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private Heap() {
  }

  /**
   * Runs full collections (System.gc(), a full stop-the-world collection with G1 unless -XX:+ExplicitGCInvokesConcurrent)
   * until the used heap moves by less than 256 KiB between two of them (at least 3, at most 10), then returns it.
   */
  static long usedAfterGc() {
    long prev = -1;
    long used = 0;
    for (int i = 0; i < 10; i++) {
      System.gc();
      sleep(150);
      used = MEMORY.getHeapMemoryUsage().getUsed();
      if (i >= 2 && prev >= 0 && Math.abs(used - prev) < 256 * 1024) {
        break;
      }
      prev = used;
    }
    return used;
  }

  /** Total collections and their total time (ms) so far, over every collector. */
  static long[] gcCounters() {
    long count = 0;
    long ms = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
      ms += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {count, ms};
  }

  /** CPU time of this JVM (all threads) in nanoseconds, or -1. */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
