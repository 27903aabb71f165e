package io.pogo.node.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Pogo node in a JVM of its own, started from the test classpath, for tests that kill it for real. */
final class NodeProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("Pogo node \\S+ ready: API (http://\\S+/api/v1)");

  final String name;
  final Path log;
  final Process process;
  final String api;
  /** The Hazelcast port, for others to {@code --join}. */
  final int clusterPort;

  private NodeProcess(String name, Path log, Process process, String api, int clusterPort) {
    this.name = name;
    this.log = log;
    this.process = process;
    this.api = api;
    this.clusterPort = clusterPort;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts {@code pogo node} on a free cluster port and waits for its ready line. */
  static NodeProcess start(String name, String cluster, Path dataDir, String... extraArgs) throws IOException {
    return startOnFreePort(name, cluster, freePort(), dataDir, extraArgs);
  }

  /**
   * As {@link #start(String, String, int, Path, String...)} with a port {@link #freePort} picked: between that pick and
   * the node's bind, another process on the machine can take the port (it is in the ephemeral range), so a node that
   * exits because its port is in use is started again on another one, up to 3 times.
   */
  static NodeProcess startOnFreePort(String name, String cluster, int port, Path dataDir, String... extraArgs)
      throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return start(name, cluster, port, dataDir, extraArgs);
      } catch (PortTaken e) {
        if (attempt == 3) {
          throw e;
        }
        System.out.println("NodeProcess: " + e.getMessage() + "; starting " + name + " again on another port");
        port = freePort();
      }
    }
  }

  /** The node could not bind its cluster port: another process took it. */
  static final class PortTaken extends AssertionError {
    private static final long serialVersionUID = 1L;

    PortTaken(String message) {
      super(message);
    }
  }

  /** Starts {@code pogo node} on the given cluster port (others may be told to join it) and waits for its ready line. */
  static NodeProcess start(String name, String cluster, int clusterPort, Path dataDir, String... extraArgs) throws IOException {
    Path log = Path.of("target", "it-" + name + "-" + System.nanoTime() + ".log");
    Files.createDirectories(log.getParent());
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m",
        // a 2-core machine runs several of these at once: C1 only and the serial collector spend far less CPU
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-Dhazelcast.phone.home.enabled=false", "-Djava.net.preferIPv4Stack=true",
        "-cp", System.getProperty("java.class.path"), "io.pogo.node.Main", "node",
        "--name", name, "--cluster-name", cluster, "--cluster-port", Integer.toString(clusterPort), "--http-port", "0",
        "--data-dir", dataDir.toString(), "--failure-timeout", "5s"));
    cmd.addAll(List.of(extraArgs));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String api = Await.value("node " + name + " to be ready (log " + log.toAbsolutePath() + ")", Duration.ofSeconds(60),
          () -> readyApi(log, p), a -> a != null);
      return new NodeProcess(name, log, p, api, clusterPort);
    } catch (RuntimeException | Error e) {
      p.destroyForcibly(); // a node that is not ready in time is not left running
      throw e;
    }
  }

  long pid() {
    return process.pid();
  }

  /** {@code kill -SIG pid}: STOP, CONT, KILL, TERM... (Java itself can send only TERM and KILL). */
  void signal(String sig) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes());
      if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + sig + " " + pid() + " failed: " + out);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The node's log so far (for assertion messages). */
  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  private static String readyApi(Path log, Process p) {
    try {
      Matcher m = READY.matcher(Files.readString(log));
      if (m.find()) {
        return m.group(1);
      }
    } catch (IOException e) {
      return null;
    }
    if (!p.isAlive()) {
      String why = "the node exited with " + p.exitValue() + " before it was ready; see " + log.toAbsolutePath();
      try {
        if (Files.readString(log).contains("is already in use and auto-increment is disabled")) {
          throw new PortTaken(why + " (its cluster port was taken)");
        }
      } catch (IOException e) {
        throw new AssertionError(why, e);
      }
      throw new AssertionError(why);
    }
    return null;
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
