package io.pogo.scheduler.store;

/** A write was refused because a scheduler with a newer epoch has written the same entry: this one is superseded. */
public final class StoreFencedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long newerEpoch;

  public StoreFencedException(String map, String key, long epoch, long newerEpoch) {
    super("the store refused a write of " + map + "/" + key + " at epoch " + epoch + ": a scheduler at epoch "
        + newerEpoch + " has written it since");
    this.newerEpoch = newerEpoch;
  }

  public long newerEpoch() {
    return newerEpoch;
  }
}
