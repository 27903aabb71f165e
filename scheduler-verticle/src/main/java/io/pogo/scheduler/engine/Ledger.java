package io.pogo.scheduler.engine;

import io.pogo.scheduler.plan.SlotRef;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The slots of one namespace held across all its jobs: the namespace's shared disruption budget. A holder is
 * {@code job/host}. Jobs without a namespace get a ledger of their own.
 */
public final class Ledger {
  private final Map<String, Set<String>> holders = new HashMap<>();
  /** The limit each slot was last checked against, for the budget view. */
  private final Map<String, SlotRef> slots = new HashMap<>();

  boolean fits(SlotRef slot) {
    Set<String> h = holders.get(slot.name());
    return h == null || h.size() < slot.limit();
  }

  void hold(SlotRef slot, String holder) {
    slots.putIfAbsent(slot.name(), slot);
    holders.computeIfAbsent(slot.name(), k -> new LinkedHashSet<>()).add(holder);
  }

  void release(SlotRef slot, String holder) {
    Set<String> h = holders.get(slot.name());
    if (h != null && h.remove(holder) && h.isEmpty()) {
      holders.remove(slot.name());
    }
  }

  public int used(String slot) {
    Set<String> h = holders.get(slot);
    return h == null ? 0 : h.size();
  }

  public Set<String> holders(String slot) {
    Set<String> h = holders.get(slot);
    return h == null ? Set.of() : Collections.unmodifiableSet(h);
  }

  public Map<String, SlotRef> knownSlots() {
    return Collections.unmodifiableMap(slots);
  }

  void remember(SlotRef slot) {
    slots.put(slot.name(), slot);
  }
}
