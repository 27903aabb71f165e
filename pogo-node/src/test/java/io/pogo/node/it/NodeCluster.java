package io.pogo.node.it;

import io.pogo.registry.placement.Candidate;
import io.pogo.registry.placement.Placement;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Several Pogo nodes, each in a JVM of its own ({@link NodeProcess}), in one cluster on loopback, for the tests that
 * kill, freeze or cut nodes for real. Every node is told to join every founding member (as in production), so either
 * side of a split can find the other again. Also knows the run's marker ({@link ChildProcs#RUN_ENV}) and how to start
 * process children in bulk.
 */
final class NodeCluster implements AutoCloseable {
  final String name = "it-" + UUID.randomUUID();
  /** Marks every process child of this run (see {@link ChildProcs}). */
  final String run = UUID.randomUUID().toString();
  final Path dir;
  final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  private final String join;
  private final String[] extraArgs;

  private NodeCluster(Path dir, String join, String[] extraArgs) {
    this.dir = dir;
    this.join = join;
    this.extraArgs = extraArgs;
  }

  /**
   * Starts the named nodes (all at once, each told to join all) and waits until every node sees all of them (a split at
   * start-up would heal only at Hazelcast's first merge, 30 s in: the wait allows for it). Extra args go to every node
   * ({@code --failure-timeout 5s} is already there).
   */
  static NodeCluster start(Path dir, List<String> names, String... extraArgs) throws Exception {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String n : names) {
      ports.put(n, NodeProcess.freePort());
    }
    String join = ports.values().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    NodeCluster c = new NodeCluster(dir, join, extraArgs);
    try {
      // all at once: each lists the others, so whichever comes first, the rest find it (a JVM takes seconds to start)
      ExecutorService pool = Executors.newFixedThreadPool(names.size());
      try {
        Map<String, Future<NodeProcess>> all = new LinkedHashMap<>();
        for (String n : names) {
          all.put(n, pool.submit(() -> c.launch(n, ports.get(n))));
        }
        Throwable failed = null;
        for (Map.Entry<String, Future<NodeProcess>> e : all.entrySet()) {
          try {
            c.nodes.put(e.getKey(), get(e.getValue())); // every node that did start is closed if another did not
          } catch (Exception | Error ex) {
            failed = failed == null ? ex : failed;
          }
        }
        if (failed instanceof Exception ex) {
          throw ex;
        } else if (failed != null) {
          throw (Error) failed;
        }
      } finally {
        pool.shutdown();
      }
      c.awaitMembers(List.copyOf(c.nodes.keySet()), Duration.ofSeconds(45));
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private static <T> T get(Future<T> f) throws Exception {
    try {
      return f.get(90, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw (Error) e.getCause();
    }
  }

  private NodeProcess launch(String node, int port) throws IOException {
    List<String> args = new ArrayList<>(List.of("--join", join));
    args.addAll(List.of(extraArgs));
    return NodeProcess.startOnFreePort(node, name, port, dir.resolve(node), args.toArray(String[]::new));
  }

  /** Starts one more node that joins {@code via} (a member of the cluster, by name). */
  NodeProcess add(String node, String via, String... more) throws IOException {
    List<String> args = new ArrayList<>(List.of("--join", "127.0.0.1:" + nodes.get(via).clusterPort));
    args.addAll(List.of(extraArgs));
    args.addAll(List.of(more));
    NodeProcess p = NodeProcess.startOnFreePort(node, name, NodeProcess.freePort(), dir.resolve(node), args.toArray(String[]::new));
    nodes.put(node, p);
    return p;
  }

  NodeProcess node(String n) {
    return nodes.get(n);
  }

  /** An HTTP client of a node whose every call ends within 10 s (a frozen node must not hold a test for long). */
  Http http(String n) {
    return new Http(nodes.get(n).api, Duration.ofSeconds(10));
  }

  /** Waits until each of {@code live} lists exactly {@code live} as the cluster's nodes. */
  void awaitMembers(List<String> live, Duration within) {
    List<String> sorted = live.stream().sorted().toList();
    for (String n : live) {
      Http http = http(n);
      Await.until("node " + n + " to see the nodes " + sorted, within, () -> {
        try {
          JsonArray seen = http.get("/cluster").json().getJsonArray("nodes");
          return seen.stream().map(Object::toString).sorted().toList().equals(sorted);
        } catch (AssertionError e) {
          return false;
        }
      });
    }
  }

  /** The placement owner of a child among these nodes, as every node computes it (equal weights, no tags). */
  static String owner(String id, List<String> nodes) {
    return Placement.owner(id, Placement.Constraints.NONE, nodes.stream().map(Candidate::of).toList());
  }

  /**
   * {@code count} ids {@code prefix-0, prefix-1, ...} (skipping some) whose placement owner among {@code nodes} is
   * {@code on}: how a test chooses which node holds how many children.
   */
  static List<String> idsOwnedBy(String on, List<String> nodes, String prefix, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; out.size() < count; i++) {
      String id = prefix + "-" + i;
      if (on.equals(owner(id, nodes))) {
        out.add(id);
      }
    }
    return out;
  }

  /** A process child of this run: permanent, a short shutdown timeout, the run marker in its environment. */
  JsonObject processChild(String id, List<String> argv) {
    return new JsonObject().put("id", id).put("kind", "process").put("restart", "permanent")
        .put("shutdownTimeout", "2s").put("argv", new JsonArray(argv))
        .put("env", new JsonObject().put(ChildProcs.RUN_ENV, run));
  }

  /** Starts the specs through the given nodes in turn, {@code parallel} requests at a time; returns the records. */
  List<JsonObject> startAll(List<JsonObject> specs, List<String> through, int parallel) {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<CompletableFuture<JsonObject>> all = new ArrayList<>();
      for (int i = 0; i < specs.size(); i++) {
        JsonObject spec = specs.get(i);
        Http http = http(through.get(i % through.size()));
        all.add(CompletableFuture.supplyAsync(() -> {
          Http.Response r = http.post("/children", spec);
          assertEquals(201, r.status(), "start of " + spec.getString("id") + ": " + r.body());
          return r.json();
        }, pool));
      }
      return all.stream().map(CompletableFuture::join).toList();
    } finally {
      pool.shutdownNow();
    }
  }

