package io.pogo.core.child;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The lifecycle of a child on its node. Allowed transitions are written out in {@link #canMoveTo}:
 *
 * <pre>
 * starting -> running | backoff | exited | failed | stopping
 * running  -> backoff | exited | failed | stopping
 * backoff  -> starting | failed | stopping
 * stopping -> stopped | starting (a manual restart)
 * exited   -> starting (manual restart) | stopping
 * failed   -> starting (manual restart) | stopping
 * stopped  -> (terminal)
 * </pre>
 */
public enum ChildState {
  STARTING, RUNNING, BACKOFF, STOPPING, STOPPED, EXITED, FAILED;

  // @formatter:off
  private static final Set<ChildState> FROM_STARTING = EnumSet.of(RUNNING, BACKOFF, EXITED, FAILED, STOPPING);
  private static final Set<ChildState> FROM_RUNNING  = EnumSet.of(BACKOFF, EXITED, FAILED, STOPPING);
  private static final Set<ChildState> FROM_BACKOFF  = EnumSet.of(STARTING, FAILED, STOPPING);
  private static final Set<ChildState> FROM_STOPPING = EnumSet.of(STOPPED, STARTING);
  private static final Set<ChildState> FROM_EXITED   = EnumSet.of(STARTING, STOPPING);
  private static final Set<ChildState> FROM_FAILED   = EnumSet.of(STARTING, STOPPING);
  // @formatter:on

  public boolean canMoveTo(ChildState next) {
    return switch (this) {
      case STARTING -> FROM_STARTING.contains(next);
      case RUNNING -> FROM_RUNNING.contains(next);
      case BACKOFF -> FROM_BACKOFF.contains(next);
      case STOPPING -> FROM_STOPPING.contains(next);
      case EXITED -> FROM_EXITED.contains(next);
      case FAILED -> FROM_FAILED.contains(next);
      case STOPPED -> false;
    };
  }

  /** True when no instance of the child runs and none will unless someone asks. */
  public boolean isDown() {
    return this == STOPPED || this == EXITED || this == FAILED;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ChildState fromWire(String s) {
    for (ChildState st : values()) {
      if (st.wire().equals(s)) {
        return st;
      }
    }
    return null;
  }
}
