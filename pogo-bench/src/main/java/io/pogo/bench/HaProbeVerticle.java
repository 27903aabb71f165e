package io.pogo.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The verticle of the Vert.x HA baseline: like Pogo's EchoVerticle (one event-bus consumer on
 * {@code config.address}, which is a clustered subscription), and once the consumer is registered it prints
 * {@code HA-DEPLOYED <address> <wall clock ms> <node>} on stdout, which the benchmark reads. Deployed by name, the
 * only way Vert.x HA redeploys a verticle on another node.
 */
public class HaProbeVerticle extends VerticleBase {
  @Override
  public Future<?> start() {
    String address = config().getString("address", "bench.ha");
    return vertx.eventBus().consumer(address, msg -> msg.reply(msg.body())).completion()
        .onSuccess(v -> HaNode.print("HA-DEPLOYED " + address + " " + System.currentTimeMillis() + " " + HaNode.nodeName()));
  }
}
