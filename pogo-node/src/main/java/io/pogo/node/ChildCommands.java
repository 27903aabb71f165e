package io.pogo.node;

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
        "  --timeout D   connect and reply timeout (default 10s)"})
final class ChildCommands implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliException.USAGE;
  }

  /** How to reach the API; on every child subcommand. */
  static final class ClientOptions {
    @Option(names = "--api", paramLabel = "URL", description = {"the node's API (env POGO_API)", "default: http://127.0.0.1:8080"})
    String api;
    @Option(names = "--token", paramLabel = "TOKEN", description = "bearer token (env POGO_TOKEN)")
    String token;
    @Option(names = "--json", description = "print the raw JSON reply instead of a table")
    boolean json;
    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", description = "connect and reply timeout (default ${DEFAULT-VALUE})")
    String timeout;

    ApiClient client(CliContext ctx) {
      String a = api != null ? api : ctx.env().getOrDefault("POGO_API", ApiClient.DEFAULT_API);
      if (a.isBlank()) {
        a = ApiClient.DEFAULT_API;
      }
      String t = token != null ? token : ctx.env().get("POGO_TOKEN");
      long ms;
      try {
        ms = Durations.parseMillis(timeout.matches("\\d+") ? Long.parseLong(timeout) : timeout);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--timeout: " + e.getMessage());
      }
      if (ms < 1) {
        throw CliException.usage("--timeout: must be positive");
      }
      return new ApiClient(a, t, Duration.ofMillis(ms), json);
    }
  }

  /** Shared plumbing of the subcommands. */
  abstract static class Leaf implements Callable<Integer> {
    final CliContext ctx;
    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;

    Leaf(CliContext ctx) {
      this.ctx = ctx;
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    /** Prints the raw reply and returns true when --json was given. */
    boolean printedJson(String body) {
      if (!client.json) {
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
      return "/children/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String q(String s) {
      return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Start a child from a spec (--file or --spec), or from shortcut flags, e.g.",
          "  pogo child start --id web -- python3 -m http.server 9000",
          "  pogo child start --id echo \\",
          "      --verticle io.pogo.supervisor.examples.EchoVerticle --config '{}'"})
  static final class Start extends Leaf {
    @Option(names = "--file", paramLabel = "FILE", description = "spec as a JSON file ('-' for standard input)")
    String file;
    @Option(names = "--spec", paramLabel = "JSON", description = "spec as inline JSON")
    String specJson;
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

    @Override
    public Integer call() {
      JsonObject body = body();
      ApiClient api = client.client(ctx);
      String reply = api.post("/children", body);
      if (printedJson(reply)) {
        return 0;
      }
      JsonObject r = object(reply);
      out().println("started " + r.getValue("id", body.getValue("id")) + " (" + r.getValue("kind", body.getValue("kind"))
          + ") on " + Render.text(r.getValue("node")) + ": " + Render.text(r.getValue("state")));
      out().flush();
      return 0;
    }

    JsonObject body() {
      boolean shortcuts = id != null || kind != null || verticle != null || config != null || instances != null
          || restart != null || maxRestarts != null || restartWindow != null || shutdownTimeout != null
          || tags != null || env != null || cwd != null || (argv != null && !argv.isEmpty());
      if (file != null && specJson != null) {
        throw CliException.usage("give the spec once: --file or --spec, not both");
      }
      if (file != null || specJson != null) {
        if (shortcuts) {
          throw CliException.usage((file != null ? "--file" : "--spec")
              + " gives the whole spec: it cannot be combined with --id, --kind, --verticle or a command");
        }
        return file != null ? readFile(file) : parse(specJson, "--spec");
      }
      if (!shortcuts) {
        throw CliException.usage("say what to start: --file FILE, --spec JSON, or --id ID with --verticle CLASS or -- COMMAND...");
      }
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
        s.put("config", parse(config, "--config"));
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

    private JsonObject readFile(String f) {
      String text;
      try {
        text = f.equals("-") ? new String(ctx.stdin().readAllBytes(), StandardCharsets.UTF_8)
            : Files.readString(Path.of(f), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CliException.usage("--file: cannot read " + f + ": " + e.getMessage());
      }
      return parse(text, "--file " + f);
    }

    private static JsonObject parse(String text, String what) {
      try {
        Object v = io.vertx.core.json.Json.decodeValue(text);
        if (v instanceof JsonObject o) {
          return o;
        }
        throw CliException.usage(what + ": must be a JSON object");
      } catch (DecodeException e) {
        throw CliException.usage(what + ": not valid JSON: " + e.getMessage().replaceAll("\\s*\\n\\s*", " "));
      }
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

    Logs(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      if (tail < 1 || tail > MAX_TAIL) {
        throw CliException.usage("--tail: must be from 1 to " + MAX_TAIL);
      }
      ApiClient api = client.client(ctx);
      String reply = api.get(path(id) + "/logs?tail=" + tail);
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
          String next = api.get(path(id) + "/logs?tail=" + FOLLOW_WINDOW);
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
