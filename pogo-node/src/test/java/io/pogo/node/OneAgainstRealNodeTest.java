package io.pogo.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pogo one} for real: its own in-process node, a namespace from a file, real processes, the exit code. */
class OneAgainstRealNodeTest extends CliHarness {

  @TempDir
  Path dir;

  @Test
  void runsTheJobAndExitsNonZeroWhenAHostFailed() throws Exception {
    Path config = dir.resolve("one.yaml");
    Files.writeString(config, String.join("\n",
        "tag:",
        "  colo:",
        "    east: [web[1-3].east]",
        "sequence:",
        "  - $colo.east",
        "constraint:",
        "  $colo:",
        "    max_parallel: 1"));
    int code = run("one", "--config", config.toString(), "-t", "$colo.east", "--", "sh", "-c",
        "echo on {host}; test {host} != web2.east");
    assertEquals(1, code, out + err);
    assertTrue(out.contains("web1.east: succeeded"), out);
    assertTrue(out.contains("web2.east: failed (exit 1)"), out);
    assertTrue(out.contains("on web2.east"), "the failed host's output is shown: " + out);

    assertEquals(0, run("one", "-t", "a1,a2", "--", "true"), out + err);
  }
}
