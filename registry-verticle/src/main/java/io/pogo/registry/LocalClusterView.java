package io.pogo.registry;

import io.pogo.core.node.NodeOptions;
import io.pogo.registry.placement.Candidate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/** A cluster of one: the view of a node that runs without Hazelcast (tests, embedded use). */
final class LocalClusterView implements ClusterView {
  private final NodeOptions options;
  private final long startedAt;
  private boolean draining;

  LocalClusterView(NodeOptions options, long startedAt) {
    this.options = options;
    this.startedAt = startedAt;
  }

  @Override
  public String self() {
    return options.name();
  }

  @Override
  public List<Candidate> candidates() {
    return options.hasRole("supervisor") && !draining ? List.of(new Candidate(options.name(), options.tags(), options.weight())) : List.of();
  }

  @Override
  public Set<String> liveNodes() {
    return Set.of(options.name());
  }

  @Override
  public List<JsonObject> nodes() {
    return List.of(NodeDirectory.record(options, "local", startedAt).put("state", draining ? "draining" : "up"));
  }

  @Override
  public int members() {
    return 1;
  }

  @Override
  public int quorumSize() {
    return options.quorum() == NodeOptions.QUORUM_NONE ? 0 : 1;
  }

  @Override
  public int largestSeen() {
    return 1;
  }

  @Override
  public void onChange(Runnable listener) {
    // a cluster of one never changes
  }

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> markUp() {
    return Future.succeededFuture(); // alone, it is up from the start
  }

  @Override
  public Future<Void> markDraining() {
    draining = true; // alone, nothing can move: the drain ends at once
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return Future.succeededFuture();
  }

  static JsonArray roles(NodeOptions options) {
    return new JsonArray(options.roles().stream().sorted().toList());
  }
}
