package io.pogo.core.child;

import io.vertx.core.json.JsonObject;

/**
 * One line of a process child's output.
 *
 * @param seq    position in the child's output since it was created (gaps mean lines were evicted)
 * @param at     epoch ms when the node read it
 * @param stream {@code out}, {@code err}, or {@code pogo} (the supervisor's own notes: started, exited, cut lines)
 * @param text   the line without its end-of-line
 */
public record LogLine(long seq, long at, String stream, String text) {

  public JsonObject toJson() {
    return new JsonObject().put("seq", seq).put("at", at).put("stream", stream).put("text", text);
  }

  public static LogLine fromJson(JsonObject json) {
    return new LogLine(json.getLong("seq", 0L), json.getLong("at", 0L), json.getString("stream"), json.getString("text"));
  }
}
