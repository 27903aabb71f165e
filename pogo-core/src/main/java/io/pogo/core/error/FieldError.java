package io.pogo.core.error;

import io.vertx.core.json.JsonObject;

/** One validation problem: the JSON path of the field and what is wrong with it. */
public record FieldError(String field, String message) {

  public JsonObject toJson() {
    return new JsonObject().put("field", field).put("message", message);
  }

  public static FieldError fromJson(JsonObject json) {
    return new FieldError(json.getString("field"), json.getString("message"));
  }

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
