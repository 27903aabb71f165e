package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job half of the CLI (ns, plan, job, one) against a fake API server. */
class CliJobTest extends CliHarness {
  static final long T0 = NOW.toEpochMilli();
  static final String USER = System.getProperty("user.name");

  @TempDir
  Path tmp;

  static JsonObject job(String id, String state, String summary, int total, JsonObject counts) {
    return new JsonObject().put("id", id).put("state", state).putNull("reason").put("namespace", "web").put("user", "alice")
        .put("command", new JsonArray().add("ssh").add("{host}").add("uptime")).put("mode", "worker")
        .put("targets", new JsonArray().add("$colo.east").add("db1")).put("concurrency", "25%").put("hostTimeout", "10m")
        .put("jobTimeout", "1h").put("maxFailures", "10%").put("retries", 1).put("outputLimit", 65_536)
        .put("createdAt", T0 - 300_000).putNull("endedAt").put("total", total).put("counts", counts).put("summary", summary);
  }

  static JsonObject running(String id) {
    return job(id, "running", "done 0/3: 3 waiting", 3, new JsonObject().put("waiting", 3));
  }

  static JsonObject host(String host, String state, int attempts, Integer exit, Long startedAt, Long endedAt, String reason) {
    return new JsonObject().put("host", host).put("state", state).put("reason", reason).put("attempts", attempts)
        .put("exitCode", exit).put("startedAt", startedAt).put("endedAt", endedAt)
        .put("node", startedAt == null ? null : "node-a").put("taskId", startedAt == null ? null : "t-" + host);
  }

  static Reply hosts(JsonObject... hosts) {
    return ok(new JsonObject().put("id", "j42").put("hosts", new JsonArray(List.of((Object[]) hosts))).put("total", hosts.length));
  }

  static Reply validation(String detail, String... fieldAndMessage) {
    JsonArray errors = new JsonArray();
    for (int i = 0; i < fieldAndMessage.length; i += 2) {
      errors.add(new JsonObject().put("field", fieldAndMessage[i]).put("message", fieldAndMessage[i + 1]));
    }
    return new Reply(400, "application/problem+json", problem(400, "validation failed", detail, errors));
  }

  private JsonObject sent(int i) {
    return new JsonObject(seen.get(i).body());
  }

  // ---- plan ----

  static JsonObject plan() {
    JsonArray east = new JsonArray();
    for (int i = 1; i <= 42; i++) {
      east.add("web" + i + ".east");
    }
    return new JsonObject().put("namespace", "web").put("total", 47)
        .put("sequences", new JsonArray()
            .add(new JsonObject().putNull("name").put("steps", new JsonArray()
                .add(new JsonObject().put("ref", "$colo.east").put("hosts", east))
                .add(new JsonObject().put("ref", "$colo.west").put("hosts", new JsonArray().add("web1.west").add("web2.west")))))
            .add(new JsonObject().put("name", "dbs").put("steps", new JsonArray()
                .add(new JsonObject().put("ref", "db1").put("hosts", new JsonArray().add("db1"))))))
        .put("unsequenced", new JsonArray().add("cache1").add("cache2"))
        .put("firstWave", new JsonArray().add("web1.east").add("web2.east").add("db1").add("cache1").add("cache2"))
        .put("waiting", new JsonArray()
            .add(new JsonObject().put("host", "web3.east").put("reason", "waiting for colo.east (2 of 2 used)"))
            .add(new JsonObject().put("host", "web1.west").put("reason", "waiting for step 1 of its sequence")))
        .put("slots", new JsonArray().add(new JsonObject().put("slot", "colo.east").put("limit", 2).put("rule", "2")
            .put("population", 42).put("used", 0)));
  }

  @Test
  void planPrintsSequencesStepsAndWhyHostsWait() {
    replies.put("POST /api/v1/plan", ok(plan()));
    assertEquals(0, run("plan", "--api", api, "--ns", "web", "-t", "$colo", "-t", "db1,cache{1,2}", "--concurrency", "25%"), err);
    assertEquals("""
        SEQUENCE     STEP-1                           STEP-2
        #1           [$colo.east]                     [$colo.west]
                     web1.east, web2.east, ... (+40)  web1.west, web2.west
        dbs          [db1]
                     db1
        unsequenced  cache1, cache2

        first wave (5 of 47 hosts): web1.east, web2.east, db1, cache1, cache2
        waiting (2):
          HOST       REASON
          web3.east  waiting for colo.east (2 of 2 used)
          web1.west  waiting for step 1 of its sequence

        SLOT       LIMIT  RULE  POPULATION  USED
        colo.east  2      2     42          0
        """, out);
    assertEquals(new JsonObject().put("namespace", "web").put("targets", new JsonArray().add("$colo").add("db1").add("cache{1,2}"))
        .put("command", new JsonArray().add("plan")).put("concurrency", "25%").put("user", USER), sent(0));
  }

