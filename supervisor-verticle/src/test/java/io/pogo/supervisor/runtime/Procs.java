package io.pogo.supervisor.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Process facts from /proc, for assertions: a zombie (waiting for init to reap it) counts as gone. */
final class Procs {
  private Procs() {
  }

  static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  static List<Long> alive(List<Long> pids) {
    List<Long> out = new ArrayList<>();
    for (long p : pids) {
      if (alive(p)) {
        out.add(p);
      }
    }
    return out;
  }

  /** pid and the pids of its live descendants. */
  static List<Long> tree(long pid) {
    List<Long> out = new ArrayList<>();
    out.add(pid);
    ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
    return out;
  }

  static long descendantCount(long pid) {
    return ProcessHandle.of(pid).map(h -> h.descendants().filter(d -> alive(d.pid())).count()).orElse(0L);
  }

  /** User + system CPU of a process, assuming the usual 100 clock ticks per second; -1 if unknown. */
  static long cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static void kill9(long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("kill -9 " + pid + " failed");
    }
  }
}
