package io.pogo.supervisor.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Notices that this JVM was frozen (SIGSTOP, a stop-the-world pause, a suspended VM) for longer than the process
 * lease. By then the node's process children have stopped on their own and the cluster may have restarted its
 * children elsewhere; its verticle children, frozen with it, must stop before they do anything observable. A thread
 * of its own ticks every {@link #TICK_MS}: an event loop kept busy by a child is not a frozen JVM, and must not look
 * like one. Between the resume and the fencing, {@link #suspect()} is true, so the event bus can hold back what the
 * frozen children try to send.
 */
public final class HangDetector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HangDetector.class);
  public static final long TICK_MS = 200;

  private final LongSupplier nanoClock;
  private final long limitNanos;
  private final LongConsumer onHang;
  private volatile long lastTick;
  private volatile boolean fencing;
  private Thread thread;

  /**
   * @param limitMs a gap between two ticks longer than this is a hang (the process lease)
   * @param onHang  called on the detector's thread with the gap in ms; must end with {@link #fenced()}
   */
  public HangDetector(LongSupplier nanoClock, long limitMs, LongConsumer onHang) {
    this.nanoClock = nanoClock;
    this.limitNanos = TimeUnit.MILLISECONDS.toNanos(limitMs);
    this.onHang = onHang;
    this.lastTick = nanoClock.getAsLong();
  }

  public void start() {
    thread = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(TICK_MS);
        } catch (InterruptedException e) {
          return;
        }
        tick();
      }
    }, "pogo-hang-detector");
    thread.setDaemon(true);
    thread.start();
  }

  /** One tick: a gap longer than the limit since the last one starts the fencing. */
  void tick() {
    long now = nanoClock.getAsLong();
    long gapMs = TimeUnit.NANOSECONDS.toMillis(now - lastTick);
    if (now - lastTick > limitNanos && !fencing) {
      fencing = true;
      log.error("this node was frozen for {} ms, longer than its process lease ({} ms): its children may run elsewhere "
          + "by now; its verticle children stop before anything else, and their event-bus messages are held back until then",
          gapMs, TimeUnit.NANOSECONDS.toMillis(limitNanos));
      onHang.accept(gapMs);
    }
    lastTick = now;
  }

  /** The fencing after a hang is over. */
  public void fenced() {
    fencing = false;
  }

  /** True from the end of a freeze until its fencing is done: what the node's children send is held back. */
  public boolean suspect() {
    return fencing || nanoClock.getAsLong() - lastTick > limitNanos;
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
