package io.pogo.node.it;

import io.pogo.core.Addresses;
import io.pogo.core.Requests;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The jobs API over the event bus, from a test: through a node's (or a client member's) Vert.x, whichever node the
 * scheduler singleton runs on. Failures come back as {@link PogoException}s with their code and field errors.
 */
final class JobBus {
  /** Host states of a task in flight. */
  static final List<String> ACTIVE = List.of("ready", "running");
  /** One request and its reply; failures as {@link PogoException}s. */
  interface Transport {
    JsonObject request(String address, JsonObject body);
  }

  private final Transport transport;

  JobBus(Transport transport) {
    this.transport = transport;
  }

  /** Through a Vert.x of the cluster (a node's, in this JVM). */
  JobBus(Supplier<Vertx> vertx, long timeoutMs) {
    this((address, body) -> {
      try {
        return Await.result(vertx.get().eventBus().<JsonObject>request(address, body, Requests.options(timeoutMs))
            .map(m -> m.body()));
      } catch (RuntimeException e) {
        throw PogoException.from(e instanceof PogoException || e.getCause() == null ? e : e.getCause());
      }
    });
  }

  /**
   * Through a {@link BusBridgeVerticle} listening on {@code port} of a node in another JVM; each request must be
   * answered within {@code timeoutMs} (the bridge's event-bus request timeout) or fails with TIMEOUT.
   */
  static Transport bridge(java.util.function.IntSupplier port, long timeoutMs) {
    return (address, body) -> {
      Http http = new Http("http://127.0.0.1:" + port.getAsInt(), Duration.ofMillis(timeoutMs + 2_000));
      Http.Response r;
      try {
        r = http.post("/bus/" + address + "?timeout=" + timeoutMs, body);
      } catch (AssertionError e) {
        throw new PogoException(ErrorCode.UNAVAILABLE, "the bridge did not answer: " + e.getMessage());
      }
      if (r.status() == 200) {
        return r.json();
      }
      if (r.status() != 502) {
        throw new PogoException(ErrorCode.INTERNAL, "bridge answered " + r.status() + ": " + r.body());
      }
      JsonObject f = r.json();
      if (f.getString("failureType") == null) {
        throw new PogoException(ErrorCode.INTERNAL, f.getString("message"));
      }
      throw PogoException.from(new io.vertx.core.eventbus.ReplyException(
          io.vertx.core.eventbus.ReplyFailure.valueOf(f.getString("failureType")), f.getInteger("failureCode", -1),
          f.getString("message")));
    };
  }

  JsonObject ask(String address, JsonObject body) {
    return transport.request(address, body);
  }

  /** As {@link #ask}, or null when the request failed (the scheduler is moving, a node is gone). */
  JsonObject tryAsk(String address, JsonObject body) {
    try {
      return ask(address, body);
    } catch (PogoException | AssertionError e) {
      return null;
    }
  }

  /** The refusal of a request that must fail. */
  PogoException refusal(String address, JsonObject body) {
    try {
      JsonObject r = ask(address, body);
      return fail("expected " + address + " " + body.encode() + " to be refused; got " + r.encode());
    } catch (PogoException e) {
      return e;
    }
  }

  /** A refusal with this code, naming this field. */
  PogoException refused(ErrorCode code, String field, String address, JsonObject body) {
    PogoException e = refusal(address, body);
    assertEquals(code, e.code(), e.getMessage() + " " + e.errors());
    if (field != null && e.errors().stream().noneMatch(f -> f.field().equals(field))) {
      fail("the refusal names no field " + field + ": " + e.getMessage() + " " + e.errors());
    }
    return e;
  }

  String run(JsonObject request) {
    return ask(Addresses.JOB_RUN, request).getString("id");
  }

  JsonObject job(String id) {
    return ask(Addresses.JOB_GET, new JsonObject().put("id", id));
  }

  /** Every host record of a job, by host, in the job's order. */
  Map<String, JsonObject> hosts(String id) {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    ask(Addresses.JOB_HOSTS, new JsonObject().put("id", id).put("limit", 10_000)).getJsonArray("hosts")
        .forEach(o -> out.put(((JsonObject) o).getString("host"), (JsonObject) o));
    return out;
  }

  Map<String, JsonObject> tryHosts(String id) {
    try {
      return hosts(id);
    } catch (PogoException | AssertionError e) {
      return null;
    }
  }

  JsonObject output(String id, String host) {
    return ask(Addresses.JOB_OUTPUT, new JsonObject().put("id", id).put("host", host));
  }

  /** The job once {@code done} holds for it (polling; failed polls, as while the scheduler moves, poll again). */
  JsonObject awaitJob(String id, Duration within, Predicate<JsonObject> done) {
    return Await.value("job " + id + " to reach the wanted state", within, Duration.ofMillis(100),
        () -> tryAsk(Addresses.JOB_GET, new JsonObject().put("id", id)), j -> j != null && done.test(j));
  }

  JsonObject awaitState(String id, Duration within, String... states) {
    List<String> wanted = List.of(states);
    return awaitJob(id, within, j -> wanted.contains(j.getString("state")));
  }

  Map<String, JsonObject> awaitHosts(String id, Duration within, Predicate<Map<String, JsonObject>> done) {
    return Await.value("hosts of job " + id + " to reach the wanted states", within, Duration.ofMillis(100),
        () -> tryHosts(id), h -> h != null && done.test(h));
  }

  static JsonArray hostList(String... hosts) {
    return new JsonArray(List.of(hosts));
  }

  static long count(Map<String, JsonObject> hosts, String state) {
    return hosts.values().stream().filter(h -> state.equals(h.getString("state"))).count();
  }

  static List<String> inState(Map<String, JsonObject> hosts, String state) {
    return hosts.values().stream().filter(h -> state.equals(h.getString("state"))).map(h -> h.getString("host")).toList();
  }

  /** Lines of one host's output, all attempts, as {@code stream:text}. */
  static List<String> lines(JsonObject output) {
    List<String> out = new java.util.ArrayList<>();
    for (Object a : output.getJsonArray("attempts", new JsonArray())) {
      for (Object l : ((JsonObject) a).getJsonArray("lines", new JsonArray())) {
        JsonObject line = (JsonObject) l;
        out.add(line.getString("stream") + ":" + line.getString("text"));
      }
    }
    return out;
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }
}
