package io.pogo.node.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node's exit leaves no process of its children behind, whether it exits gracefully (SIGTERM) or is killed
 * with {@code kill -9}: a process child that outlived its node would run twice once the cluster restarts it
 * elsewhere. Separate JVMs, real signals.
 */
class NodeExitIT {
  @TempDir
  Path dir;

  @Test
  void killMinus9OfTheNodeLeavesNoOrphan() throws Exception {
    try (NodeProcess node = NodeProcess.start("victim", "it-" + UUID.randomUUID(), dir)) {
      Set<Long> pids = startTrees(node);
      node.process.destroyForcibly();
      assertTrue(node.process.waitFor(10, TimeUnit.SECONDS));
      // the watchdogs see their stdin close; the stubborn tree needs its 2 s shutdown timeout before SIGKILL
      Await.until("every child process of the killed node to be gone " + pids, Duration.ofSeconds(15),
          () -> pids.stream().noneMatch(NodeExitIT::alive));
    }
  }

  @Test
  void gracefulExitOfTheNodeStopsItsChildren() throws Exception {
    try (NodeProcess node = NodeProcess.start("leaver", "it-" + UUID.randomUUID(), dir)) {
      Set<Long> pids = startTrees(node);
      node.process.destroy(); // SIGTERM: the shutdown hook stops the node, which stops its children
      assertTrue(node.process.waitFor(30, TimeUnit.SECONDS), "the node exits after stopping its children");
      Await.until("every child process to be gone " + pids, Duration.ofSeconds(5), () -> pids.stream().noneMatch(NodeExitIT::alive));
      String log = Files.readString(node.log);
      assertTrue(log.contains("child tree-1 stopped") && log.contains("child stubborn stopped"), log);
    }
  }

  /** Starts two process trees (one ignores SIGTERM) and returns every pid of them. */
  private static Set<Long> startTrees(NodeProcess node) {
    Http http = new Http(node.api);
    JsonObject tree = new JsonObject().put("id", "tree-1").put("kind", "process")
        .put("argv", new JsonArray(List.of("sh", "-c", "sleep 1000 & sleep 1000 & wait")));
    JsonObject stubborn = new JsonObject().put("id", "stubborn").put("kind", "process").put("shutdownTimeout", "2s")
        .put("argv", new JsonArray(List.of("sh", "-c", "trap '' TERM; sleep 1000 & wait")));
    long a = http.post("/children", tree).json().getLong("pid");
    long b = http.post("/children", stubborn).json().getLong("pid");
    Set<Long> pids = new TreeSet<>();
    Await.until("both trees to be up", Duration.ofSeconds(10), () -> {
      pids.clear();
      pids.addAll(group(a));
      pids.addAll(group(b));
      return pids.size() >= 5;
    });
    assertEquals(Set.of(), Set.copyOf(pids.stream().filter(p -> !alive(p)).toList()));
    return pids;
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid);
  }

  /** A zombie has exited; init reaps it when it gets to it. */
  private static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return true;
    }
  }

  /** The members of the process group led by {@code leader}. */
  private static Set<Long> group(long leader) {
    Set<Long> out = new TreeSet<>();
    ProcessHandle.allProcesses().forEach(p -> {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
        if (Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]) == leader) {
          out.add(p.pid());
        }
      } catch (IOException | RuntimeException e) {
        // the process is gone or its stat is unreadable: not a member we can see
      }
    });
    return out;
  }
}
