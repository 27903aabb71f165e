package io.pogo.core;

import io.vertx.core.eventbus.DeliveryOptions;

/** Delivery options for every event-bus request Pogo makes: each has an explicit timeout. */
public final class Requests {
  private Requests() {
  }

  /** A request that may cross the cluster, failing after {@code timeoutMs}. */
  public static DeliveryOptions options(long timeoutMs) {
    return new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /** A request to a verticle of the same node. */
  public static DeliveryOptions local(long timeoutMs) {
    return new DeliveryOptions().setSendTimeout(timeoutMs).setLocalOnly(true);
  }
}
