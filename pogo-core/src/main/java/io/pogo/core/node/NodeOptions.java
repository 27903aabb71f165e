package io.pogo.core.node;

import io.pogo.core.json.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every setting of a node, in one place, with its default. Loaded once at start-up by pogo-node (config file,
 * then environment, then flags), validated by {@link NodeOptionsValidator}, and handed to each verticle as its
 * deployment config ({@link #toJson()}). The JSON/YAML keys are the names below.
 *
 * @param name              unique node name in the cluster; also the host name that agent-mode jobs target
 * @param tags              the node's tags ({@code colo: east})
 * @param roles             which verticles this node runs: registry, supervisor, scheduler, http
 * @param httpHost          address of the HTTP API; loopback by default, anything else needs a token
 * @param httpPort          port of the HTTP API (0: any free port)
 * @param clusterName       Hazelcast cluster name; nodes with different names never join
 * @param clusterHost       the address Hazelcast and the event bus bind to
 * @param clusterPort       Hazelcast's port
 * @param join              the members to contact ({@code host:port}); empty means this node alone
 * @param dataDir           where the node keeps its files
 * @param heartbeatMs       Hazelcast heartbeat interval
 * @param failureTimeoutMs  how long a silent member is tolerated before it is declared dead
 * @param processLeaseMs    a process child stops by itself when its node has been silent this long
 * @param requestTimeoutMs  timeout of every event-bus request Pogo makes
 * @param token             bearer token required on mutating HTTP calls (null: none)
 * @param maxBodyBytes      largest HTTP request body accepted
 * @param children          child specs started with the node (validated at load)
 * @param weight            this node's share of children relative to the others (placement weight)
 * @param quorum            {@link #QUORUM_MAJORITY}, {@link #QUORUM_NONE} (availability mode), or a static member count
 * @param rebalanceOnJoin   move children to a node that joins when it becomes their placement owner
 * @param maxTasks          job tasks this node runs at once as a worker; more are refused (BUSY) and placed elsewhere
 */
public record NodeOptions(String name, Map<String, String> tags, Set<String> roles, String httpHost, int httpPort,
                          String clusterName, String clusterHost, int clusterPort, List<String> join, String dataDir,
                          long heartbeatMs, long failureTimeoutMs, long processLeaseMs, long requestTimeoutMs,
                          String token, int maxBodyBytes, List<JsonObject> children, double weight, int quorum,
                          boolean rebalanceOnJoin, int maxTasks) {

  public static final Set<String> ALL_ROLES = Set.of("registry", "supervisor", "scheduler", "http");
  /** Loopback: an open API is remote code execution, so nothing else without a token. */
  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final String DEFAULT_CLUSTER_NAME = "pogo";
  public static final String DEFAULT_CLUSTER_HOST = "127.0.0.1";
  public static final int DEFAULT_CLUSTER_PORT = 5701;
  public static final String DEFAULT_DATA_DIR = "pogo-data";
  /** Hazelcast's default is 5 s; 1 s makes hangs detectable within the failure timeout. */
  public static final long DEFAULT_HEARTBEAT_MS = 1_000;
  /** Hazelcast's default of 60 s is far too slow for failover; 10 s tolerates GC pauses on small heaps. */
  public static final long DEFAULT_FAILURE_TIMEOUT_MS = 10_000;
  /** Half the failure timeout: a hung node's processes are gone before the cluster restarts them elsewhere. */
  public static final long DEFAULT_PROCESS_LEASE_MS = 5_000;
  /** Event-bus requests fail after 5 s instead of Vert.x's 30 s default. */
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  public static final double DEFAULT_WEIGHT = 1.0;
  /** Quorum = a majority of the largest cluster seen: the minority side of a partition stops its children. */
  public static final int QUORUM_MAJORITY = -1;
  /** No quorum (availability mode, an explicit opt-in): both sides of a partition keep running. */
  public static final int QUORUM_NONE = 0;
  public static final int DEFAULT_QUORUM = QUORUM_MAJORITY;
  /** Enough for a job with concurrency 256 on one node; each task is a process plus its watchdog. */
  public static final int DEFAULT_MAX_TASKS = 256;
  public static final int MAX_MAX_TASKS = 10_000;

  public NodeOptions {
    tags = Map.copyOf(tags);
    roles = Set.copyOf(roles);
    join = List.copyOf(join);
    children = List.copyOf(children);
  }

  /** Defaults for a node called {@code name}. */
  public static NodeOptions defaults(String name) {
    return new NodeOptions(name, Map.of(), ALL_ROLES, DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_CLUSTER_NAME,
        DEFAULT_CLUSTER_HOST, DEFAULT_CLUSTER_PORT, List.of(), DEFAULT_DATA_DIR, DEFAULT_HEARTBEAT_MS,
        DEFAULT_FAILURE_TIMEOUT_MS, DEFAULT_PROCESS_LEASE_MS, DEFAULT_REQUEST_TIMEOUT_MS, null, DEFAULT_MAX_BODY_BYTES,
        List.of(), DEFAULT_WEIGHT, DEFAULT_QUORUM, true, DEFAULT_MAX_TASKS);
  }

  /** The name of this node's Micrometer registry (one per node, so several nodes can share a JVM in tests). */
  public String metricsRegistryName() {
    return "pogo:" + name;
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("tags", new JsonObject(new LinkedHashMap<>(tags)))
        .put("roles", new JsonArray(roles.stream().sorted().toList()))
        .put("httpHost", httpHost)
        .put("httpPort", httpPort)
        .put("clusterName", clusterName)
        .put("clusterHost", clusterHost)
        .put("clusterPort", clusterPort)
        .put("join", new JsonArray(join))
        .put("dataDir", dataDir)
        .put("heartbeat", Durations.format(heartbeatMs))
        .put("failureTimeout", Durations.format(failureTimeoutMs))
        .put("processLease", Durations.format(processLeaseMs))
        .put("requestTimeout", Durations.format(requestTimeoutMs))
        .put("token", token)
        .put("maxBodyBytes", maxBodyBytes)
        .put("children", new JsonArray(List.copyOf(children)))
        .put("weight", weight)
        .put("quorum", quorumText(quorum))
        .put("rebalanceOnJoin", rebalanceOnJoin)
        .put("maxTasks", maxTasks);
  }

  /** The quorum setting as written in config: "majority", "none" or the static size. */
  public static Object quorumText(int quorum) {
    return quorum == QUORUM_MAJORITY ? "majority" : quorum == QUORUM_NONE ? "none" : (Object) quorum;
  }

  /** The settings minus secrets, for {@code GET /api/v1/node}. */
  public JsonObject toPublicJson() {
    JsonObject json = toJson();
    json.remove("token");
    json.remove("children");
    json.put("auth", token != null);
    return json;
  }
}
