package io.pogo.supervisor.runtime;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ExitInfo;
import io.pogo.core.child.ExitKind;
import io.pogo.core.child.LogLine;
import io.pogo.core.error.PogoException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class WatchdogProcessLauncherTest {
  private static final Duration EXIT_WAIT = Duration.ofSeconds(15);

  @TempDir
  static Path dataDir;
  static Vertx vertx;
  static WatchdogProcessLauncher launcher;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    launcher = new WatchdogProcessLauncher(dataDir.resolve("bin"), dataDir, 2_000);
  }

  @AfterAll
  static void tearDown() {
    if (launcher != null) {
      launcher.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  static ChildSpec spec(String id, long shutdownMs, String... argv) {
    return spec(new JsonObject(), id, shutdownMs, argv);
  }

  static ChildSpec spec(JsonObject extra, String id, long shutdownMs, String... argv) {
    return ChildSpecValidator.parse(extra.copy().put("id", id).put("kind", "process")
        .put("argv", new JsonArray(List.of((Object[]) argv))).put("shutdownTimeout", shutdownMs));
  }

  static ChildLog newLog() {
    return new ChildLog(1_000, 1 << 20, System::currentTimeMillis);
  }

  static List<String> lines(ChildLog log, String stream) {
    return log.tail(Integer.MAX_VALUE).stream().filter(l -> l.stream().equals(stream)).map(LogLine::text)
        .collect(Collectors.toList());
  }

  static ExitInfo exitOn(ChildInstance instance, Context context) {
    return Await.result(instance.exit(), EXIT_WAIT, "the child's exit");
  }

  @Test
  void exitAndStopCompleteOnTheGivenContext() throws IOException {
    Context ctx = vertx.getOrCreateContext();
    ChildInstance ends = launcher.start(spec("ctx-exit", 2_000, "sh", "-c", "sleep 0.5; exit 3"), newLog(), ctx);
    AtomicReference<Context> onExit = new AtomicReference<>();
    ends.exit().onComplete(ar -> onExit.set(Vertx.currentContext()));
    ChildInstance stopped = launcher.start(spec("ctx-stop", 2_000, "sleep", "1000"), newLog(), ctx);
    AtomicReference<Context> onStop = new AtomicReference<>();
    stopped.stop(2_000).onComplete(ar -> onStop.set(Vertx.currentContext()));
    Await.until(() -> onExit.get() != null && onStop.get() != null, EXIT_WAIT, "both handlers");
    assertSame(ctx, onExit.get(), "exit() completes on the context given to start()");
    assertSame(ctx, onStop.get(), "stop() completes on the context given to start()");
    assertEquals(3, Await.result(ends.exit(), EXIT_WAIT, "exit").code());
  }

  // ---- exits ----

  @Test
  void exitCodeZeroIsNormalAndOutputIsLogged() throws IOException {
    Context ctx = vertx.getOrCreateContext();
    ChildLog log = newLog();
    ChildInstance i = launcher.start(spec("ok", 2_000, "sh", "-c", "echo hello; echo oops >&2; exit 0"), log, ctx);
    assertNotNull(i.pid());
    assertNull(i.deploymentId());
    assertTrue(i.startedAt() > 0);
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.NORMAL, info.kind());
    assertEquals(0, info.code());
    assertEquals(List.of("hello"), lines(log, ChildLog.STREAM_OUT));
    Await.until(() -> lines(log, ChildLog.STREAM_ERR).contains("oops"), Duration.ofSeconds(5), "stderr line");
    assertEquals(List.of("oops"), lines(log, ChildLog.STREAM_ERR), "control lines stay out of the log");
    List<String> pogo = lines(log, ChildLog.STREAM_POGO);
    assertTrue(pogo.get(0).startsWith("started pid " + i.pid()), pogo.toString());
    assertEquals("exited: exit code 0", pogo.get(pogo.size() - 1));
  }

  @Test
  void exitCodeThreeIsAbnormalWithCode() throws IOException {
    Context ctx = vertx.getOrCreateContext();
    ChildInstance i = launcher.start(spec("three", 2_000, "sh", "-c", "exit 3"), newLog(), ctx);
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.ABNORMAL, info.kind());
    assertEquals(3, info.code());
    assertNull(info.signal());
  }

  @Test
  void killMinus9FromOutsideIsAbnormalSigkill() throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ChildInstance i = launcher.start(spec("killed", 2_000, "sleep", "1000"), newLog(), ctx);
    Procs.kill9(i.pid());
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.ABNORMAL, info.kind());
    assertEquals("SIGKILL", info.signal());
    assertNull(info.code());
  }

  @Test
  void partialLineBeforeTheControlLineIsKeptAndChildSeesNoWatchdogState() throws IOException {
    Path bashEnv = dataDir.resolve("bash-env.sh");
    Files.writeString(bashEnv, "echo SOURCED-BY-BASH\n");
    Context ctx = vertx.getOrCreateContext();
    ChildLog log = newLog();
    ChildSpec s = spec(new JsonObject().put("env", new JsonObject().put("BASH_ENV", bashEnv.toString())), "env", 2_000,
        "sh", "-c", "cat; env; printf 'no newline at the end' >&2");
    ChildInstance i = launcher.start(s, log, ctx);
    assertEquals(ExitKind.NORMAL, exitOn(i, ctx).kind(), "stdin is /dev/null: cat ends at once");
    List<String> out = lines(log, ChildLog.STREAM_OUT);
    Await.until(() -> lines(log, ChildLog.STREAM_ERR).contains("no newline at the end"), Duration.ofSeconds(5),
        "the partial stderr line");
    assertTrue(out.contains("BASH_ENV=" + bashEnv), "the child gets BASH_ENV: " + out);
    assertFalse(out.stream().anyMatch(l -> l.contains("POGO_WATCHDOG")), "no watchdog variable leaks: " + out);
    assertFalse(out.contains("SOURCED-BY-BASH"), "the watchdog did not source BASH_ENV");
    assertEquals(List.of("no newline at the end"), lines(log, ChildLog.STREAM_ERR));
  }

  @Test
  void execFailureIsAnAbnormalExit() throws IOException {
    Context ctx = vertx.getOrCreateContext();
    ChildLog log = newLog();
    ChildInstance i = launcher.start(spec("nothere", 2_000, dataDir.resolve("no-such-command").toString()), log, ctx);
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.ABNORMAL, info.kind());
    assertEquals(127, info.code());
    Await.until(() -> !lines(log, ChildLog.STREAM_ERR).isEmpty(), Duration.ofSeconds(5), "bash's error message");
  }

  // ---- stop ----

  @Test
  void stopLeavesNoProcessOfTheTree() throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ChildInstance i = launcher.start(spec("tree", 5_000, "sh", "-c", "sleep 1000 & sleep 1000 & wait"), newLog(),
        ctx);
    long pid = i.pid();
    Await.until(() -> Procs.descendantCount(pid) >= 2, Duration.ofSeconds(10), "the two sleeps");
    List<Long> seen = Procs.tree(pid);
    seen.add(((WatchdogInstance) i).watchdogPid());
    assertEquals(4, seen.size(), seen.toString());

    long t0 = System.nanoTime();
    Future<Void> stop = i.stop(5_000);
    assertSame(stop, i.stop(5_000), "stop is idempotent");
    Await.result(stop, EXIT_WAIT, "stop");
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.SHUTDOWN, info.kind());
    assertEquals("stopped (SIGTERM)", info.message());
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() < 4_000, "SIGTERM sufficed, no wait for SIGKILL");
    Await.until(() -> Procs.alive(seen).isEmpty(), Duration.ofSeconds(5), "every process of the tree to be gone");
    assertTrue(i.stop(5_000).succeeded(), "stop after the end completes at once");
  }

  @Test
  void stopAlsoReachesDescendantsThatLeftTheProcessGroup() throws Exception {
    String setsid = WatchdogProcessLauncher.resolveOnPath("setsid", System.getenv("PATH"), dataDir) == null ? null
        : "setsid";
    assumeTrue(setsid != null, "setsid is not installed");
    Context ctx = vertx.getOrCreateContext();
    ChildLog log = newLog();
    ChildInstance i = launcher.start(spec("escapee", 5_000, "sh", "-c", "setsid sleep 1000 & echo $!; wait"), log,
        ctx);
    Await.until(() -> !lines(log, ChildLog.STREAM_OUT).isEmpty(), Duration.ofSeconds(10), "the escapee's pid");
    long escapee = Long.parseLong(lines(log, ChildLog.STREAM_OUT).get(0));
    Await.until(() -> ProcessTree.pgid(escapee) == escapee, Duration.ofSeconds(10), "the escapee's own group");
    Await.result(i.stop(5_000), EXIT_WAIT, "stop");
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.SHUTDOWN, info.kind());
    // sh ends by the SIGTERM to its group, or by itself (exit 0) once its escaped sleep got one: both are fine
    assertTrue(info.message().startsWith("stopped ("), info.message());
    Await.until(() -> !Procs.alive(escapee), Duration.ofSeconds(3), "the escapee to be gone");
  }

  @Test
  void processIgnoringSigtermIsKilledAfterTheTimeout() throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ChildLog log = newLog();
    ChildInstance i = launcher.start(spec("stubborn", 1_000, "sh", "-c", "trap '' TERM; echo ready; sleep 1000"),
        log, ctx);
    Await.until(() -> lines(log, ChildLog.STREAM_OUT).contains("ready"), Duration.ofSeconds(10), "the trap");
    List<Long> seen = Procs.tree(i.pid());
    long t0 = System.nanoTime();
    Await.result(i.stop(1_000), EXIT_WAIT, "stop");
    long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.SHUTDOWN, info.kind());
    assertTrue(info.message().startsWith("killed after shutdown timeout"), info.message());
    assertTrue(ms >= 900, "waited for the timeout: " + ms);
    assertTrue(ms < 1_000 + 4_000, "gone within timeout + margin: " + ms);
    Await.until(() -> Procs.alive(seen).isEmpty(), Duration.ofSeconds(3), "the tree to be gone");
  }

  @Test
  void leftoversOfTheGroupAreKilledWhenTheChildExitsByItself() throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ChildLog log = newLog();
    ChildInstance i = launcher.start(spec("leftover", 1_000, "sh", "-c", "sleep 1000 & echo $!; exit 0"), log, ctx);
    assertEquals(ExitKind.NORMAL, exitOn(i, ctx).kind());
    long grandchild = Long.parseLong(lines(log, ChildLog.STREAM_OUT).get(0));
    Await.until(() -> !Procs.alive(grandchild), Duration.ofSeconds(3), "the grandchild to be gone");
  }

  @Test
  void shutdownAllStopsEveryChildAndBlocks() throws Exception {
    WatchdogProcessLauncher own = new WatchdogProcessLauncher(dataDir.resolve("bin2"), dataDir, 2_000);
    try {
      Context ctx = vertx.getOrCreateContext();
      List<ChildInstance> all = new ArrayList<>();
      for (int n = 0; n < 3; n++) {
        all.add(own.start(spec("all-" + n, 2_000, "sleep", "1000"), newLog(), ctx));
      }
      assertEquals(3, own.liveCount());
      own.shutdownAll();
      assertEquals(0, own.liveCount());
      for (ChildInstance i : all) {
        assertFalse(Procs.alive(i.pid()));
        assertEquals(ExitKind.SHUTDOWN, exitOn(i, ctx).kind());
      }
    } finally {
      own.close();
    }
  }

  @Test
  void deadWatchdogMeansTheNodeKillsTheChild() throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ChildInstance i = launcher.start(spec("orphan", 2_000, "sh", "-c", "sleep 1000 & sleep 1000 & wait"), newLog(),
        ctx);
    long pid = i.pid();
    Await.until(() -> Procs.descendantCount(pid) >= 2, Duration.ofSeconds(10), "the two sleeps");
    long watchdog = ((WatchdogInstance) i).watchdogPid();
    Await.until(() -> Procs.tree(watchdog).size() >= 5, Duration.ofSeconds(10),
        "watchdog, its lease guard, sh and two sleeps");
    List<Long> seen = Procs.tree(watchdog);
    Procs.kill9(((WatchdogInstance) i).watchdogPid());
    ExitInfo info = exitOn(i, ctx);
    assertEquals(ExitKind.ABNORMAL, info.kind());
    assertTrue(info.message().contains("watchdog"), info.message());
    Await.until(() -> Procs.alive(seen).isEmpty(), Duration.ofSeconds(5), "the tree to be gone");
  }

  // ---- output ----

  @Test
  void floodingChildIsRateLimitedAndTheLogStaysBounded() throws Exception {
    WatchdogProcessLauncher own = new WatchdogProcessLauncher(dataDir.resolve("bin3"), dataDir, 2_000);
    int linesPerSecond = 5_000;
    own.setOutputRateLimit(1 << 20, linesPerSecond);
    try {
      ChildLog log = new ChildLog(100, 2_048, System::currentTimeMillis);
      ChildInstance i = own.start(spec(new JsonObject().put("logMaxLines", 100).put("logMaxBytes", 2_048),
          "flood", 2_000, "yes"), log, vertx.getOrCreateContext());
      Thread reader = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("pogo-out-flood")).findFirst().orElseThrow();
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      long cpu0 = mx.getThreadCpuTime(reader.getId());
      long yesCpu0 = Procs.cpuMillis(i.pid());
      long lines0 = log.total();
      long t0 = System.nanoTime();
      Await.until(() -> System.nanoTime() - t0 >= 2_000_000_000L, Duration.ofSeconds(5), "2 s of flooding");
      long lines = log.total() - lines0;
      long cpuMs = (mx.getThreadCpuTime(reader.getId()) - cpu0) / 1_000_000;
      double seconds = (System.nanoTime() - t0) / 1e9;
      long yesCpuMs = Procs.cpuMillis(i.pid()) - yesCpu0;
      System.out.printf("flood: %d lines in %.2f s, reader CPU %d ms, yes CPU %d ms%n", lines, seconds, cpuMs,
          yesCpuMs);
      // a quarter second of burst, plus one 8 KiB read of "y\n" already taken
      double bound = linesPerSecond * (seconds + 0.25) + 4_096;
      assertTrue(lines <= bound, "lines read in " + seconds + " s: " + lines + " > " + bound);
      assertTrue(lines >= linesPerSecond / 2, "the reader keeps reading: " + lines);
      assertTrue(cpuMs < 1_000, "reader CPU in 2 s: " + cpuMs + " ms");
      assertTrue(yesCpuMs < 1_000, "back-pressure blocks the child too; its CPU in 2 s: " + yesCpuMs + " ms");
      List<LogLine> tail = log.tail(Integer.MAX_VALUE);
      assertTrue(tail.size() <= 100, "lines kept: " + tail.size());
      assertTrue(tail.stream().mapToInt(l -> l.text().length()).sum() <= 2_048, "chars kept");
      Await.result(i.stop(2_000), EXIT_WAIT, "stop of the flood");
    } finally {
      own.close();
    }
  }

  // ---- lease ----

  @Test
  void invalidLeaseMakesTheWatchdogKillItsChild() throws Exception {
    long lease = 1_000;
    WatchdogProcessLauncher own = new WatchdogProcessLauncher(dataDir.resolve("bin4"), dataDir, lease);
    AtomicBoolean valid = new AtomicBoolean(true);
    own.setLeaseValid(valid::get);
    try {
      Context ctx = vertx.getOrCreateContext();
      ChildInstance i = own.start(spec("fenced", 1_000, "sh", "-c", "sleep 1000 & sleep 1000 & wait"), newLog(), ctx);
      long pid = i.pid();
      Await.until(() -> Procs.descendantCount(pid) >= 2, Duration.ofSeconds(10), "the two sleeps");
      List<Long> seen = Procs.tree(pid);
      long t0 = System.nanoTime();
      valid.set(false);
      ExitInfo info = exitOn(i, ctx);
      long ms = Duration.ofNanos(System.nanoTime() - t0).toMillis();
      assertEquals(ExitKind.ABNORMAL, info.kind());
      assertEquals("SIGTERM", info.signal());
      assertTrue(info.message().startsWith("lease lost"), info.message());
      assertTrue(ms < lease + 3_000, "ended within lease + margin: " + ms);
      assertTrue(ms >= lease / 2, "not before the lease could lapse: " + ms);
      Await.until(() -> Procs.alive(seen).isEmpty(), Duration.ofSeconds(3), "the tree to be gone");
    } finally {
      own.close();
    }
  }

  // ---- check ----

  @Test
  void checkNamesTheFieldAtFault() throws IOException {
    launcher.check(spec("fine", 1_000, "sleep", "1"));
    launcher.check(spec(new JsonObject().put("cwd", "/"), "fine-cwd", 1_000, "/bin/sh", "-c", "true"));

    PogoException notFound = assertThrows(PogoException.class,
        () -> launcher.check(spec(new JsonObject().put("env", new JsonObject().put("PATH", "/usr/bin:/bin")),
            "nf", 1_000, "no-such-pogo-command")));
    assertEquals("argv[0]", notFound.errors().get(0).field());
    assertEquals("executable \"no-such-pogo-command\" not found on PATH (/usr/bin:/bin)",
        notFound.errors().get(0).message());

    Path plain = dataDir.resolve("not-executable.sh");
    Files.writeString(plain, "echo hi\n");
    PogoException notExec = assertThrows(PogoException.class,
        () -> launcher.check(spec("ne", 1_000, plain.toString())));
    assertEquals("argv[0]", notExec.errors().get(0).field());
    assertTrue(notExec.errors().get(0).message().contains("is not executable"), notExec.getMessage());

    PogoException dir = assertThrows(PogoException.class,
        () -> launcher.check(spec("dir", 1_000, dataDir.toString())));
    assertEquals("argv[0]", dir.errors().get(0).field());
    assertTrue(dir.errors().get(0).message().contains("is not a regular file"), dir.getMessage());

    PogoException cwdFile = assertThrows(PogoException.class,
        () -> launcher.check(spec(new JsonObject().put("cwd", plain.toString()), "cwdfile", 1_000, "sleep", "1")));
    assertEquals("cwd", cwdFile.errors().get(0).field());
    assertTrue(cwdFile.errors().get(0).message().contains("is not a directory"), cwdFile.getMessage());

    PogoException cwdMissing = assertThrows(PogoException.class,
        () -> launcher.check(spec(new JsonObject().put("cwd", "/no/such/dir"), "cwdmiss", 1_000, "sleep", "1")));
    assertEquals("cwd", cwdMissing.errors().get(0).field());
    assertTrue(cwdMissing.errors().get(0).message().contains("does not exist"), cwdMissing.getMessage());
  }

  @Test
  void relativeCommandAndCwdResolveAgainstTheDataDir() throws Exception {
    Path sub = Files.createDirectories(dataDir.resolve("work"));
    Path script = sub.resolve("run.sh");
    Files.writeString(script, "#!/bin/sh\npwd\n");
    assertTrue(script.toFile().setExecutable(true));
    ChildSpec s = spec(new JsonObject().put("cwd", "work"), "rel", 1_000, "./run.sh");
    launcher.check(s);
    Context ctx = vertx.getOrCreateContext();
    ChildLog log = newLog();
    ChildInstance i = launcher.start(s, log, ctx);
    assertEquals(ExitKind.NORMAL, exitOn(i, ctx).kind());
    assertEquals(List.of(sub.toRealPath().toString()), lines(log, ChildLog.STREAM_OUT));
  }

  @Test
  void missingBashIsReportedClearly() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new WatchdogProcessLauncher(dataDir.resolve("bin5"), dataDir, 2_000, "/no/such/bash", "/no/such/dir"));
    assertTrue(e.getMessage().contains("bash not found"), e.getMessage());
    assertNotNull(WatchdogProcessLauncher.findBash("/no/such/bash", System.getenv("PATH")), "found on PATH");
  }
}