  /** Every child record of the cluster, by id, as node {@code via} lists them. */
  Map<String, JsonObject> records(String via) {
    Http.Response r = http(via).get("/children?scope=global");
    assertEquals(200, r.status(), r.body());
    Map<String, JsonObject> out = new HashMap<>();
    // process children only: these tests judge records against live processes, and verticle children (the scheduler
    // singleton every node asks for, test bridges) have none
    r.json().getJsonArray("children").stream().map(JsonObject.class::cast)
        .filter(c -> "process".equals(c.getString("kind")))
        .forEach(c -> out.put(c.getString("id"), c));
    return out;
  }

  /**
   * As {@link #records}, or null if the node cannot list them now: a listing waits for every partition of the table,
   * so while a member hangs undetected it times out (504), and a test polling for the failover must poll again.
   */
  Map<String, JsonObject> recordsIfAnswered(String via) {
    try {
      return records(via);
    } catch (AssertionError e) {
      return null;
    }
  }

  /**
   * What differs between the processes and the records: every recorded child must have exactly one live process, with
   * the record's pid, epoch and node, and be recorded running; no process may belong to an unrecorded child. Empty if
   * they agree.
   */
  static List<String> mismatches(ChildProcs.Snapshot s, Map<String, JsonObject> records) {
    if (records == null) {
      return List.of("the records could not be listed");
    }
    List<String> out = new ArrayList<>();
    Map<String, List<ChildProcs.Instance>> byId = new HashMap<>(s.byId());
    for (JsonObject r : records.values()) {
      String id = r.getString("id");
      List<ChildProcs.Instance> live = byId.remove(id);
      if (live == null || live.size() != 1) {
        Long pid = r.getLong("pid");
        out.add(id + ": " + (live == null ? "no process" : live.size() + " processes " + live) + ", record "
            + r.getString("state") + " at epoch " + r.getLong("epoch") + " on " + r.getString("node")
            + (live == null && pid != null && s.source() != null ? " (" + s.source().describe(pid) + ")" : ""));
        continue;
      }
      ChildProcs.Instance i = live.get(0);
      Long pid = r.getLong("pid");
      if (pid == null || i.pid() != pid || i.epoch() != r.getLong("epoch") || !i.node().equals(r.getString("node"))
          || !"running".equals(r.getString("state"))) {
        out.add(id + ": process " + i + " but record " + r.getString("state") + " at epoch " + r.getLong("epoch") + " on "
            + r.getString("node") + " pid " + pid);
      }
    }
    byId.forEach((id, live) -> out.add(id + ": processes without a record " + live));
    return out;
  }

