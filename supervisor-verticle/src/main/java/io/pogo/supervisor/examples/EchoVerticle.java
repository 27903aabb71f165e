package io.pogo.supervisor.examples;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * An example verticle child: answers every request on its address with the same body. Config:
 * {@code {"address": "echo"}} (default {@code pogo.examples.echo}).
 *
 * <pre>
 * {"id":"echo","kind":"verticle","verticle":"io.pogo.supervisor.examples.EchoVerticle","config":{"address":"echo"}}
 * </pre>
 */
public class EchoVerticle extends VerticleBase {
  @Override
  public Future<?> start() {
    String address = config().getString("address", "pogo.examples.echo");
    return vertx.eventBus().consumer(address, msg -> msg.reply(msg.body())).completion();
  }
}
