package io.pogo.supervisor.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads one pipe of a child (stdout or stderr) into its {@link ChildLog}, line by line, in bounded memory and
 * at a bounded rate. On stderr it also picks out the watchdog's control lines: a line containing the nonce
 * carries a control message after it, and only the part before it (a child's unfinished line) is output.
 */
final class OutputReader implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(OutputReader.class);
  /** Bytes of one line kept; beyond that the line is cut (ChildLog keeps MAX_LINE_CHARS characters anyway). */
  static final int HEAD_CAP = ChildLog.MAX_LINE_CHARS * 4;
  /** Bytes kept from the end of an overlong line: enough to find a control message there. */
  private static final int TAIL_CAP = 512;
  private static final int CUT_MARKER_RESERVE = 64;

  private final InputStream in;
  private final ChildLog childLog;
  private final String stream;
  private final String nonce;
  private final Consumer<String> control;
  private final Runnable onEof;
  private final TokenBucket bucket;
  private final BooleanSupplier unthrottled;

  private byte[] head = new byte[256];
  private int headLen;
  private final byte[] tail = new byte[TAIL_CAP];
  private int tailLen;
  private int tailPos;
  private long dropped;

  /**
   * @param nonce       the watchdog's nonce on stderr, null on stdout
   * @param control     receives the text after the nonce (trimmed) of each control line
   * @param onEof       run once when the pipe is closed (or reading failed)
   * @param unthrottled true once the rate limit no longer applies (draining after the watchdog ended)
   */
  OutputReader(InputStream in, ChildLog childLog, String stream, String nonce, Consumer<String> control,
      Runnable onEof, TokenBucket bucket, BooleanSupplier unthrottled) {
    this.in = in;
    this.childLog = childLog;
    this.stream = stream;
    this.nonce = nonce;
    this.control = control;
    this.onEof = onEof;
    this.bucket = bucket;
    this.unthrottled = unthrottled;
  }

  @Override
  public void run() {
    byte[] buf = new byte[8192];
    try (InputStream s = in) {
      int n;
      while ((n = s.read(buf)) >= 0) {
        int newlines = 0;
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == '\n') {
            newlines++;
            endLine();
          } else {
            add(b);
          }
        }
        throttle(n, newlines);
      }
    } catch (IOException e) {
      log.debug("{} reader of {}: {}", stream, Thread.currentThread().getName(), e.toString());
    } catch (RuntimeException e) {
      log.warn("{} reader of {} failed", stream, Thread.currentThread().getName(), e);
    } finally {
      try {
        if (headLen > 0 || dropped > 0) {
          endLine();
        }
      } finally {
        onEof.run();
      }
    }
  }

  private void throttle(int bytes, int lines) {
    if (unthrottled.getAsBoolean()) {
      return;
    }
    long wait = bucket.reserve(bytes, lines);
    if (wait <= 0) {
      return;
    }
    long deadline = System.nanoTime() + wait;
    long left = wait;
    while (left > 0 && !unthrottled.getAsBoolean()) {
      LockSupport.parkNanos(this, left);
      left = deadline - System.nanoTime();
    }
  }

  private void add(byte b) {
    if (headLen < HEAD_CAP) {
      if (headLen == head.length) {
        head = Arrays.copyOf(head, Math.min(HEAD_CAP, head.length * 2));
      }
      head[headLen++] = b;
    } else {
      dropped++;
      tail[tailPos] = b;
      tailPos = (tailPos + 1) % TAIL_CAP;
      tailLen = Math.min(tailLen + 1, TAIL_CAP);
    }
  }

  private void endLine() {
    try {
      String text = new String(head, 0, headLen, StandardCharsets.UTF_8);
      if (dropped == 0) {
        int at = nonce == null ? -1 : text.indexOf(nonce);
        if (at < 0) {
          emit(stripCr(text), 0);
        } else {
          if (at > 0) {
            emit(text.substring(0, at), 0);
          }
          control.accept(text.substring(at + nonce.length()).trim());
        }
      } else {
        byte[] last = new byte[tailLen];
        int from = (tailPos - tailLen + TAIL_CAP) % TAIL_CAP;
        for (int i = 0; i < tailLen; i++) {
          last[i] = tail[(from + i) % TAIL_CAP];
        }
        String end = new String(last, StandardCharsets.UTF_8);
        int at = nonce == null ? -1 : end.indexOf(nonce);
        if (at >= 0) {
          emit(text, dropped - (tailLen - at));
          control.accept(end.substring(at + nonce.length()).trim());
        } else {
          emit(text, dropped);
        }
      }
    } finally {
      headLen = 0;
      tailLen = 0;
      tailPos = 0;
      dropped = 0;
      if (head.length > 4096) {
        head = new byte[256];
      }
    }
  }

  /** Appends a child line; {@code droppedBytes} > 0 if its end was not kept (cut here, with a marker). */
  private void emit(String text, long droppedBytes) {
    if (droppedBytes <= 0) {
      childLog.append(stream, text);
      return;
    }
    int keep = Math.min(text.length(), ChildLog.MAX_LINE_CHARS - CUT_MARKER_RESERVE);
    long more = (text.length() - keep) + droppedBytes;
    childLog.append(stream, text.substring(0, keep) + " [pogo: line cut, about " + more + " more characters]");
  }

  private static String stripCr(String s) {
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }
}
