package io.pogo.scheduler.config;

import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem of one input before failing, so a user fixes a config or request in one round instead of
 * one error per attempt.
 */
final class FieldErrors {
  private final List<FieldError> list = new ArrayList<>();

  void add(String field, String message) {
    list.add(new FieldError(field, message));
  }

  boolean isEmpty() {
    return list.isEmpty();
  }

  /** Throws {@link PogoException#validation(List)} with every error collected, if there is any. */
  void throwIfAny() {
    if (!list.isEmpty()) {
      throw PogoException.validation(list);
    }
  }

  /** A value quoted for a message, cut to 80 characters and kept on one line. */
  static String quote(Object value) {
    if (value == null) {
      return "null";
    }
    String s = String.valueOf(value).replace('\n', ' ').replace('\r', ' ');
    return "\"" + (s.length() <= 80 ? s : s.substring(0, 77) + "...") + "\"";
  }

  /** A map key as it appears in a field path, cut to 80 characters. */
  static String key(String k) {
    String s = k.replace('\n', ' ').replace('\r', ' ');
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  /** What a JSON value is, for "must be a list; got a number". */
  static String kind(Object value) {
    if (value == null) {
      return "nothing (null)";
    }
    if (value instanceof JsonObject) {
      return "a map";
    }
    if (value instanceof JsonArray) {
      return "a list";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof Number) {
      return "a number";
    }
    return value.getClass().getSimpleName();
  }
}
