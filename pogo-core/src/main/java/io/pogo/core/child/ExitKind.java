package io.pogo.core.child;

import java.util.Locale;

/**
 * The three ways an instance can end, as the restart decision sees them (OTP's {@code normal},
 * any other reason, and {@code shutdown}).
 */
public enum ExitKind {
  /** Process exit code 0; a verticle that undeployed itself or called {@code ChildExit.normal}. */
  NORMAL,
  /** Non-zero exit code, a signal Pogo did not send, a crash report, or a failed start. */
  ABNORMAL,
  /** Pogo stopped it (stop, restart, node shutdown). Never restarted by policy. */
  SHUTDOWN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ExitKind fromWire(String s) {
    for (ExitKind k : values()) {
      if (k.wire().equals(s)) {
        return k;
      }
    }
    return ABNORMAL;
  }
}
