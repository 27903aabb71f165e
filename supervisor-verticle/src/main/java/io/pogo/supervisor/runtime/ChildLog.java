package io.pogo.supervisor.runtime;

import io.pogo.core.child.LogLine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The bounded output log of one child: at most {@code maxLines} lines and about {@code maxBytes} characters;
 * the oldest lines are evicted first. Kept across restarts of the child, so a crash's last words stay readable.
 * Thread-safe: output reader threads append, the supervisor reads.
 */
public final class ChildLog {
  /** Longer lines are cut, with a marker, so one huge line cannot evict everything else. */
  public static final int MAX_LINE_CHARS = 16 * 1024;
  public static final String STREAM_OUT = "out";
  public static final String STREAM_ERR = "err";
  public static final String STREAM_POGO = "pogo";

  private final int maxLines;
  private final long maxChars;
  /** Keep the first lines and drop what follows (job output), instead of evicting the oldest (child logs). */
  private final boolean keepHead;
  private boolean cut;
  private long cutChars;
  private final LongSupplier clock;
  private final ArrayDeque<LogLine> lines = new ArrayDeque<>();
  private long chars;
  private long nextSeq;

  public ChildLog(int maxLines, int maxBytes, LongSupplier clock) {
    this(maxLines, maxBytes, clock, false);
  }

  private ChildLog(int maxLines, int maxBytes, LongSupplier clock, boolean keepHead) {
    this.maxLines = maxLines;
    this.maxChars = maxBytes;
    this.clock = clock;
    this.keepHead = keepHead;
  }

  /**
   * A log that keeps the first {@code maxBytes} characters of output and then one marker line saying how much was
   * cut: a job task's output, where the beginning must not be lost to a chatty end.
   */
  public static ChildLog head(int maxBytes, LongSupplier clock) {
    return new ChildLog(Integer.MAX_VALUE, maxBytes, clock, true);
  }

  /** Whether output was cut ({@link #head} logs only). */
  public synchronized boolean cut() {
    return cut;
  }

  public void append(String stream, String text) {
    String t = text.length() <= MAX_LINE_CHARS ? text
        : text.substring(0, MAX_LINE_CHARS) + " [pogo: line cut, " + (text.length() - MAX_LINE_CHARS) + " more characters]";
    long now = clock.getAsLong();
    synchronized (this) {
      if (keepHead) {
        if (cut || chars + t.length() > maxChars) {
          if (!cut) {
            cut = true;
            lines.addLast(new LogLine(nextSeq++, now, STREAM_POGO, "[pogo: output cut at " + maxChars + " characters]"));
          }
          cutChars += t.length();
          return;
        }
        lines.addLast(new LogLine(nextSeq++, now, stream, t));
        chars += t.length();
        return;
      }
      lines.addLast(new LogLine(nextSeq++, now, stream, t));
      chars += t.length();
      while (lines.size() > maxLines || (chars > maxChars && lines.size() > 1)) {
        chars -= lines.removeFirst().text().length();
      }
    }
  }

  /** The last {@code n} lines, oldest first. */
  public synchronized List<LogLine> tail(int n) {
    int skip = Math.max(0, lines.size() - n);
    List<LogLine> out = new ArrayList<>(Math.min(n, lines.size()));
    Iterator<LogLine> it = lines.iterator();
    for (int i = 0; it.hasNext(); i++) {
      LogLine l = it.next();
      if (i >= skip) {
        out.add(l);
      }
    }
    return out;
  }

  /** Every line with a sequence number above {@code after}, oldest first. */
  public synchronized List<LogLine> after(long after) {
    List<LogLine> out = new ArrayList<>();
    for (LogLine l : lines) {
      if (l.seq() > after) {
        out.add(l);
      }
    }
    return out;
  }

  /** Characters dropped after the cut ({@link #head} logs only). */
  public synchronized long cutChars() {
    return cutChars;
  }

  /** Lines ever appended (the next sequence number). */
  public synchronized long total() {
    return nextSeq;
  }

  /** Lines evicted to stay within the bounds. */
  public synchronized long dropped() {
    return nextSeq - lines.size();
  }
}
