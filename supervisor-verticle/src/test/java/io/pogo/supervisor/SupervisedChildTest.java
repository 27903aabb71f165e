package io.pogo.supervisor;

import io.pogo.core.child.ChildRecord;
import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ChildState;
import io.pogo.core.child.ExitInfo;
import io.pogo.core.child.ExitKind;
import io.pogo.supervisor.runtime.ChildInstance;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.pogo.core.child.ChildState.BACKOFF;
import static io.pogo.core.child.ChildState.EXITED;
import static io.pogo.core.child.ChildState.FAILED;
import static io.pogo.core.child.ChildState.RUNNING;
import static io.pogo.core.child.ChildState.STARTING;
import static io.pogo.core.child.ChildState.STOPPED;
import static io.pogo.core.child.ChildState.STOPPING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The child lifecycle against a fake node: fake clock, fake timers, instances whose fate the test decides. */
class SupervisedChildTest {

  private final FakeHost host = new FakeHost();

  private static ChildSpec spec(String restart, int maxRestarts) {
    return ChildSpecValidator.parse(new JsonObject().put("id", "c1").put("kind", "process")
        .put("argv", new JsonArray().add("true")).put("restart", restart).put("maxRestarts", maxRestarts)
        .put("backoffInitial", "100ms").put("backoffMax", "1s").put("shutdownTimeout", "2s"));
  }

  @Test
  void startSettlesRunningOnceTheRegistryHasIt() {
    SupervisedChild child = new SupervisedChild(spec("permanent", 3), 1, host);
    host.holdReports = true;
    Future<ChildRecord> started = child.start();
    host.nextLaunch().complete(new FakeInstance(42L));
    assertEquals(RUNNING, child.state());
    assertFalse(started.isComplete(), "the reply waits for the registry");
    host.releaseReports();
    assertEquals(RUNNING, started.result().state());
    assertEquals(42L, started.result().pid());
    assertEquals(List.of(RUNNING), host.reportedStates(), "the registry wrote starting itself when it assigned the child");
  }

  @Test
  void abnormalExitOfPermanentChildRestartsAfterBackoff() {
    SupervisedChild child = startedChild("permanent", 3);
    host.lastInstance().exit(ExitInfo.processExit(1, host.now));
    assertEquals(BACKOFF, child.state());
    assertEquals(100, host.timers.peekFirst().delay);
    host.fireTimer();
    assertEquals(STARTING, child.state());
    host.nextLaunch().complete(new FakeInstance(43L));
    ChildRecord r = child.record();
    assertEquals(RUNNING, r.state());
    assertEquals(1, r.restarts());
    assertEquals(Integer.valueOf(1), r.lastExit().code());
    assertEquals(List.of("child.starting", "child.running", "child.backoff", "child.starting", "child.running"), host.eventTypes());
  }

  @Test
  void crashLoopEndsFailedAndStaysDown() {
    SupervisedChild child = startedChild("permanent", 2);
    for (int i = 0; i < 2; i++) {
      host.lastInstance().exit(ExitInfo.processSignal("SIGKILL", host.now));
      assertEquals(BACKOFF, child.state());
      host.fireTimer();
      host.nextLaunch().complete(new FakeInstance(100L + i));
    }
    host.lastInstance().exit(ExitInfo.processSignal("SIGKILL", host.now));
    assertEquals(FAILED, child.state());
    assertTrue(host.timers.isEmpty(), "nothing is scheduled for a failed child");
    assertEquals("SIGKILL", child.record().lastExit().signal());
  }

  @Test
  void transientNormalExitStaysExited() {
    SupervisedChild child = startedChild("transient", 3);
    host.lastInstance().exit(ExitInfo.processExit(0, host.now));
    assertEquals(EXITED, child.state());
    assertTrue(host.timers.isEmpty());
  }

