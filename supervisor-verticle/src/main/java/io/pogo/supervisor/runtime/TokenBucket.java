package io.pogo.supervisor.runtime;

/**
 * Output rate limit of one child, shared by its two readers: bytes and lines per second, with a burst of a
 * quarter of a second. Callers reserve what they have just read and pause for the returned time, so a
 * flooding child is slowed by the pipe filling up instead of costing the node a core.
 */
final class TokenBucket {
  private final double bytesPerNano;
  private final double linesPerNano;
  private final double maxBytes;
  private final double maxLines;
  private double bytes;
  private double lines;
  private long last;

  TokenBucket(long bytesPerSecond, long linesPerSecond) {
    if (bytesPerSecond <= 0 || linesPerSecond <= 0) {
      throw new IllegalArgumentException("rates must be positive");
    }
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.linesPerNano = linesPerSecond / 1e9;
    this.maxBytes = Math.max(1, bytesPerSecond / 4.0);
    this.maxLines = Math.max(1, linesPerSecond / 4.0);
    this.bytes = maxBytes;
    this.lines = maxLines;
    this.last = System.nanoTime();
  }

  /** Takes {@code b} bytes and {@code l} lines; returns how many nanoseconds to pause to stay within the rates. */
  synchronized long reserve(long b, long l) {
    long now = System.nanoTime();
    long dt = Math.max(0, now - last);
    last = now;
    bytes = Math.min(maxBytes, bytes + dt * bytesPerNano) - b;
    lines = Math.min(maxLines, lines + dt * linesPerNano) - l;
    double wait = 0;
    if (bytes < 0) {
      wait = -bytes / bytesPerNano;
    }
    if (lines < 0) {
      wait = Math.max(wait, -lines / linesPerNano);
    }
    return (long) wait;
  }
}
