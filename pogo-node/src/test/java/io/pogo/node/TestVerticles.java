package io.pogo.node;

import io.pogo.core.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Stand-ins for the real verticles, deployed by class name like them. */
public final class TestVerticles {
  /** "node:verticle:started|stopped", in order. */
  static final List<String> EVENTS = new CopyOnWriteArrayList<>();
  /** Specs received on pogo.child.start. */
  static final List<JsonObject> STARTED_SPECS = new CopyOnWriteArrayList<>();

  private TestVerticles() {
  }

  abstract static class Recording extends VerticleBase {
    String node() {
      return config().getString("name");
    }

    @Override
    public Future<?> start() {
      EVENTS.add(node() + ":" + getClass().getSimpleName() + ":started");
      return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
      EVENTS.add(node() + ":" + getClass().getSimpleName() + ":stopped");
      return Future.succeededFuture();
    }
  }

  /** Answers pogo.child.start like a registry would; "dup" is already started. */
  public static final class Registry extends Recording {
    @Override
    public Future<?> start() {
      super.start();
      return vertx.eventBus().<JsonObject>consumer(Addresses.CHILD_START, msg -> {
        JsonObject spec = msg.body();
        STARTED_SPECS.add(spec);
        if (spec.getString("id").equals("dup")) {
          msg.fail(4090, new JsonObject().put("code", "ALREADY_STARTED").put("message", "dup runs on elsewhere").encode());
        } else {
          msg.reply(new JsonObject().put("id", spec.getString("id")).put("node", node()).put("state", "running"));
        }
      }).completion();
    }
  }

  public static final class Supervisor extends Recording {
  }

  /** Fails its start, as a verticle with a bad config would. */
  public static final class Failing extends Recording {
    @Override
    public Future<?> start() {
      super.start();
      return Future.failedFuture(new IllegalStateException("no database at db:5432"));
    }
  }

  /** Listens on an ephemeral port and publishes it like the HTTP verticle does. */
  public static final class Http extends Recording {
    private HttpServer server;

    @Override
    public Future<?> start() {
      super.start();
      return vertx.createHttpServer().requestHandler(req -> req.response().end("ok"))
          .listen(config().getInteger("httpPort"), config().getString("httpHost"))
          .onSuccess(s -> {
            server = s;
            vertx.sharedData().getLocalMap(PogoNode.LOCAL_MAP).put("httpPort", s.actualPort());
          });
    }

    @Override
    public Future<?> stop() {
      super.stop();
      return server == null ? Future.succeededFuture() : server.close();
    }
  }
}
