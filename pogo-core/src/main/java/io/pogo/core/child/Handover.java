package io.pogo.core.child;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Implemented by a verticle child that moves with {@code migration: start-then-stop} and keeps state across the
 * move. When the child moves, Pogo asks the running (old) instance for its state with {@link #handOver()}, starts
 * the new instance on the target node, calls {@link #takeOver(JsonObject)} on it before its {@code start}, and only
 * then stops the old instance. The state travels over the event bus: keep it small (well under 1 MiB).
 *
 * <p>The old instance keeps running until the new one runs; {@code handOver} should therefore describe a state the
 * old instance stops changing (for example by refusing new work from that call on). If {@code handOver} fails or
 * takes longer than the node's request timeout, the move goes on without state ({@code takeOver} gets null).
 */
public interface Handover {

  /** On the old instance, on its own context: the state to pass on. */
  Future<JsonObject> handOver();

  /** On the new instance, before it is deployed: the state of the old one, or null when there was none. */
  void takeOver(JsonObject state);
}
