package io.pogo.web;

import io.pogo.core.Addresses;
import io.pogo.core.error.ErrorCode;
import io.pogo.core.error.FieldError;
import io.pogo.core.error.PogoException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.pogo.web.Problem.assertProblem;
import static io.pogo.web.Problem.fields;
import static io.pogo.web.TestNode.await;
import static io.pogo.web.TestNode.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /api/v1/jobs and /api/v1/plan routes against a fake scheduler: mapping, statuses, validation, errors. */
@ExtendWith(VertxExtension.class)
class JobRoutesTest {
  private FakeScheduler scheduler;
  private WebClient client;
  private int port;

  @BeforeEach
  void setUp(Vertx vertx) {
    scheduler = new FakeScheduler(vertx);
    await(scheduler.register());
    port = TestNode.deploy(vertx, TestNode.options());
    client = WebClient.create(vertx);
  }

  static JsonObject jobRequest() {
    return new JsonObject().put("namespace", "web").put("targets", new JsonArray().add("$colo.east"))
        .put("command", new JsonArray().add("uptime")).put("concurrency", "25%").put("user", "alice");
  }

  private HttpResponse<Buffer> get(String uri) {
    return send(client.get(port, "127.0.0.1", uri));
  }

  private HttpResponse<Buffer> post(String uri, JsonObject body) {
    return await(client.post(port, "127.0.0.1", uri).sendJsonObject(body));
  }

  private HttpResponse<Buffer> post(String uri) {
    return send(client.post(port, "127.0.0.1", uri));
  }

  @Test
  void runReturns201WithTheJobAndItsLocation() {
    HttpResponse<Buffer> resp = post("/api/v1/jobs", jobRequest());
    assertEquals(201, resp.statusCode(), resp::bodyAsString);
    assertEquals("/api/v1/jobs/j42", resp.getHeader("Location"));
    assertEquals(FakeScheduler.job("j42"), resp.bodyAsJsonObject());
    assertEquals(jobRequest(), scheduler.only(Addresses.JOB_RUN), "the request goes through as sent");
  }

  @Test
  void aRunThatARequestIdAlreadyMadeIs200WithTheSameLocation() {
    scheduler.reply(Addresses.JOB_RUN, FakeScheduler.job("j7").put("created", false));
    HttpResponse<Buffer> resp = post("/api/v1/jobs", jobRequest().put("requestId", "deploy-1"));
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    assertEquals("/api/v1/jobs/j7", resp.getHeader("Location"));
    assertEquals("deploy-1", scheduler.only(Addresses.JOB_RUN).getString("requestId"));
  }

  @Test
  void theIdempotencyKeyHeaderIsTheRequestId() {
    HttpResponse<Buffer> resp = await(client.post(port, "127.0.0.1", "/api/v1/jobs").putHeader("Idempotency-Key", "k-9")
        .sendJsonObject(jobRequest()));
    assertEquals(201, resp.statusCode(), resp::bodyAsString);
    assertEquals(jobRequest().put("requestId", "k-9"), scheduler.only(Addresses.JOB_RUN));
    assertEquals(201, await(client.post(port, "127.0.0.1", "/api/v1/jobs").putHeader("Idempotency-Key", "k-9")
        .sendJsonObject(jobRequest().put("requestId", "k-9"))).statusCode(), "the same key twice is fine");
  }

  @Test
  void aHeaderAndABodyThatDisagreeOnTheRequestIdAreRefused() {
    JsonObject p = assertProblem(await(client.post(port, "127.0.0.1", "/api/v1/jobs").putHeader("Idempotency-Key", "k-9")
        .sendJsonObject(jobRequest().put("requestId", "k-10"))), 400, "VALIDATION_FAILED");
    assertEquals(List.of("requestId"), fields(p));
    assertTrue(scheduler.received.isEmpty(), "nothing reached the scheduler");
  }

  @Test
  void runWithoutAUserAndWithoutAPrincipalLeavesTheUserOut() {
    JsonObject request = jobRequest();
    request.remove("user");
    assertEquals(201, post("/api/v1/jobs", request).statusCode());
    assertEquals(request, scheduler.only(Addresses.JOB_RUN));
  }