  @Test
  void planSendsTheCommandWhenGivenAndPrintsJson() {
    replies.put("POST /api/v1/plan", ok(plan()));
    assertEquals(0, run("plan", "--api", api, "-t", "web1", "--json", "--", "ssh", "{host}", "uptime"), err);
    assertEquals(plan().encode() + "\n", out);
    assertEquals(new JsonArray().add("ssh").add("{host}").add("uptime"), sent(0).getJsonArray("command"));
    assertFalse(sent(0).containsKey("namespace"));
  }

  @Test
  void aPlanOfNothingSaysSo() {
    replies.put("POST /api/v1/plan", ok(new JsonObject().put("total", 0).put("sequences", new JsonArray())));
    assertEquals(0, run("plan", "--api", api, "-t", "nohost*"), err);
    assertEquals("no hosts: the targets match nothing\n", out);
  }

  // ---- job run ----

  @Test
  void runSendsTheRequestAndPrintsTheIdAndSummary() {
    replies.put("POST /api/v1/jobs", new Reply(201, "application/json", running("j42").encode()));
    assertEquals(0, run("job", "run", "--api", api, "--ns", "web", "-t", "$colo.east", "-t", "db{1,2},web[1-3]",
        "--mode", "agent", "--concurrency", "2", "--host-timeout", "5m", "--job-timeout", "2h", "--max-failures", "10%",
        "--retries", "2", "--output-limit", "4096", "--", "ssh", "{host}", "uptime", "-p"), err);
    assertEquals("job j42 running: done 0/3: 3 waiting\n", out);
    JsonObject sent = sent(0);
    // a fresh idempotency key per run: the CLI's own retries never make two jobs
    assertEquals(sent.getString("requestId"), java.util.UUID.fromString(sent.getString("requestId")).toString());
    sent.remove("requestId");
    assertEquals(new JsonObject().put("namespace", "web")
        .put("targets", new JsonArray().add("$colo.east").add("db{1,2}").add("web[1-3]"))
        .put("command", new JsonArray().add("ssh").add("{host}").add("uptime").add("-p"))
        .put("mode", "agent").put("concurrency", "2").put("hostTimeout", "5m").put("jobTimeout", "2h")
        .put("maxFailures", "10%").put("retries", 2).put("outputLimit", 4096).put("user", USER), sent);
    assertEquals("POST /api/v1/jobs", seen.get(0).method() + " " + seen.get(0).uri());
  }

  @Test
  void runSendsItsRequestAgainWithTheSameIdWhileTheSchedulerIsUnavailable() {
    Reply moving = new Reply(503, "application/problem+json", problem(503, "unavailable",
        "the scheduler is moving to another node; retry shortly", null));
    Reply late = new Reply(504, "application/problem+json", problem(504, "timeout", "no answer in time", null));
    sequences.put("POST /api/v1/jobs", new ArrayDeque<>(List.of(moving, late,
        new Reply(201, "application/json", running("j42").encode()))));
    assertEquals(0, run("job", "run", "--api", api, "-t", "web1", "--", "uptime"), err);
    assertEquals("job j42 running: done 0/3: 3 waiting\n", out);
    assertEquals(3, seen.size());
    String id = sent(0).getString("requestId");
    assertEquals(List.of(id, id, id), List.of(sent(0).getString("requestId"), sent(1).getString("requestId"),
        sent(2).getString("requestId")), "every attempt carries the same request id");
  }

  @Test
  void runWithARequestIdThatAlreadyMadeAJobShowsThatJob() {
    replies.put("POST /api/v1/jobs", ok(running("j7").put("created", false).put("requestId", "deploy-2026-11-21")));
    assertEquals(0, run("job", "run", "--api", api, "--request-id", "deploy-2026-11-21", "-t", "web1", "--", "uptime"), err);
    assertEquals("deploy-2026-11-21", sent(0).getString("requestId"));
    assertEquals("job j7 running: done 0/3: 3 waiting\n", out);
    assertEquals("request id deploy-2026-11-21 already made job j7: showing it (no new job)\n", err);
  }

  @Test
  void runDoesNotRetryARefusal() {
    replies.put("POST /api/v1/jobs", new Reply(409, "application/problem+json", problem(409, "request id reused",
        "requestId \"x\" was already used for job j7, which has other targets, command, namespace or mode; use a new "
            + "requestId for new work", null)));
    assertEquals(1, run("job", "run", "--api", api, "--request-id", "x", "-t", "web1", "--", "uptime"));
    assertEquals(1, seen.size());
    assertTrue(err.startsWith("error: requestId \"x\" was already used for job j7"), err);
  }

  @Test
  void theCommandStartsAtTheFirstPositional() {
    replies.put("POST /api/v1/jobs", new Reply(201, "application/json", running("j42").encode()));
    assertEquals(0, run("job", "run", "--api", api, "-t", "web1", "echo", "--wait"), err);
    assertEquals(new JsonArray().add("echo").add("--wait"), sent(0).getJsonArray("command"));
  }

