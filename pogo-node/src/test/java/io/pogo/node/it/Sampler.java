package io.pogo.node.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Scans a run's child processes ({@link ChildProcs}) at a fixed period on a thread of its own, and keeps what the
 * at-most-once guarantee is judged by: every sample in which some child had two live instances, and the lifetime
 * (first and last sample) of every instance seen. The period is a target: a slow scan delays the next one, and the
 * longest gap between two samples is reported with the results.
 */
final class Sampler implements AutoCloseable {
  /** One instance's life as the samples saw it. */
  record Life(ChildProcs.Instance instance, long firstSeen, long lastSeen) {
  }

  private final ChildProcs procs;
  private final long periodNanos;
  private final Thread thread;
  private volatile boolean stop;
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  /** Every child seen with two live instances: its first and last such sample. */
  private final Map<String, long[]> doubled = new java.util.TreeMap<>();
  private long violatingSamples;
  private final Map<Long, Life> lives = new HashMap<>();
  private volatile ChildProcs.Snapshot latest;
  private volatile Throwable failure;
  private long samples;
  private long maxGapMs;
  private long maxScanMs;
  private long lastAt;

  Sampler(ChildProcs procs, Duration period) {
    this.procs = procs;
    this.periodNanos = period.toNanos();
    this.latest = procs.scan();
    this.thread = new Thread(this::loop, "it-sampler");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void loop() {
    long next = System.nanoTime();
    while (!stop) {
      try {
        long t0 = System.nanoTime();
        ChildProcs.Snapshot s = procs.scan();
        long scanMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        record(s, scanMs);
      } catch (Throwable t) {
        failure = t;
        return;
      }
      next += periodNanos;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      } else {
        next = System.nanoTime();
      }
    }
  }

  private synchronized void record(ChildProcs.Snapshot s, long scanMs) {
    latest = s;
    samples++;
    maxScanMs = Math.max(maxScanMs, scanMs);
    if (lastAt != 0) {
      maxGapMs = Math.max(maxGapMs, s.atMillis() - lastAt);
    }
    lastAt = s.atMillis();
    Map<String, List<ChildProcs.Instance>> dups = s.duplicates();
    if (!dups.isEmpty()) {
      violatingSamples++;
      dups.keySet().forEach(id -> doubled.merge(id, new long[] {s.atMillis(), s.atMillis()},
          (old, now) -> new long[] {old[0], now[1]}));
      if (violations.size() < 3) {
        violations.add("at " + s.atMillis() + ": " + dups);
      }
    }
    for (ChildProcs.Instance i : s.all()) {
      lives.merge(i.pid(), new Life(i, s.atMillis(), s.atMillis()),
          (old, now) -> new Life(old.instance(), old.firstSeen(), now.lastSeen()));
    }
  }

  /** The latest sample (taken at most a period or a slow scan ago). */
  ChildProcs.Snapshot latest() {
    check();
    return latest;
  }

  /** Waits for a sample taken after this call, and returns it. */
  ChildProcs.Snapshot fresh() {
    long after = System.currentTimeMillis();
    return Await.value("a fresh process sample", Duration.ofSeconds(10), this::latest, s -> s.atMillis() > after);
  }

  /**
   * Empty if no sample ever saw two live instances of a child; otherwise a summary (how many samples, which children,
   * for how long each was seen doubled) followed by the first three such samples in full.
   */
  List<String> violations() {
    check();
    synchronized (this) {
      if (doubled.isEmpty()) {
        return List.of();
      }
      List<String> out = new ArrayList<>();
      StringBuilder sb = new StringBuilder();
      doubled.forEach((id, t) -> sb.append(sb.length() == 0 ? "" : ", ").append(id).append(' ').append(t[1] - t[0])
          .append(" ms"));
      out.add(violatingSamples + " of " + samples + " samples saw a child with two live processes; " + doubled.size()
          + " children, each seen doubled for (first to last sample): " + sb);
      synchronized (violations) {
        out.addAll(violations);
      }
      return out;
    }
  }

  synchronized List<Life> lives() {
    return List.copyOf(lives.values());
  }

  synchronized long maxGapMs() {
    return maxGapMs;
  }

  synchronized String stats() {
    return samples + " samples, longest gap " + maxGapMs + " ms, slowest scan " + maxScanMs + " ms, load average "
        + loadAverage();
  }

  /**
   * A timing bound can be judged only if this machine gave the test its CPU: true when no two samples were more than
   * {@code limit} apart (the sampler is a thread of the test's own JVM that asks to run every period).
   */
  synchronized boolean gotTheCpu(Duration limit) {
    return maxGapMs <= limit.toMillis();
  }

  /** The 1-minute load average, as /proc/loadavg says (the machine may be shared). */
  static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "?";
    }
  }

  private void check() {
    if (failure != null) {
      throw new AssertionError("the process sampler failed", failure);
    }
  }

  @Override
  public void close() {
    stop = true;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
