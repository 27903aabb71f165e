package io.pogo.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One node JVM started by the cluster benchmark (a Pogo node, or a Vert.x HA node of the baseline): its stdout is
 * read line by line (each line with the time it arrived) and copied to {@code <log>.out}; its stderr goes to
 * {@code <log>}. Every process started here is registered so that a JVM shutdown hook kills whatever is left.
 */
final class NodeProc {
  private static final Set<NodeProc> ALL = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(NodeProc::killAll, "pogo-bench-cleanup"));
  }

  /** A line of stdout and when this JVM read it. */
  record Line(String text, long nanos, long wallMs) {
  }

  final String name;
  final int clusterPort;
  /** The node's HTTP port: 0 until its banner said which one it took. */
  volatile int httpPort;
  final Path dataDir;
  final Path log;
  final Process process;
  final long launchNanos;
  final long launchWallMs;
  private final List<Line> lines = new ArrayList<>();
  private volatile boolean eof;

  private NodeProc(String name, int clusterPort, int httpPort, Path dataDir, Path log, Process process, long launchNanos,
                   long launchWallMs) {
    this.name = name;
    this.clusterPort = clusterPort;
    this.httpPort = httpPort;
    this.dataDir = dataDir;
    this.log = log;
    this.process = process;
    this.launchNanos = launchNanos;
    this.launchWallMs = launchWallMs;
  }

  static NodeProc launch(String name, int clusterPort, int httpPort, Path dataDir, Path log, List<String> command)
      throws IOException {
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    long nanos = System.nanoTime();
    long wall = System.currentTimeMillis();
    Process p = pb.start();
    NodeProc n = new NodeProc(name, clusterPort, httpPort, dataDir, log, p, nanos, wall);
    ALL.add(n);
    Thread reader = new Thread(n::readStdout, "stdout-" + name);
    reader.setDaemon(true);
    reader.start();
    return n;
  }

  private void readStdout() {
    Path out = log.resolveSibling(log.getFileName() + ".out");
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      String s;
      while ((s = r.readLine()) != null) {
        Line l = new Line(s, System.nanoTime(), System.currentTimeMillis());
        synchronized (lines) {
          lines.add(l);
          lines.notifyAll();
        }
        w.write(s);
        w.newLine();
        if (!r.ready()) {
          w.flush();
        }
      }
    } catch (IOException ignored) {
      // the process died
    } finally {
      eof = true;
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }

  /** The first line (from the beginning) matching, waiting up to {@code timeoutMs}; null if none came. */
  Line awaitLine(Predicate<String> match, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    int from = 0;
    synchronized (lines) {
      while (true) {
        for (; from < lines.size(); from++) {
          if (match.test(lines.get(from).text())) {
            return lines.get(from);
          }
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || eof) {
          return null;
        }
        lines.wait(Math.min(left, 100));
      }
    }
  }

  /** All lines read so far that match. */
  List<Line> linesMatching(Predicate<String> match) {
    synchronized (lines) {
      return lines.stream().filter(l -> match.test(l.text())).toList();
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL (what {@code kill -9} sends), then reap. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    ALL.remove(this);
  }

  /** CPU time (user + system) the process has used so far, in ms, from /proc; -1 if unknown. */
  long cpuMs() {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": f[0] is field 3 (state); utime is field 14, stime field 15; clock ticks of 10 ms
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / CLK_TCK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * CPU time from /proc in ms: {@code [own, children]}, own = utime + stime of the process, children = cutime +
   * cstime (the CPU of every descendant it has waited for, recursively: a node's process children and their own);
   * {@code [-1, -1]} if unknown.
   */
  long[] cpuSplitMs() {
    return cpuSplitMs(process.pid());
  }

  static long[] cpuSplitMs(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[11..14] are fields 14-17: utime, stime, cutime, cstime
      return new long[] {(Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / CLK_TCK,
          (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 1000 / CLK_TCK};
    } catch (IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  /** Threads of the process now (entries of /proc/<pid>/task); -1 if unknown. */
  int threads() {
    String[] t = new java.io.File("/proc/" + process.pid() + "/task").list();
    return t == null ? -1 : t.length;
  }

  /** SIGTERM (a graceful stop), SIGKILL after {@code graceMs}, then reap. */
  void stop(long graceMs) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    ALL.remove(this);
  }

  /** USER_HZ: 100 on Linux x86 and arm64 (what /proc/<pid>/stat counts in). */
  static final long CLK_TCK = 100;

  /** Resident set size in MiB, from /proc; -1 if unknown. */
  long rssMiB() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // below
    }
    return -1;
  }

  static void killAll() {
    for (NodeProc n : List.copyOf(ALL)) {
      n.process.destroyForcibly();
    }
    for (NodeProc n : List.copyOf(ALL)) {
      try {
        n.process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ALL.remove(n);
    }
  }

  static int running() {
    return (int) ALL.stream().filter(NodeProc::alive).count();
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
