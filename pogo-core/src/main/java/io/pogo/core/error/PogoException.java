package io.pogo.core.error;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A failure with one of Pogo's {@link ErrorCode}s, a readable message, the field errors of a rejected
 * request and optional details (e.g. where an existing child runs). It travels on the event bus as
 * {@code Message.fail(code.wireCode(), toJson().encode())} and becomes {@code application/problem+json} over HTTP.
 * It carries no stack trace: it is an expected outcome, not a bug.
 */
public final class PogoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final List<FieldError> errors;
  private final JsonObject details;

  public PogoException(ErrorCode code, String message) {
    this(code, message, List.of(), null);
  }

  public PogoException(ErrorCode code, String message, List<FieldError> errors, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.errors = List.copyOf(errors);
    this.details = details;
  }

  /** A validation failure whose message lists every field error. */
  public static PogoException validation(List<FieldError> errors) {
    String msg = errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
    return new PogoException(ErrorCode.VALIDATION_FAILED, msg, errors, null);
  }

  public static PogoException validation(String field, String message) {
    return validation(List.of(new FieldError(field, message)));
  }

  public ErrorCode code() {
    return code;
  }

  public List<FieldError> errors() {
    return errors;
  }

  /** Extra, code-specific facts (for {@code ALREADY_STARTED}: {@code {"id","node","state"}}); may be null. */
  public JsonObject details() {
    return details;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("code", code.name()).put("message", getMessage());
    if (!errors.isEmpty()) {
      json.put("errors", new JsonArray(errors.stream().map(FieldError::toJson).toList()));
    }
    if (details != null) {
      json.put("details", details);
    }
    return json;
  }

  /** Fails an event-bus message with this error. */
  public void failMessage(Message<?> message) {
    message.fail(code.wireCode(), toJson().encode());
  }

  /**
   * Turns any failure of an event-bus request, or of local code, into a PogoException: Pogo's own
   * failures keep their code; {@code NO_HANDLERS} becomes {@link ErrorCode#UNAVAILABLE}, {@code TIMEOUT}
   * becomes {@link ErrorCode#TIMEOUT}; anything else is {@link ErrorCode#INTERNAL}.
   */
  public static PogoException from(Throwable t) {
    if (t instanceof PogoException pe) {
      return pe;
    }
    if (t instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        return new PogoException(ErrorCode.UNAVAILABLE, "no Pogo node serves this request: " + re.getMessage());
      }
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return new PogoException(ErrorCode.TIMEOUT, "the node that should answer did not reply in time: " + re.getMessage());
      }
      ErrorCode code = ErrorCode.fromWire(re.failureCode());
      if (code != null && re.getMessage() != null) {
        try {
          return fromJson(code, new JsonObject(re.getMessage()));
        } catch (DecodeException notJson) {
          return new PogoException(code, re.getMessage());
        }
      }
      return new PogoException(ErrorCode.INTERNAL, "remote failure " + re.failureCode() + ": " + re.getMessage());
    }
    return new PogoException(ErrorCode.INTERNAL, t.getClass().getSimpleName() + ": " + t.getMessage());
  }

  private static PogoException fromJson(ErrorCode code, JsonObject json) {
    JsonArray errs = json.getJsonArray("errors", new JsonArray());
    List<FieldError> fieldErrors = errs.stream().map(o -> FieldError.fromJson((JsonObject) o)).toList();
    return new PogoException(code, json.getString("message", code.title()), fieldErrors, json.getJsonObject("details"));
  }
}
