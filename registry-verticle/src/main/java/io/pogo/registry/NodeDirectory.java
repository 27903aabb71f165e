package io.pogo.registry;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.pogo.core.Addresses;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.pogo.registry.placement.Candidate;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The cluster's nodes, kept in the Hazelcast map {@value #MAP} (node name to its record: member uuid, tags,
 * roles, weight, state) and matched against Hazelcast's live members. A node writes its own record when it
 * starts and removes it when it leaves gracefully; the records of members that died are removed by the
 * survivors. A name held by another live member is refused: node names are unique in the cluster.
 *
 * <p>Quorum: static, none, or a majority of the largest cluster this node has seen (counting the nodes that are up or
 * draining). It is kept by each node, not in the cluster, so a survivor whose copy of a shared entry died with the
 * others cannot forget it. A graceful leave lowers it: the leaving node first marks itself {@code leaving}, and the
 * others stop counting it; a crash does not.
 */
final class NodeDirectory implements ClusterView {
  private static final Logger log = LoggerFactory.getLogger(NodeDirectory.class);
  static final String MAP = "pogo.nodes";
  /** Safety net for missed membership events. */
  static final long REFRESH_MS = 2_000;

  private final Vertx vertx;
  private final Context context;
  private final NodeOptions options;
  private final HazelcastInstance hazelcast;
  private final IMap<String, HazelcastJsonValue> map;
  private final long startedAt;
  /** This node's own state as it publishes it: up, then draining; read by the refresh on a worker. */
  private volatile String ownState = "joining";
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final List<UUID> registrations = new ArrayList<>();
  private volatile Snapshot snapshot;
  private int largestSeen;
  /** Member uuids of the graceful leaves already subtracted from {@link #largestSeen} (bounded). */
  private final Set<String> countedLeaving = new java.util.LinkedHashSet<>();
  private boolean refreshing;
  private boolean refreshAgain;
  private long timer = -1;
  private Boolean lastQuorum;

  /** One consistent picture of the cluster, swapped whole. */
  private record Snapshot(List<JsonObject> nodes, Set<String> live, List<Candidate> candidates, int members,
                          List<JsonObject> removed) {
  }

