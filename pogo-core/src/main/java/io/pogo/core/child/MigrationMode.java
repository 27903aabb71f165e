package io.pogo.core.child;

/**
 * How a child moves between nodes (a join, a drain, a rebalance). {@code stop-then-start} (the default) keeps at
 * most one live instance at every moment: the old instance stops, then the new one starts. {@code start-then-stop}
 * starts the new instance first and stops the old one once the new one runs, so the child is never down; for that
 * window two instances run, and a verticle implementing {@link Handover} passes its state from the old to the new.
 */
public enum MigrationMode {
  STOP_THEN_START("stop-then-start"), START_THEN_STOP("start-then-stop");

  private final String wire;

  MigrationMode(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static MigrationMode fromWire(String s) {
    for (MigrationMode m : values()) {
      if (m.wire.equals(s)) {
        return m;
      }
    }
    return null;
  }
}