  @Test
  void aJobRequestMustBeAJsonObject() {
    JsonObject p = assertProblem(await(client.post(port, "127.0.0.1", "/api/v1/jobs")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("[\"uptime\"]"))), 400, "MALFORMED_REQUEST");
    assertEquals(List.of("body"), fields(p));
    assertProblem(await(client.post(port, "127.0.0.1", "/api/v1/jobs").putHeader("Content-Type", "application/yaml")
        .sendBuffer(Buffer.buffer("targets: [web1]"))), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertTrue(scheduler.received.isEmpty(), "nothing reached the scheduler");
  }

  @Test
  void theSchedulersFieldErrorsPassThrough() {
    scheduler.fail(Addresses.JOB_RUN, PogoException.validation(List.of(
        new FieldError("targets[0]", "\"$colo.north\" names no tag value of namespace web"),
        new FieldError("concurrency", "\"15x\" is not N or N%"))));
    JsonObject p = assertProblem(post("/api/v1/jobs", jobRequest().put("concurrency", "15x")), 400, "VALIDATION_FAILED");
    assertEquals(List.of("targets[0]", "concurrency"), fields(p));
    assertEquals("\"15x\" is not N or N%", p.getJsonArray("errors").getJsonObject(1).getString("message"));
  }

  @Test
  void planReturnsTheScheduleOfTheRequest() {
    HttpResponse<Buffer> resp = post("/api/v1/plan", jobRequest());
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    assertEquals(FakeScheduler.plan(), resp.bodyAsJsonObject());
    assertEquals(jobRequest(), scheduler.only(Addresses.PLAN));
  }

  @Test
  void listSendsTheDefaultsAndTheFilters() {
    HttpResponse<Buffer> resp = get("/api/v1/jobs");
    assertEquals(200, resp.statusCode(), resp::bodyAsString);
    assertEquals(1, resp.bodyAsJsonObject().getInteger("total"));
    assertEquals(new JsonObject().put("limit", 50).put("offset", 0), scheduler.only(Addresses.JOB_LIST));

    scheduler.received.clear();
    assertEquals(200, get("/api/v1/jobs?state=timed_out&user=alice&namespace=web&limit=1000&offset=20").statusCode());
    assertEquals(new JsonObject().put("state", "timed_out").put("user", "alice").put("namespace", "web")
        .put("limit", 1000).put("offset", 20), scheduler.only(Addresses.JOB_LIST));
  }

  @Test
  void listQueryIsValidatedNamingEachParameter() {
    JsonObject p = assertProblem(get("/api/v1/jobs?state=sleeping&limit=0&offset=-1&owner=bob"), 400,
        "VALIDATION_FAILED");
    assertEquals(List.of("limit", "offset", "owner", "state"), fields(p).stream().sorted().toList());
    assertProblem(get("/api/v1/jobs?limit=1001"), 400, "VALIDATION_FAILED");
    assertProblem(get("/api/v1/jobs?limit=ten"), 400, "VALIDATION_FAILED");
    p = assertProblem(get("/api/v1/jobs?user="), 400, "VALIDATION_FAILED");
    assertEquals(List.of("user"), fields(p));
    assertTrue(scheduler.received.isEmpty(), "nothing reached the scheduler");
  }

  @Test
  void getReturnsTheJobAndAnUnknownOneIs404() {
    HttpResponse<Buffer> resp = get("/api/v1/jobs/j42");
    assertEquals(200, resp.statusCode());
    assertEquals("j42", resp.bodyAsJsonObject().getString("id"));
    assertEquals(new JsonObject().put("id", "j42"), scheduler.only(Addresses.JOB_GET));

    scheduler.fail(Addresses.JOB_GET, new PogoException(ErrorCode.JOB_NOT_FOUND, "no job \"j9\""));
    JsonObject p = assertProblem(get("/api/v1/jobs/j9"), 404, "JOB_NOT_FOUND");
    assertEquals("https://pogo.dev/errors/job-not-found", p.getString("type"));
    assertEquals("/api/v1/jobs/j9", p.getString("instance"));
  }

