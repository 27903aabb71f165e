package io.pogo.core.child;

import io.vertx.core.json.JsonObject;

/**
 * How an instance of a child ended.
 *
 * @param kind    normal, abnormal, or shutdown (stopped by Pogo: never restarted)
 * @param code    the process exit code, if it exited by itself
 * @param signal  the signal that killed the process ({@code "SIGKILL"}), if any
 * @param message a readable description ({@code "exit code 3"}, {@code "start failed: ..."})
 * @param at      epoch milliseconds
 */
public record ExitInfo(ExitKind kind, Integer code, String signal, String message, long at) {

  public static ExitInfo normal(String message, long at) {
    return new ExitInfo(ExitKind.NORMAL, null, null, message, at);
  }

  public static ExitInfo abnormal(String message, long at) {
    return new ExitInfo(ExitKind.ABNORMAL, null, null, message, at);
  }

  public static ExitInfo shutdown(String message, long at) {
    return new ExitInfo(ExitKind.SHUTDOWN, null, null, message, at);
  }

  /** A process that exited by itself: code 0 is normal, anything else abnormal. */
  public static ExitInfo processExit(int code, long at) {
    return new ExitInfo(code == 0 ? ExitKind.NORMAL : ExitKind.ABNORMAL, code, null, "exit code " + code, at);
  }

  /** A process killed by a signal it did not get from Pogo. */
  public static ExitInfo processSignal(String signal, long at) {
    return new ExitInfo(ExitKind.ABNORMAL, null, signal, "killed by " + signal, at);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("kind", kind.wire()).put("message", message).put("at", at);
    if (code != null) {
      json.put("code", code);
    }
    if (signal != null) {
      json.put("signal", signal);
    }
    return json;
  }

  public static ExitInfo fromJson(JsonObject json) {
    if (json == null) {
      return null;
    }
    return new ExitInfo(ExitKind.fromWire(json.getString("kind")), json.getInteger("code"), json.getString("signal"),
        json.getString("message"), json.getLong("at", 0L));
  }
}