  NodeDirectory(Vertx vertx, Context context, NodeOptions options, HazelcastInstance hazelcast, long startedAt) {
    this.vertx = vertx;
    this.context = context;
    this.options = options;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP);
    this.startedAt = startedAt;
    this.snapshot = new Snapshot(List.of(), Set.of(), List.of(), 1, List.of());
  }

  /** The record a node publishes about itself. */
  static JsonObject record(NodeOptions options, String memberUuid, long startedAt) {
    return new JsonObject()
        .put("name", options.name())
        .put("memberUuid", memberUuid)
        .put("tags", new JsonObject(new java.util.LinkedHashMap<>(options.tags())))
        .put("roles", LocalClusterView.roles(options))
        .put("weight", options.weight())
        .put("state", "up")
        .put("startedAt", startedAt)
        .put("httpHost", options.httpHost())
        .put("clusterAddress", options.clusterHost() + ":" + options.clusterPort());
  }

  @Override
  public Future<Void> start() {
    String uuid = hazelcast.getCluster().getLocalMember().getUuid().toString();
    JsonObject own = record(options, uuid, startedAt).put("state", ownState);
    return vertx.executeBlocking(() -> {
      Set<String> members = memberUuids();
      HazelcastJsonValue existing = map.get(options.name());
      if (existing != null) {
        JsonObject other = new JsonObject(existing.getValue());
        if (!uuid.equals(other.getString("memberUuid")) && members.contains(other.getString("memberUuid"))) {
          throw new PogoException(ErrorCode.VALIDATION_FAILED, "node name \"" + options.name() + "\" is already used by "
              + "the live member at " + other.getString("clusterAddress") + ": give this node another --name");
        }
      }
      map.set(options.name(), new HazelcastJsonValue(own.encode()));
      registrations.add(hazelcast.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          changed();
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          changed();
        }
      }));
      registrations.add(map.addEntryListener(new NodeRecordListener(), false));
      return null;
    }, false).compose(v -> {
      timer = vertx.setPeriodic(REFRESH_MS, id -> refresh());
      return refreshNow();
    });
  }

  @Override
  public Future<Void> markUp() {
    if (!"joining".equals(ownState)) {
      return Future.succeededFuture(); // draining stays draining
    }
    ownState = "up";
    return publishOwnState();
  }

  @Override
  public Future<Void> markDraining() {
    ownState = "draining";
    return publishOwnState();
  }

  private Future<Void> publishOwnState() {
    return vertx.executeBlocking(() -> {
      HazelcastJsonValue own = map.get(options.name());
      if (own != null) {
        map.set(options.name(), new HazelcastJsonValue(new JsonObject(own.getValue()).put("state", ownState).encode()));
      }
      return null;
    }, false).<Void>mapEmpty().compose(v -> refreshNow());
  }

  @Override
  public Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return vertx.executeBlocking(() -> {
      for (UUID id : registrations) {
        if (!hazelcast.getCluster().removeMembershipListener(id)) {
          map.removeEntryListener(id);
        }
      }
      if (hazelcast.getLifecycleService().isRunning()) {
        // a graceful leave: marked, so the others expect one node less; they remove the record once the member is gone
        HazelcastJsonValue own = map.get(options.name());
        if (own != null) {
          map.set(options.name(), new HazelcastJsonValue(new JsonObject(own.getValue()).put("state", "leaving").encode()));
        }
      }
      return null;
    }, false);
  }

  private final class NodeRecordListener implements EntryAddedListener<String, HazelcastJsonValue>,
      EntryUpdatedListener<String, HazelcastJsonValue>, EntryRemovedListener<String, HazelcastJsonValue> {
    @Override
    public void entryAdded(EntryEvent<String, HazelcastJsonValue> e) {
      changed();
    }

    @Override
    public void entryUpdated(EntryEvent<String, HazelcastJsonValue> e) {
      changed();
    }

    @Override
    public void entryRemoved(EntryEvent<String, HazelcastJsonValue> e) {
      changed();
    }
  }

  /** Called on Hazelcast's event threads: hop to the registry's context. */
  private void changed() {
    context.runOnContext(v -> refresh());
  }

  /** Coalesced: one refresh at a time, and one more if something changed meanwhile. */
  private void refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshNow();
  }

  private Future<Void> refreshNow() {
    refreshing = true;
    return vertx.executeBlocking(this::read, false)
        .onComplete(ar -> {
          refreshing = false;
          if (ar.succeeded()) {
            apply(ar.result());
          } else {
            log.warn("node {} could not read the cluster's nodes: {}", options.name(), ar.cause().toString());
          }
          if (refreshAgain) {
            refreshAgain = false;
            refresh();
          }
        }).mapEmpty();
  }

  /** Blocking: reads the node records and the members, removes the records of dead members. */
  private Snapshot read() {
    Set<String> members = memberUuids();
    List<JsonObject> live = new ArrayList<>();
    List<JsonObject> removed = new ArrayList<>();
    Map<String, JsonObject> byName = new HashMap<>();
    for (Map.Entry<String, HazelcastJsonValue> e : map.entrySet()) {
      JsonObject r = new JsonObject(e.getValue().getValue());
      if (members.contains(r.getString("memberUuid"))) {
        live.add(r);
        byName.put(r.getString("name"), r);
      } else {
        // its member is gone: nobody else will write it again
        if (map.remove(e.getKey(), e.getValue())) {
          removed.add(r);
        }
      }
    }
    String uuid = hazelcast.getCluster().getLocalMember().getUuid().toString();
    if (!byName.containsKey(options.name()) && hazelcast.getLifecycleService().isRunning()) {
      // our record is gone although we are a member: the others removed it while they could not see us (a partition
      // or a long pause), or a merge after a heal dropped it. Without it our children would look orphaned: put it back.
      JsonObject own = record(options, uuid, startedAt).put("state", ownState);
      if (map.putIfAbsent(options.name(), new HazelcastJsonValue(own.encode())) == null) {
        log.warn("node {} found its node record missing (after a partition or a pause) and published it again", options.name());
        live.add(own);
        byName.put(options.name(), own);
      }
    }
    live.sort(Comparator.comparing(r -> r.getString("name")));
    List<Candidate> candidates = new ArrayList<>();
    for (JsonObject r : live) {
      if ("up".equals(r.getString("state")) && r.getJsonArray("roles").contains("supervisor")) {
        candidates.add(new Candidate(r.getString("name"), tags(r), r.getDouble("weight", 1.0)));
      }
    }
    return new Snapshot(List.copyOf(live), Set.copyOf(byName.keySet()), List.copyOf(candidates), members.size(),
        List.copyOf(removed));
  }

  private void apply(Snapshot next) {
    Snapshot before = snapshot;
    snapshot = next;
    List<JsonObject> seen = new ArrayList<>(next.nodes());
    seen.addAll(next.removed());
    for (JsonObject n : seen) {
      if ("leaving".equals(n.getString("state")) && countedLeaving.add(n.getString("memberUuid"))) {
        largestSeen = Math.max(1, largestSeen - 1);
      }
    }
    while (countedLeaving.size() > 1_000) {
      countedLeaving.remove(countedLeaving.iterator().next());
    }
    int counted = (int) next.nodes().stream().filter(n -> !"leaving".equals(n.getString("state"))).count();
    largestSeen = Math.max(largestSeen, Math.max(counted, 1));
    boolean quorum = hasQuorum();
    if (lastQuorum == null || lastQuorum != quorum) {
      if (lastQuorum != null) {
        String type = quorum ? "quorum.regained" : "quorum.lost";
        if (quorum) {
          log.info("node {} regained its quorum: {} of {} members needed are here", options.name(), members(), quorumSize());
        } else {
          log.error("node {} lost its quorum: sees {} member(s), needs {}; it stops its children and refuses starts "
              + "until the cluster is whole again", options.name(), members(), quorumSize());
        }
        vertx.eventBus().publish(Addresses.EVENTS_CLUSTER, new JsonObject().put("type", type).put("node", options.name())
            .put("members", members()).put("quorum", quorumSize()).put("at", System.currentTimeMillis()));
      }
      lastQuorum = quorum;
      vertx.sharedData().getLocalMap("pogo.node").put("quorum", quorum);
    }
    Set<String> joined = new HashSet<>(snapshot.live());
    joined.removeAll(before.live());
    Set<String> left = new HashSet<>(before.live());
    left.removeAll(snapshot.live());
    if (!before.live().isEmpty()) {
      for (String n : joined) {
        log.info("node {} joined (seen from {})", n, options.name());
        publishNodeEvent("node.joined", n);
      }
      for (String n : left) {
        log.warn("node {} left (seen from {})", n, options.name());
        publishNodeEvent("node.left", n);
      }
    }
    listeners.forEach(Runnable::run);
  }

  private void publishNodeEvent(String type, String node) {
    if (node.equals(options.name())) {
      return;
    }
    // each survivor sees the change; only the alphabetically first live node announces it, so it is published once
    String announcer = snapshot.live().stream().sorted().findFirst().orElse(options.name());
    if (announcer.equals(options.name())) {
      vertx.eventBus().publish(Addresses.EVENTS_NODE, new JsonObject().put("type", type).put("node", node)
          .put("at", System.currentTimeMillis()));
    }
  }

  private Set<String> memberUuids() {
    Set<String> out = new HashSet<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      out.add(m.getUuid().toString());
    }
    return out;
  }

  private static Map<String, String> tags(JsonObject r) {
    Map<String, String> out = new HashMap<>();
    r.getJsonObject("tags", new JsonObject()).forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return out;
  }

  @Override
  public String self() {
    return options.name();
  }

  @Override
  public List<Candidate> candidates() {
    return snapshot.candidates();
  }

  @Override
  public Set<String> liveNodes() {
    return snapshot.live();
  }

  @Override
  public List<JsonObject> nodes() {
    return snapshot.nodes();
  }

  @Override
  public int members() {
    return snapshot.members();
  }

  @Override
  public int quorumSize() {
    int q = options.quorum();
    if (q == NodeOptions.QUORUM_NONE) {
      return 0;
    }
    if (q == NodeOptions.QUORUM_MAJORITY) {
      return Math.max(1, largestSeen) / 2 + 1;
    }
    return q;
  }

  @Override
  public int largestSeen() {
    return largestSeen;
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }
}