  @Test
  void runWithoutACommandOrTargetIsAUsageError() {
    assertEquals(2, run("job", "run", "--api", api, "-t", "web1"));
    assertTrue(err.startsWith("error: say what to run after --"), err);
    assertEquals(2, run("job", "run", "--api", api, "--", "uptime"));
    assertTrue(err.contains("Missing required option: '--target=TARGET'"), err);
    assertEquals(2, run("job", "run", "--api", api, "-t", "web1,,web2", "--", "uptime"));
    assertTrue(err.startsWith("error: -t: \"web1,,web2\" has an empty target"), err);
    assertEquals(2, run("job", "run", "--api", api, "-t", "web1", "--retries", "two", "--", "uptime"));
    assertEquals(List.of(), seen);
  }

  @Test
  void badSettingsAreTheServersToJudgeAndItsFieldErrorsArePrinted() {
    replies.put("POST /api/v1/jobs", validation("concurrency: \"15x\" is not N or N%; targets[0]: names no tag value",
        "concurrency", "\"15x\" is not N or N%", "targets[0]", "\"$colo.north\" names no tag value of namespace web"));
    assertEquals(1, run("job", "run", "--api", api, "--ns", "web", "-t", "$colo.north", "--concurrency", "15x", "--", "uptime"));
    assertEquals("""
        error: concurrency: "15x" is not N or N%; targets[0]: names no tag value
          concurrency: "15x" is not N or N%
          targets[0]: "$colo.north" names no tag value of namespace web
        """, err);
    assertEquals("15x", sent(0).getString("concurrency"));
  }

  @Test
  void waitPrintsEachNewSummaryAndExits0OnlyIfTheJobFinished() {
    replies.put("POST /api/v1/jobs", new Reply(201, "application/json", running("j42").encode()));
    sequences.put("GET /api/v1/jobs/j42", new ArrayDeque<>(List.of(ok(running("j42")),
        ok(job("j42", "running", "done 1/3: 1 succeeded, 2 running", 3, new JsonObject())),
        ok(job("j42", "running", "done 1/3: 1 succeeded, 2 running", 3, new JsonObject())))));
    replies.put("GET /api/v1/jobs/j42", ok(job("j42", "finished", "done 3/3: 3 succeeded", 3, new JsonObject())));
    assertEquals(0, run("job", "run", "--api", api, "-t", "web[1-3]", "--wait", "--", "uptime"), err);
    assertEquals("""
        job j42 running: done 0/3: 3 waiting
        done 1/3: 1 succeeded, 2 running
        done 3/3: 3 succeeded
        job j42 finished: done 3/3: 3 succeeded
        """, out);

    replies.put("GET /api/v1/jobs/j42", ok(job("j42", "failed", "done 3/3: 2 succeeded, 1 failed", 3, new JsonObject())));
    assertEquals(1, run("job", "run", "--api", api, "-t", "web[1-3]", "--wait", "--json", "--", "uptime"), err);
    assertEquals("failed", new JsonObject(out.strip()).getString("state"));
  }

  @Test
  void waitEndsOnAHaltedJobWithNothingRunning() {
    replies.put("POST /api/v1/jobs", new Reply(201, "application/json", running("j42").encode()));
    sequences.put("GET /api/v1/jobs/j42", new ArrayDeque<>(List.of(
        ok(job("j42", "halted", "done 1/3: 1 failed, 1 running, 1 halted", 3, new JsonObject().put("running", 1))))));
    replies.put("GET /api/v1/jobs/j42", ok(job("j42", "halted", "done 2/3: 2 failed, 1 halted", 3,
        new JsonObject().put("failed", 2).put("halted", 1)).put("reason", "2 failures reached maxFailures 10%")));
    assertEquals(1, run("job", "run", "--api", api, "-t", "web[1-3]", "--wait", "--", "false"), err);
    assertTrue(out.endsWith("""
        job j42 halted (2 failures reached maxFailures 10%): done 2/3: 2 failed, 1 halted
        resume it with: pogo job resume j42
        """), out);
  }

  @Test
  void followPrintsEachHostTransition() {
    replies.put("POST /api/v1/jobs", new Reply(201, "application/json", running("j42").encode()));
    sequences.put("GET /api/v1/jobs/j42", new ArrayDeque<>(List.of(ok(running("j42")), ok(running("j42")))));
    replies.put("GET /api/v1/jobs/j42", ok(job("j42", "failed", "done 3/3: 2 succeeded, 1 failed", 3, new JsonObject())));
    sequences.put("GET /api/v1/jobs/j42/hosts", new ArrayDeque<>(List.of(
        hosts(host("web1", "running", 1, null, T0, null, null), host("web2", "waiting", 0, null, null, null, "waiting for colo.east"),
            host("web3", "ready", 0, null, null, null, null)),
        hosts(host("web1", "succeeded", 1, 0, T0, T0 + 1000, null), host("web2", "running", 1, null, T0, null, null),
            host("web3", "timed_out", 1, null, T0, T0 + 600_000, "host timeout 10m")))));
    replies.put("GET /api/v1/jobs/j42/hosts", hosts(host("web1", "succeeded", 1, 0, T0, T0 + 1000, null),
        host("web2", "failed", 1, 3, T0, T0 + 2000, "exit code 3"), host("web3", "timed_out", 1, null, T0, T0 + 600_000, "host timeout 10m")));
    assertEquals(1, run("job", "run", "--api", api, "-t", "web[1-3]", "--follow", "--", "uptime"), err);
    assertEquals("""
        job j42 running: done 0/3: 3 waiting
        web1: running
        web1: succeeded (exit 0)
        web2: running
        web3: timed_out (host timeout 10m)
        web2: failed (exit 3)
        job j42 failed: done 3/3: 2 succeeded, 1 failed
        """, out);
    assertEquals("/api/v1/jobs/j42/hosts?limit=10000&offset=0", seen.get(2).uri());
  }

