package io.pogo.scheduler.config;

import java.util.Locale;

/** Where a job's tasks run. */
public enum JobMode {
  /** On the node whose name is the target host. */
  AGENT,
  /** On any node with the supervisor role (e.g. {@code ssh {host} ...}), bounded tasks per node. */
  WORKER;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @throws IllegalArgumentException naming the accepted values */
  public static JobMode fromWire(String s) {
    for (JobMode m : values()) {
      if (m.wire().equals(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException("\"" + s + "\" is not one of agent, worker");
  }
}
