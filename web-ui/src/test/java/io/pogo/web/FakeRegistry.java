package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.child.ChildQuery;
import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ChildState;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.json.Durations;
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
  /**
   * When positive, a child awaited in a state it is not in yet becomes {@code running} after this many ms (as a real
   * child would), which answers the wait if running is wanted; otherwise the wait ends at its timeout.
   */
  volatile long settleAfterMs;
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
    on(Addresses.CHILD_START_ASYNC, m -> m.reply(claim(ChildSpecValidator.parse(m.body()), ChildState.STARTING).toJson()));
    on(Addresses.CHILD_AWAIT, this::await);
    on(Addresses.CHILD_START_BATCH, this::batch);
    on(Addresses.nodeDrain(NODE), m -> m.reply(new JsonObject().put("node", NODE).put("state", "draining")
        .put("children", records.size())));
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
    m.reply(claim(ChildSpecValidator.parse(m.body()), ChildState.RUNNING).toJson());
  }

  private ChildRecord claim(ChildSpec spec, ChildState state) {
    ChildRecord existing = records.get(spec.id());
    if (existing != null) {
      throw new PogoException(ErrorCode.ALREADY_STARTED, "child \"" + spec.id() + "\" already runs on " + NODE,
          List.of(), new JsonObject().put("id", spec.id()).put("node", NODE).put("state", existing.state().wire()));
    }
    long now = System.currentTimeMillis();
    ChildRecord r = new ChildRecord(spec, 0, state, NODE, 1, 0, null, null, now, null, now);
    records.put(spec.id(), r);
    return r;
  }

  /** Like the registry's awaiter: at once when the state matches, INVALID_STATE when it ended elsewhere, else later. */
  private void await(Message<JsonObject> m) {
    JsonObject body = m.body();
    List<String> states = body.getJsonArray("states", new JsonArray().add("running")).stream().map(String::valueOf).toList();
    long timeout = Durations.parseMillis(body.getValue("timeout", 30_000));
    ChildRecord r = find(m);
    if (states.contains(r.state().wire())) {
      m.reply(r.toJson());
      return;
    }
    if (r.state().isDown()) {
      throw new PogoException(ErrorCode.INVALID_STATE, "child \"" + r.id() + "\" is " + r.state().wire() + ", not "
          + String.join(" or ", states));
    }
    long timer = vertx.setTimer(timeout, t -> new PogoException(ErrorCode.TIMEOUT, "child \"" + r.id()
        + "\" was still " + r.state().wire() + " after " + Durations.format(timeout)).failMessage(m));
    if (settleAfterMs > 0 && states.contains("running")) {
      vertx.setTimer(settleAfterMs, t -> {
        if (vertx.cancelTimer(timer)) {
          ChildRecord running = r.with(ChildState.RUNNING, System.currentTimeMillis());
          records.put(r.id(), running);
          m.reply(running.toJson());
        }
      });
    }
  }

  /** Like the registry's batch start, on one node: rollback (all or nothing) or continue. */
  private void batch(Message<JsonObject> m) {
    JsonObject body = m.body();
    String mode = body.getString("onError", "rollback");
    if (!mode.equals("rollback") && !mode.equals("continue")) {
      throw PogoException.validation("onError", "must be \"rollback\" or \"continue\"; got \"" + mode + "\"");
    }
    JsonArray children = body.getValue("children") instanceof JsonArray a && !a.isEmpty() ? a : null;
    if (children == null) {
      throw PogoException.validation("children", "must be a list of 1 to 1000 child specs");
    }
    if (mode.equals("rollback")) {
      List<io.pogo.core.error.FieldError> invalid = new ArrayList<>();
      for (int i = 0; i < children.size(); i++) {
        try {
          ChildSpecValidator.parse(children.getJsonObject(i), "children[" + i + "].");
        } catch (PogoException e) {
          invalid.addAll(e.errors());
        }
      }
      if (!invalid.isEmpty()) {
        throw PogoException.validation(invalid); // all or nothing: one invalid spec and nothing starts
      }
    }
    JsonArray results = new JsonArray();
    List<String> started = new ArrayList<>();
    PogoException first = null;
    for (int i = 0; i < children.size(); i++) {
      JsonObject spec = children.getJsonObject(i);
      JsonObject result = new JsonObject().put("index", i).put("id", spec.getString("id"));
      try {
        ChildRecord r = claim(ChildSpecValidator.parse(spec, "children[" + i + "]."), ChildState.RUNNING);
        started.add(r.id());
        results.add(result.put("ok", true).put("record", r.toJson()));
      } catch (PogoException e) {
        first = first == null ? e : first;
        results.add(result.put("ok", false).put("error", e.toJson()));
      }
    }
    JsonObject reply = new JsonObject().put("results", results).put("started", started.size())
        .put("failed", children.size() - started.size());
    if (first == null || mode.equals("continue")) {
      m.reply(reply.put("rolledBack", false));
      return;
    }
    started.forEach(records::remove);
    throw new PogoException(first.code(), "batch rolled back: " + first.getMessage(), first.errors(), reply.put("rolledBack", true));
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