  // ---- job ls, status, log ----

  @Test
  void lsPrintsATableAndPassesTheFilters() {
    JsonArray jobs = new JsonArray().add(job("j42", "running", "done 8/11: 7 succeeded, 2 running, 1 failed", 11, new JsonObject()))
        .add(job("j41", "finished", "done 3/3: 3 succeeded", 3, new JsonObject()).put("user", "bob").putNull("namespace")
            .put("createdAt", T0 - 7_200_000));
    replies.put("GET /api/v1/jobs", ok(new JsonObject().put("jobs", jobs).put("total", 12)));
    assertEquals(0, run("job", "ls", "--api", api, "--state", "running", "--user", "alice", "--ns", "web", "--limit", "2",
        "--offset", "4"), err);
    assertEquals("""
        ID   STATE     NAMESPACE  USER   HOSTS  SUMMARY                                      CREATED  COMMAND
        j42  running   web        alice  11     done 8/11: 7 succeeded, 2 running, 1 failed  5m ago   ssh '{host}' uptime
        j41  finished  -          bob    3      done 3/3: 3 succeeded                        2h ago   ssh '{host}' uptime
        (2 of 12; the next: --offset 6)
        """, out);
    assertEquals("/api/v1/jobs?state=running&user=alice&namespace=web&limit=2&offset=4", seen.get(0).uri());

    replies.put("GET /api/v1/jobs", ok(new JsonObject().put("jobs", new JsonArray()).put("total", 0)));
    assertEquals(0, run("job", "ls", "--api", api), err);
    assertEquals("no jobs\n", out);
  }

  @Test
  void aBadFilterIsNamedByTheServer() {
    replies.put("GET /api/v1/jobs", validation("state: must be one of running, halted, finished, failed, deadlocked, "
        + "timed_out; got \"done\"", "state", "must be one of running, halted, finished, failed, deadlocked, timed_out; got \"done\""));
    assertEquals(1, run("job", "ls", "--api", api, "--state", "done"));
    assertEquals("error: validation failed\n  state: must be one of running, halted, finished, failed, deadlocked, "
        + "timed_out; got \"done\"\n", err);
  }

  @Test
  void statusPrintsTheJobAndItsHostsFailedFirst() {
    replies.put("GET /api/v1/jobs/j42", ok(job("j42", "running", "done 8/11: 7 succeeded, 2 running, 1 failed", 11, new JsonObject())));
    replies.put("GET /api/v1/jobs/j42/hosts", hosts(
        host("web10", "succeeded", 1, 0, T0 - 65_000, T0 - 60_000, null),
        host("web2", "succeeded", 1, 0, T0 - 65_000, T0 - 64_750, null),
        host("web9", "running", 2, null, T0 - 125_000, null, null),
        host("web3", "failed", 2, 3, T0 - 30_000, T0 - 20_000, "exit code 3"),
        host("db1", "waiting", 0, null, null, null, "waiting for colo.east")));
    assertEquals(0, run("job", "status", "j42", "--hosts", "--api", api), err);
    assertEquals("""
        id:           j42
        state:        running
        summary:      done 8/11: 7 succeeded, 2 running, 1 failed
        namespace:    web
        user:         alice
        command:      ssh '{host}' uptime
        mode:         worker
        targets:      $colo.east, db1
        concurrency:  25%
        host timeout: 10m
        job timeout:  1h
        max failures: 10%
        retries:      1
        output limit: 65536 bytes
        created:      2026-11-21T11:55:00Z (5m ago)
        ended:        -

        HOST   STATE      ATTEMPTS  EXIT  STARTED  DURATION  NODE    REASON
        web3   failed     2         3     30s ago  10s       node-a  exit code 3
        web9   running    2         -     2m ago   2m05s     node-a  -
        db1    waiting    0         -     -        -         -       waiting for colo.east
        web2   succeeded  1         0     1m ago   250ms     node-a  -
        web10  succeeded  1         0     1m ago   5s        node-a  -
        """, out);
    assertEquals("/api/v1/jobs/j42/hosts?limit=10000&offset=0", seen.get(1).uri());
  }