  /**
   * Waits until the processes (each poll takes a snapshot from {@code snapshots}) and the records (as node {@code via}
   * lists them) agree: one live process per recorded child, as recorded ({@link #mismatches}). Returns the snapshot
   * that agreed; on timeout, fails with what still differed.
   */
  ChildProcs.Snapshot awaitAgreement(String what, Duration within, Duration every,
      java.util.function.Supplier<ChildProcs.Snapshot> snapshots, String via) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      ChildProcs.Snapshot s = snapshots.get();
      List<String> diff = mismatches(s, recordsIfAnswered(via));
      if (diff.isEmpty()) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + within.toMillis() + " ms waiting for " + what + "; "
            + diff.size() + " differences, first ones: " + diff.subList(0, Math.min(10, diff.size()))
            + logLinesAbout(diff.stream().limit(3).map(d -> d.substring(0, d.indexOf(':'))).toList()));
      }
      java.util.concurrent.locks.LockSupport.parkNanos(every.toNanos());
    }
  }

  /** The nodes' log lines about these children (the last few per node), for a failure message. */
  private String logLinesAbout(List<String> ids) {
    StringBuilder out = new StringBuilder();
    for (String id : ids) {
      java.util.regex.Pattern about = java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(id) + "\\b");
      for (NodeProcess p : nodes.values()) {
        List<String> lines = p.logText().lines().filter(l -> about.matcher(l).find()).toList();
        if (!lines.isEmpty()) {
          out.append("\n  node ").append(p.name).append(" about ").append(id).append(":");
          lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(l -> out.append("\n    ").append(l));
        }
      }
    }
    return out.toString();
  }

  /** Kills every node JVM still running (SIGKILL works on a stopped one too) and waits for their ends. */
  @Override
  public void close() {
    for (NodeProcess p : nodes.values()) {
      p.process.destroyForcibly();
    }
    for (NodeProcess p : nodes.values()) {
      try {
        p.process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static boolean zombie(long pid) {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return true; // gone
    }
  }

  /**
   * After {@link #close}: waits for every process of the run to be gone (the watchdogs see their nodes' pipes close
   * and end their children), and kills by pid whatever is still there after {@code within}; returns what had to be
   * killed (empty when the watchdogs did their job).
   */
  List<Long> reapLeftovers(ChildProcs procs, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    ChildProcs.Snapshot s = procs.scan();
    while (s.runPids().stream().anyMatch(pid -> !zombie(pid)) && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      s = procs.scan();
    }
    // a zombie is dead (its parent, or init, has yet to reap it): not a leftover
    List<Long> left = s.runPids().stream().filter(pid -> !zombie(pid)).sorted().toList();
    for (long pid : left) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    return left;
  }
}
