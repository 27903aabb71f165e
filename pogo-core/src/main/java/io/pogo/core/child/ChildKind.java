package io.pogo.core.child;

import java.util.Locale;

/** What a child is: a verticle deployed in the node's Vert.x, or an OS process. */
public enum ChildKind {
  VERTICLE, PROCESS;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ChildKind fromWire(String s) {
    for (ChildKind k : values()) {
      if (k.wire().equals(s)) {
        return k;
      }
    }
    return null;
  }
}
