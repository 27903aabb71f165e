package io.pogo.scheduler.engine;

import io.vertx.core.json.JsonObject;

/** A job or host state change, published as an event. {@code host} is null for a job transition. */
public record Transition(String job, String host, String state, String reason, long at, Integer exitCode, int attempt) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", host == null ? "job.state" : "host.state").put("job", job);
    if (host != null) {
      json.put("host", host).put("attempt", attempt);
      if (exitCode != null) {
        json.put("exitCode", exitCode);
      }
    }
    return json.put("state", state).put("reason", reason).put("at", at);
  }
}
