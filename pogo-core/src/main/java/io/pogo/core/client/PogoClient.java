package io.pogo.core.client;

import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.LogLine;
import io.pogo.core.event.ChildEvent;
import io.pogo.core.node.NodeOptions;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A typed client of Pogo over the event bus, for verticles of the user's own Vert.x application (clustered
 * with Pogo's nodes, or deployed in a node). Every call has a timeout; failures are
 * {@link io.pogo.core.error.PogoException}s with a code.
 */
public interface PogoClient {

  /** A client with Pogo's default request timeout. */
  static PogoClient create(Vertx vertx) {
    return new EventBusPogoClient(vertx, NodeOptions.DEFAULT_REQUEST_TIMEOUT_MS);
  }

  static PogoClient create(Vertx vertx, long requestTimeoutMs) {
    return new EventBusPogoClient(vertx, requestTimeoutMs);
  }

  /** Starts a child; completes once it is in the registry. Fails with VALIDATION_FAILED or ALREADY_STARTED. */
  Single<ChildRecord> start(JsonObject spec);

  default Single<ChildRecord> start(ChildSpec spec) {
    return start(spec.toJson());
  }

  /** Starts a child without waiting for it to run: completes once its record is in the registry (state starting). */
  Single<ChildRecord> startAsync(JsonObject spec);

  /**
   * Waits until a child is in one of {@code states} (at most {@code timeout}, up to 10 minutes). Fails with TIMEOUT,
   * CHILD_NOT_FOUND (gone, or its async start was refused) or INVALID_STATE (it ended in another state).
   */
  Single<ChildRecord> await(String id, java.util.Set<io.pogo.core.child.ChildState> states, java.time.Duration timeout);

  /**
   * Starts several children: with {@code rollback} all start or none stays (the failure carries the per-child
   * results in its details), else each stands alone. The reply: {@code {"results","started","failed","rolledBack"}}.
   */
  Single<JsonObject> startBatch(List<JsonObject> specs, boolean rollback);

  /** Stops a child and removes it; the record returned is its last (state {@code stopped}). */
  Single<ChildRecord> stop(String id);

  /** Restarts a child (also one that is {@code failed} or {@code exited}). */
  Single<ChildRecord> restart(String id);

  /** Looks up a child; fails with CHILD_NOT_FOUND. */
  Single<ChildRecord> get(String id);

  Single<List<ChildRecord>> list(ChildQuery query);

  /** The last {@code tail} lines of a process child's output. */
  Single<List<LogLine>> logs(String id, int tail);

  /**
   * Every child transition (the {@code child.<state>} events; moves and refusals are not transitions), as it is published; cancel to unsubscribe. Up to 10,000 events are buffered for a slow
   * subscriber; past that the stream fails with {@code MissingBackpressureException} rather than grow without bound.
   */
  Flowable<ChildEvent> events();

  /** Describes the node that serves the request. */
  Single<JsonObject> nodeInfo();
}
