package io.pogo.supervisor.runtime;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A node stand-in for {@link OrphanTest}: starts one process child with a tree through the launcher, prints
 * "PIDS watchdog child grandchildren..." and "READY", then exits (System.exit, so the shutdown hook runs) when a
 * line arrives on stdin, or is killed by the test.
 */
public final class OrphanTestMain {
  private OrphanTestMain() {
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long leaseMs = Long.parseLong(args[1]);
    WatchdogProcessLauncher launcher = new WatchdogProcessLauncher(dir.resolve("bin"), dir, leaseMs);
    ChildSpec spec = ChildSpecValidator.parse(new JsonObject().put("id", "orphan-test").put("kind", "process")
        .put("argv", new JsonArray(List.of("sh", "-c", "sleep 1000 & sleep 1000 & wait")))
        .put("shutdownTimeout", 1_000));
    WatchdogInstance instance = (WatchdogInstance) launcher.start(spec,
        new ChildLog(100, 1 << 16, System::currentTimeMillis), null);
    long pid = instance.pid();
    Await.until(() -> Procs.descendantCount(pid) >= 2, Duration.ofSeconds(20), "the two sleeps");
    List<Long> pids = Procs.tree(pid);
    pids.add(0, instance.watchdogPid());
    System.out.println("PIDS " + pids.stream().map(String::valueOf).collect(Collectors.joining(" ")));
    System.out.println("READY");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    System.exit(0);
  }
}
