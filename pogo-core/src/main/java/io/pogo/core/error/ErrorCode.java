package io.pogo.core.error;

/**
 * Pogo's error vocabulary. Each code has a stable wire value (the event-bus failure code) and an HTTP
 * status; the wire value never depends on declaration order.
 */
public enum ErrorCode {
  /** A request body or spec failed validation; the errors name each field. */
  VALIDATION_FAILED(4000, 400, "validation failed"),
  /** The body is not JSON (or not a JSON object). */
  MALFORMED_REQUEST(4001, 400, "malformed request"),
  /** No bearer token, or a wrong one, on a call that needs one. */
  UNAUTHORIZED(4010, 401, "unauthorized"),
  /** No child with that id. */
  CHILD_NOT_FOUND(4040, 404, "child not found"),
  /** Nothing at that path. */
  NOT_FOUND(4041, 404, "not found"),
  /** No job with that id. */
  JOB_NOT_FOUND(4042, 404, "job not found"),
  /** No namespace with that name. */
  NAMESPACE_NOT_FOUND(4043, 404, "namespace not found"),
  /** The method is not allowed on that path. */
  METHOD_NOT_ALLOWED(4050, 405, "method not allowed"),
  /** A child with that id exists already; the details say where it runs. */
  ALREADY_STARTED(4090, 409, "already started"),
  /** The child is in a state where the operation makes no sense (e.g. it is being stopped). */
  INVALID_STATE(4091, 409, "invalid state"),
  /** A node acted on a child it no longer owns (its epoch was superseded); it must stop its instance. */
  FENCED(4092, 409, "fenced"),
  /** A job request carries the request id of an earlier job that asked for other work (targets, command...). */
  REQUEST_ID_REUSED(4093, 409, "request id reused"),
  /** The request body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE(4130, 413, "payload too large"),
  /** The body's content type is not JSON. */
  UNSUPPORTED_MEDIA_TYPE(4150, 415, "unsupported media type"),
  /** A bug or an unexpected failure inside Pogo. */
  INTERNAL(5000, 500, "internal error"),
  /** No node serves the address (event-bus NO_HANDLERS), e.g. the owner node is gone. */
  UNAVAILABLE(5030, 503, "unavailable"),
  /** This node is on the minority side of a partition (or below its static quorum): it runs nothing and starts nothing. */
  QUORUM_LOST(5031, 503, "quorum lost"),
  /** No live node satisfies the child's placement (pin, selector). */
  NO_ELIGIBLE_NODE(5032, 503, "no eligible node"),
  /** A worker runs as many tasks as it may; try another, or later. */
  BUSY(5033, 503, "busy"),
  /** The node that should answer did not in time (event-bus TIMEOUT). */
  TIMEOUT(5040, 504, "timeout");

  private final int wireCode;
  private final int httpStatus;
  private final String title;

  ErrorCode(int wireCode, int httpStatus, String title) {
    this.wireCode = wireCode;
    this.httpStatus = httpStatus;
    this.title = title;
  }

  public int wireCode() {
    return wireCode;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String title() {
    return title;
  }

  /** The code for a wire value, or {@code null} if it is not one of Pogo's. */
  public static ErrorCode fromWire(int wireCode) {
    for (ErrorCode c : values()) {
      if (c.wireCode == wireCode) {
        return c;
      }
    }
    return null;
  }
}
