package io.pogo.node.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Job tasks that write down their own lives, independently of what the scheduler and the workers say: each task is
 * {@code bash -c WRAPPER pogo-task LOG HOST BODY}; the wrapper appends {@code start HOST PID NODE ATTEMPT µs} to the
 * log before it runs the body (in a subshell: {@code exit} in it ends the body only), {@code end HOST PID NODE ATTEMPT µs RC} after it, and
 * {@code term HOST PID NODE ATTEMPT µs} if SIGTERM ends it ({@code O_APPEND} lines of a few dozen bytes are atomic).
 * {@code PID} is the task process itself (the watchdog's exec of the command: the leader of the task's process
 * group), so a test can look it up in /proc. The log's path is unique to the test run and appears in every task's
 * command line, so processes of other tests on the machine never count.
 *
 * <p>In the body, {@code $h} is the host, {@code $d} the log's directory (for marker files).
 */
final class TaskLog {
  static final String WRAPPER = """
      log=$1; h=$2; body=$3; d=$(dirname "$log")
      t() { echo "$1 $h $$ $POGO_NODE $POGO_ATTEMPT ${EPOCHREALTIME/[.,]/}${2:+ $2}" >> "$log"; }
      t start
      trap 't term; exit 143' TERM
      (eval "$body")
      rc=$?
      t end $rc
      exit $rc
      """;

  /** One line of the log. */
  record Event(String kind, String host, long pid, String node, int attempt, long micros, Integer rc) {
  }

  final Path file;

  TaskLog(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      this.file = dir.resolve(name + ".log").toAbsolutePath();
      Files.writeString(file, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path dir() {
    return file.getParent();
  }

  /** The job command: {@code {host}} is replaced by the scheduler, in every argument. */
  List<String> command(String body) {
    return List.of("bash", "-c", WRAPPER, "pogo-task", file.toString(), "{host}", body);
  }

  io.vertx.core.json.JsonArray commandJson(String body) {
    return new io.vertx.core.json.JsonArray(command(body));
  }

  List<Event> events() {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Event> out = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String[] p = line.trim().split(" ");
      if (p.length < 6) {
        throw new AssertionError("malformed line in " + file + ": " + line);
      }
      out.add(new Event(p[0], p[1], Long.parseLong(p[2]), p[3], p[4].isEmpty() ? 0 : Integer.parseInt(p[4]),
          Long.parseLong(p[5]), p.length > 6 ? Integer.valueOf(p[6]) : null));
    }
    out.sort(Comparator.comparingLong(Event::micros));
    return out;
  }

  List<Event> starts() {
    return events().stream().filter(e -> e.kind().equals("start")).toList();
  }

  List<Event> starts(String host) {
    return starts().stream().filter(e -> e.host().equals(host)).toList();
  }

  /** How many times each host's task started. */
  Map<String, Integer> startCounts() {
    Map<String, Integer> out = new TreeMap<>();
    starts().forEach(e -> out.merge(e.host(), 1, Integer::sum));
    return out;
  }

  /**
   * The most tasks that ran at once per group ({@code group} maps a host to its group, e.g. its rack; "*" is every
   * task), from the start and end lines. Each interval lies inside its process's real life, which lies inside the
   * scheduler's hold of the host: so these figures never exceed what the scheduler allowed.
   */
  Map<String, Integer> maxConcurrent(Function<String, String> group) {
    return maxConcurrentBy(e -> group.apply(e.host()));
  }

  /** As {@link #maxConcurrent}, grouping by anything a line tells (e.g. the node). */
  Map<String, Integer> maxConcurrentBy(Function<Event, String> group) {
    Map<String, Integer> now = new HashMap<>();
    Map<String, Integer> max = new TreeMap<>();
    for (Event e : events()) {
      int delta = e.kind().equals("start") ? 1 : -1;
      for (String g : List.of(group.apply(e), "*")) {
        int n = now.merge(g, delta, Integer::sum);
        max.merge(g, n, Math::max);
      }
    }
    return max;
  }

  /** Whether the task process {@code pid} of this log is alive (a zombie is dead; a recycled pid is not it). */
  boolean alive(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      String stat = Files.readString(proc.resolve("stat"));
      if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
        return false;
      }
      String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
      return cmdline.contains(file.toString());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Live (non-zombie) processes of the process group {@code pgid}: the task and whatever it started. */
  static List<Long> groupMembers(long pgid) {
    List<Long> out = new ArrayList<>();
    String[] names = new java.io.File("/proc").list();
    if (names == null) {
      return out;
    }
    for (String n : names) {
      if (n.isEmpty() || !Character.isDigit(n.charAt(0))) {
        continue;
      }
      try {
        String s = Files.readString(Path.of("/proc", n, "stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ", 4);
        if (Long.parseLong(f[2]) == pgid && f[0].charAt(0) != 'Z') {
          out.add(Long.parseLong(n));
        }
      } catch (IOException | RuntimeException e) {
        // gone meanwhile
      }
    }
    return out;
  }

  /**
   * Samples, every period on a thread of its own, which started tasks of the log are alive, and records every
   * sample where one host had two live task processes: the ground truth for "a host never runs twice at once".
   */
  final class Sampler implements AutoCloseable {
    private final Thread thread;
    private volatile boolean stop;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final Map<Long, long[]> seen = new HashMap<>();
    private long samples;
    private long maxGapMs;
    private volatile Throwable failure;

    Sampler(long periodMs) {
      thread = new Thread(() -> {
        long last = 0;
        while (!stop) {
          try {
            Map<String, List<Long>> live = new TreeMap<>();
            for (Event e : starts()) {
              if (alive(e.pid())) {
                live.computeIfAbsent(e.host(), k -> new ArrayList<>()).add(e.pid());
              }
            }
            long at = System.currentTimeMillis();
            synchronized (this) {
              samples++;
              if (last != 0) {
                maxGapMs = Math.max(maxGapMs, at - last);
              }
              live.values().forEach(pids -> pids.forEach(p -> seen.merge(p, new long[] {at, at},
                  (o, n) -> new long[] {o[0], n[1]})));
            }
            last = at;
            live.forEach((h, pids) -> {
              if (pids.size() > 1 && violations.size() < 10) {
                violations.add("at " + at + " host " + h + " had live task processes " + pids);
              }
            });
          } catch (Throwable t) {
            failure = t;
            return;
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(periodMs));
        }
      }, "it-task-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    List<String> violations() {
      if (failure != null) {
        throw new AssertionError("the task sampler failed", failure);
      }
      return List.copyOf(violations);
    }

    /** The last time a sample saw the process alive, or 0. */
    synchronized long lastSeen(long pid) {
      long[] t = seen.get(pid);
      return t == null ? 0 : t[1];
    }

    synchronized long maxGapMs() {
      return maxGapMs;
    }

    synchronized String stats() {
      return samples + " samples, longest gap " + maxGapMs + " ms";
    }

    @Override
    public void close() {
      stop = true;
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  Sampler sampler(long periodMs) {
    return new Sampler(periodMs);
  }

  static Set<String> hostsOf(List<Event> events) {
    Set<String> out = new java.util.TreeSet<>();
    events.forEach(e -> out.add(e.host()));
    return out;
  }
}
