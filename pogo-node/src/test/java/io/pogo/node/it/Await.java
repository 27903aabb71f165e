package io.pogo.node.it;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waiting on conditions with deadlines: the only way tests here wait. */
final class Await {
  private Await() {
  }

  static void until(String what, Duration within, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + within.toMillis() + " ms waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** Polls {@code value} until it satisfies {@code done}; returns the value that did. */
  static <T> T value(String what, Duration within, Supplier<T> value, java.util.function.Predicate<T> done) {
    return value(what, within, Duration.ofMillis(20), value, done);
  }

  /**
   * As {@link #value(String, Duration, Supplier, java.util.function.Predicate)}, polling every {@code every}: for
   * values that cost the nodes something to produce (a listing of every child), on a machine with few cores.
   */
  static <T> T value(String what, Duration within, Duration every, Supplier<T> value, java.util.function.Predicate<T> done) {
    long deadline = System.nanoTime() + within.toNanos();
    T last = value.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        String shown = String.valueOf(last);
        fail("timed out after " + within.toMillis() + " ms waiting for " + what + "; last value: "
            + (shown.length() > 2_000 ? shown.substring(0, 2_000) + "..." : shown));
      }
      LockSupport.parkNanos(every.toNanos());
      last = value.get();
    }
    return last;
  }

  static <T> T result(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