  @Test
  void hostsSendTheDefaultsAndAreBounded() {
    assertEquals(200, get("/api/v1/jobs/j42/hosts").statusCode());
    assertEquals(new JsonObject().put("id", "j42").put("limit", 1000).put("offset", 0), scheduler.only(Addresses.JOB_HOSTS));

    scheduler.received.clear();
    HttpResponse<Buffer> resp = get("/api/v1/jobs/j42/hosts?state=failed&limit=10000&offset=5");
    assertEquals(FakeScheduler.hosts(), resp.bodyAsJsonObject());
    assertEquals(new JsonObject().put("id", "j42").put("state", "failed").put("limit", 10_000).put("offset", 5),
        scheduler.only(Addresses.JOB_HOSTS));

    scheduler.received.clear();
    JsonObject p = assertProblem(get("/api/v1/jobs/j42/hosts?state=done&limit=10001"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("limit", "state"), fields(p).stream().sorted().toList());
    assertTrue(p.getJsonArray("errors").encode().contains("lost"), "the message lists the host states");
    assertTrue(scheduler.received.isEmpty());
  }

  @Test
  void outputPassesAttemptAndAfter() {
    HttpResponse<Buffer> resp = get("/api/v1/jobs/j42/hosts/web1.east/output");
    assertEquals(FakeScheduler.output(), resp.bodyAsJsonObject());
    assertEquals(new JsonObject().put("id", "j42").put("host", "web1.east"), scheduler.only(Addresses.JOB_OUTPUT));

    scheduler.received.clear();
    assertEquals(200, get("/api/v1/jobs/j42/hosts/web1.east/output?attempt=2&after=17").statusCode());
    assertEquals(new JsonObject().put("id", "j42").put("host", "web1.east").put("attempt", 2).put("after", 17),
        scheduler.only(Addresses.JOB_OUTPUT));

    scheduler.received.clear();
    JsonObject p = assertProblem(get("/api/v1/jobs/j42/hosts/web1.east/output?attempt=0&after=x&tail=3"), 400,
        "VALIDATION_FAILED");
    assertEquals(List.of("after", "attempt", "tail"), fields(p).stream().sorted().toList());
    assertTrue(scheduler.received.isEmpty());
  }

  @Test
  void haltTakesAnOptionalBody() {
    assertEquals(200, post("/api/v1/jobs/j42/halt").statusCode());
    assertEquals(new JsonObject().put("id", "j42"), scheduler.only(Addresses.JOB_HALT));

    scheduler.received.clear();
    assertEquals(200, post("/api/v1/jobs/j42/halt", new JsonObject().put("kill", true).put("reason", "bad push")).statusCode());
    assertEquals(new JsonObject().put("kill", true).put("reason", "bad push").put("id", "j42"), scheduler.only(Addresses.JOB_HALT));

    scheduler.received.clear();
    JsonObject p = assertProblem(post("/api/v1/jobs/j42/halt", new JsonObject().put("kill", "yes").put("force", true)
        .put("id", "j1")), 400, "VALIDATION_FAILED");
    assertEquals(List.of("force", "id", "kill"), fields(p).stream().sorted().toList());
    assertTrue(scheduler.received.isEmpty());
  }

  @Test
  void haltOfAnEndedJobIs409() {
    scheduler.fail(Addresses.JOB_HALT, new PogoException(ErrorCode.INVALID_STATE, "job j42 has finished"));
    JsonObject p = assertProblem(post("/api/v1/jobs/j42/halt"), 409, "INVALID_STATE");
    assertEquals("job j42 has finished", p.getString("detail"));
  }

  @Test
  void resumeTakesNoOptions() {
    assertEquals(200, post("/api/v1/jobs/j42/resume").statusCode());
    assertEquals(200, post("/api/v1/jobs/j42/resume", new JsonObject()).statusCode());
    assertEquals(List.of(new JsonObject().put("id", "j42"), new JsonObject().put("id", "j42")),
        scheduler.received.stream().map(m -> m.body()).toList());
    JsonObject p = assertProblem(post("/api/v1/jobs/j42/resume", new JsonObject().put("kill", true)), 400,
        "VALIDATION_FAILED");
    assertEquals(List.of("kill"), fields(p));
  }

  @Test
  void retryAndSkipForwardTheHosts() {
    JsonObject hosts = new JsonObject().put("hosts", new JsonArray().add("web1.east").add("web2.east"));
    assertEquals(200, post("/api/v1/jobs/j42/retry", hosts).statusCode());
    assertEquals(hosts.copy().put("id", "j42"), scheduler.only(Addresses.JOB_RETRY));
    scheduler.received.clear();
    assertEquals(200, post("/api/v1/jobs/j42/skip", hosts).statusCode());
    assertEquals(hosts.copy().put("id", "j42"), scheduler.only(Addresses.JOB_SKIP));

    scheduler.received.clear();
    assertEquals(List.of("hosts"), fields(assertProblem(post("/api/v1/jobs/j42/retry", new JsonObject()), 400,
        "VALIDATION_FAILED")));
    assertEquals(List.of("hosts"), fields(assertProblem(post("/api/v1/jobs/j42/skip",
        new JsonObject().put("hosts", new JsonArray())), 400, "VALIDATION_FAILED")));
    assertEquals(List.of("hosts[1]"), fields(assertProblem(post("/api/v1/jobs/j42/skip",
        new JsonObject().put("hosts", new JsonArray().add("web1").add(" "))), 400, "VALIDATION_FAILED")));
    assertEquals(List.of("body"), fields(assertProblem(post("/api/v1/jobs/j42/retry"), 400, "MALFORMED_REQUEST")));
    assertTrue(scheduler.received.isEmpty());
  }

  @Test
  void alterForwardsTheSettingsAndNamesUnknownOnes() {
    JsonObject change = new JsonObject().put("hostTimeout", "20m").put("maxFailures", 3).put("concurrency", "50%");
    assertEquals(200, post("/api/v1/jobs/j42/alter", change).statusCode());
    assertEquals(change.copy().put("id", "j42"), scheduler.only(Addresses.JOB_ALTER));

    scheduler.received.clear();
    assertEquals(List.of("hostTimout"), fields(assertProblem(post("/api/v1/jobs/j42/alter",
        new JsonObject().put("hostTimout", "20m")), 400, "VALIDATION_FAILED")));
    JsonObject p = assertProblem(post("/api/v1/jobs/j42/alter", new JsonObject()), 400, "VALIDATION_FAILED");
    assertEquals(List.of("body"), fields(p));
    assertTrue(p.getString("detail").contains("hostTimeout"), p::encode);
    assertTrue(scheduler.received.isEmpty());
  }

  @Test
  void controlsRefuseQueryParameters() {
    JsonObject p = assertProblem(post("/api/v1/jobs/j42/halt?kill=true"), 400, "VALIDATION_FAILED");
    assertEquals(List.of("kill"), fields(p));
    assertTrue(scheduler.received.isEmpty());
  }

  @Test
  void noSchedulerIs503WithRetryAfterAndSaysWhy() {
    Vertx other = Vertx.vertx();
    try {
      int alone = TestNode.deploy(other, TestNode.options());
      for (String uri : List.of("/api/v1/jobs", "/api/v1/jobs/j42", "/api/v1/namespaces")) {
        HttpResponse<Buffer> resp = send(WebClient.create(other).get(alone, "127.0.0.1", uri));
        JsonObject p = assertProblem(resp, 503, "UNAVAILABLE");
        assertEquals("2", resp.getHeader("Retry-After"), uri);
        assertEquals(SchedulerCalls.UNAVAILABLE_MESSAGE, p.getString("detail"));
      }
    } finally {
      await(other.close());
    }
  }

  @Test
  void unavailableFromTheSchedulerKeepsItsMessageAndGetsRetryAfter() {
    scheduler.fail(Addresses.JOB_RUN, new PogoException(ErrorCode.UNAVAILABLE, "no worker node is up"));
    HttpResponse<Buffer> resp = post("/api/v1/jobs", jobRequest());
    assertEquals("no worker node is up", assertProblem(resp, 503, "UNAVAILABLE").getString("detail"));
    assertEquals("2", resp.getHeader("Retry-After"));
  }

  @Test
  void otherErrorsCarryNoRetryAfter() {
    scheduler.fail(Addresses.JOB_GET, new PogoException(ErrorCode.QUORUM_LOST, "this side lost its quorum"));
    HttpResponse<Buffer> resp = get("/api/v1/jobs/j42");
    assertProblem(resp, 503, "QUORUM_LOST");
    assertNull(resp.getHeader("Retry-After"));
  }

  @Test
  void busyIs503() {
    scheduler.fail(Addresses.JOB_RETRY, new PogoException(ErrorCode.BUSY, "every worker runs its maximum of tasks"));
    assertProblem(post("/api/v1/jobs/j42/retry", new JsonObject().put("hosts", new JsonArray().add("web1"))), 503, "BUSY");
  }

  @Test
  void aJobIdIsEncodedInItsLocation() {
    scheduler.reply(Addresses.JOB_RUN, FakeScheduler.job("j 1/2"));
    assertEquals("/api/v1/jobs/j%201%2F2", post("/api/v1/jobs", jobRequest()).getHeader("Location"));
  }
}
