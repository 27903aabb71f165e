package io.pogo.supervisor.runtime;

import io.pogo.core.child.LogLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class OutputReaderTest {
  private static final String NONCE = "pogo-wd-0123456789abcdef";

  private final ChildLog log = new ChildLog(1_000, 1 << 22, System::currentTimeMillis);
  private final List<String> controls = new ArrayList<>();
  private final AtomicInteger eofs = new AtomicInteger();

  private void read(byte[] input) {
    new OutputReader(new ByteArrayInputStream(input), log, ChildLog.STREAM_ERR, NONCE, controls::add,
        eofs::incrementAndGet, new TokenBucket(1L << 40, 1L << 40), () -> false).run();
  }

  private List<String> texts() {
    return log.tail(Integer.MAX_VALUE).stream().map(LogLine::text).collect(Collectors.toList());
  }

  @Test
  void controlLinesAreTakenOutAndAPartialLineBeforeThemIsKept() {
    read(("one\r\n" + NONCE + " pid 42\nhalf a line" + NONCE + " exit 3\nlast without newline")
        .getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("one", "half a line", "last without newline"), texts());
    assertEquals(List.of("pid 42", "exit 3"), controls);
    assertEquals(1, eofs.get());
  }

  @Test
  void invalidUtf8IsReplaced() {
    read(new byte[] {'a', (byte) 0xff, 'b', '\n'});
    assertEquals(List.of("a\uFFFDb"), texts());
  }

  @Test
  void anOverlongLineIsCutInBoundedMemoryAndAControlLineAtItsEndIsStillSeen() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] x = new byte[1 << 20];
    java.util.Arrays.fill(x, (byte) 'x');
    b.writeBytes(x);
    b.writeBytes((NONCE + " signal KILL\nnext\n").getBytes(StandardCharsets.UTF_8));
    read(b.toByteArray());
    List<String> t = texts();
    assertEquals(2, t.size());
    assertTrue(t.get(0).length() <= ChildLog.MAX_LINE_CHARS, "cut to the maximum: " + t.get(0).length());
    assertTrue(t.get(0).endsWith(" more characters]"), t.get(0).substring(t.get(0).length() - 60));
    assertEquals("next", t.get(1));
    assertEquals(List.of("signal KILL"), controls);
  }

  @Test
  void tokenBucketPacesToItsRate() {
    TokenBucket bucket = new TokenBucket(1_000, 100);
    assertEquals(0, bucket.reserve(250, 25), "a quarter second of burst is free");
    long wait = bucket.reserve(0, 100);
    assertTrue(wait > 900_000_000L && wait <= 1_000_000_000L, "100 more lines at 100/s: " + wait);
  }
}
