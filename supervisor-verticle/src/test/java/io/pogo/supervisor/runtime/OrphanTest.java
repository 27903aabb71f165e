package io.pogo.supervisor.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No process child outlives its node's JVM: neither a kill -9 of the JVM nor a graceful exit. */
@Timeout(90)
class OrphanTest {
  private static final long LEASE_MS = 1_000;

  @TempDir
  Path dir;
  private Process jvm;
  private final ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();

  @AfterEach
  void tearDown() {
    if (jvm != null) {
      jvm.destroyForcibly();
    }
  }

  private List<Long> startNode() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), OrphanTestMain.class.getName(), dir.toString(),
        Long.toString(LEASE_MS))
        .redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          output.add(line);
        }
      } catch (IOException e) {
        output.add("(read failed: " + e + ")");
      }
    }, "orphan-test-output");
    reader.setDaemon(true);
    reader.start();
    Await.until(() -> output.contains("READY") || !jvm.isAlive(), Duration.ofSeconds(45), "READY from the node JVM");
    assertTrue(jvm.isAlive(), "node JVM died: " + output);
    String pids = output.stream().filter(l -> l.startsWith("PIDS ")).findFirst().orElseThrow();
    List<Long> all = new ArrayList<>();
    Arrays.stream(pids.substring(5).trim().split(" ")).map(Long::parseLong).forEach(all::add);
    assertEquals(4, all.size(), "watchdog, sh and two sleeps: " + pids);
    assertTrue(Procs.alive(all).size() == 4, "all running: " + pids);
    return all;
  }

  @Test
  void killMinus9OfTheJvmLeavesNoOrphan() throws Exception {
    List<Long> pids = startNode();
    long t0 = System.nanoTime();
    jvm.destroyForcibly();
    assertTrue(jvm.waitFor(10, TimeUnit.SECONDS));
    Await.until(() -> Procs.alive(pids).isEmpty(), Duration.ofMillis(LEASE_MS + 1_000 + 10_000),
        "every process of the tree to be gone after kill -9 of the JVM: " + pids);
    long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
    assertTrue(ms < LEASE_MS + 1_000 + 10_000, "gone after " + ms + " ms");
  }

  @Test
  void gracefulExitOfTheJvmLeavesNoOrphan() throws Exception {
    List<Long> pids = startNode();
    try (OutputStream in = jvm.getOutputStream()) {
      in.write("exit\n".getBytes(StandardCharsets.UTF_8));
    }
    assertTrue(jvm.waitFor(20, TimeUnit.SECONDS), "the node JVM exits");
    assertEquals(0, jvm.exitValue());
    Await.until(() -> Procs.alive(pids).isEmpty(), Duration.ofSeconds(3), "every process of the tree to be gone");
    Await.until(() -> output.stream().anyMatch(l -> l.contains("exited: stopped (SIGTERM)")), Duration.ofSeconds(5),
        "the shutdown hook's graceful stop in the node's log: " + output);
  }
}
