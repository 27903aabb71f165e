package io.pogo.node.it;

import io.pogo.core.child.Handover;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * A test child that writes its own start and stop into a log shared by every node of the JVM, so a test can check
 * that no two instances of a child ever overlapped. It counts the messages sent to {@code count.<name>} and hands
 * the count over when it moves start-then-stop.
 */
public final class IntervalVerticle extends VerticleBase implements Handover {
  /** One line per start or stop: what, name, node of the context, System.nanoTime(). */
  public record Mark(String what, String name, String deployment, long at) {
  }

  private static final List<Mark> LOG = new ArrayList<>();

  private long count;
  private JsonObject takenOver;

  static synchronized List<Mark> marks(String name) {
    return LOG.stream().filter(m -> m.name().equals(name)).toList();
  }

  private static synchronized void mark(String what, String name, String deployment) {
    LOG.add(new Mark(what, name, deployment, System.nanoTime()));
  }

  /** No two intervals [start, stop] of one name overlap: fails with the marks when they do. */
  static void assertNoOverlap(String name) {
    List<Mark> marks = marks(name);
    int live = 0;
    for (Mark m : marks) {
      live += m.what().equals("start") ? 1 : -1;
      if (live > 1) {
        throw new AssertionError("two instances of " + name + " were live at once: " + marks);
      }
    }
  }

  @Override
  public Future<?> start() {
    String name = config().getString("name");
    if (takenOver != null) {
      count = takenOver.getLong("count", 0L);
    }
    mark("start", name, deploymentID());
    return vertx.eventBus().<Object>consumer("count." + name, msg -> msg.reply(++count)).completion();
  }

  @Override
  public Future<?> stop() {
    mark("stop", config().getString("name"), deploymentID());
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> handOver() {
    return Future.succeededFuture(new JsonObject().put("count", count));
  }

  @Override
  public void takeOver(JsonObject state) {
    takenOver = state;
  }
}
