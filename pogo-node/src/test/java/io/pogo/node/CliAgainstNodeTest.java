package io.pogo.node;

import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI against a real node: every child command, the table, --json, and errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliAgainstNodeTest {
  @TempDir
  static Path dir;
  private PogoNode node;
  private String api;
  private String out;
  private String err;

  @BeforeAll
  void startNode() throws Exception {
    JsonObject config = new JsonObject().put("name", "cli-node").put("clusterName", "it-" + UUID.randomUUID())
        .put("clusterPort", PogoNodeTest.freePort()).put("httpPort", 0).put("dataDir", dir.toString());
    node = PogoNodeTest.await(PogoNode.start(NodeOptionsValidator.parse(config, "cli-node")));
    String url = node.apiUrl();
    api = url.substring(0, url.length() - "/api/v1".length());
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      PogoNodeTest.await(node.stop());
    }
  }

  private int pogo(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CliContext ctx = new CliContext(Map.of("POGO_API", api), Clock.systemUTC(), new ByteArrayInputStream(new byte[0]),
        () -> "cli", 50);
    CommandLine cl = Main.commandLine(ctx);
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    int code = cl.execute(args);
    out = o.toString();
    err = e.toString();
    return code;
  }

  @Test
  void childCommandsDriveARealNode() throws InterruptedException {
    assertEquals(0, pogo("child", "start", "--id", "ticker", "--tag", "team=cli", "--", "sh", "-c", "echo tick; exec sleep 1000"), err);
    assertEquals(0, pogo("child", "ls", "--tag", "team=cli"), err);
    String[] lines = out.split("\n");
    assertTrue(lines[0].startsWith("ID"), out);
    assertTrue(lines[1].matches("ticker\\s+process\\s+running\\s+cli-node\\s+0\\s+\\d+\\s+.*"), out);

    assertEquals(0, pogo("child", "get", "ticker", "--json"), err);
    JsonObject record = new JsonObject(out);
    long pid = record.getLong("pid");

    PogoNodeTest.waitFor("the output line", () -> pogo("child", "logs", "ticker") == 0 && out.contains("tick"));

    assertEquals(0, pogo("child", "restart", "ticker", "--json"), err);
    assertNotEquals(pid, new JsonObject(out).getLong("pid"));

    assertEquals(0, pogo("child", "start", "--id", "echo", "--verticle", "io.pogo.supervisor.examples.EchoVerticle",
        "--config", "{\"address\":\"cli.echo\"}"), err);
    assertEquals(0, pogo("child", "stop", "echo"), err);
    assertEquals(0, pogo("child", "stop", "ticker"), err);
    assertEquals(1, pogo("child", "get", "ticker"));
    assertTrue(err.contains("ticker"), err);
  }

  @Test
  void nodesAndClusterDescribeTheCluster() {
    assertEquals(0, pogo("nodes"), err);
    String[] lines = out.split("\n");
    assertTrue(lines[0].startsWith("NAME"), out);
    assertTrue(lines[1].matches("cli-node\\s+up\\s+\\d+\\s+1\\.0\\s+.*"), out);
    assertEquals(0, pogo("cluster"), err);
    assertTrue(out.contains("members      1 [cli-node]"), out);
    assertTrue(out.contains("quorum       majority: needs 1, largest seen 1, present"), out);
    assertTrue(out.contains("partitioned  false"), out);
    assertEquals(0, pogo("cluster", "--json"), err);
    assertEquals(false, new JsonObject(out).getBoolean("partitioned"));
  }

  @Test
  void badSpecsAreRefusedWithTheirFields() {
    assertEquals(1, pogo("child", "start", "--id", "nothing-to-run", "--kind", "process"));
    assertTrue(err.contains("argv"), err);
    assertEquals(1, pogo("child", "start", "--id", "ghost", "--", "no-such-binary-anywhere"));
    assertTrue(err.contains("argv[0]") && err.contains("not found"), err);
    assertEquals(1, pogo("child", "start", "--id", "v", "--verticle", "com.example.Nope"));
    assertTrue(err.contains("verticle") && err.contains("not found"), err);
    assertEquals(0, pogo("child", "ls", "--json"), err);
    assertFalse(out.contains("ghost"), "a refused start leaves nothing behind");
  }

  /** One long wait: the awaiter answers on the transition's event, even before the registry has the report. */
  private void awaitState(String id, String state) {
    assertEquals(0, pogo("child", "await", id, "--state", state, "--timeout", "20s"), err);
    assertEquals(id + " is " + state + " on cli-node\n", out);
  }

  @Test
  void asyncStartThenAwaitAndTheLogsOfReplicaZero() throws InterruptedException {
    assertEquals(0, pogo("child", "start", "--async", "--id", "later", "--", "sh", "-c", "echo up; exec sleep 1000"), err);
    assertTrue(out.startsWith("accepted later (process) on cli-node: "), out);
    awaitState("later", "running");
    PogoNodeTest.waitFor("the output line", () -> pogo("child", "logs", "later", "--replica", "0", "--raw") == 0
        && out.contains("up"));
    assertEquals(1, pogo("child", "logs", "later", "--replica", "1"));
    assertTrue(err.contains("later"), err);
    assertEquals(0, pogo("child", "stop", "later"), err);

    assertEquals(0, pogo("child", "start", "--async", "--id", "brief", "--restart", "temporary", "--", "sh", "-c", "exit 0"), err);
    awaitState("brief", "exited");
    assertEquals(1, pogo("child", "await", "brief", "--state", "running", "--timeout", "5s"));
    assertTrue(err.contains("exited"), err);
    assertEquals(0, pogo("child", "stop", "brief"), err);
    assertEquals(1, pogo("child", "await", "brief", "--timeout", "5s"));
    assertTrue(err.contains("brief"), err);
  }

  @Test
  void batchesContinueOrRollBack() throws Exception {
    JsonObject ok = new JsonObject().put("id", "b-ok").put("kind", "process")
        .put("argv", new JsonArray().add("sleep").add("1000"));
    JsonObject missing = new JsonObject().put("id", "b-missing").put("kind", "process")
        .put("argv", new JsonArray().add("no-such-binary-anywhere"));
    Path file = dir.resolve("batch.json");
    Files.writeString(file, new JsonArray().add(ok).add(missing).encode());
    assertEquals(1, pogo("child", "start", "--file", file.toString(), "--on-error", "continue"));
    String[] lines = out.split("\n");
    assertTrue(lines[0].matches("ID\\s+OK\\s+NODE/ERROR"), out);
    assertTrue(lines[1].matches("b-ok\\s+yes\\s+cli-node"), out);
    assertTrue(lines[2].matches("b-missing\\s+no\\s+VALIDATION_FAILED: .*no-such-binary-anywhere.*"), out);
    assertEquals("error: 1 of 2 children did not start\n", err);

    JsonObject fresh = ok.copy().put("id", "b-fresh");
    Files.writeString(file, new JsonObject().put("children", new JsonArray().add(fresh).add(ok)).encode());
    assertEquals(1, pogo("child", "start", "--file", file.toString()));
    assertTrue(out.contains("ALREADY_STARTED"), out);
    assertTrue(err.startsWith("error: batch rolled back: "), err);
    assertEquals(0, pogo("child", "ls", "--json"), err);
    assertFalse(out.contains("b-fresh"), "a rolled-back batch leaves nothing behind");
    assertEquals(0, pogo("child", "stop", "b-ok"), err);
  }

  @Test
  void replicasNeedThatManyNodes() {
    assertEquals(1, pogo("child", "start", "--id", "pair", "--replicas", "2", "--", "sleep", "1000"));
    assertTrue(err.contains("2 distinct live nodes"), err);
    assertEquals(1, pogo("child", "start", "--id", "many", "--replicas", "65", "--", "sleep", "1000"));
    assertTrue(err.contains("replicas"), err);
    assertEquals(0, pogo("child", "ls", "--json"), err);
    assertFalse(out.contains("\"pair\""), "a refused start leaves nothing behind");
  }
}
