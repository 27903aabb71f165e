package io.pogo.scheduler.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Where the scheduler keeps its state, so that a scheduler on another node continues every job after a failover:
 * namespaces, job records, one record per job host, and each host's output. Futures complete on the scheduler's
 * context.
 */
public interface JobStore {

  /**
   * The epoch every later write is made at: a store shared by schedulers refuses a write over a value a newer epoch
   * wrote ({@link StoreFencedException}). Set once the scheduler has taken its epoch, before it writes anything.
   */
  default void writeAs(long epoch) {
  }

  /** Atomically increments a counter ({@code epoch}, {@code jobSeq}) and returns the new value. */
  Future<Long> increment(String counter);

  Future<Map<String, JsonObject>> namespaces();

  Future<Void> putNamespace(String name, JsonObject record);

  Future<Void> removeNamespace(String name);

  /** One job record, or null. */
  Future<JsonObject> job(String id);

  /** One job's spec (request, config snapshot, hosts), stored once when it was created; or null. */
  Future<JsonObject> spec(String id);

  /** Every job record. */
  Future<List<JsonObject>> jobs();

  /** Writes job records, job specs, host records ({@code job/host} keys) and outputs ({@code job/host/attempt} keys) in one batch. */
  Future<Void> write(Map<String, JsonObject> jobs, Map<String, JsonObject> specs, Map<String, JsonObject> hosts,
                     Map<String, JsonObject> outputs);

  /** Host records of one job, by host. Missing ones are absent. */
  Future<Map<String, JsonObject>> hosts(String job, Collection<String> hosts);

  /** A host's output records, attempts 1 to {@code attempts}; missing ones are skipped. */
  Future<List<JsonObject>> outputs(String job, String host, int attempts);

  /** Removes a job with its hosts and outputs (retention): host to its number of attempts. */
  Future<Void> deleteJob(String job, Map<String, Integer> hosts);

  static String outputKey(String job, String host, int attempt) {
    return job + "/" + host + "/" + attempt;
  }

  static String key(String job, String host) {
    return job + "/" + host;
  }
}
