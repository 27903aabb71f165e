package io.pogo.supervisor.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The node's own means to signal a child's tree, for when the watchdog cannot do it: a whole process group
 * (through {@code kill}, which Java has no API for) and single processes (through {@link ProcessHandle}, which
 * guards against pid reuse). Blocking; never call from an event loop.
 */
final class ProcessTree {
  private static final Logger log = LoggerFactory.getLogger(ProcessTree.class);
  private static final File DEV_NULL = new File("/dev/null");

  private ProcessTree() {
  }

  /** The root and its live descendants, root first. */
  static List<ProcessHandle> tree(ProcessHandle root) {
    List<ProcessHandle> out = new ArrayList<>();
    if (root == null) {
      return out;
    }
    if (root.isAlive()) {
      out.add(root);
    }
    root.descendants().forEach(out::add);
    return out;
  }

  /** Merges process lists, without duplicates, keeping only the live ones. */
  @SafeVarargs
  static List<ProcessHandle> union(List<ProcessHandle>... lists) {
    Map<Long, ProcessHandle> all = new LinkedHashMap<>();
    for (List<ProcessHandle> l : lists) {
      for (ProcessHandle h : l) {
        if (h.isAlive()) {
          all.putIfAbsent(h.pid(), h);
        }
      }
    }
    return new ArrayList<>(all.values());
  }

  /** The process group of a process, from /proc (Linux); -1 if unknown. */
  static long pgid(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Sends {@code signal} ("TERM", "KILL") to process group {@code pgid}, then SIGCONT. Waits at most 5 s. */
  static void signalGroup(String bash, long pgid, String signal) {
    if (pgid <= 1) {
      return;
    }
    try {
      Process p = new ProcessBuilder(bash, "-c",
          "kill -s \"$1\" -- \"-$2\" 2>/dev/null; kill -s CONT -- \"-$2\" 2>/dev/null; exit 0", "pogo-kill",
          signal, Long.toString(pgid))
          .redirectInput(DEV_NULL)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        log.warn("kill -{} of process group {} did not finish in 5 s", signal, pgid);
      }
    } catch (IOException e) {
      log.warn("cannot signal process group {} with SIG{}: {}", pgid, signal, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
