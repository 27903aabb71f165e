package io.pogo.registry;

import io.pogo.registry.placement.Candidate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * What the registry knows about the cluster: which nodes are live members, which of them can host children, and
 * whether this side of the cluster has its quorum. Read on the registry's event loop; changes are announced to
 * the listeners given to {@link #onChange}.
 */
interface ClusterView {

  /** This node's name. */
  String self();

  /** Live nodes that may host children (state up, with the supervisor role), for placement. */
  List<Candidate> candidates();

  /** Names of the nodes that are live members of the cluster, whatever their state. */
  Set<String> liveNodes();

  /** Every live node as the API shows it: name, tags, roles, weight, state, startedAt. */
  List<JsonObject> nodes();

  /** Members this node can see. */
  int members();

  /** Members needed for the quorum (0 in availability mode). */
  int quorumSize();

  /** The largest cluster this node has seen (the base of a majority quorum). */
  int largestSeen();

  default boolean hasQuorum() {
    return members() >= quorumSize();
  }

  /** Runs {@code listener} on the registry's event loop after every change of membership, node states or quorum. */
  void onChange(Runnable listener);

  /** Publishes this node and starts watching the cluster. */
  Future<Void> start();

  /** Marks this node {@code up} once every verticle of it is deployed: from then on it is a placement candidate. */
  Future<Void> markUp();

  /** Marks this node {@code draining}: it stays a member but is no longer a candidate for placement. */
  Future<Void> markDraining();

  /** Withdraws this node (a graceful leave: the others lower their expected size). */
  Future<Void> stop();
}
