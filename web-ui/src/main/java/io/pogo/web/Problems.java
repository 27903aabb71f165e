package io.pogo.web;

import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The one place where a failure becomes an HTTP response (P10): every route failure, and the router's own 404,
 * 405 and 413, end here and leave as {@code application/problem+json} (RFC 9457):
 *
 * <pre>
 * {"type":"https://pogo.dev/errors/child-not-found","title":"child not found","status":404,
 *  "detail":"...","instance":"/api/v1/children/x","code":"CHILD_NOT_FOUND",
 *  "errors":[{"field","message"}],   (only when there are field errors)
 *  "details":{...}}                   (only when the error carries details)
 * </pre>
 *
 * A handler may add extension members (RFC 9457 section 3.2) by putting a JSON object under {@link #EXTENSIONS} in the
 * routing context before it fails: a batch start that was rolled back adds its per-child {@code results}. They never
 * replace the members above. Likewise {@link #RETRY_AFTER} adds a {@code Retry-After} header.
 *
 * The status is always {@code code.httpStatus()}. Stack traces never leave the node: an unexpected failure is
 * logged once here, at ERROR with the request line, and the client gets a generic detail.
 */
final class Problems implements Handler<RoutingContext> {
  static final String CONTENT_TYPE = "application/problem+json";
  /** Problem types are this prefix plus the code in kebab case ({@code VALIDATION_FAILED -> validation-failed}). */
  static final String TYPE_PREFIX = "https://pogo.dev/errors/";
  /** Routing-context key of a failing request's extension members (a JSON object). */
  static final String EXTENSIONS = "pogo.problem.extensions";
  /**
   * Routing-context key of a failing request's {@code Retry-After} (whole seconds): set by handlers whose failure is
   * known to pass, such as a scheduler moving to another node.
   */
  static final String RETRY_AFTER = "pogo.problem.retryAfter";

  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  private final int maxBodyBytes;

  Problems(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    PogoException problem = toProblem(ctx);
    HttpServerResponse resp = ctx.response();
    if (resp.headWritten() || resp.closed()) {
      // A stream (SSE) or a half-sent reply cannot carry a problem any more: drop it.
      log.debug("{} {} failed after the response started: {}", req.method(), req.uri(), problem.getMessage());
      if (!resp.closed()) {
        req.connection().close();
      }
      return;
    }
    ErrorCode code = problem.code();
    resp.setStatusCode(code.httpStatus()).putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE);
    if (code == ErrorCode.UNAUTHORIZED) {
      resp.putHeader("WWW-Authenticate", req.getHeader(HttpHeaders.AUTHORIZATION) == null
          ? "Bearer realm=\"pogo\"" : "Bearer realm=\"pogo\", error=\"invalid_token\"");
    }
    if (ctx.get(RETRY_AFTER) instanceof Integer seconds) {
      resp.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
    }
    resp.end(toJson(problem, req.path(), ctx.get(EXTENSIONS)).encode());
  }

  /** The problem document with extension members added; the standard members win over extensions of the same name. */
  static JsonObject toJson(PogoException problem, String instance, JsonObject extensions) {
    JsonObject json = toJson(problem, instance);
    if (extensions != null) {
      extensions.forEach(e -> {
        if (!json.containsKey(e.getKey())) {
          json.put(e.getKey(), e.getValue());
        }
      });
    }
    return json;
  }

  /** The problem document of a failure; pure, so the wire shape is tested without a server. */
  static JsonObject toJson(PogoException problem, String instance) {
    ErrorCode code = problem.code();
    JsonObject json = new JsonObject()
        .put("type", type(code))
        .put("title", code.title())
        .put("status", code.httpStatus())
        .put("detail", problem.getMessage())
        .put("instance", instance)
        .put("code", code.name());
    if (!problem.errors().isEmpty()) {
      json.put("errors", new JsonArray(problem.errors().stream().map(FieldError::toJson).toList()));
    }
    if (problem.details() != null) {
      json.put("details", problem.details());
    }
    return json;
  }

  static String type(ErrorCode code) {
    return TYPE_PREFIX + code.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private PogoException toProblem(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof PogoException || failure instanceof ReplyException) {
      PogoException pe = PogoException.from(failure);
      if (pe.code() == ErrorCode.INTERNAL) {
        log.error("{} {} failed inside Pogo: {}", ctx.request().method(), ctx.request().uri(), pe.getMessage());
      }
      return pe;
    }
    if (failure instanceof HttpException http) {
      return fromStatus(ctx, http.getStatusCode());
    }
    if (failure != null) {
      log.error("{} {} failed unexpectedly", ctx.request().method(), ctx.request().uri(), failure);
      return unexpected();
    }
    return fromStatus(ctx, ctx.statusCode());
  }

  /** The router and BodyHandler fail with bare statuses; give each its code and a readable detail. */
  private PogoException fromStatus(RoutingContext ctx, int status) {
    HttpServerRequest req = ctx.request();
    return switch (status) {
      case 400 -> new PogoException(ErrorCode.MALFORMED_REQUEST, "the request could not be read");
      case 401 -> new PogoException(ErrorCode.UNAUTHORIZED, "this call needs Authorization: Bearer <token>");
      case 404 -> new PogoException(ErrorCode.NOT_FOUND, "nothing at " + req.path());
      case 405 -> new PogoException(ErrorCode.METHOD_NOT_ALLOWED, req.method() + " is not allowed on " + req.path());
      case 413 -> new PogoException(ErrorCode.PAYLOAD_TOO_LARGE,
          "body: larger than the limit of " + maxBodyBytes + " bytes (maxBodyBytes)");
      case 415 -> new PogoException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "body: must be application/json");
      case 503 -> new PogoException(ErrorCode.UNAVAILABLE, "the service is unavailable");
      case 504 -> new PogoException(ErrorCode.TIMEOUT, "the request timed out");
      default -> {
        log.error("{} {} failed with status {} and no cause", req.method(), req.uri(), status);
        yield unexpected();
      }
    };
  }

  private static PogoException unexpected() {
    return new PogoException(ErrorCode.INTERNAL, "unexpected error; the node's log has the details");
  }
}
