package io.pogo.scheduler.store;

import com.hazelcast.map.EntryProcessor;

import java.util.Map;

/**
 * Every value the scheduler stores carries the epoch of the scheduler that wrote it ({@code "<epoch>:<json>"}), and
 * every write and removal runs on the key's owner as an entry processor that refuses to replace a value written at a
 * newer epoch. A scheduler that was frozen, and was replaced meanwhile, can therefore not overwrite what its successor
 * has written: its write is refused, and it steps down ({@link StoreFencedException}).
 */
final class FencedValues {
  private FencedValues() {
  }

  static String wrap(long epoch, String json) {
    return epoch + ":" + json;
  }

  /** The writer's epoch of a stored value; 0 for none (a value from before epochs were stored). */
  static long epochOf(String stored) {
    if (stored == null || stored.isEmpty() || !Character.isDigit(stored.charAt(0))) {
      return 0;
    }
    int colon = stored.indexOf(':');
    return colon < 0 ? 0 : Long.parseLong(stored, 0, colon, 10);
  }

  /** The JSON text of a stored value. */
  static String json(String stored) {
    if (stored == null || stored.isEmpty() || !Character.isDigit(stored.charAt(0))) {
      return stored;
    }
    return stored.substring(stored.indexOf(':') + 1);
  }

  /**
   * Puts (or, for a null value, removes) the given keys' values unless the stored value is newer. Holds only the values
   * of the keys it is sent to (the store groups a batch by partition). Returns, per key, 0 if written, else the newer
   * epoch that refused it.
   */
  static final class Put implements EntryProcessor<String, String, Long> {
    private static final long serialVersionUID = 1L;
    private final long epoch;
    private final Map<String, String> values;

    Put(long epoch, Map<String, String> values) {
      this.epoch = epoch;
      this.values = values;
    }

    @Override
    public Long process(Map.Entry<String, String> entry) {
      long stored = epochOf(entry.getValue());
      if (stored > epoch) {
        return stored;
      }
      String json = values.get(entry.getKey());
      entry.setValue(json == null ? null : wrap(epoch, json));
      return 0L;
    }
  }
}
