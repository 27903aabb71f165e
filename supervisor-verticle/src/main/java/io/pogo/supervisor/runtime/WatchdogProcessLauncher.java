package io.pogo.supervisor.runtime;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Runs each process child under a small bash watchdog ({@code pogo-watchdog.sh}) rather than as a direct child
 * of the JVM, because the JVM cannot clean up after itself when it is killed or hung: the watchdog holds the
 * child in its own process group, and kills that group when the node's heartbeats stop (EOF after a crash of
 * the JVM, silence for {@code leaseMs} after a hang, or on purpose when {@link #setLeaseValid} says the node was
 * fenced). The JVM side reads the child's output at a bounded rate, interprets the watchdog's reports, and runs
 * the stop sequence. A JVM shutdown hook stops every live child, so a graceful exit leaves nothing behind
 * either. Linux (uses /proc when available, otherwise degrades) and any Unix with bash.
 */
public final class WatchdogProcessLauncher implements ProcessLauncher, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchdogProcessLauncher.class);

  public static final long DEFAULT_LEASE_MS = 5_000;
  public static final long DEFAULT_MAX_BYTES_PER_SECOND = 2L << 20;
  public static final int DEFAULT_MAX_LINES_PER_SECOND = 20_000;
  public static final String SCRIPT_NAME = "pogo-watchdog.sh";
  static final String NONCE_ENV = "POGO_WATCHDOG_NONCE";
  static final String BASH_ENV_ENV = "POGO_WATCHDOG_BASH_ENV";
  private static final long MIN_LEASE_MS = 200;
  private static final long START_TIMEOUT_MS = 10_000;
  /** Beyond the longest shutdown timeout, how long {@link #shutdownAll} waits for the last exits. */
  private static final long SHUTDOWN_MARGIN_MS = 5_000;

  private final String bash;
  private final Path binDir;
  private volatile Path script;
  private final Path defaultCwd;
  private final long leaseMs;
  private final ScheduledThreadPoolExecutor timer;
  private final Set<WatchdogInstance> live = ConcurrentHashMap.newKeySet();
  private final Set<WatchdogInstance> beating = ConcurrentHashMap.newKeySet();
  private final SecureRandom random = new SecureRandom();
  private final Thread shutdownHook;
  private volatile BooleanSupplier leaseValid = () -> true;
  private volatile boolean leaseWasValid = true;
  private volatile long maxBytesPerSecond = DEFAULT_MAX_BYTES_PER_SECOND;
  private volatile long maxLinesPerSecond = DEFAULT_MAX_LINES_PER_SECOND;
  private volatile boolean closed;

  /** Script in {@code dataDir/bin}, children in {@code dataDir} unless their spec says otherwise, 5 s lease. */
  public WatchdogProcessLauncher(Path dataDir) {
    this(dataDir.resolve("bin"), dataDir, DEFAULT_LEASE_MS);
  }

  /**
   * @param binDir     where the watchdog script is written (created if missing)
   * @param defaultCwd working directory of children whose spec has no cwd, and base of relative ones
   * @param leaseMs    how long a watchdog lets its child run without a heartbeat from this JVM
   * @throws IllegalStateException if bash cannot be found
   * @throws UncheckedIOException  if the script cannot be written
   */
  public WatchdogProcessLauncher(Path binDir, Path defaultCwd, long leaseMs) {
    this(binDir, defaultCwd, leaseMs, "/bin/bash", System.getenv("PATH"));
  }

  WatchdogProcessLauncher(Path binDir, Path defaultCwd, long leaseMs, String bashCandidate, String searchPath) {
    if (leaseMs < MIN_LEASE_MS) {
      throw new IllegalArgumentException("leaseMs must be at least " + MIN_LEASE_MS + "; got " + leaseMs);
    }
    String found = findBash(bashCandidate, searchPath);
    if (found == null) {
      throw new IllegalStateException("bash not found (looked for " + bashCandidate + " and on PATH " + searchPath
          + "): Pogo runs process children under a bash watchdog; install bash to run process children");
    }
    this.bash = found;
    this.leaseMs = leaseMs;
    this.defaultCwd = defaultCwd.toAbsolutePath().normalize();
    try {
      Files.createDirectories(binDir);
      Files.createDirectories(this.defaultCwd);
      this.binDir = binDir.toAbsolutePath().normalize();
      this.script = extractScript(this.binDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install the watchdog script in " + binDir, e);
    }
    this.timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "pogo-launcher");
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
    long period = Math.max(50, leaseMs / 4);
    timer.scheduleAtFixedRate(this::beat, period, period, TimeUnit.MILLISECONDS);
    this.shutdownHook = new Thread(this::shutdownAll, "pogo-launcher-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    log.info("process launcher ready: bash {}, watchdog {}, lease {} ms, default cwd {}", bash, script, leaseMs,
        this.defaultCwd);
  }

  // ---- settings ----

  /**
   * While this returns false, no heartbeat is sent: every watchdog kills its child within the lease. For the
   * cluster code, to fence a node that lost its membership. Called from the heartbeat thread; must be cheap.
   */
  public void setLeaseValid(BooleanSupplier leaseValid) {
    this.leaseValid = Objects.requireNonNull(leaseValid, "leaseValid");
  }

  /** Output rate limit per child (stdout and stderr together), for children started from now on. */
  public void setOutputRateLimit(long bytesPerSecond, int linesPerSecond) {
    if (bytesPerSecond <= 0 || linesPerSecond <= 0) {
      throw new IllegalArgumentException("rates must be positive");
    }
    this.maxBytesPerSecond = bytesPerSecond;
    this.maxLinesPerSecond = linesPerSecond;
  }

  public long leaseMs() {
    return leaseMs;
  }

  /** The extracted watchdog script. */
  public Path script() {
    return script;
  }

  // ---- ProcessLauncher ----

  @Override
  public void check(ChildSpec spec) {
    List<FieldError> errors = new ArrayList<>();
    Path cwd = cwdOf(spec);
    if (!Files.exists(cwd)) {
      errors.add(new FieldError("cwd", "directory \"" + cwd + "\" does not exist"));
    } else if (!Files.isDirectory(cwd)) {
      errors.add(new FieldError("cwd", "\"" + cwd + "\" is not a directory"));
    }
    List<String> argv = spec.argv();
    if (argv == null || argv.isEmpty() || argv.get(0).isEmpty()) {
      errors.add(new FieldError("argv", "is required: the command and its arguments"));
    } else {
      String cmd = argv.get(0);
      String problem;
      if (cmd.indexOf('/') >= 0) {
        Path resolved = cwd.resolve(cmd).normalize();
        problem = executableProblem(resolved,
            "\"" + cmd + "\"" + (resolved.toString().equals(cmd) ? "" : " (" + resolved + ")"));
      } else {
        String path = childEnvironment(spec).get("PATH");
        problem = resolveOnPath(cmd, path, cwd) != null ? null
            : "executable \"" + cmd + "\" not found on PATH (" + (path == null ? "PATH is not set" : path) + ")";
      }
      if (problem != null) {
        errors.add(new FieldError("argv[0]", problem));
      }
    }
    if (!errors.isEmpty()) {
      throw PogoException.validation(errors);
    }
  }

  @Override
  public ChildInstance start(ChildSpec spec, ChildLog childLog, Context context) throws IOException {
    if (closed) {
      throw new IllegalStateException("the process launcher is closed");
    }
    List<String> argv = spec.argv();
    if (argv == null || argv.isEmpty()) {
      throw PogoException.validation("argv", "is required: the command and its arguments");
    }
    if (!Files.isRegularFile(script)) {
      log.warn("watchdog script {} disappeared; writing it again", script);
      script = extractScript(binDir);
    }
    List<String> cmd = new ArrayList<>(argv.size() + 4);
    cmd.add(bash);
    cmd.add(script.toString());
    cmd.add(Long.toString(leaseMs));
    cmd.add(Long.toString(spec.shutdownTimeoutMs()));
    cmd.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwdOf(spec).toFile());
    Map<String, String> env = pb.environment();
    env.putAll(spec.env() == null ? Map.of() : spec.env());
    // bash would source BASH_ENV into the watchdog itself: keep it for the child only.
    env.remove(BASH_ENV_ENV);
    String bashEnv = env.remove("BASH_ENV");
    if (bashEnv != null) {
      env.put(BASH_ENV_ENV, bashEnv);
    }
    byte[] n = new byte[16];
    random.nextBytes(n);
    String nonce = "pogo-wd-" + HexFormat.of().formatHex(n);
    env.put(NONCE_ENV, nonce);

    Process process = pb.start();
    WatchdogInstance instance = new WatchdogInstance(this, spec, childLog, context, process, nonce,
        new TokenBucket(maxBytesPerSecond, maxLinesPerSecond));
    live.add(instance);
    beating.add(instance);
    instance.startReaders();
    long pid;
    try {
      pid = instance.awaitPid(START_TIMEOUT_MS);
    } catch (IOException e) {
      forget(instance);
      log.warn("child {} failed to start: {}", spec.id(), e.getMessage());
      throw e;
    }
    if (isTask(spec)) {
      log.debug("task {} started: pid {} (watchdog pid {}), argv {}", spec.id(), pid, process.pid(), argv);
    } else {
      log.info("child {} started: pid {} (watchdog pid {}), argv {}", spec.id(), pid, process.pid(), argv);
    }
    return instance;
  }

  @Override
  public void shutdownAll() {
    List<WatchdogInstance> all = List.copyOf(live);
    if (all.isEmpty()) {
      return;
    }
    log.info("stopping {} process children", all.size());
    long longest = 0;
    List<CompletableFuture<?>> ends = new ArrayList<>();
    for (WatchdogInstance i : all) {
      longest = Math.max(longest, i.spec().shutdownTimeoutMs());
      ends.add(i.stopInternal(i.spec().shutdownTimeoutMs()));
    }
    try {
      CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new))
          .get(longest + SHUTDOWN_MARGIN_MS, TimeUnit.MILLISECONDS);
      log.info("stopped {} process children", all.size());
    } catch (TimeoutException e) {
      log.warn("{} process children still running {} ms after their stop", live.size(), longest + SHUTDOWN_MARGIN_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("stopping process children", e);
    }
  }

  /** Stops every live child (as {@link #shutdownAll}), the heartbeats, and removes the JVM shutdown hook. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs anyway
    }
    shutdownAll();
    timer.shutdownNow();
  }

  // ---- for instances ----

  String bash() {
    return bash;
  }

  Executor executor() {
    return timer;
  }

  void schedule(Runnable task, long delayMs) {
    try {
      timer.schedule(task, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      Thread t = new Thread(() -> {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delayMs));
        task.run();
      }, "pogo-launcher-late");
      t.setDaemon(true);
      t.start();
    }
  }

  void stopHeartbeats(WatchdogInstance instance) {
    beating.remove(instance);
  }

  void forget(WatchdogInstance instance) {
    beating.remove(instance);
    live.remove(instance);
  }

  /** Live instances (tests, metrics). */
  int liveCount() {
    return live.size();
  }

  // ---- heartbeat ----

  private void beat() {
    try {
      boolean valid;
      try {
        valid = leaseValid.getAsBoolean();
      } catch (RuntimeException e) {
        log.warn("lease check failed; treating the lease as invalid", e);
        valid = false;
      }
      if (valid != leaseWasValid) {
        leaseWasValid = valid;
        if (valid) {
          log.info("lease valid again: heartbeats to {} watchdogs resume", beating.size());
        } else {
          log.warn("lease no longer valid: heartbeats to {} watchdogs stop; their children end within {} ms",
              beating.size(), leaseMs);
        }
      }
      if (!valid) {
        return;
      }
      for (WatchdogInstance i : beating) {
        if (!i.heartbeat()) {
          beating.remove(i);
        }
      }
    } catch (Throwable t) {
      log.warn("heartbeat round failed", t);
    }
  }

  // ---- helpers ----

  private Path cwdOf(ChildSpec spec) {
    return spec.cwd() == null ? defaultCwd : defaultCwd.resolve(spec.cwd()).normalize();
  }

  /** The environment the child gets: this JVM's, plus the spec's. */
  private static Map<String, String> childEnvironment(ChildSpec spec) {
    Map<String, String> env = new HashMap<>(System.getenv());
    if (spec.env() != null) {
      env.putAll(spec.env());
    }
    return env;
  }

  private static String executableProblem(Path p, String shown) {
    if (!Files.exists(p)) {
      return shown + " does not exist";
    }
    if (!Files.isRegularFile(p)) {
      return shown + " is not a regular file";
    }
    if (!Files.isExecutable(p)) {
      return shown + " is not executable";
    }
    return null;
  }

  /** As execvp: the first executable regular file named {@code cmd} in PATH; empty entries mean cwd. */
  static Path resolveOnPath(String cmd, String path, Path cwd) {
    if (path == null) {
      return null;
    }
    for (String dir : path.split(":", -1)) {
      Path p = dir.isEmpty() ? cwd.resolve(cmd) : cwd.resolve(dir).resolve(cmd);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Job tasks run by the thousand: the scheduler records their lives, so the node logs them at DEBUG only. */
  static boolean isTask(ChildSpec spec) {
    return spec.metadata().containsKey(TASK_METADATA);
  }

  /** Metadata key that marks a job task's spec. */
  public static final String TASK_METADATA = "pogo.task";

  static String findBash(String candidate, String searchPath) {
    if (candidate != null) {
      Path p = Path.of(candidate);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return candidate;
      }
    }
    Path onPath = resolveOnPath("bash", searchPath, Path.of("/"));
    return onPath == null ? null : onPath.toString();
  }

  private static Path extractScript(Path binDir) throws IOException {
    byte[] content;
    try (InputStream in = WatchdogProcessLauncher.class.getResourceAsStream(SCRIPT_NAME)) {
      if (in == null) {
        throw new IOException("resource " + SCRIPT_NAME + " missing from the classpath");
      }
      content = in.readAllBytes();
    }
    Path target = binDir.resolve(SCRIPT_NAME);
    if (!(Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content))) {
      Path tmp = Files.createTempFile(binDir, SCRIPT_NAME, ".tmp");
      try {
        Files.write(tmp, content);
        makeExecutable(tmp);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
    if (!Files.isExecutable(target)) {
      makeExecutable(target);
    }
    return target;
  }

  private static void makeExecutable(Path p) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (UnsupportedOperationException e) {
      if (!p.toFile().setExecutable(true)) {
        log.debug("cannot make {} executable (bash runs it anyway)", p);
      }
    }
  }
}
