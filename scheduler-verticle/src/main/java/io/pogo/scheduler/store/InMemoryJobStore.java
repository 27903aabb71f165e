package io.pogo.scheduler.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A store for a node that is not clustered (tests, a plain Vert.x): state lives as long as the JVM. */
public final class InMemoryJobStore implements JobStore {
  private final Map<String, Long> counters = new ConcurrentHashMap<>();
  private final Map<String, String> namespaces = new ConcurrentHashMap<>();
  private final Map<String, String> jobs = new ConcurrentHashMap<>();
  private final Map<String, String> specs = new ConcurrentHashMap<>();
  private final Map<String, String> hosts = new ConcurrentHashMap<>();
  private final Map<String, String> outputs = new ConcurrentHashMap<>();

  @Override
  public Future<Long> increment(String counter) {
    return Future.succeededFuture(counters.merge(counter, 1L, Long::sum));
  }

  @Override
  public Future<Map<String, JsonObject>> namespaces() {
    Map<String, JsonObject> out = new HashMap<>();
    namespaces.forEach((k, v) -> out.put(k, new JsonObject(v)));
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Void> putNamespace(String name, JsonObject record) {
    namespaces.put(name, record.encode());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> removeNamespace(String name) {
    namespaces.remove(name);
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> job(String id) {
    String v = jobs.get(id);
    return Future.succeededFuture(v == null ? null : new JsonObject(v));
  }

  @Override
  public Future<JsonObject> spec(String id) {
    String v = specs.get(id);
    return Future.succeededFuture(v == null ? null : new JsonObject(v));
  }

  @Override
  public Future<List<JsonObject>> jobs() {
    return Future.succeededFuture(jobs.values().stream().map(JsonObject::new).toList());
  }

  @Override
  public Future<Void> write(Map<String, JsonObject> jobs, Map<String, JsonObject> specs, Map<String, JsonObject> hosts,
                            Map<String, JsonObject> outputs) {
    jobs.forEach((k, v) -> this.jobs.put(k, v.encode()));
    specs.forEach((k, v) -> this.specs.put(k, v.encode()));
    hosts.forEach((k, v) -> this.hosts.put(k, v.encode()));
    outputs.forEach((k, v) -> this.outputs.put(k, v.encode()));
    return Future.succeededFuture();
  }

  @Override
  public Future<Map<String, JsonObject>> hosts(String job, Collection<String> names) {
    Map<String, JsonObject> out = new HashMap<>();
    for (String h : names) {
      String v = hosts.get(JobStore.key(job, h));
      if (v != null) {
        out.put(h, new JsonObject(v));
      }
    }
    return Future.succeededFuture(out);
  }

  @Override
  public Future<List<JsonObject>> outputs(String job, String host, int attempts) {
    List<JsonObject> out = new java.util.ArrayList<>();
    for (int a = 1; a <= attempts; a++) {
      String v = outputs.get(JobStore.outputKey(job, host, a));
      if (v != null) {
        out.add(new JsonObject(v));
      }
    }
    return Future.succeededFuture(out);
  }

  @Override
  public Future<Void> deleteJob(String job, Map<String, Integer> names) {
    jobs.remove(job);
    specs.remove(job);
    names.forEach((h, attempts) -> {
      hosts.remove(JobStore.key(job, h));
      for (int a = 1; a <= attempts; a++) {
        outputs.remove(JobStore.outputKey(job, h, a));
      }
    });
    return Future.succeededFuture();
  }
}
