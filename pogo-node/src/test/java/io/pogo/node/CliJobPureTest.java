package io.pogo.node;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of the job half of the CLI: targets, host lists, ordering, durations, progress, end states. */
class CliJobPureTest {

  @Test
  void targetsSplitAtCommasOutsideGlobs() {
    assertEquals(List.of("web1", "db{1,2}", "$colo.east", "web[01-10]"), JobOptions.splitTargets("web1, db{1,2},$colo.east,web[01-10]"));
    assertEquals(List.of("h{a,{b,c}}"), JobOptions.splitTargets("h{a,{b,c}}"));
    assertEquals(List.of("web1"), JobOptions.splitTargets("web1"));
    CliException e = assertThrows(CliException.class, () -> JobOptions.splitTargets("web1,"));
    assertEquals(CliException.USAGE, e.exitCode());
  }

  @Test
  void hostListsAreCutToAWidthWithTheRestCounted() {
    List<String> hosts = IntStream.rangeClosed(1, 42).mapToObj(i -> "web" + i).toList();
    assertEquals("web1, web2, web3, web4, ... (+38)", JobRender.hostList(hosts, 33));
    assertTrue(JobRender.hostList(hosts, 40).length() <= 40);
    assertEquals("web1, web2", JobRender.hostList(List.of("web1", "web2"), 10));
    assertEquals("a-very-long-host-name, ... (+1)", JobRender.hostList(List.of("a-very-long-host-name", "b"), 5),
        "at least one name is shown");
    assertEquals("-", JobRender.hostList(List.of(), 40));
  }

  @Test
  void hostNamesSortNaturally() {
    List<String> names = new ArrayList<>(List.of("web10", "web2", "db1", "web02", "web1.east", "web1"));
    names.sort(JobRender::naturalCompare);
    assertEquals(List.of("db1", "web1", "web1.east", "web02", "web2", "web10"), names);
  }

  @Test
  void durations() {
    assertEquals("0ms", JobRender.duration(0));
    assertEquals("999ms", JobRender.duration(999));
    assertEquals("59s", JobRender.duration(59_999));
    assertEquals("1m00s", JobRender.duration(60_000));
    assertEquals("59m59s", JobRender.duration(3_599_000));
    assertEquals("25h00m", JobRender.duration(90_000_000));
  }

  static JsonObject host(String host, String state, int attempts, Integer exit, String reason) {
    return new JsonObject().put("host", host).put("state", state).put("attempts", attempts).put("exitCode", exit).put("reason", reason);
  }

  @Test
  void transitionsSayTheExitCodeOrTheReason() {
    assertEquals("web1: running", JobRender.transition(host("web1", "running", 1, null, null)));
    assertEquals("web1: succeeded (exit 0)", JobRender.transition(host("web1", "succeeded", 1, 0, "exit code 0")));
    assertEquals("web2: lost (node-b left the cluster)", JobRender.transition(host("web2", "lost", 1, null, "node-b left the cluster")));
    assertEquals("web3: waiting for colo.east", JobRender.transition(host("web3", "waiting", 0, null, "waiting for colo.east")));
  }

  @Test
  void progressReportsChangesOnlyAndNotTheInitialWait() {
    HostProgress p = new HostProgress();
    assertEquals(List.of("b: running"), p.update(List.of(host("a", "waiting", 0, null, "waiting for colo.east"),
        host("b", "running", 1, null, null), host("c", "ready", 0, null, null))));
    assertEquals(List.of(), p.update(List.of(host("a", "ready", 0, null, null), host("b", "running", 1, null, null))));
    assertEquals(List.of("a: running", "b: failed (exit 1)"), p.update(List.of(host("a", "running", 1, null, null),
        host("b", "failed", 1, 1, null))));
    assertEquals(List.of("b: waiting (retry)"), p.update(List.of(host("b", "waiting", 1, null, "retry"))));
    assertEquals(List.of("b: running"), p.update(List.of(host("b", "running", 2, null, null))));
    assertEquals(List.of("b: running"), p.update(List.of(host("b", "running", 3, null, null))),
        "a new attempt between two polls is a change");
  }

  static JsonObject job(String state, JsonObject counts, int total) {
    return new JsonObject().put("state", state).put("counts", counts).put("total", total);
  }

  @Test
  void aJobIsOverWhenItEndedOrIsHaltedWithNothingRunning() {
    for (String s : List.of("finished", "failed", "deadlocked", "timed_out")) {
      assertTrue(JobWatch.isOver(job(s, new JsonObject(), 1)), s);
    }
    assertFalse(JobWatch.isOver(job("running", new JsonObject(), 1)));
    assertFalse(JobWatch.isOver(job("halted", new JsonObject().put("running", 2), 3)));
    assertTrue(JobWatch.isOver(job("halted", new JsonObject().put("running", 0).put("halted", 3), 3)));
  }

  @Test
  void oneSucceedsOnlyWhenEveryHostSucceeded() {
    assertTrue(OneCommand.allSucceeded(job("finished", new JsonObject().put("succeeded", 3), 3)));
    assertFalse(OneCommand.allSucceeded(job("finished", new JsonObject().put("succeeded", 2).put("skipped", 1), 3)));
    assertFalse(OneCommand.allSucceeded(job("failed", new JsonObject().put("succeeded", 2).put("failed", 1), 3)));
    assertFalse(OneCommand.allSucceeded(job("timed_out", new JsonObject().put("succeeded", 3), 3)));
  }

  @Test
  void oneNamesItsNodeAfterTheHostWhenItCan() {
    assertEquals("build-7.lab", OneCommand.nodeName("build-7.lab"));
    assertEquals("one", OneCommand.nodeName("my_laptop"));
    assertEquals("one", OneCommand.nodeName(null));
  }

  @Test
  void aConfigIsSentAsJsonOrYamlByNameOrContent() {
    ByteArrayInputStream json = new ByteArrayInputStream("  {\"tag\":{}}".getBytes(StandardCharsets.UTF_8));
    assertEquals("application/json", NamespaceCommands.readConfig("-", json, "FILE").contentType());
    ByteArrayInputStream yaml = new ByteArrayInputStream("tag: {}\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("application/yaml", NamespaceCommands.readConfig("-", yaml, "FILE").contentType());
    CliException e = assertThrows(CliException.class,
        () -> NamespaceCommands.readConfig("-", new ByteArrayInputStream(new byte[0]), "--config"));
    assertEquals("--config: standard input is empty", e.getMessage());
  }
}