  @Test
  void startFailureCountsAsAbnormalExit() {
    SupervisedChild child = new SupervisedChild(spec("permanent", 3), 1, host);
    Future<ChildRecord> started = child.start();
    host.nextLaunch().fail(new IllegalStateException("boom"));
    assertEquals(BACKOFF, started.result().state());
    assertEquals(ExitKind.ABNORMAL, started.result().lastExit().kind());
    assertTrue(started.result().lastExit().message().contains("start failed: IllegalStateException: boom"));
  }

  @Test
  void stopEndsTheInstanceAndRemovesTheRecord() {
    SupervisedChild child = startedChild("permanent", 3);
    FakeInstance instance = host.lastInstance();
    Future<ChildRecord> stopped = child.stop("stopped by request", true);
    assertEquals(STOPPING, child.state());
    assertEquals(2000, instance.stopTimeout);
    instance.exit(ExitInfo.shutdown("stopped (SIGTERM)", host.now));
    assertEquals(STOPPED, stopped.result().state());
    assertNull(stopped.result().pid());
    assertEquals(ExitKind.SHUTDOWN, stopped.result().lastExit().kind());
    assertTrue(host.reports.get(host.reports.size() - 1).remove);
  }

  @Test
  void stopDuringBackoffCancelsTheRestart() {
    SupervisedChild child = startedChild("permanent", 3);
    host.lastInstance().exit(ExitInfo.processExit(2, host.now));
    assertEquals(BACKOFF, child.state());
    Future<ChildRecord> stopped = child.stop("stopped by request", true);
    assertEquals(STOPPED, stopped.result().state());
    assertTrue(host.timers.isEmpty());
    assertEquals(Integer.valueOf(2), stopped.result().lastExit().code(), "the last real exit is kept");
  }

  @Test
  void stopWhileStartingStopsTheInstanceWhenItArrives() {
    SupervisedChild child = new SupervisedChild(spec("permanent", 3), 1, host);
    child.start();
    Promise<ChildInstance> launch = host.nextLaunch();
    Future<ChildRecord> stopped = child.stop("stopped by request", true);
    assertFalse(stopped.isComplete());
    FakeInstance late = new FakeInstance(7L);
    launch.complete(late);
    assertEquals(2000, late.stopTimeout, "the instance that arrived after the stop is stopped");
    late.exit(ExitInfo.shutdown("stopped", host.now));
    assertEquals(STOPPED, stopped.result().state());
    assertFalse(host.reportedStates().contains(RUNNING));
  }

  @Test
  void manualRestartRevivesAFailedChildWithAFreshWindow() {
    SupervisedChild child = startedChild("permanent", 0);
    host.lastInstance().exit(ExitInfo.processExit(1, host.now));
    assertEquals(FAILED, child.state());
    Future<ChildRecord> restarted = child.restart();
    host.nextLaunch().complete(new FakeInstance(9L));
    assertEquals(RUNNING, restarted.result().state());
    assertEquals(1, restarted.result().restarts());
  }

  @Test
  void manualRestartOfARunningChildStopsItFirst() {
    SupervisedChild child = startedChild("permanent", 3);
    FakeInstance first = host.lastInstance();
    Future<ChildRecord> restarted = child.restart();
    assertEquals(STOPPING, child.state());
    first.exit(ExitInfo.shutdown("stopped", host.now));
    assertEquals(STARTING, child.state());
    host.nextLaunch().complete(new FakeInstance(11L));
    assertEquals(RUNNING, restarted.result().state());
    assertEquals(11L, restarted.result().pid());
  }

  @Test
  void stopWinsOverARestartInProgress() {
    SupervisedChild child = startedChild("permanent", 3);
    FakeInstance first = host.lastInstance();
    Future<ChildRecord> restarted = child.restart();
    Future<ChildRecord> stopped = child.stop("stopped by request", true);
    first.exit(ExitInfo.shutdown("stopped", host.now));
    assertEquals(STOPPED, stopped.result().state());
    assertEquals(STOPPED, restarted.result().state());
    assertTrue(host.launches.isEmpty(), "no new instance was started");
  }

