package io.pogo.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Runs {@code total} asynchronous operations with at most {@code concurrency} in flight. One thread (the caller)
 * issues them; completions release permits. Bounded in time: gives up after {@code timeoutMs}.
 */
final class Bounded {
  private Bounded() {
  }

  record Result(int total, int concurrency, long nanos, int ok, int failed, List<String> firstErrors, boolean timedOut) {
    double seconds() {
      return nanos / 1e9;
    }

    double perSecond() {
      return ok / seconds();
    }
  }

  static Result run(int total, int concurrency, long timeoutMs, IntFunction<CompletionStage<?>> op) {
    Semaphore permits = new Semaphore(concurrency);
    CountDownLatch done = new CountDownLatch(total);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    long t0 = System.nanoTime();
    boolean timedOut = false;
    try {
      for (int i = 0; i < total; i++) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !permits.tryAcquire(left, TimeUnit.NANOSECONDS)) {
          timedOut = true;
          break;
        }
        CompletionStage<?> stage;
        try {
          stage = op.apply(i);
        } catch (RuntimeException e) {
          stage = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((r, err) -> {
          if (err == null) {
            ok.incrementAndGet();
          } else {
            failed.incrementAndGet();
            if (errors.size() < 5) {
              errors.add(String.valueOf(err.getMessage()));
            }
          }
          permits.release();
          done.countDown();
        });
      }
      if (!timedOut) {
        long left = deadline - System.nanoTime();
        timedOut = !done.await(Math.max(0, left), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      timedOut = true;
    }
    long nanos = System.nanoTime() - t0;
    return new Result(total, concurrency, nanos, ok.get(), failed.get(), List.copyOf(errors), timedOut);
  }
}
