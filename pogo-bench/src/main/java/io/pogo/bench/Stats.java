package io.pogo.bench;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;

/** Latency samples (nanoseconds) and their summary. */
final class Stats {
  private long[] samples = new long[64];
  private int n;

  void add(long nanos) {
    if (n == samples.length) {
      samples = Arrays.copyOf(samples, n * 2);
    }
    samples[n++] = nanos;
  }

  int count() {
    return n;
  }

  Summary summary() {
    long[] s = Arrays.copyOf(samples, n);
    Arrays.sort(s);
    double sum = 0;
    for (long v : s) {
      sum += v;
    }
    return new Summary(n, ms(pct(s, 50)), ms(pct(s, 90)), ms(pct(s, 99)), n == 0 ? 0 : ms(s[n - 1]),
        n == 0 ? 0 : ms(s[0]), n == 0 ? 0 : sum / n / 1e6);
  }

  /** Nearest-rank percentile. */
  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  /** All values in milliseconds. */
  record Summary(int n, double p50, double p90, double p99, double max, double min, double mean) {
    JsonObject toJson() {
      return new JsonObject().put("n", n).put("p50Ms", r(p50)).put("p90Ms", r(p90)).put("p99Ms", r(p99))
          .put("maxMs", r(max)).put("minMs", r(min)).put("meanMs", r(mean));
    }
  }

  static double r(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }

  static double ratio(double a, double b) {
    return b <= 0 ? 0 : Math.round(a / b * 100.0) / 100.0;
  }
}
