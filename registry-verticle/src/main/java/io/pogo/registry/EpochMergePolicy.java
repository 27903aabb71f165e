package io.pogo.registry;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * How the child table heals after a partition: when both sides hold a record of the same child, the one with the
 * higher epoch wins (it is the later assignment); at equal epochs (both sides adopted the child from the same
 * epoch) the record of the node whose name sorts first wins, so every member picks the same one. The node whose
 * record lost sees, at its next assignment check, that it no longer owns the child and stops its instance: after a
 * heal exactly one instance remains. Configured for the map {@value HazelcastRegistryStore#MAP} by the node.
 */
public final class EpochMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {
  private static final long serialVersionUID = 1L;

  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging == null) {
      return existing.getRawValue();
    }
    return wins(record(merging.getValue()), record(existing.getValue())) ? merging.getRawValue() : existing.getRawValue();
  }

  /** Does record {@code a} win over {@code b}? Pure, so both sides of a healed partition decide alike. */
  static boolean wins(JsonObject a, JsonObject b) {
    if (a == null || b == null) {
      return b == null && a != null;
    }
    long ea = a.getLong("epoch", 0L);
    long eb = b.getLong("epoch", 0L);
    if (ea != eb) {
      return ea > eb;
    }
    int byNode = String.valueOf(a.getString("node")).compareTo(String.valueOf(b.getString("node")));
    if (byNode != 0) {
      return byNode < 0;
    }
    return a.encode().compareTo(b.encode()) <= 0;
  }

  private static JsonObject record(Object value) {
    try {
      if (value instanceof HazelcastJsonValue json) {
        return new JsonObject(json.getValue());
      }
      return value instanceof String s ? new JsonObject(s) : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // no state
  }

  @Override
  public void readData(ObjectDataInput in) {
    // no state
  }
}