  @Test
  void statusWithAStateListsOnlyThoseHostsAndJsonCombinesBoth() {
    replies.put("GET /api/v1/jobs/j42", ok(running("j42")));
    replies.put("GET /api/v1/jobs/j42/hosts", hosts(host("web3", "failed", 1, 3, T0 - 30_000, T0 - 20_000, "exit code 3")));
    assertEquals(0, run("job", "status", "j42", "--state", "failed", "--json", "--api", api), err);
    JsonObject printed = new JsonObject(out.strip());
    assertEquals("j42", printed.getJsonObject("job").getString("id"));
    assertEquals("web3", printed.getJsonArray("hosts").getJsonObject(0).getString("host"));
    assertEquals("/api/v1/jobs/j42/hosts?limit=10000&offset=0&state=failed", seen.get(1).uri());

    assertEquals(0, run("job", "status", "j42", "--json", "--api", api), err);
    assertEquals(running("j42"), new JsonObject(out.strip()));
    replies.put("GET /api/v1/jobs/j9", new Reply(404, "application/problem+json", problem(404, "job not found", "no job \"j9\"", null)));
    assertEquals(1, run("job", "status", "j9", "--api", api));
    assertEquals("error: no job \"j9\"\n", err);
  }

  @Test
  void hostsAreReadPageByPage() {
    JsonObject first = new JsonObject().put("hosts", new JsonArray().add(host("a", "running", 1, null, T0, null, null))).put("total", 2);
    JsonObject second = new JsonObject().put("hosts", new JsonArray().add(host("b", "failed", 1, 1, T0, T0, null))).put("total", 2);
    replies.put("GET /api/v1/jobs/j42", ok(running("j42")));
    sequences.put("GET /api/v1/jobs/j42/hosts", new ArrayDeque<>(List.of(ok(first), ok(second))));
    assertEquals(0, run("job", "status", "j42", "--hosts", "--api", api), err);
    assertTrue(out.contains("\nb     failed ") && out.contains("\na     running "), out);
    assertEquals("/api/v1/jobs/j42/hosts?limit=10000&offset=1", seen.get(2).uri());
  }

  static JsonObject attempt(int n, String state, Integer exit, boolean running, int... seqs) {
    JsonArray lines = new JsonArray();
    for (int seq : seqs) {
      lines.add(new JsonObject().put("seq", seq).put("ts", T0 + seq).put("stream", seq % 2 == 0 ? "stderr" : "stdout")
          .put("text", "line " + seq));
    }
    return new JsonObject().put("attempt", n).put("state", state).put("exitCode", exit).put("startedAt", T0)
        .put("endedAt", running ? null : T0 + 10).put("node", "node-a").put("lines", lines).put("truncated", false)
        .put("running", running);
  }

  static Reply output(JsonObject... attempts) {
    return ok(new JsonObject().put("id", "j42").put("host", "web1").put("attempts", new JsonArray(List.of((Object[]) attempts))));
  }

  @Test
  void logPrintsEveryAttemptWithAHeader() {
    replies.put("GET /api/v1/jobs/j42/hosts/web1/output", output(attempt(1, "failed", 3, false, 1, 2)
        .put("truncated", true), attempt(2, "succeeded", 0, false, 1)));
    assertEquals(0, run("job", "log", "j42", "web1", "--api", api), err);
    assertEquals("""
        == web1 attempt 1: failed (exit 3) on node-a, started 12:00:00.000 ==
        12:00:00.001 [stdout] line 1
        12:00:00.002 [stderr] line 2
        (the rest of this attempt's output was cut at the job's output limit)
        == web1 attempt 2: succeeded (exit 0) on node-a, started 12:00:00.000 ==
        12:00:00.001 [stdout] line 1
        """, out);

    assertEquals(0, run("job", "log", "j42", "web1", "--attempt", "2", "--api", api), err);
    assertEquals("/api/v1/jobs/j42/hosts/web1/output?attempt=2", seen.get(1).uri());
    replies.put("GET /api/v1/jobs/j42/hosts/web1/output", output());
    assertEquals(0, run("job", "log", "j42", "web1", "--api", api), err);
    assertEquals("(web1 has not run)\n", out);
    assertEquals(2, run("job", "log", "j42", "web1", "--attempt", "0", "--api", api));
  }

  @Test
  void logFollowsTheAttemptUntilItEnds() {
    sequences.put("GET /api/v1/jobs/j42/hosts/web1/output", new ArrayDeque<>(List.of(
        output(),
        output(attempt(1, "running", null, true, 1, 2)),
        output(attempt(1, "running", null, true)),
        output(attempt(1, "running", null, true, 3)))));
    replies.put("GET /api/v1/jobs/j42/hosts/web1/output", output(attempt(1, "succeeded", 0, false, 4)));
    assertEquals(0, run("job", "log", "j42", "web1", "-f", "--api", api), err);
    assertEquals("""
        == web1 attempt 1: running on node-a, started 12:00:00.000 ==
        12:00:00.001 [stdout] line 1
        12:00:00.002 [stderr] line 2
        12:00:00.003 [stdout] line 3
        12:00:00.004 [stderr] line 4
        == web1 attempt 1: succeeded (exit 0) on node-a, started 12:00:00.000 ==
        """, out);
    assertEquals(List.of("/api/v1/jobs/j42/hosts/web1/output", "/api/v1/jobs/j42/hosts/web1/output",
        "/api/v1/jobs/j42/hosts/web1/output?attempt=1&after=2", "/api/v1/jobs/j42/hosts/web1/output?attempt=1&after=2",
        "/api/v1/jobs/j42/hosts/web1/output?attempt=1&after=3"), seen.stream().map(Seen::uri).toList());
  }

