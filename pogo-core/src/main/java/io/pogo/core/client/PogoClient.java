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
   * Every child transition, as it is published; cancel to unsubscribe. Up to 10,000 events are buffered for a slow
   * subscriber; past that the stream fails with {@code MissingBackpressureException} rather than grow without bound.
   */
  Flowable<ChildEvent> events();

  /** Describes the node that serves the request. */
  Single<JsonObject> nodeInfo();
}
