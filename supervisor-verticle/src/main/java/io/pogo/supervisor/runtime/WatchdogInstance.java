package io.pogo.supervisor.runtime;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ExitInfo;
import io.pogo.core.child.ExitKind;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One process child under its watchdog, as the node sees it: the watchdog's pipes, what the watchdog reported
 * (pid, lease, exit), and the stop sequence. The instance has ended when the watchdog process has ended and
 * its exit report has been read (or could not be: then the node kills the child's tree itself).
 */
final class WatchdogInstance implements ChildInstance {
  private static final Logger log = LoggerFactory.getLogger(WatchdogInstance.class);
  /** After the watchdog ended, how long its exit report may take to come out of the stderr pipe. */
  private static final long REPORT_GRACE_MS = 3_000;
  private static final long STDOUT_DRAIN_MS = 250;
  /** After SIGKILL to the tree, how long the watchdog may take to end before it is killed too. */
  private static final long WATCHDOG_GRACE_MS = 3_000;

  private final WatchdogProcessLauncher launcher;
  private final ChildSpec spec;
  private final ChildLog childLog;
  private final Context context;
  private final Process watchdog;
  private final String nonce;
  private final OutputStream stdin;
  private final TokenBucket bucket;
  private final CompletableFuture<Long> pidFuture = new CompletableFuture<>();
  private final CompletableFuture<ExitInfo> ended = new CompletableFuture<>();
  private final Promise<ExitInfo> exitPromise = Promise.promise();
  private final AtomicBoolean finalized = new AtomicBoolean();
  private final Object writeLock = new Object();

  private volatile Long pid;
  private volatile ProcessHandle childHandle;
  private volatile ProcessHandle guardHandle;
  private volatile long startedAt;
  private volatile String exitReport;
  private volatile String leaseReport;
  private volatile boolean watchdogEnded;
  private volatile boolean errEof;
  private volatile boolean outEof;
  private volatile boolean outWaitScheduled;
  private volatile boolean stopRequested;
  private volatile boolean killSent;
  private volatile List<ProcessHandle> stopSnapshot = List.of();
  private volatile Thread outThread;
  private volatile Thread errThread;
  private Future<Void> stopFuture;

  WatchdogInstance(WatchdogProcessLauncher launcher, ChildSpec spec, ChildLog childLog, Context context,
      Process watchdog, String nonce, TokenBucket bucket) {
    this.launcher = launcher;
    this.spec = spec;
    this.childLog = childLog;
    this.context = context;
    this.watchdog = watchdog;
    this.nonce = nonce;
    this.stdin = watchdog.getOutputStream();
    this.bucket = bucket;
  }

  // ---- start ----

  void startReaders() {
    outThread = readerThread("pogo-out-" + spec.id(), new OutputReader(watchdog.getInputStream(), childLog,
        ChildLog.STREAM_OUT, null, c -> { }, this::onOutEof, bucket, this::unthrottled));
    errThread = readerThread("pogo-err-" + spec.id(), new OutputReader(watchdog.getErrorStream(), childLog,
        ChildLog.STREAM_ERR, nonce, this::onControl, this::onErrEof, bucket, this::unthrottled));
    outThread.start();
    errThread.start();
    watchdog.onExit().whenComplete((p, e) -> {
      try {
        launcher.executor().execute(this::onWatchdogEnded);
      } catch (RejectedExecutionException closed) {
        onWatchdogEnded();
      }
    });
  }

  private static Thread readerThread(String name, Runnable r) {
    Thread t = new Thread(null, r, name, 128 * 1024);
    t.setDaemon(true);
    return t;
  }

  /** Blocks until the watchdog reports the child's pid; kills the watchdog and throws if it does not. */
  long awaitPid(long timeoutMs) throws IOException {
    try {
      return pidFuture.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abortStart();
      throw new InterruptedIOException("interrupted while starting " + spec.id());
    } catch (ExecutionException e) {
      abortStart();
      throw new IOException("cannot start " + spec.id() + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      abortStart();
      throw new IOException("cannot start " + spec.id() + ": the watchdog did not report the child's pid within "
          + timeoutMs + " ms");
    }
  }

  private void abortStart() {
    stopRequested = true;
    Long p = pid;
    if (p != null) {
      ProcessTree.signalGroup(launcher.bash(), p, "KILL");
    }
    watchdog.descendants().forEach(ProcessHandle::destroyForcibly);
    watchdog.destroyForcibly();
  }

  // ---- watchdog reports ----

  private boolean unthrottled() {
    return watchdogEnded && !finalized.get();
  }

  private void onControl(String msg) {
    int sp = msg.indexOf(' ');
    String verb = sp < 0 ? msg : msg.substring(0, sp);
    String arg = sp < 0 ? "" : msg.substring(sp + 1).trim();
    switch (verb) {
      case "pid" -> {
        try {
          long p = Long.parseLong(arg);
          childHandle = ProcessHandle.of(p).orElse(null);
          startedAt = System.currentTimeMillis();
          pid = p;
          // here, on the stderr reader, so that it comes before the exit line
          childLog.append(ChildLog.STREAM_POGO, "started pid " + p + " (watchdog pid " + watchdog.pid() + ")");
          pidFuture.complete(p);
        } catch (NumberFormatException e) {
          log.warn("child {}: bad pid report from its watchdog: {}", spec.id(), msg);
        }
      }
      case "guard" -> {
        try {
          guardHandle = ProcessHandle.of(Long.parseLong(arg)).orElse(null);
        } catch (NumberFormatException e) {
          log.warn("child {}: bad guard report from its watchdog: {}", spec.id(), msg);
        }
      }
      case "lease" -> {
        if (watchdogEnded || finalized.get()) {
          log.debug("child {}: orphaned lease guard saw {} after its watchdog ended", spec.id(), arg);
          return;
        }
        leaseReport = arg;
        log.warn("child {} pid {}: its watchdog lost the node's lease ({}): SIGTERM, then SIGKILL after {} ms",
            spec.id(), pid, arg, spec.shutdownTimeoutMs());
      }
      case "exit", "signal" -> {
        exitReport = msg;
        log.debug("child {} pid {}: {}", spec.id(), pid, msg);
        maybeFinalize();
      }
      default -> log.warn("child {}: unknown report from its watchdog: {}", spec.id(), msg);
    }
  }

  private void onErrEof() {
    errEof = true;
    failStartIfNoPid();
    maybeFinalize();
  }

  /**
   * Once the watchdog has ended and its report stream is read to the end, a missing pid means it never started the
   * child. Not before: a child that exits at once ends the watchdog before the reader has seen the pid report.
   */
  private void failStartIfNoPid() {
    if (watchdogEnded && errEof && !pidFuture.isDone()) {
      pidFuture.completeExceptionally(new IOException("the watchdog ended (exit " + watchdog.exitValue()
          + ") before starting the child; see the child's log"));
    }
  }

  private void onWatchdogEnded() {
    watchdogEnded = true;
    unpark(outThread);
    unpark(errThread);
    launcher.stopHeartbeats(this);
    closeStdin();
    failStartIfNoPid();
    maybeFinalize();
    if (!finalized.get()) {
      launcher.schedule(this::finish, REPORT_GRACE_MS);
    }
  }

  private void onOutEof() {
    outEof = true;
    maybeFinalize();
  }

  /**
   * Finishes once the watchdog has ended and reported (or closed its report stream), and the child's stdout has been
   * read to its end: a quick child's last lines may still be in the pipe when its exit is reported. A descendant that
   * keeps stdout open must not hold the exit back, so stdout gets {@value #STDOUT_DRAIN_MS} ms at most.
   */
  private void maybeFinalize() {
    if (watchdogEnded && (exitReport != null || errEof)) {
      if (outEof) {
        finish();
      } else if (!outWaitScheduled) {
        outWaitScheduled = true;
        launcher.schedule(this::finish, STDOUT_DRAIN_MS);
      }
    }
  }

  /** Ends the instance once: kills what is left if the watchdog could not, logs, completes the futures. */
  private void finish() {
    if (!finalized.compareAndSet(false, true)) {
      return;
    }
    long at = System.currentTimeMillis();
    if (exitReport == null && pid != null) {
      log.warn("child {} pid {}: watchdog (pid {}) ended with exit {} without reporting the child's exit;"
          + " killing the child's process group and tree", spec.id(), pid, watchdog.pid(), watchdog.exitValue());
      ProcessHandle guard = guardHandle;
      if (guard != null) {
        guard.destroyForcibly();
      }
      ProcessTree.signalGroup(launcher.bash(), pid, "KILL");
      ProcessTree.union(stopSnapshot, ProcessTree.tree(childHandle)).forEach(ProcessHandle::destroyForcibly);
    }
    ExitInfo info = exitInfo(at);
    launcher.forget(this);
    if (pid != null) {
      childLog.append(ChildLog.STREAM_POGO, "exited: " + info.message());
      if (WatchdogProcessLauncher.isTask(spec)) {
        log.debug("task {} pid {} exited: {}", spec.id(), pid, info.message());
      } else if (info.kind() == ExitKind.ABNORMAL) {
        log.warn("child {} pid {} exited: {}", spec.id(), pid, info.message());
      } else {
        log.info("child {} pid {} exited: {}", spec.id(), pid, info.message());
      }
    }
    ended.complete(info);
    if (context == null) {
      exitPromise.complete(info);
    } else {
      try {
        context.runOnContext(v -> exitPromise.complete(info));
      } catch (RuntimeException e) {
        log.debug("child {}: cannot complete exit on its context: {}", spec.id(), e.toString());
      }
    }
  }

  private ExitInfo exitInfo(long at) {
    String r = exitReport;
    Integer code = null;
    String signal = null;
    if (r != null && r.startsWith("exit ")) {
      try {
        code = Integer.parseInt(r.substring(5).trim());
      } catch (NumberFormatException e) {
        r = null;
      }
    } else if (r != null && r.startsWith("signal ")) {
      String name = r.substring(7).trim();
      signal = name.startsWith("SIG") ? name : "SIG" + name;
    }
    String what = code != null ? "exit code " + code
        : signal != null ? signal
        : "watchdog ended with exit " + watchdog.exitValue() + " without reporting";
    if (stopRequested) {
      if (killSent && "SIGKILL".equals(signal)) {
        return ExitInfo.shutdown("killed after shutdown timeout (" + spec.shutdownTimeoutMs() + " ms)", at);
      }
      return ExitInfo.shutdown("stopped (" + what + ")", at);
    }
    if (code == null && signal == null) {
      return ExitInfo.abnormal(what + "; the child's process group was killed", at);
    }
    String lease = leaseReport;
    if (lease != null) {
      String why = "expired".equals(lease) ? "no heartbeat from the node for " + launcher.leaseMs() + " ms"
          : "the node closed the watchdog's input";
      return new ExitInfo(ExitKind.ABNORMAL, code, signal, "lease lost (" + why + "): " + what, at);
    }
    return code != null ? ExitInfo.processExit(code, at) : ExitInfo.processSignal(signal, at);
  }

  // ---- node to watchdog ----

  /** One heartbeat; false if the watchdog cannot be written to any more. */
  boolean heartbeat() {
    return write("\n");
  }

  private boolean write(String s) {
    synchronized (writeLock) {
      try {
        stdin.write(s.getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        return true;
      } catch (IOException e) {
        log.debug("child {}: cannot write to its watchdog (pid {}): {}", spec.id(), watchdog.pid(), e.toString());
        return false;
      }
    }
  }

  private void closeStdin() {
    synchronized (writeLock) {
      try {
        stdin.close();
      } catch (IOException e) {
        log.debug("child {}: closing the watchdog's input: {}", spec.id(), e.toString());
      }
    }
  }

  // ---- stop ----

  @Override
  public Future<Void> stop(long timeoutMs) {
    synchronized (this) {
      if (stopFuture != null) {
        return stopFuture;
      }
      stopFuture = exitPromise.future().mapEmpty();
    }
    requestStop(timeoutMs);
    return stopFuture;
  }

  /** The stop sequence, for {@link #stop} and the launcher's shutdown; returns the internal end. */
  CompletableFuture<ExitInfo> stopInternal(long timeoutMs) {
    synchronized (this) {
      if (stopFuture == null) {
        stopFuture = exitPromise.future().mapEmpty();
        requestStop(timeoutMs);
      }
    }
    return ended;
  }

  private void requestStop(long timeoutMs) {
    if (finalized.get()) {
      return;
    }
    stopRequested = true;
    Runnable term = () -> term(timeoutMs);
    try {
      launcher.executor().execute(term);
    } catch (RejectedExecutionException e) {
      term.run();
    }
  }

  private void term(long timeoutMs) {
    if (finalized.get()) {
      return;
    }
    if (pid == null) {
      log.info("stopping child {} while it starts: killing its watchdog", spec.id());
      abortStart();
      return;
    }
    log.info("stopping child {} pid {}: SIGTERM to its process tree, SIGKILL after {} ms", spec.id(), pid, timeoutMs);
    List<ProcessHandle> snapshot = ProcessTree.tree(childHandle);
    stopSnapshot = snapshot;
    if (watchdogEnded || !write("term\n")) {
      ProcessTree.signalGroup(launcher.bash(), pid, "TERM");
    }
    for (ProcessHandle h : snapshot) {
      if (ProcessTree.pgid(h.pid()) != pid) {
        h.destroy();
      }
    }
    launcher.schedule(() -> kill(timeoutMs), timeoutMs);
  }

  private void kill(long timeoutMs) {
    if (finalized.get()) {
      return;
    }
    killSent = true;
    log.warn("child {} pid {} did not stop within {} ms: SIGKILL to its process tree", spec.id(), pid, timeoutMs);
    List<ProcessHandle> all = ProcessTree.union(stopSnapshot, ProcessTree.tree(childHandle));
    write("kill\n");
    ProcessTree.signalGroup(launcher.bash(), pid, "KILL");
    all.forEach(ProcessHandle::destroyForcibly);
    launcher.schedule(() -> {
      if (!finalized.get() && watchdog.isAlive()) {
        log.warn("child {}: watchdog pid {} still running {} ms after SIGKILL to the tree: killing it", spec.id(),
            watchdog.pid(), WATCHDOG_GRACE_MS);
        watchdog.descendants().forEach(ProcessHandle::destroyForcibly);
        watchdog.destroyForcibly();
      }
    }, WATCHDOG_GRACE_MS);
  }

  // ---- ChildInstance ----

  @Override
  public Long pid() {
    return pid;
  }

  @Override
  public String deploymentId() {
    return null;
  }

  @Override
  public long startedAt() {
    return startedAt;
  }

  @Override
  public Future<ExitInfo> exit() {
    return exitPromise.future();
  }

  ChildSpec spec() {
    return spec;
  }

  /** The watchdog's own pid (tests, diagnostics). */
  long watchdogPid() {
    return watchdog.pid();
  }

  CompletableFuture<ExitInfo> ended() {
    return ended;
  }

  private static void unpark(Thread t) {
    if (t != null) {
      LockSupport.unpark(t);
    }
  }
}