  @Test
  void exitOfASupersededInstanceIsIgnored() {
    SupervisedChild child = startedChild("permanent", 3);
    FakeInstance first = host.lastInstance();
    child.restart();
    first.exit(ExitInfo.processExit(1, host.now)); // the old instance's own exit, racing the stop
    host.nextLaunch().complete(new FakeInstance(5L));
    assertEquals(RUNNING, child.state());
    assertTrue(host.timers.isEmpty(), "no backoff was scheduled for the old instance");
  }

  private SupervisedChild startedChild(String restart, int maxRestarts) {
    SupervisedChild child = new SupervisedChild(spec(restart, maxRestarts), 1, host);
    child.start();
    host.nextLaunch().complete(new FakeInstance(41L));
    assertEquals(RUNNING, child.state());
    return child;
  }

  record Report(ChildRecord record, boolean remove) {
  }

  record Timer(long id, long delay, Runnable action) {
  }

  static final class FakeHost implements ChildHost {
    long now = 1_000;
    final Deque<Promise<ChildInstance>> launches = new ArrayDeque<>();
    final List<FakeInstance> instances = new ArrayList<>();
    final Deque<Timer> timers = new ArrayDeque<>();
    final List<Report> reports = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final Map<Integer, Promise<Void>> heldReports = new LinkedHashMap<>();
    boolean holdReports;
    long nextTimer;

    @Override
    public String nodeName() {
      return "n1";
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public Future<ChildInstance> startInstance(ChildSpec spec) {
      Promise<ChildInstance> p = Promise.promise();
      launches.add(p);
      return p.future().map(i -> {
        instances.add((FakeInstance) i);
        return i;
      });
    }

    FakeInstance lastInstance() {
      return instances.get(instances.size() - 1);
    }

    Promise<ChildInstance> nextLaunch() {
      assertFalse(launches.isEmpty(), "a launch was expected");
      return launches.removeFirst();
    }

    @Override
    public long setTimer(long delayMs, Runnable action) {
      long id = nextTimer++;
      timers.add(new Timer(id, delayMs, action));
      return id;
    }

    @Override
    public void cancelTimer(long timerId) {
      timers.removeIf(t -> t.id == timerId);
    }

    void fireTimer() {
      Timer t = timers.removeFirst();
      now += t.delay;
      t.action.run();
    }

    @Override
    public void published(ChildState from, ChildRecord record) {
      events.add("child." + record.state().wire());
    }

    @Override
    public Future<Void> report(ChildRecord record, boolean remove) {
      reports.add(new Report(record, remove));
      if (holdReports) {
        Promise<Void> p = Promise.promise();
        heldReports.put(reports.size(), p);
        return p.future();
      }
      return Future.succeededFuture();
    }

    void releaseReports() {
      holdReports = false;
      heldReports.values().forEach(Promise::complete);
      heldReports.clear();
    }

    List<ChildState> reportedStates() {
      return reports.stream().map(r -> r.record.state()).toList();
    }

    List<String> eventTypes() {
      return events;
    }
  }

  static final class FakeInstance implements ChildInstance {
    final Long pid;
    final Promise<ExitInfo> exit = Promise.promise();
    long stopTimeout = -1;

    FakeInstance(Long pid) {
      this.pid = pid;
    }

    void exit(ExitInfo info) {
      exit.tryComplete(info);
    }

    @Override
    public Long pid() {
      return pid;
    }

    @Override
    public String deploymentId() {
      return null;
    }

    @Override
    public long startedAt() {
      return 1_000;
    }

    @Override
    public Future<ExitInfo> exit() {
      return exit.future();
    }

    @Override
    public Future<Void> stop(long timeoutMs) {
      stopTimeout = timeoutMs;
      return exit.future().mapEmpty();
    }
  }
}
