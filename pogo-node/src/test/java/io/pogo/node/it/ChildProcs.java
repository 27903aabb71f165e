package io.pogo.node.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The OS processes of one test run's process children, read from /proc: the ground truth for "how many live copies
 * of this child exist right now", whatever the nodes and the registry believe. Every child spec of the run carries
 * {@code IT_RUN=<run>} in its {@code env}, so the processes of other tests on the machine are never counted.
 *
 * <p>An <em>instance</em> of a child is the process its watchdog exec'd: its environment has {@code POGO_CHILD_ID}
 * and no {@code POGO_WATCHDOG_NONCE} (the watchdog drops that variable before the exec, and /proc shows the
 * environment as of the last exec), it leads its own process group (the watchdog's job control gives it one), and
 * it is not a zombie. The watchdog, its lease guard and the forked subshell before its exec still have the nonce;
 * the instance's own children (a {@code sleep} in a loop) do not lead a group. A process stopped by a signal (state
 * T) still counts as live: it holds whatever it held.
 *
 * <p>Scans cost one directory listing plus one read of {@code stat} per instance (its state: a zombie is not live);
 * each environment is read once per pid (again only for a group leader that still had the nonce: a subshell about to
 * exec; and for the JVM's {@code jspawnhelper}, which execs a watchdog with another environment), and the watchdogs'
 * own processes are not read again once seen twice as what they are. A pid
 * missing from one listing is forgotten, so a recycled pid is read afresh (a pid cannot die and be reused between
 * two listings a fraction of a second apart).
 */
final class ChildProcs {
  static final String RUN_ENV = "IT_RUN";

  /** One live instance: its pid and what its environment says it is. */
  record Instance(long pid, String id, long epoch, String node, char state) {
    @Override
    public String toString() {
      return id + "@" + epoch + " on " + node + " pid " + pid + (state == 'T' ? " (stopped)" : "");
    }
  }

  /** One scan: the live instances by child id, and how many processes of the run exist at all (watchdogs too). */
  record Snapshot(long atMillis, Map<String, List<Instance>> byId, Set<Long> runPids, ChildProcs source) {
    int count(String id) {
      return byId.getOrDefault(id, List.of()).size();
    }

    List<Instance> of(String id) {
      return byId.getOrDefault(id, List.of());
    }

    List<Instance> all() {
      List<Instance> out = new ArrayList<>();
      byId.values().forEach(out::addAll);
      return out;
    }

    /** Children with more than one live instance, with them. */
    Map<String, List<Instance>> duplicates() {
      Map<String, List<Instance>> out = new TreeMap<>();
      byId.forEach((id, list) -> {
        if (list.size() > 1) {
          out.put(id, list);
        }
      });
      return out;
    }
  }

  /** What one pid's environment said, and whether its stat still needs reading at each scan. */
  private static final class Info {
    static final Info UNRELATED = new Info(false, false, null, 0, null);
    final boolean ours;
    final boolean nonce;
    final String id;
    final long epoch;
    final String node;
    int nonLeaderScans;
    /** When a scan first read this pid's environment. */
    final long firstSeenNanos = System.nanoTime();
    /** Unrelated, or a process of the run that can never become an instance: not read again while it lives. */
    boolean settled;

    Info(boolean ours, boolean nonce, String id, long epoch, String node) {
      this.ours = ours;
      this.nonce = nonce;
      this.id = id;
      this.epoch = epoch;
      this.node = node;
      this.settled = !ours;
    }
  }

  private record Stat(String comm, char state, long pgid) {
  }

  private final String run;
  private final Map<Long, Info> cache = new HashMap<>();

  ChildProcs(String run) {
    this.run = run;
  }

  synchronized Snapshot scan() {
    String[] names = new File("/proc").list();
    if (names == null) {
      throw new AssertionError("/proc is not readable: these tests need Linux");
    }
    Set<Long> seen = new HashSet<>();
    Set<Long> ours = new HashSet<>();
    Map<String, List<Instance>> byId = new LinkedHashMap<>();
    for (String n : names) {
      if (n.isEmpty() || n.charAt(0) < '0' || n.charAt(0) > '9') {
        continue;
      }
      long pid = Long.parseLong(n);
      seen.add(pid);
      Info info = cache.get(pid);
      if (info != null && info.settled) {
        if (info.ours) {
          ours.add(pid);
        }
        continue;
      }
      Stat st = stat(pid);
      if (st == null) {
        continue; // gone meanwhile
      }
      if (info == null || (info.nonce && st.pgid() == pid)) {
        info = environ(pid);
        if (info == null) {
          continue; // unreadable for now (exiting, or in the middle of an exec): next scan
        }
        if (!info.ours && st.comm().equals("jspawnhelper")) {
          continue; // the JVM's spawn helper, about to exec a watchdog with the child's environment: next scan
        }
        cache.put(pid, info);
        if (!info.ours) {
          continue;
        }
      }
      ours.add(pid);
      boolean leader = st.pgid() == pid;
      if (info.nonce) {
        // the watchdog or its lease guard (never group leaders), or the watchdog's subshell before its exec (a leader
        // once its parent or itself has run setpgid: on a starved machine that can take more than one scan). A process
        // that stayed a non-leader for a while is not going to be an instance.
        if (!leader && ++info.nonLeaderScans >= 2 && System.nanoTime() - info.firstSeenNanos >= SETTLE_NANOS) {
          info.settled = true;
        }
      } else if (!leader) {
        info.settled = true; // an instance's own child (its sleep)
      } else if (info.id != null && st.state() != 'Z' && st.state() != 'X') {
        byId.computeIfAbsent(info.id, k -> new ArrayList<>())
            .add(new Instance(pid, info.id, info.epoch, info.node, st.state()));
      }
    }
    cache.keySet().retainAll(seen);
    return new Snapshot(System.currentTimeMillis(), byId, ours, this);
  }

  /** How long a process of the run with the nonce must stay a non-leader before it is taken for a watchdog's own. */
  private static final long SETTLE_NANOS = 2_000_000_000L;

  /**
   * What /proc says about one pid now, and what this sampler had made of it: for a failure message, to tell a process
   * that is gone from one the scans could not see.
   */
  synchronized String describe(long pid) {
    Stat st = stat(pid);
    if (st == null) {
      return "pid " + pid + " is not in /proc";
    }
    Info now = environ(pid);
    Info cached = cache.get(pid);
    return "pid " + pid + " is " + st.comm() + " state " + st.state() + " pgid " + st.pgid() + ", environment "
        + (now == null ? "unreadable" : now.ours ? "child " + now.id + "@" + now.epoch + " on " + now.node
            + (now.nonce ? " with the watchdog nonce" : "") : "of another run")
        + "; scans took it for " + (cached == null ? "nothing yet" : !cached.ours ? "unrelated"
            : (cached.nonce ? "a watchdog process" : "an instance's own process") + (cached.settled ? " (settled)" : ""));
  }

  private static Stat stat(long pid) {
    try {
      String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ", 4);
      return new Stat(s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')), f[0].charAt(0), Long.parseLong(f[2]));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private Info environ(long pid) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
    } catch (IOException e) {
      return null;
    }
    String runValue = null;
    String id = null;
    String node = null;
    long epoch = 0;
    boolean nonce = false;
    int start = 0;
    for (int i = 0; i <= raw.length; i++) {
      if (i == raw.length || raw[i] == 0) {
        if (i > start) {
          String kv = new String(raw, start, i - start, StandardCharsets.UTF_8);
          if (kv.startsWith(RUN_ENV + "=")) {
            runValue = kv.substring(RUN_ENV.length() + 1);
          } else if (kv.startsWith("POGO_CHILD_ID=")) {
            id = kv.substring("POGO_CHILD_ID=".length());
          } else if (kv.startsWith("POGO_EPOCH=")) {
            try {
              epoch = Long.parseLong(kv.substring("POGO_EPOCH=".length()));
            } catch (NumberFormatException e) {
              epoch = -1;
            }
          } else if (kv.startsWith("POGO_NODE=")) {
            node = kv.substring("POGO_NODE=".length());
          } else if (kv.startsWith("POGO_WATCHDOG_NONCE=")) {
            nonce = true;
          }
        }
        start = i + 1;
      }
    }
    if (!run.equals(runValue)) {
      return Info.UNRELATED;
    }
    return new Info(true, nonce, id, epoch, node);
  }
}
