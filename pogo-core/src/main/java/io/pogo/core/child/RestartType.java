package io.pogo.core.child;

import java.util.Locale;

/**
 * OTP restart types. {@code permanent}: always restarted, even after a normal exit. {@code transient}:
 * restarted only after an abnormal exit. {@code temporary}: never restarted.
 */
public enum RestartType {
  PERMANENT, TRANSIENT, TEMPORARY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static RestartType fromWire(String s) {
    for (RestartType t : values()) {
      if (t.wire().equals(s)) {
        return t;
      }
    }
    return null;
  }
}
