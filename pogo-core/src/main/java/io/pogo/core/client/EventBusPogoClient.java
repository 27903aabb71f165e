package io.pogo.core.client;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildState;
import io.pogo.core.child.LogLine;
import io.pogo.core.error.PogoException;
import io.pogo.core.event.ChildEvent;
import io.reactivex.rxjava3.core.BackpressureStrategy;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Single;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

final class EventBusPogoClient implements PogoClient {
  /** Events buffered for a slow subscriber before the stream fails. */
  static final int EVENT_BUFFER = 10_000;

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final DeliveryOptions stopOptions;

  EventBusPogoClient(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = Requests.options(timeoutMs);
    // a stop waits for the child's own shutdown timeout
    this.stopOptions = Requests.options(timeoutMs + ChildSpec.MAX_SHUTDOWN_TIMEOUT_MS);
  }

  @Override
  public Single<ChildRecord> start(JsonObject spec) {
    return request(Addresses.CHILD_START, spec, options).map(ChildRecord::fromJson);
  }

  @Override
  public Single<ChildRecord> startAsync(JsonObject spec) {
    return request(Addresses.CHILD_START_ASYNC, spec, options).map(ChildRecord::fromJson);
  }

  @Override
  public Single<ChildRecord> await(String id, java.util.Set<ChildState> states, java.time.Duration timeout) {
    JsonObject body = new JsonObject().put("id", id)
        .put("states", new JsonArray(states.stream().map(ChildState::wire).toList())).put("timeout", timeout.toMillis());
    // the reply may take the whole wait: the request outlives it by the usual timeout
    DeliveryOptions longer = new DeliveryOptions(options).setSendTimeout(options.getSendTimeout() + timeout.toMillis());
    return request(Addresses.CHILD_AWAIT, body, longer).map(ChildRecord::fromJson);
  }

  @Override
  public Single<JsonObject> startBatch(List<JsonObject> specs, boolean rollback) {
    JsonObject body = new JsonObject().put("children", new JsonArray(List.copyOf(specs)))
        .put("onError", rollback ? "rollback" : "continue");
    return request(Addresses.CHILD_START_BATCH, body, stopOptions);
  }

  @Override
  public Single<ChildRecord> stop(String id) {
    return request(Addresses.CHILD_STOP, new JsonObject().put("id", id), stopOptions).map(ChildRecord::fromJson);
  }

  @Override
  public Single<ChildRecord> restart(String id) {
    return request(Addresses.CHILD_RESTART, new JsonObject().put("id", id), stopOptions).map(ChildRecord::fromJson);
  }

  @Override
  public Single<ChildRecord> get(String id) {
    return request(Addresses.CHILD_GET, new JsonObject().put("id", id), options).map(ChildRecord::fromJson);
  }

  @Override
  public Single<List<ChildRecord>> list(ChildQuery query) {
    return request(Addresses.CHILD_LIST, query.toJson(), options)
        .map(reply -> reply.getJsonArray("children").stream().map(o -> ChildRecord.fromJson((JsonObject) o)).toList());
  }

  @Override
  public Single<List<LogLine>> logs(String id, int tail) {
    return request(Addresses.CHILD_LOGS, new JsonObject().put("id", id).put("tail", tail), options)
        .map(reply -> reply.getJsonArray("lines").stream().map(o -> LogLine.fromJson((JsonObject) o)).toList());
  }

  @Override
  public Flowable<ChildEvent> events() {
    return Flowable.<ChildEvent>create(emitter -> {
      MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.EVENTS_CHILD, msg -> {
        if (msg.body().getJsonObject("record") != null) { // a transition; child.moved and child.refused are not
          emitter.onNext(ChildEvent.fromJson(msg.body()));
        }
      });
      emitter.setCancellable(() -> consumer.unregister());
    }, BackpressureStrategy.MISSING)
        // bounded: a subscriber that falls this far behind gets MissingBackpressureException, not an OOM
        .onBackpressureBuffer(EVENT_BUFFER);
  }

  @Override
  public Single<JsonObject> nodeInfo() {
    return request(Addresses.NODE_INFO, new JsonObject(), options);
  }

  private Single<JsonObject> request(String address, JsonObject body, DeliveryOptions opts) {
    // inside a node, ask its own registry: a clustered request may go to a node that died and is not yet noticed
    boolean local = Boolean.TRUE.equals(vertx.sharedData().getLocalMap("pogo.node").get("registry"));
    DeliveryOptions delivery = new DeliveryOptions(opts).setLocalOnly(local);
    return Single.<JsonObject>create(emitter -> vertx.eventBus().<JsonObject>request(address, body, delivery)
            .onSuccess(msg -> emitter.onSuccess(msg.body()))
            .onFailure(err -> emitter.onError(PogoException.from(err))));
  }
}