  // ---- controls ----

  @Test
  void controlsSendTheirBodiesAndPrintTheJob() {
    JsonObject halted = job("j42", "halted", "done 1/3: 1 succeeded, 2 halted", 3, new JsonObject()).put("reason", "bad push");
    replies.put("POST /api/v1/jobs/j42/halt", ok(halted));
    assertEquals(0, run("job", "halt", "j42", "--kill", "--reason", "bad push", "--api", api), err);
    assertEquals("job j42 halted (bad push): done 1/3: 1 succeeded, 2 halted\n", out);
    assertEquals(new JsonObject().put("kill", true).put("reason", "bad push"), sent(0));
    assertEquals(0, run("job", "halt", "j42", "--api", api), err);
    assertEquals(new JsonObject(), sent(1));

    replies.put("POST /api/v1/jobs/j42/resume", ok(running("j42")));
    assertEquals(0, run("job", "resume", "j42", "--api", api), err);
    assertEquals("job j42 running: done 0/3: 3 waiting\n", out);
    assertEquals("", seen.get(2).body());

    replies.put("POST /api/v1/jobs/j42/retry", ok(running("j42")));
    assertEquals(0, run("job", "retry", "j42", "web2", "web3", "--api", api), err);
    assertEquals(new JsonObject().put("hosts", new JsonArray().add("web2").add("web3")), sent(3));
    replies.put("POST /api/v1/jobs/j42/skip", ok(running("j42")));
    assertEquals(0, run("job", "skip", "j42", "web2", "--api", api, "--json"), err);
    assertEquals(running("j42").encode() + "\n", out);
    assertEquals(new JsonObject().put("hosts", new JsonArray().add("web2")), sent(4));

    replies.put("POST /api/v1/jobs/j42/alter", ok(running("j42")));
    assertEquals(0, run("job", "alter", "j42", "--host-timeout", "20m", "--max-failures", "3", "--retries", "0", "--api", api), err);
    assertEquals(new JsonObject().put("hostTimeout", "20m").put("maxFailures", "3").put("retries", 0), sent(5));
    assertEquals("POST /api/v1/jobs/j42/alter", seen.get(5).method() + " " + seen.get(5).uri());
  }

  @Test
  void controlUsageErrors() {
    assertEquals(2, run("job", "alter", "j42", "--api", api));
    assertTrue(err.startsWith("error: say what to change"), err);
    assertEquals(2, run("job", "retry", "j42", "--api", api));
    assertEquals(2, run("job", "skip", "--api", api));
    assertEquals(List.of(), seen);
    replies.put("POST /api/v1/jobs/j42/halt", new Reply(409, "application/problem+json",
        problem(409, "invalid state", "job j42 has finished", null)));
    assertEquals(1, run("job", "halt", "j42", "--api", api));
    assertEquals("error: job j42 has finished\n", err);
  }

  // ---- namespaces ----

  static JsonObject namespace() {
    return new JsonObject().put("name", "web")
        .put("config", new JsonObject().put("tag", new JsonObject().put("colo", new JsonObject()
            .put("east", new JsonArray().add("web[1-3].east")))).put("sequence", new JsonArray().add("$colo.east")))
        .put("version", 3).put("updatedAt", T0 - 60_000).put("hosts", 3).put("tags", 2).put("sequences", 1).put("constraints", 0);
  }

