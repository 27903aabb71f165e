package io.pogo.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * The flags that describe a job, shared by {@code pogo plan}, {@code pogo job run} and {@code pogo one}, so a plan
 * is the same command line as the run it previews. Values go to the server as typed: it owns the rules for limits
 * and durations and names the field of any bad one.
 */
final class JobOptions {
  @Option(names = {"-t", "--target"}, paramLabel = "TARGET", required = true,
      description = {"host, glob (web[01-20].east, db{1,2}) or tag expression ($colo.east, needs a namespace);",
          "repeatable, or comma-separated"})
  List<String> targets;
  @Option(names = "--mode", paramLabel = "MODE", description = "worker (default: on any worker node, e.g. ssh {host} ...) "
      + "or agent (on the node named like the target)")
  String mode;
  @Option(names = "--concurrency", paramLabel = "N|P%", description = "at most this many of the job's hosts at once")
  String concurrency;
  @Option(names = "--host-timeout", paramLabel = "DURATION", description = "a host's task is killed after this (default 10m)")
  String hostTimeout;
  @Option(names = "--job-timeout", paramLabel = "DURATION", description = "the job ends timed_out after this (default 1h)")
  String jobTimeout;
  @Option(names = "--max-failures", paramLabel = "N|P%", description = "this many failed hosts halt the job")
  String maxFailures;
  @Option(names = "--retries", paramLabel = "N", description = "re-runs of a failed host (default 0)")
  Integer retries;
  @Option(names = "--output-limit", paramLabel = "BYTES", description = "output kept per host and attempt (default 65536)")
  Integer outputLimit;

  /** The job request: the targets, the command, {@code user} and the settings given. */
  JsonObject request(String namespace, List<String> command, String user) {
    JsonObject r = new JsonObject();
    if (namespace != null) {
      r.put("namespace", namespace);
    }
    r.put("targets", new JsonArray(new ArrayList<>(targets())));
    r.put("command", new JsonArray(new ArrayList<>(command)));
    putIfGiven(r, "mode", mode);
    putIfGiven(r, "concurrency", concurrency);
    putIfGiven(r, "hostTimeout", hostTimeout);
    putIfGiven(r, "jobTimeout", jobTimeout);
    putIfGiven(r, "maxFailures", maxFailures);
    putIfGiven(r, "retries", retries);
    putIfGiven(r, "outputLimit", outputLimit);
    if (user != null && !user.isBlank()) {
      r.put("user", user);
    }
    return r;
  }

  /** Every {@code -t} value, comma lists split. */
  List<String> targets() {
    List<String> all = new ArrayList<>();
    for (String t : targets == null ? List.<String>of() : targets) {
      all.addAll(splitTargets(t));
    }
    if (all.isEmpty()) {
      throw CliException.usage("-t: give at least one target");
    }
    return all;
  }

  /**
   * Splits {@code web1,db{1,2},$colo.east} at the commas outside braces and brackets, which belong to globs.
   * Empty items ({@code a,,b}) are a usage error rather than a silent skip.
   */
  static List<String> splitTargets(String value) {
    List<String> items = new ArrayList<>();
    int depth = 0;
    StringBuilder item = new StringBuilder();
    for (char c : value.toCharArray()) {
      if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && depth > 0) {
        depth--;
      }
      if (c == ',' && depth == 0) {
        items.add(item.toString().trim());
        item.setLength(0);
      } else {
        item.append(c);
      }
    }
    items.add(item.toString().trim());
    if (items.stream().anyMatch(String::isEmpty)) {
      throw CliException.usage("-t: \"" + value + "\" has an empty target (a stray comma?)");
    }
    return items;
  }

  private static void putIfGiven(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }
}
