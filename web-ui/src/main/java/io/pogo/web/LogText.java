package io.pogo.web;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Renders a {@code pogo.child.logs} reply as plain text for terminals and {@code curl}: one line per output
 * line, {@code 2026-11-21T15:04:05.123Z out  text}. The timestamp always has milliseconds and the stream is
 * padded to four characters, so columns line up for {@code out}, {@code err} and {@code pogo}. Pure.
 */
final class LogText {
  private static final DateTimeFormatter AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

  private LogText() {
  }

  static String render(JsonObject reply) {
    JsonArray lines = reply.getJsonArray("lines", new JsonArray());
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      JsonObject line = lines.getJsonObject(i);
      String stream = line.getString("stream", "?");
      sb.append(AT.format(Instant.ofEpochMilli(line.getLong("at", 0L))))
          .append(' ')
          .append(stream);
      for (int pad = stream.length(); pad < 4; pad++) {
        sb.append(' ');
      }
      sb.append(' ').append(line.getString("text", "")).append('\n');
    }
    return sb.toString();
  }
}
