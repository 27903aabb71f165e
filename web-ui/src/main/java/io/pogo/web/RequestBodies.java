package io.pogo.web;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Request bodies: the media-type gates (a body that is not JSON, or for a namespace config not YAML or JSON, is
 * refused with 415 before any handler sees it) and the parse into a JSON object, naming {@code body} in every error.
 * Size is limited earlier, by {@code BodyHandler}.
 */
final class RequestBodies {
  /** Longest part of a JSON parser's message quoted back to the client. */
  private static final int MAX_CAUSE_CHARS = 200;
  /** The media types a YAML document is sent with: application/yaml is recent (RFC 9512), the others still common. */
  static final Set<String> YAML_TYPES = Set.of("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml");

  private RequestBodies() {
  }

  /** Refuses a non-empty body whose declared content type is not JSON. A body without a content type is read as JSON. */
  static Handler<RoutingContext> requireJsonContentType() {
    return ctx -> {
      Buffer body = ctx.body().buffer();
      String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
      if (body != null && body.length() > 0 && type != null && !isJson(type)) {
        ctx.fail(new PogoException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "body: must be application/json; got Content-Type " + type));
      } else {
        ctx.next();
      }
    };
  }

  static boolean isJson(String contentType) {
    String mime = mime(contentType);
    return mime.equals("application/json") || (mime.startsWith("application/") && mime.endsWith("+json"));
  }

  static boolean isYaml(String contentType) {
    return YAML_TYPES.contains(mime(contentType));
  }

  /**
   * Refuses a non-empty body whose declared content type is neither YAML nor JSON (a namespace config may be
   * either). A body without a content type is taken as it is; the scheduler parses it.
   */
  static Handler<RoutingContext> requireYamlOrJsonContentType() {
    return ctx -> {
      Buffer body = ctx.body().buffer();
      String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
      if (body != null && body.length() > 0 && type != null && !isJson(type) && !isYaml(type)) {
        ctx.fail(new PogoException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "body: must be application/yaml or "
            + "application/json; got Content-Type " + type + " (with curl: -H 'Content-Type: application/yaml')"));
      } else {
        ctx.next();
      }
    };
  }

  /**
   * The body as text, for documents another verticle parses.
   *
   * @param what what the body should be, for the message ("the namespace config as YAML or JSON")
   * @throws PogoException MALFORMED_REQUEST naming {@code body} when it is missing or blank
   */
  static String requireText(RoutingContext ctx, String what) {
    Buffer body = ctx.body().buffer();
    String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
    if (text.isBlank()) {
      throw malformed("required: " + what);
    }
    return text;
  }

  private static String mime(String contentType) {
    return contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  /**
   * The body as a JSON object.
   *
   * @param what what the body should be, for the message ("a child spec")
   * @throws PogoException MALFORMED_REQUEST naming {@code body} when it is missing, not JSON, or not an object
   */
  static JsonObject requireObject(RoutingContext ctx, String what) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw malformed("required: " + what + " as a JSON object");
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw malformed("not valid JSON: " + clip(e.getMessage()));
    }
    if (value instanceof JsonObject json) {
      return json;
    }
    throw malformed("must be a JSON object (" + what + "); got " + kind(value));
  }

  /** The body as a JSON object, or an empty object when there is no body: for calls whose body is optional. */
  static JsonObject optionalObject(RoutingContext ctx, String what) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.toString().isBlank()) {
      return new JsonObject();
    }
    return requireObject(ctx, what);
  }

  private static PogoException malformed(String message) {
    return new PogoException(ErrorCode.MALFORMED_REQUEST, "body: " + message,
        List.of(new FieldError("body", message)), null);
  }

  private static String kind(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    return value.getClass().getSimpleName();
  }

  private static String clip(String s) {
    if (s == null) {
      return "unreadable";
    }
    String oneLine = s.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= MAX_CAUSE_CHARS ? oneLine : oneLine.substring(0, MAX_CAUSE_CHARS) + "...";
  }
}
