package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ChildState;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A stand-in for the node's registry and node-info verticles: keeps records in a map, validates specs with the
 * real validator and fails with Pogo's codes, so the HTTP face is tested against the event-bus contract alone.
 * Every request body it receives is kept for assertions.
 */
final class FakeRegistry {
  static final String NODE = "node-a";

  final Map<String, ChildRecord> records = new LinkedHashMap<>();
  final List<Message<JsonObject>> received = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private final Vertx vertx;

  FakeRegistry(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Serves every address the HTTP face uses. */
  Future<Void> register() {
    on(Addresses.CHILD_START, this::start);
    on(Addresses.CHILD_GET, m -> m.reply(find(m).toJson()));
    on(Addresses.CHILD_LIST, this::list);
    on(Addresses.CHILD_STOP, m -> {
      ChildRecord r = find(m);
      records.remove(r.id());
      m.reply(r.with(ChildState.STOPPED, System.currentTimeMillis()).toJson());
    });
    on(Addresses.CHILD_RESTART, m -> {
      ChildRecord r = find(m);
      ChildRecord restarted = new ChildRecord(r.spec(), r.replica(), ChildState.RUNNING, r.node(), r.epoch(), r.restarts() + 1,
          r.pid(), r.deploymentId(), System.currentTimeMillis(), r.lastExit(), System.currentTimeMillis());
      records.put(r.id(), restarted);
      m.reply(restarted.toJson());
    });
    on(Addresses.CHILD_LOGS, this::logs);
    on(Addresses.NODE_INFO, m -> m.reply(new JsonObject().put("name", NODE).put("roles", new JsonArray().add("registry"))));
    return completion();
  }

  /** Registers a consumer on {@code address} that keeps the request and never answers. */
  Future<Void> silent(String address) {
    on(address, m -> { });
    return completion();
  }

  /** Registers a consumer on {@code address} that fails every request with {@code error}. */
  Future<Void> failing(String address, PogoException error) {
    on(address, error::failMessage);
    return completion();
  }

  private void on(String address, Consumer<Message<JsonObject>> handler) {
    consumers.add(vertx.eventBus().<JsonObject>consumer(address, m -> {
      received.add(m);
      try {
        handler.accept(m);
      } catch (PogoException e) {
        e.failMessage(m);
      }
    }));
  }

  private Future<Void> completion() {
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private void start(Message<JsonObject> m) {
    ChildSpec spec = ChildSpecValidator.parse(m.body());
    ChildRecord existing = records.get(spec.id());
    if (existing != null) {
      throw new PogoException(ErrorCode.ALREADY_STARTED, "child \"" + spec.id() + "\" already runs on " + NODE,
          List.of(), new JsonObject().put("id", spec.id()).put("node", NODE).put("state", existing.state().wire()));
    }
    long now = System.currentTimeMillis();
    ChildRecord r = new ChildRecord(spec, 0, ChildState.RUNNING, NODE, 1, 0, null, null, now, null, now);
    records.put(spec.id(), r);
    m.reply(r.toJson());
  }

  private void list(Message<JsonObject> m) {
    ChildQuery q = ChildQuery.fromJson(m.body());
    JsonArray children = new JsonArray();
    records.values().stream().filter(q::matches).forEach(r -> children.add(r.toJson()));
    m.reply(new JsonObject().put("children", children));
  }

  private void logs(Message<JsonObject> m) {
    ChildRecord r = find(m);
    int tail = m.body().getInteger("tail");
    JsonArray lines = new JsonArray()
        .add(new JsonObject().put("seq", 1).put("at", 1_795_273_445_123L).put("stream", "out").put("text", "hello"))
        .add(new JsonObject().put("seq", 2).put("at", 1_795_273_446_000L).put("stream", "err").put("text", "oops"))
        .add(new JsonObject().put("seq", 3).put("at", 1_795_273_447_000L).put("stream", "pogo").put("text", "exited"));
    JsonArray tailLines = new JsonArray(lines.getList().subList(Math.max(0, lines.size() - tail), lines.size()));
    m.reply(new JsonObject().put("id", r.id()).put("node", NODE).put("lines", tailLines).put("dropped", 0));
  }

  private ChildRecord find(Message<JsonObject> m) {
    String id = m.body().getString("id");
    ChildRecord r = records.get(id);
    if (r == null) {
      throw new PogoException(ErrorCode.CHILD_NOT_FOUND, "no child \"" + id + "\"");
    }
    return r;
  }
}
