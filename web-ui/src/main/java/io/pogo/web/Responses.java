package io.pogo.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes successful responses. With {@link Problems}, the only code that sets a status (P10). A reply that
 * arrives after the client went away is dropped quietly.
 */
final class Responses {
  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";
  static final String YAML = "application/yaml; charset=utf-8";

  private Responses() {
  }

  static void ok(RoutingContext ctx, JsonObject body) {
    json(ctx, 200, body);
  }

  static void created(RoutingContext ctx, String location, JsonObject body) {
    located(ctx, 201, location, body);
  }

  /** 200 with a Location: the resource the request asked to create exists already (an idempotent replay). */
  static void existing(RoutingContext ctx, String location, JsonObject body) {
    located(ctx, 200, location, body);
  }

  /** 202: the request was taken and goes on in the background; {@code location} is where to watch it. */
  static void accepted(RoutingContext ctx, String location, JsonObject body) {
    located(ctx, 202, location, body);
  }

  private static void located(RoutingContext ctx, int status, String location, JsonObject body) {
    HttpServerResponse resp = ctx.response();
    if (!resp.closed()) {
      resp.putHeader(HttpHeaders.LOCATION, location);
    }
    json(ctx, status, body);
  }

  /** A JSON body with an explicit status; also used by readiness, whose 503 is an answer rather than an error. */
  static void json(RoutingContext ctx, int status, JsonObject body) {
    send(ctx, status, JSON, body.encode());
  }

  static void text(RoutingContext ctx, String body) {
    send(ctx, 200, TEXT, body);
  }

  static void yaml(RoutingContext ctx, String body) {
    send(ctx, 200, YAML, body);
  }

  private static void send(RoutingContext ctx, int status, String contentType, String body) {
    HttpServerResponse resp = ctx.response();
    if (resp.closed() || resp.ended()) {
      return;
    }
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, contentType).end(body);
  }
}
