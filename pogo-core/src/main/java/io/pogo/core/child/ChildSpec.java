package io.pogo.core.child;

import io.pogo.core.json.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * What to run and how to supervise it. Built only through {@link ChildSpecValidator#parse}, so a
 * ChildSpec in hand is always valid. The JSON field names are a public contract (HTTP, event bus, config file).
 *
 * @param id              cluster-unique id, {@link #ID_RULE}
 * @param kind            verticle or process
 * @param restart         OTP restart type
 * @param maxRestarts     restart intensity: more than this many restarts within {@code restartWindowMs} marks the child failed
 * @param restartWindowMs the intensity window
 * @param backoffInitialMs delay before the first restart in a window; doubles per restart
 * @param backoffMaxMs    the cap of that delay
 * @param shutdownTimeoutMs how long a graceful stop may take before the child is killed
 * @param metadata        tags for queries ({@code tag=k=v})
 * @param node            placement: run only on this node (null: any)
 * @param selector        placement: run only on nodes whose tags include all of these
 * @param replicas        how many instances run, each on a distinct node
 * @param migration       how the child moves between nodes
 * @param verticle        verticle kind: the class name
 * @param config          verticle kind: the verticle's JSON config
 * @param instances       verticle kind: how many instances to deploy
 * @param argv            process kind: the command and its arguments, run without a shell
 * @param env             process kind: variables added to the node's environment
 * @param cwd             process kind: the working directory (null: the node's data directory)
 * @param logMaxLines     process kind: lines of output kept
 * @param logMaxBytes     process kind: bytes of output kept
 */
public record ChildSpec(
    String id,
    ChildKind kind,
    RestartType restart,
    int maxRestarts,
    long restartWindowMs,
    long backoffInitialMs,
    long backoffMaxMs,
    long shutdownTimeoutMs,
    Map<String, String> metadata,
    String node,
    Map<String, String> selector,
    int replicas,
    MigrationMode migration,
    String verticle,
    JsonObject config,
    int instances,
    List<String> argv,
    Map<String, String> env,
    String cwd,
    int logMaxLines,
    int logMaxBytes) {

  /** Ids: 1 to 128 characters, letters, digits, '.', '_' and '-', starting with a letter or digit. */
  public static final String ID_RULE = "1 to 128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit";
  public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
  /** Tag names (child metadata, node tags): 1 to 63 of A-Z a-z 0-9 . _ / -, starting with a letter or digit. */
  public static final String TAG_KEY_PATTERN = "[A-Za-z0-9][A-Za-z0-9._/-]{0,62}";

  /** Default restart type: permanent, as in OTP. */
  public static final RestartType DEFAULT_RESTART = RestartType.PERMANENT;
  /** Default intensity: 5 restarts ... */
  public static final int DEFAULT_MAX_RESTARTS = 5;
  /** ... within 60 s; a crash loop with the default backoff exceeds it in about 6 s. */
  public static final long DEFAULT_RESTART_WINDOW_MS = 60_000;
  /** First restart after 200 ms, so a child that dies at once does not spin. */
  public static final long DEFAULT_BACKOFF_INITIAL_MS = 200;
  /** Backoff never exceeds 10 s. */
  public static final long DEFAULT_BACKOFF_MAX_MS = 10_000;
  /** 5 s for a graceful stop (SIGTERM, verticle stop()), then SIGKILL or a forced undeploy. */
  public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;
  public static final int DEFAULT_INSTANCES = 1;
  public static final int DEFAULT_REPLICAS = 1;
  public static final MigrationMode DEFAULT_MIGRATION = MigrationMode.STOP_THEN_START;
  /** 1,000 lines or 1 MiB of output per process child, whichever is reached first. */
  public static final int DEFAULT_LOG_MAX_LINES = 1_000;
  public static final int DEFAULT_LOG_MAX_BYTES = 1 << 20;

  // Bounds: anything outside is a mistake, not a configuration.
  public static final int MAX_MAX_RESTARTS = 10_000;
  public static final long MIN_RESTART_WINDOW_MS = 1_000;
  public static final long MAX_RESTART_WINDOW_MS = 86_400_000;
  public static final long MAX_BACKOFF_MS = 3_600_000;
  public static final long MAX_SHUTDOWN_TIMEOUT_MS = 3_600_000;
  public static final int MAX_INSTANCES = 128;
  public static final int MAX_REPLICAS = 64;
  public static final int MAX_ARGV = 4_096;
  public static final int MAX_ARG_LENGTH = 131_072;
  public static final int MAX_ENV = 1_024;
  public static final int MAX_METADATA = 64;
  public static final int MAX_METADATA_VALUE = 256;
  public static final int MAX_LOG_MAX_LINES = 1_000_000;
  public static final int MAX_LOG_MAX_BYTES = 64 << 20;

  public ChildSpec {
    metadata = Map.copyOf(metadata);
    selector = Map.copyOf(selector);
    argv = argv == null ? null : List.copyOf(argv);
    env = env == null ? null : Map.copyOf(env);
    config = config == null ? null : config.copy();
  }

  /** The same spec with variables added to a process child's environment (what the node tells the child about itself). */
  public ChildSpec withEnv(Map<String, String> extra) {
    Map<String, String> merged = new java.util.HashMap<>(env == null ? Map.of() : env);
    merged.putAll(extra);
    return new ChildSpec(id, kind, restart, maxRestarts, restartWindowMs, backoffInitialMs, backoffMaxMs, shutdownTimeoutMs,
        metadata, node, selector, replicas, migration, verticle, config, instances, argv, merged, cwd, logMaxLines, logMaxBytes);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("kind", kind.wire())
        .put("restart", restart.wire())
        .put("maxRestarts", maxRestarts)
        .put("restartWindow", Durations.format(restartWindowMs))
        .put("backoffInitial", Durations.format(backoffInitialMs))
        .put("backoffMax", Durations.format(backoffMaxMs))
        .put("shutdownTimeout", Durations.format(shutdownTimeoutMs));
    if (!metadata.isEmpty()) {
      json.put("metadata", new JsonObject(Map.copyOf(metadata)));
    }
    if (node != null) {
      json.put("node", node);
    }
    if (!selector.isEmpty()) {
      json.put("selector", new JsonObject(Map.copyOf(selector)));
    }
    json.put("replicas", replicas).put("migration", migration.wire());
    if (kind == ChildKind.VERTICLE) {
      json.put("verticle", verticle).put("config", config.copy()).put("instances", instances);
    } else {
      json.put("argv", new JsonArray(List.copyOf(argv)));
      if (!env.isEmpty()) {
        json.put("env", new JsonObject(Map.copyOf(env)));
      }
      if (cwd != null) {
        json.put("cwd", cwd);
      }
      json.put("logMaxLines", logMaxLines).put("logMaxBytes", logMaxBytes);
    }
    return json;
  }
}
