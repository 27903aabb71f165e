package io.pogo.node;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.json.Durations;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pogo child ...}: manage children through a node's HTTP API. */
@Command(name = "child", mixinStandardHelpOptions = true,
    description = "Start, list, inspect, stop and restart children (verticles or OS processes) through a node's API.",
    footer = {"", "Client options, on every subcommand:",
        "  --api URL     the node's API (env POGO_API; default http://127.0.0.1:8080)",
        "  --token T     bearer token (env POGO_TOKEN)",
        "  --json        print the raw JSON reply",
        "  --timeout D   connect and reply timeout (default 10s; for await: how long to wait, default 30s)"})
final class ChildCommands implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliException.USAGE;
  }

  /** How to reach the API, without a timeout: for commands whose {@code --timeout} means something else. */
  static class Connection {
    @Option(names = "--api", paramLabel = "URL", description = {"the node's API (env POGO_API)", "default: http://127.0.0.1:8080"})
    String api;
    @Option(names = "--token", paramLabel = "TOKEN", description = "bearer token (env POGO_TOKEN)")
    String token;
    @Option(names = "--json", description = "print the raw JSON reply instead of a table")
    boolean json;

    ApiClient client(CliContext ctx, long timeoutMs) {
      String a = api != null ? api : ctx.env().getOrDefault("POGO_API", ApiClient.DEFAULT_API);
      if (a.isBlank()) {
        a = ApiClient.DEFAULT_API;
      }
      String t = token != null ? token : ctx.env().get("POGO_TOKEN");
      return new ApiClient(a, t, Duration.ofMillis(timeoutMs), json);
    }
  }

  /** How to reach the API; on every child subcommand but {@code await}. */
  static final class ClientOptions extends Connection {
    static final String DEFAULT_TIMEOUT = "10s";

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = DEFAULT_TIMEOUT,
        description = "connect and reply timeout (default ${DEFAULT-VALUE})")
    String timeout;

    ApiClient client(CliContext ctx) {
      return client(ctx, timeoutMs());
    }

    long timeoutMs() {
      return millis(timeout, "--timeout");
    }
  }

  /** A positive duration given on the command line ({@code 500ms}, {@code 10s}, or bare milliseconds); a usage error naming {@code option} otherwise. */
  static long millis(String value, String option) {
    long ms;
    try {
      ms = Durations.parseMillis(value.matches("\\d{1,12}") ? Long.parseLong(value) : value);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(option + ": " + e.getMessage());
    }
    if (ms < 1) {
      throw CliException.usage(option + ": must be positive");
    }
    return ms;
  }

  /** Shared plumbing of the commands that talk to a node. */
  abstract static class Base implements Callable<Integer> {
    final CliContext ctx;
    @Spec
    CommandSpec spec;

    Base(CliContext ctx) {
      this.ctx = ctx;
    }

    /** How this command reaches the API. */
    abstract Connection connection();

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    /** Prints the raw reply and returns true when --json was given. */
    boolean printedJson(String body) {
      if (!connection().json) {
        return false;
      }
      out().println(body == null ? "" : body.strip());
      out().flush();
      return true;
    }

    static JsonObject object(String body) {
      try {
        return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
      } catch (DecodeException e) {
        throw new CliException(CliException.API_ERROR, "the node sent a reply that is not a JSON object: "
            + abbreviate(body), List.of(), null);
      }
    }

    static String abbreviate(String s) {
      String t = s.strip();
      return t.length() <= 200 ? t : t.substring(0, 200) + "...";
    }

    static String path(String id) {
      return "/children/" + segment(id);
    }

    /** {@code s} encoded as one path segment. */
    static String segment(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String q(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
  }

  /** A command with the ordinary client options ({@code --timeout} is the connect and reply timeout). */
  abstract static class Leaf extends Base {
    @Mixin
    ClientOptions client;

    Leaf(CliContext ctx) {
      super(ctx);
    }

    @Override
    Connection connection() {
      return client;
    }

    /** Whether an option was given on the command line (rather than left at its default). */
    boolean given(String option) {
      return spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption(option);
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Start a child from a spec (--file or --spec), or from shortcut flags, e.g.",
          "  pogo child start --id web -- python3 -m http.server 9000",
          "  pogo child start --id echo --replicas 3 \\",
          "      --verticle io.pogo.supervisor.examples.EchoVerticle --config '{}'",
          "A file (or --spec) holding a JSON array of specs, or {\"children\":[...]}, starts them as a batch:",
          "  pogo child start --file fleet.json --on-error continue",
          "With --on-error rollback (the default) all start or none stays. Exit code 1 when any child did not start."})
  static final class Start extends Leaf {
    /** How many starts of a batch the registry runs at once; scales the default reply timeout of a batch. */
    static final int BATCH_PARALLEL = io.pogo.core.Limits.BATCH_PARALLEL;

    @Option(names = "--file", paramLabel = "FILE", description = "spec, or a batch of specs, as a JSON file ('-' for standard input)")
    String file;
    @Option(names = "--spec", paramLabel = "JSON", description = "spec, or a batch of specs, as inline JSON")
    String specJson;
    @Option(names = "--on-error", paramLabel = "MODE", description = "batch: rollback (default: all or none) or continue (each child alone)")
    String onError;
    @Option(names = "--async", description = "answer once the child is claimed (state starting), without waiting for it to run; "
        + "then: pogo child await ID")
    boolean async;
    @Option(names = "--id", paramLabel = "ID", description = "child id, unique in the cluster")
    String id;
    @Option(names = "--kind", paramLabel = "KIND", description = "process or verticle (implied by --verticle or a command)")
    String kind;
    @Option(names = "--verticle", paramLabel = "CLASS", description = "verticle class to deploy")
    String verticle;
    @Option(names = "--config", paramLabel = "JSON", description = "verticle config (a JSON object)")
    String config;
    @Option(names = "--instances", paramLabel = "N", description = "verticle instances")
    Integer instances;
    @Option(names = "--replicas", paramLabel = "N", description = "how many instances run, each on a distinct node (1 to 64)")
    Integer replicas;
    @Option(names = "--migration", paramLabel = "MODE", description = "how it moves between nodes: stop-then-start (default) or start-then-stop")
    String migration;
    @Option(names = "--restart", paramLabel = "TYPE", description = "permanent (default), transient or temporary")
    String restart;
    @Option(names = "--max-restarts", paramLabel = "N", description = "restart intensity: restarts allowed within the window")
    Integer maxRestarts;
    @Option(names = "--restart-window", paramLabel = "DURATION", description = "restart intensity window")
    String restartWindow;
    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", description = "graceful stop time before a kill")
    String shutdownTimeout;
    @Option(names = "--tag", paramLabel = "K=V", description = "metadata tag (repeatable)")
    List<String> tags;
    @Option(names = "--env", paramLabel = "K=V", description = "process environment variable (repeatable)")
    List<String> env;
    @Option(names = "--cwd", paramLabel = "DIR", description = "process working directory")
    String cwd;
    @Parameters(paramLabel = "ARGV", arity = "0..*", description = "the command and its arguments (after --)")
    List<String> argv;

    Start(CliContext ctx) {
      super(ctx);
    }

    /** What to send: one spec, or a batch ({@code {"children":[...],"onError"}}). */
    record Request(JsonObject body, boolean batch) {
    }

    @Override
    public Integer call() {
      Request request = request();
      if (request.batch()) {
        return batch(request.body());
      }
      ApiClient api = client.client(ctx);
      String reply = api.post(async ? "/children?wait=false" : "/children", request.body());
      if (printedJson(reply)) {
        return 0;
      }
      JsonObject r = object(reply);
      JsonObject body = request.body();
      out().println((async ? "accepted " : "started ") + r.getValue("id", body.getValue("id")) + " ("
          + r.getValue("kind", body.getValue("kind")) + ") on " + Render.nodes(r) + ": " + Render.text(r.getValue("state")));
      out().flush();
      return 0;
    }

    private int batch(JsonObject body) {
      int n = body.getJsonArray("children").size();
      long timeout = client.timeoutMs();
      if (!given("--timeout")) {
        // the registry starts BATCH_PARALLEL at a time: give every round the ordinary timeout, and the rollback one more
        timeout = timeout * ((n + BATCH_PARALLEL - 1) / BATCH_PARALLEL + 1);
      }
      ApiClient api = client.client(ctx, timeout);
      ApiClient.Reply reply = api.exchange("POST", "/children/batch", body);
      boolean ok = reply.status() / 100 == 2;
      JsonObject result = ok ? object(reply.body()) : problem(reply.body());
      if (!ok && (connection().json || !(result.getValue("results") instanceof JsonArray))) {
        throw api.apiError(reply.status(), reply.body()); // with --json the problem is printed as it came
      }
      int failed = result.getValue("failed") instanceof Number f ? f.intValue() : 0;
      if (printedJson(reply.body())) {
        return failed > 0 ? CliException.API_ERROR : 0;
      }
      out().print(Render.batchTable(result.getJsonArray("results", new JsonArray())));
      out().flush();
      if (!ok) {
        throw api.apiError(reply.status(), reply.body()); // rolled back: the table says which child failed
      }
      if (failed > 0) {
        err().println("error: " + failed + " of " + n + " children did not start");
        err().flush();
        return CliException.API_ERROR;
      }
      return 0;
    }

    private static JsonObject problem(String body) {
      try {
        return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
      } catch (DecodeException notJson) {
        return new JsonObject();
      }
    }

    Request request() {
      boolean shortcuts = id != null || kind != null || verticle != null || config != null || instances != null
          || replicas != null || migration != null || restart != null || maxRestarts != null || restartWindow != null
          || shutdownTimeout != null || tags != null || env != null || cwd != null || (argv != null && !argv.isEmpty());
      if (file != null && specJson != null) {
        throw CliException.usage("give the spec once: --file or --spec, not both");
      }
      if (onError != null && !onError.equals("rollback") && !onError.equals("continue")) {
        throw CliException.usage("--on-error: must be rollback or continue; got \"" + onError + "\"");
      }
      if (file != null || specJson != null) {
        if (shortcuts) {
          throw CliException.usage((file != null ? "--file" : "--spec")
              + " gives the whole spec: it cannot be combined with --id, --kind, --verticle, --replicas, other spec flags or a command");
        }
        Object value = file != null ? readFile(file) : parse(specJson, "--spec");
        Request r = request(value, file != null ? "--file " + file : "--spec");
        if (r.batch() && async) {
          throw CliException.usage("--async starts one child; a batch answers once each of its children has started or failed");
        }
        if (!r.batch() && onError != null) {
          throw CliException.usage("--on-error is for a batch: a file holding a JSON array of specs or {\"children\":[...]}");
        }
        return r;
      }
      if (onError != null) {
        throw CliException.usage("--on-error is for a batch: a file holding a JSON array of specs or {\"children\":[...]}");
      }
      if (!shortcuts) {
        throw CliException.usage("say what to start: --file FILE, --spec JSON, or --id ID with --verticle CLASS or -- COMMAND...");
      }
      return new Request(shortcutSpec(), false);
    }

    /** A JSON value read from --file or --spec as one spec or a batch. */
    private Request request(Object value, String what) {
      JsonObject batch;
      if (value instanceof JsonArray children) {
        batch = new JsonObject().put("children", children);
      } else if (value instanceof JsonObject o && o.containsKey("children")) {
        batch = o.copy(); // a spec has no "children" field, so this is a batch
      } else if (value instanceof JsonObject o) {
        return new Request(o, false);
      } else {
        throw CliException.usage(what + ": must be a JSON object (a spec), an array of specs, or {\"children\":[...]}");
      }
      if (!(batch.getValue("children") instanceof JsonArray list) || list.isEmpty()) {
        throw CliException.usage(what + ": a batch needs at least one spec in \"children\"");
      }
      if (onError != null) {
        batch.put("onError", onError);
      }
      return new Request(batch, true);
    }

    private JsonObject shortcutSpec() {
      if (id == null) {
        throw CliException.usage("--id is required");
      }
      String k = kind;
      if (k == null) {
        k = verticle != null ? "verticle" : argv != null && !argv.isEmpty() ? "process" : null;
      }
      if (k == null) {
        throw CliException.usage("say what to run: --verticle CLASS, or a command after -- (e.g. -- sleep 60)");
      }
      JsonObject s = new JsonObject().put("id", id).put("kind", k);
      if (replicas != null) {
        s.put("replicas", replicas);
      }
      if (migration != null) {
        s.put("migration", migration);
      }
      if (restart != null) {
        s.put("restart", restart);
      }
      if (maxRestarts != null) {
        s.put("maxRestarts", maxRestarts);
      }
      if (restartWindow != null) {
        s.put("restartWindow", restartWindow);
      }
      if (shutdownTimeout != null) {
        s.put("shutdownTimeout", shutdownTimeout);
      }
      if (tags != null) {
        s.put("metadata", new JsonObject(new java.util.LinkedHashMap<>(Render.keyValues(tags, "--tag"))));
      }
      if (verticle != null) {
        s.put("verticle", verticle);
      }
      if (config != null) {
        Object c = parse(config, "--config");
        if (!(c instanceof JsonObject)) {
          throw CliException.usage("--config: must be a JSON object");
        }
        s.put("config", c);
      }
      if (instances != null) {
        s.put("instances", instances);
      }
      if (argv != null && !argv.isEmpty()) {
        s.put("argv", new JsonArray(new ArrayList<>(argv)));
      } else if (k.equals("process")) {
        s.put("argv", new JsonArray());
      }
      if (env != null) {
        s.put("env", new JsonObject(new java.util.LinkedHashMap<>(Render.keyValues(env, "--env"))));
      }
      if (cwd != null) {
        s.put("cwd", cwd);
      }
      return s;
    }

    private Object readFile(String f) {
      String text;
      try {
        text = f.equals("-") ? new String(ctx.stdin().readAllBytes(), StandardCharsets.UTF_8)
            : Files.readString(Path.of(f), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CliException.usage("--file: cannot read " + f + ": " + e.getMessage());
      }
      return parse(text, "--file " + f);
    }

    private static Object parse(String text, String what) {
      try {
        return io.vertx.core.json.Json.decodeValue(text);
      } catch (DecodeException e) {
        throw CliException.usage(what + ": not valid JSON: " + e.getMessage().replaceAll("\\s*\\n\\s*", " "));
      }
    }
  }

  @Command(name = "await", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Wait until a child is in one of some states (running by default), e.g. after start --async:",
          "  pogo child await web --state running --timeout 1m",
          "Exit code 1 when it is not within the timeout, is gone, or ended in another state (e.g. failed)."})
  static final class Await extends Base {
    /** How much longer than the wait the client waits for the node's reply. */
    static final long REPLY_MARGIN_MS = 30_000;

    @Parameters(paramLabel = "ID", description = "child id")
    String id;
    @Option(names = "--state", paramLabel = "STATE", split = ",",
        description = "a state to wait for (repeatable, or comma-separated): starting, running, backoff, stopping, stopped, exited, failed")
    List<String> states;
    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", description = "how long to wait (default ${DEFAULT-VALUE}, at most 10m)")
    String timeout;
    @Mixin
    Connection conn;

    Await(CliContext ctx) {
      super(ctx);
    }

    @Override
    Connection connection() {
      return conn;
    }

    @Override
    public Integer call() {
      List<String> wanted = states == null || states.isEmpty() ? List.of("running") : states;
      for (String st : wanted) {
        if (io.pogo.core.child.ChildState.fromWire(st) == null) {
          throw CliException.usage("--state: \"" + st + "\" is not a child state (starting, running, backoff, stopping, "
              + "stopped, exited, failed)");
        }
      }
      long ms = millis(timeout, "--timeout");
      ApiClient api = conn.client(ctx, ms + REPLY_MARGIN_MS);
      String reply = api.get(path(id) + "/await?states=" + q(String.join(",", wanted)) + "&timeout=" + ms);
      if (!printedJson(reply)) {
        JsonObject r = object(reply);
        out().println(r.getValue("id", id) + " is " + Render.text(r.getValue("state")) + " on " + Render.nodes(r));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
      description = "List children (table: ID KIND STATE NODE RESTARTS PID STARTED LAST EXIT).")
  static final class Ls extends Leaf {
    @Option(names = "--scope", paramLabel = "SCOPE", description = "global (every node; default) or local (one node)")
    String scope;
    @Option(names = "--tag", paramLabel = "K=V", description = "only children with this metadata tag (repeatable)")
    List<String> tags;
    @Option(names = "--state", paramLabel = "STATE", description = "only children in this state")
    String state;
    @Option(names = "--node", paramLabel = "NODE", description = "only children on this node")
    String node;

    Ls(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      if (scope != null && !scope.equals("local") && !scope.equals("global")) {
        throw CliException.usage("--scope: must be local or global; got \"" + scope + "\"");
      }
      Map<String, String> t = Render.keyValues(tags, "--tag");
      List<String> params = new ArrayList<>();
      if (scope != null) {
        params.add("scope=" + q(scope));
      }
      t.forEach((k, v) -> params.add("tag=" + q(k + "=" + v)));
      if (state != null) {
        params.add("state=" + q(state));
      }
      if (node != null) {
        params.add("node=" + q(node));
      }
      String reply = client.client(ctx).get("/children" + (params.isEmpty() ? "" : "?" + String.join("&", params)));
      if (printedJson(reply)) {
        return 0;
      }
      Object children = object(reply).getValue("children");
      JsonArray list = children instanceof JsonArray a ? a : new JsonArray();
      if (list.isEmpty()) {
        out().println("no children" + (params.isEmpty() ? "" : " match"));
      } else {
        out().print(Render.childTable(list, ctx.clock().instant()));
      }
      out().flush();
      return 0;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one child.")
  static final class Get extends Leaf {
    @Parameters(paramLabel = "ID", description = "child id")
    String id;

    Get(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).get(path(id));
      if (!printedJson(reply)) {
        out().print(Render.details(object(reply), ctx.clock().instant()));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stop a child and remove it (a graceful stop, then a kill after its shutdown timeout).")
  static final class Stop extends Leaf {
    @Parameters(paramLabel = "ID", description = "child id")
    String id;

    Stop(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).delete(path(id));
      if (!printedJson(reply)) {
        JsonObject r = object(reply);
        out().println("stopped " + r.getValue("id", id) + " on " + Render.text(r.getValue("node"))
            + (r.getValue("lastExit") instanceof JsonObject e ? " (" + e.getString("message", "-") + ")" : ""));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "restart", mixinStandardHelpOptions = true,
      description = "Restart a child (also revives a failed or exited one).")
  static final class Restart extends Leaf {
    @Parameters(paramLabel = "ID", description = "child id")
    String id;

    Restart(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).post(path(id) + "/restart", null);
      if (!printedJson(reply)) {
        JsonObject r = object(reply);
        out().println("restarted " + r.getValue("id", id) + " on " + Render.text(r.getValue("node")) + ": "
            + Render.text(r.getValue("state")) + " (restarts: " + Render.text(r.getValue("restarts")) + ")");
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Print a process child's recent output (time, stream, text); --follow keeps printing new lines until Ctrl-C.")
  static final class Logs extends Leaf {
    /** Lines asked for on each --follow poll; a gap in seq beyond this is reported. */
    static final int FOLLOW_WINDOW = 1000;
    /** The API's bound for tail. */
    static final int MAX_TAIL = 10_000;

    @Parameters(paramLabel = "ID", description = "child id")
    String id;
    @Option(names = "--tail", paramLabel = "N", defaultValue = "100", description = "how many of the last lines (default ${DEFAULT-VALUE})")
    int tail;
    @Option(names = {"-f", "--follow"}, description = "keep polling and print new lines until Ctrl-C")
    boolean follow;
    @Option(names = "--raw", description = "print the text only, without time and stream")
    boolean raw;
    @Option(names = "--replica", paramLabel = "N", description = "which replica's output, for a child with replicas (default 0)")
    Integer replica;

    Logs(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      if (tail < 1 || tail > MAX_TAIL) {
        throw CliException.usage("--tail: must be from 1 to " + MAX_TAIL);
      }
      if (replica != null && (replica < 0 || replica >= ChildSpec.MAX_REPLICAS)) {
        throw CliException.usage("--replica: must be from 0 to " + (ChildSpec.MAX_REPLICAS - 1));
      }
      String which = replica == null ? "" : "&replica=" + replica;
      ApiClient api = client.client(ctx);
      String reply = api.get(path(id) + "/logs?tail=" + tail + which);
      if (!follow) {
        if (printedJson(reply)) {
          return 0;
        }
        JsonObject r = object(reply);
        long dropped = r.getValue("dropped") instanceof Number n ? n.longValue() : 0;
        if (dropped > 0) {
          err().println("(" + dropped + " older lines were dropped from the node's buffer)");
          err().flush();
        }
        print(r.getValue("lines"), -1);
        return 0;
      }
      long last = print(object(reply).getValue("lines"), -1);
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Thread.sleep(ctx.followIntervalMs());
          String next = api.get(path(id) + "/logs?tail=" + FOLLOW_WINDOW + which);
          last = print(object(next).getValue("lines"), last);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0;
    }

    /** Prints lines with seq above {@code after}; returns the highest seq seen. */
    long print(Object lines, long after) {
      long last = after;
      if (!(lines instanceof JsonArray arr)) {
        return last;
      }
      PrintWriter out = out();
      for (Object o : arr) {
        if (!(o instanceof JsonObject line)) {
          continue;
        }
        long seq = line.getValue("seq") instanceof Number n ? n.longValue() : -1;
        if (after >= 0 && seq <= after) {
          continue;
        }
        if (after >= 0 && last >= 0 && seq > last + 1) {
          err().println("(" + (seq - last - 1) + " lines not shown: they were produced faster than they were polled)");
          err().flush();
        }
        out.println(client.json ? line.encode() : Render.logLine(line, ctx.clock().getZone(), raw));
        last = Math.max(last, seq);
      }
      out.flush();
      return last;
    }
  }
}
