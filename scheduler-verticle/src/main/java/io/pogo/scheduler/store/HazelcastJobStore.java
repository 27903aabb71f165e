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
 * The scheduler's state in Hazelcast maps (configured with 2 synchronous backups by the node), values as JSON text
 * behind the epoch of the scheduler that wrote them. Every write is fenced ({@link FencedValues}): a value written at
 * a newer epoch is never replaced, and the refused write fails with {@link StoreFencedException}.
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
  private final com.hazelcast.partition.PartitionService partitions;
  /** The epoch this store writes at; 0 until the scheduler has taken its epoch (nothing is written before). */
  private long epoch;

  public HazelcastJobStore(Vertx vertx, Context context, HazelcastInstance hz) {
    this.vertx = vertx;
    this.context = context;
    this.partitions = hz.getPartitionService();
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
  public void writeAs(long epoch) {
    this.epoch = epoch;
  }

  @Override
  public Future<Map<String, JsonObject>> namespaces() {
    return vertx.executeBlocking(() -> {
      Map<String, JsonObject> out = new HashMap<>();
      namespaces.forEach((k, v) -> out.put(k, parse(v)));
      return out;
    }, false).transform(this::back);
  }

  @Override
  public Future<Void> putNamespace(String name, JsonObject record) {
    return fencedPut(namespaces, Map.of(name, record.encode()));
  }

  @Override
  public Future<Void> removeNamespace(String name) {
    return fencedPut(namespaces, removals(List.of(name)));
  }

  @Override
  public Future<JsonObject> job(String id) {
    return onContext(jobs.getAsync(id)).map(HazelcastJobStore::parse);
  }

  @Override
  public Future<JsonObject> spec(String id) {
    return onContext(specs.getAsync(id)).map(HazelcastJobStore::parse);
  }

  @Override
  public Future<List<JsonObject>> jobs() {
    return vertx.executeBlocking(() -> jobs.values().stream().map(HazelcastJobStore::parse).toList(), false)
        .transform(this::back);
  }

  @Override
  public Future<Void> write(Map<String, JsonObject> jobRecords, Map<String, JsonObject> specRecords,
                            Map<String, JsonObject> hostRecords, Map<String, JsonObject> outputRecords) {
    return Future.all(fencedPut(specs, encode(specRecords)), fencedPut(jobs, encode(jobRecords)),
        fencedPut(hosts, encode(hostRecords)), fencedPut(outputs, encode(outputRecords))).mapEmpty();
  }

  /**
   * Writes (null values: removes) at this store's epoch, one entry processor per partition holding only that
   * partition's values; fails with {@link StoreFencedException} if any entry had been written at a newer epoch.
   */
  private Future<Void> fencedPut(IMap<String, String> map, Map<String, String> values) {
    if (values.isEmpty()) {
      return Future.succeededFuture();
    }
    if (epoch <= 0) {
      return Future.failedFuture(new IllegalStateException("the scheduler writes only once it has taken its epoch"));
    }
    Map<Integer, Map<String, String>> byPartition = new HashMap<>();
    values.forEach((k, v) -> byPartition.computeIfAbsent(partitions.getPartition(k).getPartitionId(),
        p -> new HashMap<>()).put(k, v));
    List<Future<Map<String, Long>>> puts = new java.util.ArrayList<>();
    for (Map<String, String> part : byPartition.values()) {
      puts.add(onContext(map.submitToKeys(part.keySet(), new FencedValues.Put(epoch, part))));
    }
    long writer = epoch;
    return Future.all(puts).compose(all -> {
      for (Future<Map<String, Long>> f : puts) {
        for (Map.Entry<String, Long> e : f.result().entrySet()) {
          if (e.getValue() != null && e.getValue() > 0) {
            return Future.failedFuture(new StoreFencedException(map.getName(), e.getKey(), writer, e.getValue()));
          }
        }
      }
      return Future.succeededFuture();
    });
  }

  private static Map<String, String> removals(Collection<String> keys) {
    Map<String, String> out = new HashMap<>();
    keys.forEach(k -> out.put(k, null));
    return out;
  }

  private static JsonObject parse(String stored) {
    return stored == null ? null : new JsonObject(FencedValues.json(stored));
  }

  @Override
  public Future<Map<String, JsonObject>> hosts(String job, Collection<String> names) {
    Set<String> keys = new HashSet<>();
    for (String h : names) {
      keys.add(JobStore.key(job, h));
    }
    return blocking(() -> hosts.getAll(keys)).map(found -> {
      Map<String, JsonObject> out = new HashMap<>();
      found.forEach((k, v) -> out.put(k.substring(job.length() + 1), parse(v)));
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
          out.add(parse(v));
        }
      }
      return out;
    });
  }

  @Override
  public Future<Void> deleteJob(String job, Map<String, Integer> names) {
    List<String> hostKeys = new java.util.ArrayList<>();
    List<String> outputKeys = new java.util.ArrayList<>();
    names.forEach((h, attempts) -> {
      hostKeys.add(JobStore.key(job, h));
      for (int a = 1; a <= attempts; a++) {
        outputKeys.add(JobStore.outputKey(job, h, a));
      }
    });
    // hosts and outputs first: a job record without its hosts is never left behind
    return Future.all(fencedPut(hosts, removals(hostKeys)), fencedPut(outputs, removals(outputKeys)))
        .compose(v -> Future.all(fencedPut(jobs, removals(List.of(job))), fencedPut(specs, removals(List.of(job)))))
        .mapEmpty();
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
