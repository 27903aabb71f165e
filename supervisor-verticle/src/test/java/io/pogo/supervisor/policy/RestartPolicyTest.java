package io.pogo.supervisor.policy;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.child.ChildSpecValidator;
import io.pogo.core.child.ExitKind;
import io.pogo.core.child.RestartType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The restart table (type × exit kind), restart intensity and backoff, as in OTP's supervisor_SUITE groups. */
class RestartPolicyTest {

  private static ChildSpec spec(String restart, int maxRestarts, String window, String initial, String max) {
    return ChildSpecValidator.parse(new JsonObject().put("id", "c").put("kind", "process")
        .put("argv", new JsonArray().add("true")).put("restart", restart).put("maxRestarts", maxRestarts)
        .put("restartWindow", window).put("backoffInitial", initial).put("backoffMax", max));
  }

  @ParameterizedTest(name = "{0} after {1} exit -> restart={2}")
  @CsvSource({
      "permanent, NORMAL,   true",
      "permanent, ABNORMAL, true",
      "permanent, SHUTDOWN, false",
      "transient, NORMAL,   false",
      "transient, ABNORMAL, true",
      "transient, SHUTDOWN, false",
      "temporary, NORMAL,   false",
      "temporary, ABNORMAL, false",
      "temporary, SHUTDOWN, false"})
  void restartTable(String type, ExitKind exit, boolean restarts) {
    assertEquals(restarts, RestartPolicy.restarts(RestartType.fromWire(type), exit));
    RestartPolicy.Outcome o = RestartPolicy.decide(spec(type, 5, "60s", "100ms", "10s"), RestartHistory.EMPTY, exit, 1_000);
    Class<?> expected = restarts ? RestartPolicy.Restart.class : RestartPolicy.StayDown.class;
    assertEquals(expected, o.getClass());
  }

  @Test
  void intensityExceededGivesUp() {
    ChildSpec s = spec("permanent", 3, "10s", "100ms", "10s");
    RestartHistory h = RestartHistory.EMPTY;
    long now = 0;
    for (int i = 0; i < 3; i++) {
      now += 500;
      RestartPolicy.Outcome o = RestartPolicy.decide(s, h, ExitKind.ABNORMAL, now);
      h = assertInstanceOf(RestartPolicy.Restart.class, o).history();
    }
    assertEquals(3, h.count());
    RestartPolicy.Outcome fourth = RestartPolicy.decide(s, h, ExitKind.ABNORMAL, now + 500);
    assertEquals(3, assertInstanceOf(RestartPolicy.GiveUp.class, fourth).restartsInWindow());
  }

  @Test
  void restartsOutsideTheWindowAreForgotten() {
    ChildSpec s = spec("permanent", 2, "10s", "100ms", "10s");
    RestartHistory h = new RestartHistory(List.of(1_000L, 2_000L));
    assertInstanceOf(RestartPolicy.GiveUp.class, RestartPolicy.decide(s, h, ExitKind.ABNORMAL, 5_000));
    RestartPolicy.Restart r = assertInstanceOf(RestartPolicy.Restart.class, RestartPolicy.decide(s, h, ExitKind.ABNORMAL, 11_500));
    assertEquals(List.of(2_000L, 11_500L), r.history().times());
  }

  @Test
  void zeroMaxRestartsFailsAtFirstRestartableExit() {
    ChildSpec s = spec("permanent", 0, "10s", "100ms", "10s");
    assertInstanceOf(RestartPolicy.GiveUp.class, RestartPolicy.decide(s, RestartHistory.EMPTY, ExitKind.NORMAL, 1));
    ChildSpec t = spec("transient", 0, "10s", "100ms", "10s");
    assertInstanceOf(RestartPolicy.StayDown.class, RestartPolicy.decide(t, RestartHistory.EMPTY, ExitKind.NORMAL, 1));
  }

  @Test
  void backoffDoublesUpToTheCap() {
    assertEquals(100, RestartPolicy.backoffMs(0, 100, 1_000));
    assertEquals(200, RestartPolicy.backoffMs(1, 100, 1_000));
    assertEquals(800, RestartPolicy.backoffMs(3, 100, 1_000));
    assertEquals(1_000, RestartPolicy.backoffMs(4, 100, 1_000));
    assertEquals(1_000, RestartPolicy.backoffMs(63, 100, 1_000));
    assertEquals(3_600_000, RestartPolicy.backoffMs(500, 3_600_000, 3_600_000));
    assertEquals(0, RestartPolicy.backoffMs(7, 0, 1_000));
  }

  @Test
  void backoffGrowsWithRestartsInTheWindow() {
    ChildSpec s = spec("permanent", 10, "60s", "200ms", "1s");
    RestartHistory h = RestartHistory.EMPTY;
    long[] expected = {200, 400, 800, 1000, 1000};
    for (int i = 0; i < expected.length; i++) {
      RestartPolicy.Restart r = assertInstanceOf(RestartPolicy.Restart.class,
          RestartPolicy.decide(s, h, ExitKind.ABNORMAL, 1_000L * (i + 1)));
      assertEquals(expected[i], r.delayMs(), "restart " + i);
      h = r.history();
    }
    RestartPolicy.Restart afterQuiet = assertInstanceOf(RestartPolicy.Restart.class,
        RestartPolicy.decide(s, h, ExitKind.ABNORMAL, 200_000));
    assertEquals(200, afterQuiet.delayMs(), "a quiet window resets the backoff");
  }
}
