package io.pogo.node;

import java.io.InputStream;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the CLI reads from its surroundings, injectable for tests.
 *
 * @param env            the environment ({@code POGO_API}, {@code POGO_TOKEN}, {@code POGO_*} node settings)
 * @param clock          for relative times
 * @param stdin          for {@code --file -}
 * @param defaultNodeName the name a node takes when none is set
 * @param followIntervalMs how often {@code child logs --follow} polls
 */
record CliContext(Map<String, String> env, Clock clock, InputStream stdin, Supplier<String> defaultNodeName, long followIntervalMs) {

  static CliContext system() {
    return new CliContext(System.getenv(), Clock.systemDefaultZone(), System.in, NodeConfigLoader::defaultNodeName, 1_000);
  }
}
