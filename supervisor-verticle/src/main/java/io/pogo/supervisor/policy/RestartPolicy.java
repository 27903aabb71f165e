package io.pogo.supervisor.policy;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ExitKind;
import io.pogo.core.child.RestartType;

/**
 * What happens after an instance ends: OTP's {@code do_restart} table, then restart intensity, then
 * exponential backoff. Pure: every input is an argument.
 *
 * <pre>
 *              normal     abnormal    shutdown
 * permanent    restart    restart     stay down
 * transient    stay down  restart     stay down
 * temporary    stay down  stay down   stay down
 * </pre>
 *
 * A restart that would make more than {@code maxRestarts} restarts within {@code restartWindow} marks the
 * child failed instead: it stays down until restarted by hand, and nothing else is affected.
 */
public final class RestartPolicy {
  private RestartPolicy() {
  }

  /** The decision for one exit. */
  public sealed interface Outcome permits Restart, StayDown, GiveUp {
  }

  /** Restart after {@code delayMs}; {@code history} now includes this restart. */
  public record Restart(long delayMs, RestartHistory history) implements Outcome {
  }

  /** The restart type says this exit ends the child (state {@code exited}, or {@code stopped} after a shutdown). */
  public record StayDown() implements Outcome {
  }

  /** Restart intensity exceeded: the child is {@code failed}. */
  public record GiveUp(int restartsInWindow) implements Outcome {
  }

  /** OTP's table: does this restart type restart after this kind of exit? */
  public static boolean restarts(RestartType type, ExitKind exit) {
    return switch (exit) {
      case SHUTDOWN -> false;
      case NORMAL -> type == RestartType.PERMANENT;
      case ABNORMAL -> type != RestartType.TEMPORARY;
    };
  }

  /** Delay before restart number {@code attempt} (0-based) within the window: initial × 2^attempt, capped. */
  public static long backoffMs(int attempt, long initialMs, long maxMs) {
    if (initialMs == 0) {
      return 0;
    }
    int shift = Math.min(attempt, 40);
    long d = initialMs << shift;
    return d < 0 || d > maxMs || (d >> shift) != initialMs ? maxMs : d;
  }

  public static Outcome decide(ChildSpec spec, RestartHistory history, ExitKind exit, long now) {
    if (!restarts(spec.restart(), exit)) {
      return new StayDown();
    }
    RestartHistory recent = history.prune(now, spec.restartWindowMs());
    if (recent.count() >= spec.maxRestarts()) {
      return new GiveUp(recent.count());
    }
    long delay = backoffMs(recent.count(), spec.backoffInitialMs(), spec.backoffMaxMs());
    return new Restart(delay, recent.add(now));
  }
}
