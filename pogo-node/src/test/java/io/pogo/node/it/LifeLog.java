package io.pogo.node.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A process child that writes down its own life, and the reading of what it wrote. The child ({@link #script}) appends
 * {@code start <id> <epoch> <node> <pid> <µs>} to {@code <dir>/<id>.log} when it starts and
 * {@code stop <id> <epoch> <node> <pid> <µs>} when SIGTERM ends it (the watchdog's lease expiry and Pogo's stop both
 * send SIGTERM), with the wall-clock time in microseconds; {@code O_APPEND} lines of a few dozen bytes are atomic. The
 * instances' lives, as intervals, must never overlap: that is "at most one live instance" as the children themselves
 * saw it, across epochs and nodes.
 */
final class LifeLog {
  static final String SCRIPT = """
      #!/bin/bash
      # a Pogo process child that logs its start and its stop (SIGTERM), then idles without using the CPU
      log="$1/$POGO_CHILD_ID.log"
      echo "start $POGO_CHILD_ID $POGO_EPOCH $POGO_NODE $$ ${EPOCHREALTIME/[.,]/}" >> "$log"
      # (its sleep got the SIGTERM too, as the whole group does: reaped here, it leaves no zombie in the group)
      trap 'echo "stop $POGO_CHILD_ID $POGO_EPOCH $POGO_NODE $$ ${EPOCHREALTIME/[.,]/}" >> "$log"; kill $! 2>/dev/null; wait; exit 143' TERM
      while :; do
        sleep 100000 &
        wait $!
      done
      """;

  /** One instance's life: end is {@code Long.MAX_VALUE} while it runs, as far as the log and the samples tell. */
  record Life(String id, long epoch, String node, long pid, long startMicros, long endMicros, String endedBy) {
    boolean overlaps(Life other) {
      return startMicros < other.endMicros && other.startMicros < endMicros;
    }

    @Override
    public String toString() {
      return id + "@" + epoch + " on " + node + " pid " + pid + " [" + startMicros + ", "
          + (endMicros == Long.MAX_VALUE ? "running" : endMicros + " (" + endedBy + ")") + "]";
    }
  }

  final Path dir;
  final Path script;

  /** Writes the script into {@code dir} and makes a {@code logs} directory next to it. */
  LifeLog(Path dir) {
    try {
      this.dir = Files.createDirectories(dir.resolve("logs"));
      this.script = dir.resolve("life.sh");
      Files.writeString(script, SCRIPT);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<String> argv() {
    return List.of(script.toString(), dir.toString());
  }

  /**
   * Every instance's life, by child id, in start order. An instance that has no stop line ended by SIGKILL or is still
   * running: if the sampler saw it, its end is its last sample plus the sampling gap (an upper bound); if it is alive
   * now, it runs; otherwise its end is unknown, and taken as "still running" (the worst case).
   */
  Map<String, List<Life>> lives(Sampler sampler, ChildProcs.Snapshot now, long maxGapMs) {
    Map<Long, Sampler.Life> seen = new java.util.HashMap<>();
    for (Sampler.Life l : sampler.lives()) {
      seen.put(l.instance().pid(), l);
    }
    java.util.Set<Long> alive = new java.util.HashSet<>();
    now.all().forEach(i -> alive.add(i.pid()));
    Map<String, List<Life>> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        Map<Long, String[]> starts = new LinkedHashMap<>();
        Map<Long, Long> stops = new java.util.HashMap<>();
        for (String line : Files.readAllLines(f)) {
          String[] p = line.trim().split(" ");
          if (p.length != 6) {
            throw new AssertionError("malformed line in " + f + ": " + line);
          }
          long pid = Long.parseLong(p[4]);
          if (p[0].equals("start")) {
            starts.put(pid, p);
          } else if (p[0].equals("stop")) {
            stops.put(pid, Long.parseLong(p[5]));
          }
        }
        for (Map.Entry<Long, String[]> s : starts.entrySet()) {
          String[] p = s.getValue();
          long pid = s.getKey();
          long end;
          String by;
          if (stops.containsKey(pid)) {
            end = stops.get(pid);
            by = "SIGTERM";
          } else if (alive.contains(pid)) {
            end = Long.MAX_VALUE;
            by = "running";
          } else if (seen.containsKey(pid)) {
            end = (seen.get(pid).lastSeen() + maxGapMs) * 1000;
            by = "last sampled";
          } else {
            end = Long.MAX_VALUE;
            by = "unknown";
          }
          out.computeIfAbsent(p[1], k -> new ArrayList<>())
              .add(new Life(p[1], Long.parseLong(p[2]), p[3], pid, Long.parseLong(p[5]), end, by));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.values().forEach(l -> l.sort(Comparator.comparingLong(Life::startMicros)));
    return out;
  }

  /** Pairs of lives of one child that overlap in time. */
  static List<String> overlaps(Map<String, List<Life>> lives) {
    List<String> out = new ArrayList<>();
    lives.forEach((id, list) -> {
      for (int i = 0; i < list.size(); i++) {
        for (int j = i + 1; j < list.size(); j++) {
          if (list.get(i).overlaps(list.get(j))) {
            out.add(list.get(i) + " overlaps " + list.get(j));
          }
        }
      }
    });
    return out;
  }
}
