package io.pogo.scheduler.engine;

import java.util.Locale;

/** A host's state within a job. Every host ends in exactly one terminal state unless it is retried. */
public enum HostState {
  /** Not started yet; the host's reason says what it waits for. */
  WAITING,
  /** Dispatched to a node, not yet confirmed running. Holds its slots. */
  READY,
  RUNNING,
  SUCCEEDED,
  /** Exited non-zero (or could not be started). Holds its slots while the job runs. */
  FAILED,
  /** Killed after the host timeout. Counts as failed. */
  TIMED_OUT,
  SKIPPED,
  /** Not run because the job was halted (or timed out), or killed by a halt. */
  HALTED,
  /** Its worker died while it ran: the outcome is unknown. Counts as failed. */
  LOST;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static HostState fromWire(String s) {
    for (HostState v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException("\"" + s + "\" is not a host state");
  }

  public boolean terminal() {
    return this != WAITING && this != READY && this != RUNNING;
  }

  public boolean active() {
    return this == READY || this == RUNNING;
  }

  /** Counts against the failure budget and makes a job end {@code failed}. */
  public boolean failure() {
    return this == FAILED || this == TIMED_OUT || this == LOST;
  }
}
