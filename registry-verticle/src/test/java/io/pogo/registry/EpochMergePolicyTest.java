package io.pogo.registry;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.spi.merge.MergingValue;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertSame;

/** After a partition heals, one record of a child survives, the same on every member: the later epoch's. */
class EpochMergePolicyTest {
  private final EpochMergePolicy policy = new EpochMergePolicy();

  private static MergingValue<Object> value(String node, long epoch) {
    HazelcastJsonValue json = new HazelcastJsonValue(new JsonObject().put("id", "c").put("node", node).put("epoch", epoch).encode());
    Object raw = new Object();
    return new MergingValue<>() {
      @Override
      public Object getValue() {
        return json;
      }

      @Override
      public Object getRawValue() {
        return raw;
      }
    };
  }

  @Test
  void theHigherEpochWinsFromEitherSide() {
    MergingValue<Object> later = value("b", 3);
    MergingValue<Object> earlier = value("a", 2);
    assertSame(later.getRawValue(), policy.merge(later, earlier));
    assertSame(later.getRawValue(), policy.merge(earlier, later));
  }

  @Test
  void equalEpochsAreDecidedByNodeNameTheSameWayOnBothSides() {
    MergingValue<Object> onA = value("a", 4);
    MergingValue<Object> onB = value("b", 4);
    assertSame(onA.getRawValue(), policy.merge(onA, onB));
    assertSame(onA.getRawValue(), policy.merge(onB, onA));
  }

  @Test
  void aRecordOnlyOneSideHasIsKept() {
    MergingValue<Object> only = value("a", 1);
    assertSame(only.getRawValue(), policy.merge(only, null));
  }
}
