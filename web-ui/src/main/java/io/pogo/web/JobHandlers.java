package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.error.PogoException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The {@code /api/v1/jobs} and {@code /api/v1/plan} routes: run, list, inspect and control jobs, all served by the
 * scheduler. This class checks what HTTP adds (query strings, the shape of control bodies) and forwards; the job
 * request itself is the scheduler's to validate, and its errors pass through unchanged.
 */
final class JobHandlers {
  static final String BASE = "/api/v1/jobs";
  static final String PLAN = "/api/v1/plan";

  private final SchedulerCalls scheduler;

  JobHandlers(SchedulerCalls scheduler) {
    this.scheduler = scheduler;
  }

  /** {@code POST /api/v1/plan}, body: a job request. 200 with the schedule it would get; nothing runs. */
  void plan(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    forward(ctx, Addresses.PLAN, RequestBodies.requireObject(ctx, "a job request"));
  }

  /**
   * {@code POST /api/v1/jobs}, body: a job request. 201 with the job and its Location; 200 with the same when the
   * request id (the body's {@code requestId} or an {@code Idempotency-Key} header) already made that job.
   */
  void run(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    JsonObject request = withRequestId(withUser(RequestBodies.requireObject(ctx, "a job request"), ctx.user()),
        ctx.request().getHeader(IDEMPOTENCY_KEY));
    scheduler.request(Addresses.JOB_RUN, request)
        .onSuccess(job -> {
          if (job.getBoolean("created", true)) {
            Responses.created(ctx, location(job.getString("id")), job);
          } else {
            Responses.existing(ctx, location(job.getString("id")), job);
          }
        })
        .onFailure(t -> SchedulerCalls.fail(ctx, t));
  }

  /** The usual HTTP header for a client's idempotency key; the same as the body's {@code requestId}. */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  static JsonObject withRequestId(JsonObject request, String header) {
    if (header == null) {
      return request;
    }
    Object inBody = request.getValue("requestId");
    if (inBody != null && !header.equals(inBody)) {
      throw PogoException.validation("requestId", "the body says " + io.vertx.core.json.Json.encode(inBody)
          + " but the " + IDEMPOTENCY_KEY + " header says " + io.vertx.core.json.Json.encode(header) + "; send one, or the same");
    }
    return request.copy().put("requestId", header);
  }

  /** {@code GET /api/v1/jobs?state&user&namespace&limit&offset}: 200 {@code {"jobs":[...],"total"}}, newest first. */
  void list(RoutingContext ctx) {
    forward(ctx, Addresses.JOB_LIST, JobParams.jobList(ctx.queryParams()));
  }

  /** {@code GET /api/v1/jobs/{id}}: 200 with the job. */
  void get(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    forward(ctx, Addresses.JOB_GET, new JsonObject().put("id", ctx.pathParam("id")));
  }

  /** {@code GET /api/v1/jobs/{id}/hosts?state&limit&offset}: 200 {@code {"id","hosts":[...],"total"}}. */
  void hosts(RoutingContext ctx) {
    forward(ctx, Addresses.JOB_HOSTS, JobParams.hostList(ctx.pathParam("id"), ctx.queryParams()));
  }

  /** {@code GET /api/v1/jobs/{id}/hosts/{host}/output?attempt&after}: 200 with the host's output, per attempt. */
  void output(RoutingContext ctx) {
    forward(ctx, Addresses.JOB_OUTPUT, JobParams.output(ctx.pathParam("id"), ctx.pathParam("host"), ctx.queryParams()));
  }

  /** {@code POST /api/v1/jobs/{id}/halt}, body optional {@code {"kill","reason"}}: 200 with the job. */
  void halt(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    JsonObject body = RequestBodies.optionalObject(ctx, "halt options: {\"kill\",\"reason\"}");
    forward(ctx, Addresses.JOB_HALT, JobControls.halt(ctx.pathParam("id"), body));
  }

  /** {@code POST /api/v1/jobs/{id}/resume}, no body: 200 with the job. */
  void resume(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    JsonObject body = RequestBodies.optionalObject(ctx, "nothing, or {}");
    forward(ctx, Addresses.JOB_RESUME, JobControls.resume(ctx.pathParam("id"), body));
  }

  /** {@code POST /api/v1/jobs/{id}/retry}, body {@code {"hosts":[...]}}: 200 with the job. */
  void retry(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    JsonObject body = RequestBodies.requireObject(ctx, "the hosts to run again: {\"hosts\":[...]}");
    forward(ctx, Addresses.JOB_RETRY, JobControls.hosts(ctx.pathParam("id"), body));
  }

  /** {@code POST /api/v1/jobs/{id}/skip}, body {@code {"hosts":[...]}}: 200 with the job. */
  void skip(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    JsonObject body = RequestBodies.requireObject(ctx, "the hosts to give up: {\"hosts\":[...]}");
    forward(ctx, Addresses.JOB_SKIP, JobControls.hosts(ctx.pathParam("id"), body));
  }

  /** {@code POST /api/v1/jobs/{id}/alter}, body: the settings to change. 200 with the job. */
  void alter(RoutingContext ctx) {
    QueryParams.requireNone(ctx.queryParams());
    JsonObject body = RequestBodies.requireObject(ctx,
        "the settings to change: {\"hostTimeout\",\"jobTimeout\",\"maxFailures\",\"retries\",\"concurrency\"}");
    forward(ctx, Addresses.JOB_ALTER, JobControls.alter(ctx.pathParam("id"), body));
  }

  /**
   * The request as sent, with {@code user} filled from the authenticated principal when it has none. Without a
   * principal (the node's bearer token names nobody) it stays as sent. Pure.
   */
  static JsonObject withUser(JsonObject request, User principal) {
    if (request.containsKey("user") || principal == null || principal.subject() == null) {
      return request;
    }
    return request.copy().put("user", principal.subject());
  }

  /** The path of a job, its id encoded as one path segment. */
  static String location(String id) {
    return BASE + "/" + URLEncoder.encode(String.valueOf(id), StandardCharsets.UTF_8).replace("+", "%20");
  }

  private void forward(RoutingContext ctx, String address, JsonObject body) {
    scheduler.request(address, body)
        .onSuccess(reply -> Responses.ok(ctx, reply))
        .onFailure(t -> SchedulerCalls.fail(ctx, t));
  }
}
