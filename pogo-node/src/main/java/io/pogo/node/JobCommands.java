package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/** {@code pogo job ...} and {@code pogo plan}: run commands on many hosts, watch and control them. */
@Command(name = "job", mixinStandardHelpOptions = true,
    description = {"Run a command on many hosts under a namespace's constraints, watch it, and control it.",
        "  pogo job run --ns web -t '$colo.east' --concurrency 25%% --wait -- ssh {host} uptime",
        "  pogo job status j42 --hosts      pogo job log j42 web1.east -f"},
    footer = {"", "Client options, on every subcommand: --api URL, --token T, --json, --timeout D (see pogo child --help)."})
final class JobCommands implements Callable<Integer> {
  /**
   * The command sent with a plan that was given none: a plan ignores the command, but it is a job request, whose
   * command the scheduler may require.
   */
  static final List<String> PLAN_PLACEHOLDER_COMMAND = List.of("plan");

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliException.USAGE;
  }

  /** The user a job is run as: the OS user of the CLI. */
  static String osUser() {
    return System.getProperty("user.name");
  }

  /** {@code job j42 running: done 8/11: 7 succeeded, 2 running, 1 failed}. */
  static String oneLine(JsonObject job) {
    return "job " + Render.text(job.getValue("id")) + " " + JobRender.state(job) + ": " + job.getValue("summary", "-");
  }

  @Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Dry run: how a job would be scheduled, without running anything.",
          "Takes the same flags as 'pogo job run', e.g.", "  pogo plan --ns web -t '$colo' --concurrency 25%%",
          "Prints each sequence's steps with their hosts, the hosts in no sequence, the first wave, why the other "
              + "hosts wait, and the slots. A plan ignores the command; without one, 'plan' is sent in its place."})
  static final class Plan extends ChildCommands.Leaf {
    @Option(names = "--ns", paramLabel = "NS", description = "the namespace whose config and limits apply")
    String namespace;
    @Mixin
    JobOptions job;
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command (optional: a plan ignores it)")
    List<String> command;

    Plan(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      List<String> argv = command == null || command.isEmpty() ? PLAN_PLACEHOLDER_COMMAND : command;
      String reply = client.client(ctx).post("/plan", job.request(namespace, argv, osUser()));
      if (!printedJson(reply)) {
        out().print(JobRender.plan(object(reply)));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Run a command on many hosts; {host} in an argument is replaced by each target.",
          "  pogo job run --ns web -t '$colo.east' -t db1,db2 --max-failures 10%% -- ssh {host} sudo apt-get upgrade -y",
          "Prints the job id and its summary. With --wait it then polls until the job is over: exit code 0 if it "
              + "finished, 1 otherwise (failed, timed out, deadlocked, halted). Ctrl-C stops watching, not the job."})
  static final class Run extends ChildCommands.Leaf {
    /** How long {@code job run} keeps sending its request while the scheduler is unavailable. */
    static final java.time.Duration RUN_RETRY = java.time.Duration.ofSeconds(30);

    @Option(names = "--ns", paramLabel = "NS", description = "the namespace whose config and limits apply")
    String namespace;
    @Mixin
    JobOptions job;
    @Option(names = "--wait", description = "wait until the job is over; exit code 0 only if it finished")
    boolean wait;
    @Option(names = "--follow", description = "as --wait, and print each host's transitions (HOST: STATE (reason/exit N))")
    boolean follow;
    @Option(names = "--request-id", paramLabel = "ID", description = "idempotency key: running the same request "
        + "with the same id again shows the job the first run made instead of making another (default: a new UUID, "
        + "so the CLI's own retries never make two jobs)")
    String requestId;
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command and its arguments (after --)")
    List<String> command;

    Run(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() throws InterruptedException {
      if (command == null || command.isEmpty()) {
        throw CliException.usage("say what to run after --, e.g. pogo job run -t web1 -- uptime");
      }
      ApiClient api = client.client(ctx);
      JsonObject request = job.request(namespace, command, osUser())
          .put("requestId", requestId != null ? requestId : java.util.UUID.randomUUID().toString());
      // while the scheduler moves to another node the API answers 503 for a few seconds: the request id makes
      // sending it again safe
      String reply = api.postRetrying("/jobs", request, RUN_RETRY);
      JsonObject created = object(reply);
      if (Boolean.FALSE.equals(created.getValue("created")) && !connection().json) {
        err().println("request id " + request.getString("requestId") + " already made job " + created.getValue("id")
            + ": showing it (no new job)");
      }
      if (!wait && !follow) {
        if (!printedJson(reply)) {
          out().println(oneLine(created));
          out().flush();
        }
        return 0;
      }
      boolean json = connection().json;
      if (!json) {
        out().println(oneLine(created));
        out().flush();
      }
      String id = String.valueOf(created.getValue("id"));
      HostProgress progress = new HostProgress();
      AtomicReference<Object> lastSummary = new AtomicReference<>(created.getValue("summary"));
      JsonObject last = new JobWatch(api, id, ctx.followIntervalMs()).untilOver(
          j -> {
            Object summary = j.getValue("summary");
            if (!json && !follow && !Objects.equals(summary, lastSummary.getAndSet(summary))) {
              out().println(summary);
              out().flush();
            }
          },
          follow && !json ? hosts -> {
            progress.update(hosts).forEach(out()::println);
            out().flush();
          } : null);
      if (json) {
        out().println(last.encode());
      } else {
        out().println(oneLine(last));
        if ("halted".equals(last.getValue("state"))) {
          out().println("resume it with: pogo job resume " + id);
        }
      }
      out().flush();
      return "finished".equals(last.getValue("state")) ? 0 : CliException.API_ERROR;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
      description = "List jobs, newest first (table: ID STATE NAMESPACE USER HOSTS SUMMARY CREATED COMMAND).")
  static final class Ls extends ChildCommands.Leaf {
    @Option(names = "--state", paramLabel = "STATE", description = "running, halted, finished, failed, deadlocked or timed_out")
    String state;
    @Option(names = "--user", paramLabel = "USER", description = "only this user's jobs")
    String user;
    @Option(names = "--ns", paramLabel = "NS", description = "only jobs of this namespace")
    String namespace;
    @Option(names = "--limit", paramLabel = "N", description = "at most this many (server default 50, at most 1000)")
    Integer limit;
    @Option(names = "--offset", paramLabel = "N", description = "skip this many newest")
    Integer offset;

    Ls(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      List<String> params = new ArrayList<>();
      add(params, "state", state);
      add(params, "user", user);
      add(params, "namespace", namespace);
      add(params, "limit", limit);
      add(params, "offset", offset);
      String reply = client.client(ctx).get("/jobs" + (params.isEmpty() ? "" : "?" + String.join("&", params)));
      if (printedJson(reply)) {
        return 0;
      }
      JsonObject r = object(reply);
      List<JsonObject> jobs = JobRender.objects(r.getValue("jobs"));
      if (jobs.isEmpty()) {
        out().println("no jobs" + (params.isEmpty() ? "" : " match"));
      } else {
        out().print(JobRender.jobTable(jobs, ctx.clock().instant()));
        long total = r.getValue("total") instanceof Number n ? n.longValue() : jobs.size();
        int from = offset == null ? 0 : offset;
        if (from + jobs.size() < total) {
          out().println("(" + jobs.size() + " of " + total + "; the next: --offset " + (from + jobs.size()) + ")");
        }
      }
      out().flush();
      return 0;
    }

    private static void add(List<String> params, String name, Object value) {
      if (value != null) {
        params.add(name + "=" + q(String.valueOf(value)));
      }
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Show a job: state, summary and settings; with --hosts, every host, failed first "
          + "(HOST STATE ATTEMPTS EXIT STARTED DURATION NODE REASON).",
          "With --json and --hosts: {\"job\":{...},\"hosts\":[...]}."})
  static final class Status extends ChildCommands.Leaf {
    @Parameters(paramLabel = "ID", description = "job id")
    String id;
    @Option(names = "--hosts", description = "list the job's hosts")
    boolean hosts;
    @Option(names = "--state", paramLabel = "STATE", description = "list only the hosts in this state (implies --hosts)")
    String state;

    Status(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      JobWatch watch = new JobWatch(client.client(ctx), id, ctx.followIntervalMs());
      JsonObject job = watch.job();
      boolean listHosts = hosts || state != null;
      List<JsonObject> list = listHosts ? watch.hosts(state) : List.of();
      if (connection().json) {
        out().println(listHosts ? new JsonObject().put("job", job).put("hosts", new JsonArray(new ArrayList<>(list))).encode()
            : job.encode());
      } else {
        out().print(JobRender.jobDetails(job, ctx.clock().instant()));
        if (listHosts) {
          out().println();
          out().print(list.isEmpty() ? "no hosts" + (state == null ? "" : " are " + state) + "\n"
              : JobRender.hostTable(list, ctx.clock().instant()));
        }
      }
      out().flush();
      return 0;
    }
  }

  @Command(name = "log", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Print a host's output, attempt by attempt: time [stream] text. -f follows the attempt until it ends.",
          "  pogo job log j42 web1.east -f"})
  static final class Log extends ChildCommands.Leaf {
    @Parameters(index = "0", paramLabel = "ID", description = "job id")
    String id;
    @Parameters(index = "1", paramLabel = "HOST", description = "a host of the job")
    String host;
    @Option(names = "--attempt", paramLabel = "N", description = "only this attempt (1 is the first run)")
    Integer attempt;
    @Option(names = {"-f", "--follow"}, description = "keep printing new lines until the attempt ends (waits for it to start)")
    boolean follow;

    Log(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() throws InterruptedException {
      if (attempt != null && attempt < 1) {
        throw CliException.usage("--attempt: must be 1 or more (1 is the first run)");
      }
      ApiClient api = client.client(ctx);
      String base = JobWatch.path(id) + "/hosts/" + segment(host) + "/output";
      String reply = api.get(base + (attempt == null ? "" : "?attempt=" + attempt));
      if (!follow && printedJson(reply)) {
        return 0;
      }
      List<JsonObject> attempts = JobRender.objects(object(reply).getValue("attempts"));
      for (JsonObject a : attempts) {
        printAttempt(a, true);
      }
      if (!follow) {
        if (attempts.isEmpty()) {
          out().println("(" + host + " has not run" + (attempt == null ? "" : " attempt " + attempt) + ")");
        }
        out().flush();
        return 0;
      }
      while (attempts.isEmpty()) {
        Thread.sleep(ctx.followIntervalMs());
        attempts = JobRender.objects(object(api.get(base + (attempt == null ? "" : "?attempt=" + attempt))).getValue("attempts"));
        attempts.forEach(a -> printAttempt(a, true));
      }
      JsonObject current = attempts.get(attempts.size() - 1);
      long after = lastSeq(current, -1);
      while (Boolean.TRUE.equals(current.getValue("running"))) {
        Thread.sleep(ctx.followIntervalMs());
        String next = api.get(base + "?attempt=" + current.getValue("attempt") + (after < 0 ? "" : "&after=" + after));
        List<JsonObject> got = JobRender.objects(object(next).getValue("attempts"));
        if (got.isEmpty()) {
          continue;
        }
        current = got.get(0);
        printAttempt(current, false);
        after = lastSeq(current, after);
      }
      if (!connection().json) {
        out().println(JobRender.attemptHeader(host, current, ctx.clock().getZone()));
      }
      out().flush();
      return 0;
    }

    private void printAttempt(JsonObject a, boolean withHeader) {
      boolean json = connection().json;
      if (withHeader && !json) {
        out().println(JobRender.attemptHeader(host, a, ctx.clock().getZone()));
      }
      for (JsonObject line : JobRender.objects(a.getValue("lines"))) {
        out().println(json ? line.encode() : JobRender.outputLine(line, ctx.clock().getZone()));
      }
      if (Boolean.TRUE.equals(a.getValue("truncated")) && withHeader && !json) {
        out().println("(the rest of this attempt's output was cut at the job's output limit)");
      }
      out().flush();
    }

    private static long lastSeq(JsonObject attempt, long fallback) {
      long last = fallback;
      for (JsonObject line : JobRender.objects(attempt.getValue("lines"))) {
        if (line.getValue("seq") instanceof Number n) {
          last = Math.max(last, n.longValue());
        }
      }
      return last;
    }
  }

  /** A control of one job: POSTs to {@code /jobs/{id}/<action>} and prints the job's state and summary. */
  abstract static class Control extends ChildCommands.Leaf {
    @Parameters(index = "0", paramLabel = "ID", description = "job id")
    String id;

    Control(CliContext ctx) {
      super(ctx);
    }

    int control(String action, JsonObject body) {
      String reply = client.client(ctx).post(JobWatch.path(id) + "/" + action, body);
      if (!printedJson(reply)) {
        out().println(oneLine(object(reply)));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "halt", mixinStandardHelpOptions = true,
      description = "Stop dispatching new hosts; running tasks finish unless --kill.")
  static final class Halt extends Control {
    @Option(names = "--kill", description = "kill running tasks too")
    boolean kill;
    @Option(names = "--reason", paramLabel = "TEXT", description = "why, shown with the job's state")
    String reason;

    Halt(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      if (kill) {
        body.put("kill", true);
      }
      if (reason != null) {
        body.put("reason", reason);
      }
      return control("halt", body);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a halted job.")
  static final class Resume extends Control {
    Resume(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      return control("resume", null);
    }
  }

  @Command(name = "retry", mixinStandardHelpOptions = true,
      description = "Run hosts again (a failed host gives its slots back first).")
  static final class Retry extends Control {
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "HOST", description = "hosts of the job")
    List<String> hosts;

    Retry(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      return control("retry", new JsonObject().put("hosts", new JsonArray(new ArrayList<>(hosts))));
    }
  }

  @Command(name = "skip", mixinStandardHelpOptions = true,
      description = "Give hosts up: they never run (a failed host gives its slots back).")
  static final class Skip extends Control {
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "HOST", description = "hosts of the job")
    List<String> hosts;

    Skip(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      return control("skip", new JsonObject().put("hosts", new JsonArray(new ArrayList<>(hosts))));
    }
  }

  @Command(name = "alter", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Change a running job's timeouts, failure budget, retries or concurrency.")
  static final class Alter extends Control {
    @Option(names = "--host-timeout", paramLabel = "DURATION", description = "a host's task is killed after this")
    String hostTimeout;
    @Option(names = "--job-timeout", paramLabel = "DURATION", description = "the job ends timed_out after this")
    String jobTimeout;
    @Option(names = "--max-failures", paramLabel = "N|P%", description = "this many failed hosts halt the job")
    String maxFailures;
    @Option(names = "--retries", paramLabel = "N", description = "re-runs of a failed host")
    Integer retries;
    @Option(names = "--concurrency", paramLabel = "N|P%", description = "at most this many of the job's hosts at once")
    String concurrency;

    Alter(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      JsonObject body = new JsonObject();
      putIfGiven(body, "hostTimeout", hostTimeout);
      putIfGiven(body, "jobTimeout", jobTimeout);
      putIfGiven(body, "maxFailures", maxFailures);
      putIfGiven(body, "retries", retries);
      putIfGiven(body, "concurrency", concurrency);
      if (body.isEmpty()) {
        throw CliException.usage("say what to change: --host-timeout, --job-timeout, --max-failures, --retries or --concurrency");
      }
      return control("alter", body);
    }

    private static void putIfGiven(JsonObject json, String key, Object value) {
      if (value != null) {
        json.put(key, value);
      }
    }
  }
}
