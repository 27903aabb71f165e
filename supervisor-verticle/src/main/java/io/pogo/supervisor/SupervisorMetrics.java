package io.pogo.supervisor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pogo.core.MetricNames;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildState;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The supervisor's meters ({@link MetricNames}). Updated on the supervisor's event loop at each transition and
 * read by the scrape from another thread, hence atomics rather than a count over the children map.
 */
final class SupervisorMetrics {
  private final MeterRegistry registry;
  private final Map<ChildState, AtomicInteger> byState = new EnumMap<>(ChildState.class);
  /** System.nanoTime() of each child's last move to starting; confined to the supervisor's event loop. */
  private final Map<String, Long> starting = new HashMap<>();

  /** @param registry the node's registry, or null when metrics are off (a private registry then) */
  SupervisorMetrics(MeterRegistry registry) {
    this.registry = registry != null ? registry : new SimpleMeterRegistry();
    for (ChildState s : ChildState.values()) {
      AtomicInteger n = new AtomicInteger();
      byState.put(s, n);
      if (s != ChildState.STOPPED) {
        Gauge.builder(MetricNames.CHILDREN, n, AtomicInteger::get).tag("state", s.wire())
            .description("children of this node in each state").register(this.registry);
      }
    }
  }

  io.micrometer.core.instrument.MeterRegistry registry() {
    return registry;
  }

  void transition(ChildState from, ChildRecord record) {
    ChildState to = record.state();
    String kind = record.spec().kind().wire();
    if (from != null) {
      byState.get(from).decrementAndGet();
    }
    if (to != ChildState.STOPPED) {
      byState.get(to).incrementAndGet();
    }
    Counter.builder(MetricNames.CHILD_TRANSITIONS).tag("state", to.wire()).tag("kind", kind)
        .description("child transitions on this node").register(registry).increment();
    if (from == ChildState.BACKOFF && to == ChildState.STARTING) {
      Counter.builder(MetricNames.CHILD_RESTARTS).tag("kind", kind).description("restarts by policy on this node")
          .register(registry).increment();
    }
    Long startingSince = to == ChildState.STARTING ? startingSince(record.id(), System.nanoTime())
        : starting.remove(record.id());
    if (to == ChildState.RUNNING && startingSince != null) {
      Timer.builder(MetricNames.CHILD_START).tag("kind", kind).description("from starting to running")
          .register(registry).record(System.nanoTime() - startingSince, TimeUnit.NANOSECONDS);
    }
  }

  private Long startingSince(String id, long now) {
    starting.put(id, now);
    return null;
  }
}
