package io.pogo.node;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code pogo ns ...}: namespace configs (tags, sequences, constraints) and their shared budget. */
@Command(name = "ns", mixinStandardHelpOptions = true,
    description = {"Namespaces: configs in the tag / sequence / constraint language, whose limits every job of the "
        + "namespace shares.", "  pogo ns put web web.yaml      pogo ns budget web"},
    footer = {"", "Client options, on every subcommand: --api URL, --token T, --json, --timeout D (see pogo child --help)."})
final class NamespaceCommands implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliException.USAGE;
  }

  static String namespacePath(String name) {
    return "/namespaces/" + ChildCommands.Base.segment(name);
  }

  /** A config document and the media type it is sent with. */
  record ConfigText(String text, String contentType) {
  }

  /**
   * Reads a config from {@code file} ({@code -} for standard input). It is sent as JSON when the file is named
   * {@code .json} or its text starts with <code>{</code>, else as YAML; either way the server parses it.
   */
  static ConfigText readConfig(String file, InputStream stdin, String option) {
    String text;
    try {
      text = file.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw CliException.usage(option + ": cannot read " + file + ": " + e.getMessage());
    }
    if (text.isBlank()) {
      throw CliException.usage(option + ": " + (file.equals("-") ? "standard input" : file) + " is empty");
    }
    String lower = file.toLowerCase(Locale.ROOT);
    boolean json = lower.endsWith(".json") || (!lower.endsWith(".yaml") && !lower.endsWith(".yml") && text.strip().startsWith("{"));
    return new ConfigText(text, json ? "application/json" : "application/yaml");
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = {"Create or replace a namespace from a YAML or JSON file ('-' for standard input).",
          "  pogo ns put web web.yaml", "Errors name the config path that is wrong (constraint.$colo.max_parallel)."})
  static final class Put extends ChildCommands.Leaf {
    @Parameters(index = "0", paramLabel = "NAME", description = "namespace name")
    String name;
    @Parameters(index = "1", paramLabel = "FILE", description = "the config (.yaml, .yml or .json; '-' for standard input)")
    String file;

    Put(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      ConfigText config = readConfig(file, ctx.stdin(), "FILE");
      String reply = client.client(ctx).put(namespacePath(name), config.text(), config.contentType());
      if (!printedJson(reply)) {
        out().println(JobRender.namespaceLine(object(reply)));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = "Show a namespace and its config; --yaml prints the config alone, ready to edit and put back.")
  static final class Get extends ChildCommands.Leaf {
    @Parameters(paramLabel = "NAME", description = "namespace name")
    String name;
    @Option(names = "--yaml", description = "print the config alone, as YAML (what 'pogo ns put' takes)")
    boolean yaml;

    Get(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).get(namespacePath(name));
      if (!printedJson(reply)) {
        JsonObject ns = object(reply);
        out().print(yaml ? JobRender.yaml(ns.getValue("config") instanceof JsonObject c ? c : new JsonObject())
            : JobRender.namespaceDetails(ns, ctx.clock().instant()));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true,
      description = "List namespaces (table: NAME VERSION HOSTS TAGS SEQUENCES CONSTRAINTS UPDATED).")
  static final class Ls extends ChildCommands.Leaf {
    Ls(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).get("/namespaces");
      if (!printedJson(reply)) {
        List<JsonObject> list = JobRender.objects(object(reply).getValue("namespaces"));
        out().print(list.isEmpty() ? "no namespaces\n" : JobRender.namespaceTable(list, ctx.clock().instant()));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = "Delete a namespace (refused while an active job uses it).")
  static final class Rm extends ChildCommands.Leaf {
    @Parameters(paramLabel = "NAME", description = "namespace name")
    String name;

    Rm(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).delete(namespacePath(name));
      if (!printedJson(reply)) {
        out().println("deleted namespace " + object(reply).getValue("name", name));
        out().flush();
      }
      return 0;
    }
  }

  @Command(name = "budget", mixinStandardHelpOptions = true,
      description = "A namespace's shared limits, their use across jobs and who holds them "
          + "(table: SLOT LIMIT RULE POPULATION USED HOLDERS; holders are host@job).")
  static final class Budget extends ChildCommands.Leaf {
    @Parameters(paramLabel = "NAME", description = "namespace name")
    String name;

    Budget(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      String reply = client.client(ctx).get(namespacePath(name) + "/budget");
      if (!printedJson(reply)) {
        List<JsonObject> slots = JobRender.objects(object(reply).getValue("slots"));
        out().print(slots.isEmpty() ? "namespace " + name + " sets no limits\n" : JobRender.slots(slots, true));
        out().flush();
      }
      return 0;
    }
  }
}
