package io.pogo.scheduler.store;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The scheduler's state in Hazelcast maps (configured with 2 synchronous backups by the node), values as JSON text.
 * Asynchronous map operations complete on Hazelcast's threads and are handed back to the scheduler's context;
 * those without an async form in Hazelcast 5.3 ({@code values()}, {@code getAll()}) run on a worker thread.
 */
public final class HazelcastJobStore implements JobStore {
  public static final String META = "pogo.scheduler";
  public static final String NAMESPACES = "pogo.namespaces";
  public static final String JOBS = "pogo.jobs";
  public static final String SPECS = "pogo.job.specs";
  public static final String HOSTS = "pogo.job.hosts";
  public static final String OUTPUTS = "pogo.job.output";

  private final Vertx vertx;
  private final Context context;
  private final IMap<String, Long> meta;
  private final IMap<String, String> namespaces;
  private final IMap<String, String> jobs;
  private final IMap<String, String> specs;
  private final IMap<String, String> hosts;
  private final IMap<String, String> outputs;

  public HazelcastJobStore(Vertx vertx, Context context, HazelcastInstance hz) {
    this.vertx = vertx;
    this.context = context;
    this.meta = hz.getMap(META);
    this.namespaces = hz.getMap(NAMESPACES);
    this.jobs = hz.getMap(JOBS);
    this.specs = hz.getMap(SPECS);
    this.hosts = hz.getMap(HOSTS);
    this.outputs = hz.getMap(OUTPUTS);
  }

  /** Runs on the member that owns the key, so concurrent increments never lose one. */
  static final class Increment implements EntryProcessor<String, Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long process(Map.Entry<String, Long> entry) {
      long next = (entry.getValue() == null ? 0L : entry.getValue()) + 1;
      entry.setValue(next);
      return next;
    }
  }

  @Override
  public Future<Long> increment(String counter) {
    return onContext(meta.submitToKey(counter, new Increment()));
  }

  @Override
  public Future<Map<String, JsonObject>> namespaces() {
    return vertx.executeBlocking(() -> {
      Map<String, JsonObject> out = new HashMap<>();
      namespaces.forEach((k, v) -> out.put(k, new JsonObject(v)));
      return out;
    }, false).transform(this::back);
  }

  @Override
  public Future<Void> putNamespace(String name, JsonObject record) {
    return onContext(namespaces.setAsync(name, record.encode()));
  }

  @Override
  public Future<Void> removeNamespace(String name) {
    return onContext(namespaces.removeAsync(name)).mapEmpty();
  }

  @Override
  public Future<JsonObject> job(String id) {
    return onContext(jobs.getAsync(id)).map(v -> v == null ? null : new JsonObject(v));
  }

  @Override
  public Future<JsonObject> spec(String id) {
    return onContext(specs.getAsync(id)).map(v -> v == null ? null : new JsonObject(v));
  }

  @Override
  public Future<List<JsonObject>> jobs() {
    return vertx.executeBlocking(() -> jobs.values().stream().map(JsonObject::new).toList(), false).transform(this::back);
  }

  @Override
  public Future<Void> write(Map<String, JsonObject> jobRecords, Map<String, JsonObject> specRecords,
                            Map<String, JsonObject> hostRecords, Map<String, JsonObject> outputRecords) {
    Future<Void> s = specRecords.isEmpty() ? Future.succeededFuture() : onContext(specs.setAllAsync(encode(specRecords)));
    Future<Void> a = jobRecords.isEmpty() ? Future.succeededFuture() : onContext(jobs.setAllAsync(encode(jobRecords)));
    Future<Void> b = hostRecords.isEmpty() ? Future.succeededFuture() : onContext(hosts.setAllAsync(encode(hostRecords)));
    Future<Void> c = outputRecords.isEmpty() ? Future.succeededFuture() : onContext(outputs.setAllAsync(encode(outputRecords)));
    return Future.all(s, a, b, c).mapEmpty();
  }

  @Override
  public Future<Map<String, JsonObject>> hosts(String job, Collection<String> names) {
    Set<String> keys = new HashSet<>();
    for (String h : names) {
      keys.add(JobStore.key(job, h));
    }
    return blocking(() -> hosts.getAll(keys)).map(found -> {
      Map<String, JsonObject> out = new HashMap<>();
      found.forEach((k, v) -> out.put(k.substring(job.length() + 1), new JsonObject(v)));
      return out;
    });
  }

  @Override
  public Future<List<JsonObject>> outputs(String job, String host, int attempts) {
    Set<String> keys = new java.util.LinkedHashSet<>();
    for (int a = 1; a <= attempts; a++) {
      keys.add(JobStore.outputKey(job, host, a));
    }
    return blocking(() -> outputs.getAll(keys)).map(found -> {
      List<JsonObject> out = new java.util.ArrayList<>();
      for (String k : keys) {
        String v = found.get(k);
        if (v != null) {
          out.add(new JsonObject(v));
        }
      }
      return out;
    });
  }

  @Override
  public Future<Void> deleteJob(String job, Map<String, Integer> names) {
    return this.<Void>blocking(() -> {
      names.forEach((h, attempts) -> {
        hosts.delete(JobStore.key(job, h));
        for (int a = 1; a <= attempts; a++) {
          outputs.delete(JobStore.outputKey(job, h, a));
        }
      });
      jobs.delete(job);
      specs.delete(job);
      return null;
    });
  }

  private static Map<String, String> encode(Map<String, JsonObject> records) {
    Map<String, String> out = new HashMap<>(records.size() * 2);
    records.forEach((k, v) -> out.put(k, v.encode()));
    return out;
  }

  /** Map calls without an async form run on a worker thread; the result comes back on the scheduler's context. */
  private <T> Future<T> blocking(java.util.concurrent.Callable<T> call) {
    return vertx.executeBlocking(call, false).transform(this::back);
  }

  private <T> Future<T> back(io.vertx.core.AsyncResult<T> ar) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> p.handle(ar));
    return p.future();
  }

  private <T> Future<T> onContext(CompletionStage<T> stage) {
    Promise<T> p = Promise.promise();
    stage.whenCompleteAsync((value, error) -> context.runOnContext(v -> {
      if (error != null) {
        p.fail(error);
      } else {
        p.complete(value);
      }
    }), Runnable::run);
    return p.future();
  }
}
