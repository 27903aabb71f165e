package io.pogo.scheduler.engine;

import java.util.Locale;

/** A job's state. */
public enum JobState {
  RUNNING,
  /** Dispatching stopped (by a user or the failure budget); resume continues it (retried hosts wait for that). */
  HALTED,
  /** Every host ended and none failed. */
  FINISHED,
  /** Every host ended and some failed (failed, timed out or lost). */
  FAILED,
  /** Nothing can run and nothing runs: retry or skip hosts to continue. */
  DEADLOCKED,
  /** The job timeout passed: running tasks were killed, waiting hosts halted. */
  TIMED_OUT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static JobState fromWire(String s) {
    for (JobState v : values()) {
      if (v.wire().equals(s)) {
        return v;
      }
    }
    throw new IllegalArgumentException("\"" + s + "\" is not a job state");
  }

  /** Over for good: only a new job runs these hosts again... except retry, which revives finished and failed jobs. */
  public boolean ended() {
    return this == FINISHED || this == FAILED || this == TIMED_OUT;
  }
}
