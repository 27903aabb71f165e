package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.error.PogoException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the scheduler on the event bus: serves every address of the job half with canned replies in the
 * shapes of the contract (or a canned failure), and keeps every request for assertions. It judges nothing, so each
 * test says what the scheduler answers.
 */
final class FakeScheduler {
  static final List<String> ADDRESSES = List.of(Addresses.NAMESPACE_PUT, Addresses.NAMESPACE_GET,
      Addresses.NAMESPACE_LIST, Addresses.NAMESPACE_DELETE, Addresses.NAMESPACE_BUDGET, Addresses.PLAN,
      Addresses.JOB_RUN, Addresses.JOB_GET, Addresses.JOB_LIST, Addresses.JOB_HOSTS, Addresses.JOB_OUTPUT,
      Addresses.JOB_HALT, Addresses.JOB_RESUME, Addresses.JOB_RETRY, Addresses.JOB_SKIP, Addresses.JOB_ALTER);
  static final long CREATED_AT = 1_795_273_445_000L;

  final List<Message<JsonObject>> received = new CopyOnWriteArrayList<>();
  private final Map<String, JsonObject> replies = new ConcurrentHashMap<>();
  private final Map<String, PogoException> failures = new ConcurrentHashMap<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private final Vertx vertx;

  FakeScheduler(Vertx vertx) {
    this.vertx = vertx;
    replies.put(Addresses.NAMESPACE_PUT, namespace("web"));
    replies.put(Addresses.NAMESPACE_GET, namespace("web"));
    replies.put(Addresses.NAMESPACE_LIST, new JsonObject().put("namespaces", new JsonArray().add(summary("web"))));
    replies.put(Addresses.NAMESPACE_DELETE, new JsonObject().put("name", "web"));
    replies.put(Addresses.NAMESPACE_BUDGET, budget());
    replies.put(Addresses.PLAN, plan());
    for (String a : List.of(Addresses.JOB_RUN, Addresses.JOB_GET, Addresses.JOB_HALT, Addresses.JOB_RESUME,
        Addresses.JOB_RETRY, Addresses.JOB_SKIP, Addresses.JOB_ALTER)) {
      replies.put(a, job("j42"));
    }
    replies.put(Addresses.JOB_LIST, new JsonObject().put("jobs", new JsonArray().add(job("j42"))).put("total", 1));
    replies.put(Addresses.JOB_HOSTS, hosts());
    replies.put(Addresses.JOB_OUTPUT, output());
  }

  Future<Void> register() {
    for (String address : ADDRESSES) {
      consumers.add(vertx.eventBus().<JsonObject>consumer(address, m -> {
        received.add(m);
        PogoException failure = failures.get(address);
        if (failure != null) {
          failure.failMessage(m);
        } else {
          m.reply(replies.get(address));
        }
      }));
    }
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** From now on {@code address} answers {@code reply}. */
  FakeScheduler reply(String address, JsonObject reply) {
    replies.put(address, reply);
    return this;
  }

  /** From now on {@code address} fails with {@code error}. */
  FakeScheduler fail(String address, PogoException error) {
    failures.put(address, error);
    return this;
  }

  /** The one request received, checking its address. */
  JsonObject only(String address) {
    if (received.size() != 1 || !received.get(0).address().equals(address)) {
      throw new AssertionError("expected one request to " + address + ", got "
          + received.stream().map(m -> m.address() + " " + m.body()).toList());
    }
    return received.get(0).body();
  }

  static JsonObject summary(String name) {
    return new JsonObject().put("name", name).put("version", 3).put("updatedAt", CREATED_AT).put("hosts", 7)
        .put("tags", 3).put("sequences", 1).put("constraints", 1);
  }

  static JsonObject namespace(String name) {
    JsonObject config = new JsonObject()
        .put("tag", new JsonObject().put("colo", new JsonObject()
            .put("east", new JsonArray().add("web[1-3].east"))
            .put("west", new JsonArray().add("web[1-3].west")))
            .put("db", new JsonArray().add("db1")))
        .put("sequence", new JsonArray().add("$colo.east").add("$colo.west"))
        .put("constraint", new JsonObject().put("$colo", new JsonObject().put("max_parallel", 2)));
    JsonObject ns = summary(name);
    return new JsonObject().put("name", name).put("config", config).mergeIn(ns);
  }

  static JsonObject budget() {
    return new JsonObject().put("namespace", "web").put("slots", new JsonArray()
        .add(new JsonObject().put("slot", "colo.east").put("limit", 2).put("rule", "2").put("population", 3).put("used", 1)
            .put("holders", new JsonArray().add(new JsonObject().put("job", "j42").put("host", "web1.east")
                .put("state", "running")))));
  }

  static JsonObject plan() {
    return new JsonObject().put("namespace", "web").put("total", 2)
        .put("hosts", new JsonArray().add("web1.east").add("web1.west"))
        .put("sequences", new JsonArray().add(new JsonObject().putNull("name").put("steps", new JsonArray()
            .add(new JsonObject().put("ref", "$colo.east").put("hosts", new JsonArray().add("web1.east")))
            .add(new JsonObject().put("ref", "$colo.west").put("hosts", new JsonArray().add("web1.west"))))))
        .put("unsequenced", new JsonArray())
        .put("constraints", new JsonObject().put("web1.east", new JsonArray().add("colo.east")))
        .put("slots", new JsonArray())
        .put("firstWave", new JsonArray().add("web1.east"))
        .put("waiting", new JsonArray().add(new JsonObject().put("host", "web1.west").put("reason", "waiting for colo.east")));
  }

  static JsonObject job(String id) {
    return new JsonObject().put("id", id).put("state", "running").putNull("reason").put("namespace", "web")
        .put("user", "alice").put("command", new JsonArray().add("uptime")).put("mode", "worker")
        .put("targets", new JsonArray().add("$colo.east")).put("concurrency", "25%").put("hostTimeout", "10m")
        .put("jobTimeout", "1h").put("maxFailures", "10%").put("retries", 1).put("outputLimit", 65_536)
        .put("createdAt", CREATED_AT).putNull("endedAt").put("total", 3)
        .put("counts", new JsonObject().put("waiting", 1).put("running", 1).put("succeeded", 1))
        .put("summary", "done 1/3: 1 succeeded, 1 running, 1 waiting");
  }

  static JsonObject hosts() {
    return new JsonObject().put("id", "j42").put("total", 1).put("hosts", new JsonArray().add(new JsonObject()
        .put("host", "web1.east").put("state", "running").putNull("reason").put("attempts", 1).putNull("exitCode")
        .put("startedAt", CREATED_AT).putNull("endedAt").put("node", "node-a").put("taskId", "j42/web1.east/1")));
  }

  static JsonObject output() {
    return new JsonObject().put("id", "j42").put("host", "web1.east").put("attempts", new JsonArray().add(new JsonObject()
        .put("attempt", 1).put("state", "running").putNull("exitCode").put("startedAt", CREATED_AT).putNull("endedAt")
        .put("node", "node-a").put("truncated", false).put("running", true)
        .put("lines", new JsonArray().add(new JsonObject().put("seq", 1).put("ts", CREATED_AT).put("stream", "stdout")
            .put("text", "up 3 days")))));
  }
}
