package io.pogo.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.json.JsonObject;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code pogo one}: a job without a cluster, the successor of Pogo's pogo-one. Starts a node in this process (fresh
 * data directory, free ports, a cluster of its own on 127.0.0.1), puts the config as namespace {@value #NAMESPACE},
 * runs the job, prints each host's progress, and stops the node. Ctrl-C halts the job, killing its tasks, first.
 */
@Command(name = "one", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run one job on a private, in-process node: no cluster needed.",
        "  pogo one --config web.yaml -t '$colo.east' --concurrency 2 -- ssh {host} uptime",
        "Prints each host's progress, then the summary and the last output lines of each failed host.",
        "Exit code 0 if every host succeeded, 1 if any did not (failed, timed out, lost, skipped), 2 on bad input."})
final class OneCommand implements Callable<Integer> {
  /** The namespace the config is put as. */
  static final String NAMESPACE = "one";
  /** The node name when the host name is not a valid one. */
  static final String FALLBACK_NODE_NAME = "one";
  /** How long the scheduler may take to answer after the node is up. */
  static final long SCHEDULER_WAIT_MS = 30_000;
  /** How long the node may take to start (joining a cluster of one, deploying the verticles). */
  static final long NODE_START_MS = 60_000;
  /** Connect and reply timeout of each API call to the node. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Output lines shown per failed host, and failed hosts shown with their output. */
  static final int FAILED_OUTPUT_LINES = 10;
  static final int FAILED_HOSTS_SHOWN = 20;
  /** Host states that count as not succeeded, whose output is worth showing. */
  static final Set<String> FAILED_STATES = Set.of("failed", "timed_out", "lost");

  /** A node started for this run: where its API is, and how to stop it (idempotent). */
  record LocalNode(String api, Runnable stop) {
  }

  /** Starts the node; tests replace it with one that points at a fake API. */
  interface NodeLauncher {
    /**
     * @param quiet only warnings in the node's log, so its INFO lines do not drown the progress lines
     */
    LocalNode start(String name, Path dataDir, boolean quiet) throws Exception;
  }

  final CliContext ctx;
  NodeLauncher launcher = OneCommand::startInProcess;

  @Spec
  CommandSpec spec;
  @Option(names = "--config", paramLabel = "FILE", description = "namespace config (YAML or JSON; '-' for standard input); "
      + "without it, no constraints apply")
  String config;
  @Mixin
  JobOptions job;
  @Option(names = "--keep-data", description = "keep the node's data directory (its path is printed) instead of deleting it")
  boolean keepData;
  @Option(names = "--verbose", description = "show the node's log (INFO) on standard error")
  boolean verbose;
  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command and its arguments (after --)")
  List<String> command;

  OneCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Integer call() throws Exception {
    if (command == null || command.isEmpty()) {
      throw CliException.usage("say what to run after --, e.g. pogo one -t web1 -- echo {host}");
    }
    NamespaceCommands.ConfigText configText = config == null ? null : NamespaceCommands.readConfig(config, ctx.stdin(), "--config");
    JsonObject request = job.request(configText == null ? null : NAMESPACE, command, JobCommands.osUser());
    Path data = Files.createTempDirectory("pogo-one-");
    LocalNode node;
    try {
      node = launcher.start(nodeName(ctx.defaultNodeName().get()), data, !verbose);
    } catch (Exception e) {
      deleteTree(data);
      throw new CliException(CliException.API_ERROR, "cannot start the node: " + PogoNode.rootMessage(e), List.of(), null);
    }
    ApiClient api = new ApiClient(node.api(), null, REQUEST_TIMEOUT, false);
    AtomicReference<String> jobId = new AtomicReference<>();
    AtomicBoolean over = new AtomicBoolean();
    AtomicBoolean cleaned = new AtomicBoolean();
    Runnable cleanUp = () -> {
      if (cleaned.compareAndSet(false, true)) {
        node.stop().run();
        if (keepData) {
          spec.commandLine().getErr().println("the node's data is kept in " + data);
          spec.commandLine().getErr().flush();
        } else {
          deleteTree(data);
        }
      }
    };
    Thread onCtrlC = new Thread(() -> {
      String id = jobId.get();
      if (id != null && !over.get()) {
        spec.commandLine().getErr().println("interrupted: halting job " + id + " (killing its tasks)");
        spec.commandLine().getErr().flush();
        try {
          api.post(JobWatch.path(id) + "/halt", new JsonObject().put("kill", true).put("reason", "pogo one was interrupted"));
        } catch (CliException e) {
          spec.commandLine().getErr().println("error: " + e.getMessage());
        }
      }
      cleanUp.run();
    }, "pogo-one-interrupted");
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    try {
      return runJob(api, configText, request, jobId, over);
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onCtrlC);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it halts the job and stops the node
      }
      cleanUp.run();
    }
  }

  /** Once the scheduler answers: puts the config, runs the job, prints its progress and what failed. */
  private int runJob(ApiClient api, NamespaceCommands.ConfigText configText, JsonObject request, AtomicReference<String> jobId,
                     AtomicBoolean over) throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    awaitScheduler(api);
    if (configText != null) {
      send(api, "PUT", NamespaceCommands.namespacePath(NAMESPACE), configText.text(), configText.contentType());
    }
    JsonObject created = ChildCommands.Base.object(send(api, "POST", "/jobs", request.encode(), "application/json"));
    String id = String.valueOf(created.getValue("id"));
    jobId.set(id);
    out.println(JobCommands.oneLine(created));
    out.flush();
    HostProgress progress = new HostProgress();
    List<JsonObject> lastHosts = new ArrayList<>();
    JsonObject last = new JobWatch(api, id, ctx.followIntervalMs()).untilOver(j -> { }, hosts -> {
      progress.update(hosts).forEach(out::println);
      out.flush();
      lastHosts.clear();
      lastHosts.addAll(hosts);
    });
    over.set(true);
    out.println(JobCommands.oneLine(last));
    printFailedOutput(api, id, lastHosts, out);
    out.flush();
    return allSucceeded(last) ? 0 : CliException.API_ERROR;
  }

  /** Every host succeeded: the job finished and nothing was skipped. */
  static boolean allSucceeded(JsonObject job) {
    JsonObject counts = job.getValue("counts") instanceof JsonObject c ? c : new JsonObject();
    long succeeded = counts.getValue("succeeded") instanceof Number n ? n.longValue() : 0;
    long total = job.getValue("total") instanceof Number n ? n.longValue() : -1;
    return "finished".equals(job.getValue("state")) && succeeded == total;
  }

  /** The host name when it is a valid node name, else {@value #FALLBACK_NODE_NAME}. */
  static String nodeName(String hostName) {
    return hostName != null && NodeOptionsValidator.NODE_NAME.matcher(hostName).matches() ? hostName : FALLBACK_NODE_NAME;
  }

  /** Polls until the scheduler answers: after the node is up, it may still be starting. */
  private void awaitScheduler(ApiClient api) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SCHEDULER_WAIT_MS);
    boolean said = false;
    while (true) {
      ApiClient.Reply reply = api.exchange("GET", "/jobs?limit=1", (JsonObject) null);
      if (reply.status() / 100 == 2) {
        return;
      }
      if (reply.status() != 503) {
        throw api.apiError(reply.status(), reply.body());
      }
      if (!said) {
        spec.commandLine().getErr().println("(waiting for the scheduler to start)");
        spec.commandLine().getErr().flush();
        said = true;
      }
      if (System.nanoTime() > deadline) {
        CliException why = api.apiError(reply.status(), reply.body());
        throw new CliException(CliException.API_ERROR, "the scheduler did not answer within "
            + SCHEDULER_WAIT_MS / 1000 + " s: " + why.getMessage(), List.of(), null);
      }
      Thread.sleep(ctx.followIntervalMs());
    }
  }

  /** Sends the config or the job; when the server refuses it as wrong (400, 413) that is bad input: exit code 2. */
  private static String send(ApiClient api, String method, String path, String body, String contentType) {
    ApiClient.Reply reply = api.exchange(method, path, body, contentType);
    if (reply.status() / 100 == 2) {
      return reply.body();
    }
    CliException e = api.apiError(reply.status(), reply.body());
    throw reply.status() == 400 || reply.status() == 413 ? e.withExitCode(CliException.USAGE) : e;
  }

  private void printFailedOutput(ApiClient api, String id, List<JsonObject> hosts, PrintWriter out) {
    List<JsonObject> failed = hosts.stream().filter(h -> FAILED_STATES.contains(String.valueOf(h.getValue("state"))))
        .sorted(Comparator.comparing(h -> String.valueOf(h.getValue("host")), JobRender::naturalCompare)).toList();
    for (JsonObject h : failed.subList(0, Math.min(FAILED_HOSTS_SHOWN, failed.size()))) {
      String host = String.valueOf(h.getValue("host"));
      JsonObject reply = ChildCommands.Base.object(api.get(JobWatch.path(id) + "/hosts/" + ChildCommands.Base.segment(host) + "/output"));
      List<JsonObject> attempts = JobRender.objects(reply.getValue("attempts"));
      if (attempts.isEmpty()) {
        out.println(JobRender.transition(h) + ": no output");
        continue;
      }
      JsonObject lastAttempt = attempts.get(attempts.size() - 1);
      List<JsonObject> lines = JobRender.objects(lastAttempt.getValue("lines"));
      out.println(JobRender.transition(h) + ", last " + Math.min(FAILED_OUTPUT_LINES, lines.size()) + " lines of attempt "
          + Render.text(lastAttempt.getValue("attempt")) + ":");
      for (JsonObject line : lines.subList(Math.max(0, lines.size() - FAILED_OUTPUT_LINES), lines.size())) {
        out.println("  " + JobRender.outputLine(line, ctx.clock().getZone()));
      }
    }
    if (failed.size() > FAILED_HOSTS_SHOWN) {
      out.println("... and " + (failed.size() - FAILED_HOSTS_SHOWN) + " more hosts that did not succeed");
    }
  }

  /** Warnings and errors only, also for the loggers the node's logback.xml raises to INFO (Hazelcast membership). */
  private static void quietLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
      for (ch.qos.logback.classic.Logger logger : logback.getLoggerList()) {
        boolean root = logger.getName().equals(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root || (logger.getLevel() != null && !logger.getLevel().isGreaterOrEqual(Level.WARN))) {
          logger.setLevel(Level.WARN);
        }
      }
    }
  }

  /** A node of its own: fresh cluster name, free ports, loopback only, the given data directory. */
  static LocalNode startInProcess(String name, Path dataDir, boolean quiet) throws Exception {
    if (quiet) {
      quietLogs();
    }
    JsonObject settings = new JsonObject().put("name", name).put("httpHost", NodeOptions.DEFAULT_HTTP_HOST).put("httpPort", 0)
        .put("clusterName", "pogo-one-" + UUID.randomUUID()).put("clusterHost", NodeOptions.DEFAULT_CLUSTER_HOST)
        .put("clusterPort", freePort()).put("dataDir", dataDir.toString());
    NodeOptions options = NodeOptionsValidator.parse(settings, name);
    PogoNode node = PogoNode.start(options).toCompletionStage().toCompletableFuture().get(NODE_START_MS, TimeUnit.MILLISECONDS);
    String api = node.apiUrl();
    long stopMs = PogoNode.SHUTDOWN_DRAIN_MS + options.requestTimeoutMs() + PogoNode.UNDEPLOY_TIMEOUT_MS + PogoNode.LEAVE_TIMEOUT_MS;
    return new LocalNode(api.substring(0, api.length() - "/api/v1".length()), () -> {
      try {
        node.stop().toCompletionStage().toCompletableFuture().get(stopMs, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LoggerFactory.getLogger(OneCommand.class).warn("the node did not stop cleanly: {}", PogoNode.rootMessage(e));
      }
    });
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(NodeOptions.DEFAULT_CLUSTER_HOST))) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      LoggerFactory.getLogger(OneCommand.class).warn("cannot delete {}: {}", dir, e.getMessage());
    }
  }
}