  private String file(String name, String text) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f.toString();
  }

  @Test
  void nsPutSendsYamlOrJsonAsIs() throws IOException {
    replies.put("PUT /api/v1/namespaces/web", ok(namespace()));
    String yaml = "tag:\n  colo:\n    east: [web[1-3].east]\nsequence:\n  - $colo.east\n";
    assertEquals(0, run("ns", "put", "web", file("web.yaml", yaml), "--api", api), err);
    assertEquals("namespace web version 3: 3 hosts, 2 tags, 1 sequences, 0 constraints\n", out);
    assertEquals(yaml, seen.get(0).body());
    assertEquals("application/yaml", seen.get(0).contentType());

    String json = namespace().getJsonObject("config").encodePrettily();
    assertEquals(0, run("ns", "put", "web", file("web.json", json), "--api", api), err);
    assertEquals("application/json", seen.get(1).contentType());
    assertEquals(json, seen.get(1).body());

    stdin = json.getBytes(StandardCharsets.UTF_8);
    assertEquals(0, run("ns", "put", "web", "-", "--api", api), err);
    assertEquals("application/json", seen.get(2).contentType(), "JSON on standard input is recognised");
    stdin = yaml.getBytes(StandardCharsets.UTF_8);
    assertEquals(0, run("ns", "put", "web", "-", "--api", api, "--json"), err);
    assertEquals("application/yaml", seen.get(3).contentType());
    assertEquals(namespace().encode() + "\n", out);
  }

  @Test
  void nsPutErrorsNameTheConfigPath() throws IOException {
    replies.put("PUT /api/v1/namespaces/web", validation("constraint.$colo.max_parallel: \"15x\" is not N or N%",
        "constraint.$colo.max_parallel", "\"15x\" is not N or N%"));
    assertEquals(1, run("ns", "put", "web", file("web.yml", "constraint:\n  $colo:\n    max_parallel: 15x\n"), "--api", api));
    assertEquals("error: validation failed\n  constraint.$colo.max_parallel: \"15x\" is not N or N%\n", err);
    assertEquals(2, run("ns", "put", "web", tmp.resolve("missing.yaml").toString(), "--api", api));
    assertTrue(err.startsWith("error: FILE: cannot read "), err);
    assertEquals(2, run("ns", "put", "web", file("empty.yaml", "\n"), "--api", api));
    assertEquals(1, seen.size());
  }

  @Test
  void nsGetLsRmAndBudget() {
    replies.put("GET /api/v1/namespaces/web", ok(namespace()));
    assertEquals(0, run("ns", "get", "web", "--api", api), err);
    assertEquals("""
        name:        web
        version:     3
        updated:     2026-11-21T11:59:00Z (1m ago)
        hosts:       3
        tags:        2
        sequences:   1
        constraints: 0

        tag:
          colo:
            east:
              - web[1-3].east
        sequence:
          - $colo.east
        """, out);
    assertEquals(0, run("ns", "get", "web", "--yaml", "--api", api), err);
    assertTrue(out.startsWith("tag:\n"), out);

    replies.put("GET /api/v1/namespaces", ok(new JsonObject().put("namespaces", new JsonArray().add(namespace().copy()))));
    assertEquals(0, run("ns", "ls", "--api", api), err);
    assertEquals("""
        NAME  VERSION  HOSTS  TAGS  SEQUENCES  CONSTRAINTS  UPDATED
        web   3        3      2     1          0            1m ago
        """, out);

    replies.put("DELETE /api/v1/namespaces/web", ok(new JsonObject().put("name", "web")));
    assertEquals(0, run("ns", "rm", "web", "--api", api), err);
    assertEquals("deleted namespace web\n", out);

    JsonArray holders = new JsonArray().add(new JsonObject().put("job", "j42").put("host", "web1.east").put("state", "running"))
        .add(new JsonObject().put("job", "j43").put("host", "web2.east").put("state", "failed"));
    replies.put("GET /api/v1/namespaces/web/budget", ok(new JsonObject().put("namespace", "web").put("slots", new JsonArray()
        .add(new JsonObject().put("slot", "colo.east").put("limit", 2).put("rule", "50%").put("population", 4).put("used", 2)
            .put("holders", holders))
        .add(new JsonObject().put("slot", "colo.west").put("limit", 1).put("rule", "1").put("population", 3).put("used", 0)
            .put("holders", new JsonArray())))));
    assertEquals(0, run("ns", "budget", "web", "--api", api), err);
    assertEquals("""
        SLOT       LIMIT  RULE  POPULATION  USED  HOLDERS
        colo.east  2      50%   4           2     web1.east@j42, web2.east@j43 (failed)
        colo.west  1      1     3           0     -
        """, out);

    replies.put("GET /api/v1/namespaces/db/budget", new Reply(404, "application/problem+json",
        problem(404, "namespace not found", "no namespace \"db\"", null)));
    assertEquals(1, run("ns", "budget", "db", "--api", api));
    assertEquals("error: no namespace \"db\"\n", err);
  }

  // ---- one ----

  /** A launcher that starts nothing: the "node" is the fake API server. */
  private AtomicInteger stops;
  private AtomicReference<Path> dataDir;

  private void fakeNode() {
    stops = new AtomicInteger();
    dataDir = new AtomicReference<>();
    beforeRun = cl -> ((OneCommand) cl.getSubcommands().get("one").getCommand()).launcher = (name, dir, quiet) -> {
      assertEquals("test-node", name);
      dataDir.set(dir);
      return new OneCommand.LocalNode(api, stops::incrementAndGet);
    };
  }

  @Test
  void oneRunsTheJobOnItsNodeAndShowsWhatFailed() throws IOException {
    fakeNode();
    sequences.put("GET /api/v1/jobs", new ArrayDeque<>(List.of(new Reply(503, "application/problem+json",
        problem(503, "unavailable", "the scheduler is not running or is moving to another node; retry in a few seconds", null)))));
    replies.put("GET /api/v1/jobs", ok(new JsonObject().put("jobs", new JsonArray()).put("total", 0)));
    replies.put("PUT /api/v1/namespaces/one", ok(namespace().put("name", "one")));
    replies.put("POST /api/v1/jobs", new Reply(201, "application/json", running("j1").put("namespace", "one").encode()));
    sequences.put("GET /api/v1/jobs/j1", new ArrayDeque<>(List.of(ok(running("j1")))));
    replies.put("GET /api/v1/jobs/j1", ok(job("j1", "failed", "done 3/3: 2 succeeded, 1 failed", 3,
        new JsonObject().put("succeeded", 2).put("failed", 1))));
    sequences.put("GET /api/v1/jobs/j1/hosts", new ArrayDeque<>(List.of(hosts(host("web1", "running", 1, null, T0, null, null),
        host("web2", "running", 1, null, T0, null, null), host("web3", "waiting", 0, null, null, null, "waiting for colo.east")))));
    replies.put("GET /api/v1/jobs/j1/hosts", hosts(host("web1", "succeeded", 1, 0, T0, T0 + 5, null),
        host("web2", "failed", 1, 3, T0, T0 + 5, "exit code 3"), host("web3", "succeeded", 1, 0, T0, T0 + 5, null)));
    replies.put("GET /api/v1/jobs/j1/hosts/web2/output", output(attempt(1, "failed", 3, false, 1, 2)));
    String config = file("one.yaml", "tag:\n  colo:\n    east: [web1, web2, web3]\n");

    assertEquals(1, run("one", "--config", config, "-t", "$colo.east", "--concurrency", "2", "--", "sh", "-c", "echo {host}"), err);
    assertEquals("""
        job j1 running: done 0/3: 3 waiting
        web1: running
        web2: running
        web1: succeeded (exit 0)
        web2: failed (exit 3)
        web3: succeeded (exit 0)
        job j1 failed: done 3/3: 2 succeeded, 1 failed
        web2: failed (exit 3), last 2 lines of attempt 1:
          12:00:00.001 [stdout] line 1
          12:00:00.002 [stderr] line 2
        """, out);
    assertEquals("tag:\n  colo:\n    east: [web1, web2, web3]\n", seen.stream()
        .filter(s -> s.method().equals("PUT")).findFirst().orElseThrow().body());
    JsonObject request = new JsonObject(seen.stream().filter(s -> s.method().equals("POST")).findFirst().orElseThrow().body());
    assertEquals(new JsonObject().put("namespace", "one").put("targets", new JsonArray().add("$colo.east"))
        .put("command", new JsonArray().add("sh").add("-c").add("echo {host}")).put("concurrency", "2").put("user", USER), request);
    assertEquals(1, stops.get(), "the node is stopped once");
    assertFalse(Files.exists(dataDir.get()), "the data directory is deleted");
  }

  @Test
  void oneExits0WhenEveryHostSucceededAndKeepsDataWhenAsked() throws IOException {
    fakeNode();
    replies.put("GET /api/v1/jobs", ok(new JsonObject().put("jobs", new JsonArray()).put("total", 0)));
    replies.put("POST /api/v1/jobs", new Reply(201, "application/json", running("j1").encode()));
    replies.put("GET /api/v1/jobs/j1", ok(job("j1", "finished", "done 1/1: 1 succeeded", 1, new JsonObject().put("succeeded", 1))));
    replies.put("GET /api/v1/jobs/j1/hosts", hosts(host("web1", "succeeded", 1, 0, T0, T0 + 5, null)));
    assertEquals(0, run("one", "-t", "web1", "--keep-data", "--", "true"), err);
    assertEquals("job j1 running: done 0/3: 3 waiting\nweb1: succeeded (exit 0)\njob j1 finished: done 1/1: 1 succeeded\n", out);
    assertFalse(new JsonObject(seen.stream().filter(s -> s.method().equals("POST")).findFirst().orElseThrow().body())
        .containsKey("namespace"), "no config, no namespace");
    assertTrue(err.contains("the node's data is kept in " + dataDir.get()), err);
    assertTrue(Files.isDirectory(dataDir.get()));
    Files.delete(dataDir.get());
  }

  @Test
  void oneExits2OnBadInput() throws IOException {
    fakeNode();
    assertEquals(2, run("one", "-t", "web1"));
    assertTrue(err.startsWith("error: say what to run after --"), err);
    assertEquals(2, run("one", "--config", tmp.resolve("nope.yaml").toString(), "-t", "web1", "--", "true"));
    assertTrue(err.startsWith("error: --config: cannot read "), err);
    assertEquals(List.of(), seen, "nothing started before the input was read");
    assertEquals(null, dataDir.get());

    replies.put("GET /api/v1/jobs", ok(new JsonObject().put("jobs", new JsonArray()).put("total", 0)));
    replies.put("PUT /api/v1/namespaces/one", validation("sequence[0]: $colo.north names no tag value",
        "sequence[0]", "$colo.north names no tag value"));
    assertEquals(2, run("one", "--config", file("bad.yaml", "sequence: [$colo.north]\n"), "-t", "web1", "--", "true"));
    assertEquals("error: validation failed\n  sequence[0]: $colo.north names no tag value\n", err);
    assertEquals(1, stops.get(), "the node is stopped after bad input too");
  }
}
