package io.pogo.node.it;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

/**
 * A test child that lets a test in another JVM make event-bus requests through the node it runs on:
 * {@code POST /bus/<address>?timeout=<ms>} with a JSON body answers 200 with the reply's body, or 502 with
 * {@code {"failureType","failureCode","message"}} of the failure. For the failover ITs, while the jobs API has no HTTP
 * routes: start one per node, pinned to it ({@code "node"} in the spec), on a port given in its config
 * ({@code {"port": N}}), bound to 127.0.0.1.
 */
public final class BusBridgeVerticle extends VerticleBase {
  private HttpServer server;

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      if (!path.startsWith("/bus/")) {
        req.response().setStatusCode(404).end();
        return;
      }
      String address = path.substring("/bus/".length());
      long timeout = Long.parseLong(req.getParam("timeout", "5000"));
      req.body()
          .compose(buf -> vertx.eventBus().<Object>request(address, buf.length() == 0 ? new JsonObject() : buf.toJsonObject(),
              new DeliveryOptions().setSendTimeout(timeout)))
          .onComplete(ar -> {
            if (ar.succeeded()) {
              Object body = ar.result().body();
              req.response().setStatusCode(200).putHeader("content-type", "application/json")
                  .end(body instanceof JsonObject j ? j.encode() : String.valueOf(body));
              return;
            }
            JsonObject failure = new JsonObject().put("message", ar.cause().getMessage());
            if (ar.cause() instanceof ReplyException re) {
              failure.put("failureType", re.failureType().name()).put("failureCode", re.failureCode());
            }
            req.response().setStatusCode(502).putHeader("content-type", "application/json").end(failure.encode());
          });
    });
    return server.listen(config().getInteger("port"), "127.0.0.1");
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
