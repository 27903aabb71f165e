package io.pogo.supervisor.runtime;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits on conditions with a deadline (tests never sleep blindly). */
final class Await {
  private static final long POLL_NANOS = 20_000_000;

  private Await() {
  }

  static void until(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  static <T> T result(Future<T> future, Duration timeout, String what) {
    until(future::isComplete, timeout, what);
    if (future.failed()) {
      throw new AssertionError(what + " failed", future.cause());
    }
    return future.result();
  }
}
