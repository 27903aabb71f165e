package io.pogo.web;

import io.pogo.core.node.NodeOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test support: node settings, deploying the HTTP verticle on an ephemeral port, and waiting for futures with a
 * deadline (no sleeps).
 */
final class TestNode {
  /** Long enough for a 2-core machine under load; every wait in these tests ends well before it. */
  static final long DEADLINE_S = 10;
  static final String TOKEN = "s3cret-token-0123456789";

  private TestNode() {
  }

  /** Loopback, port 0, no token, 2 s request timeout, 1 KiB body limit (the smallest the validator allows). */
  static NodeOptions options() {
    return with(NodeOptions.defaults(FakeRegistry.NODE), "127.0.0.1", null, 2_000);
  }

  static NodeOptions with(NodeOptions d, String host, String token, long requestTimeoutMs) {
    return new NodeOptions(d.name(), d.tags(), d.roles(), host, 0, d.clusterName(), d.clusterHost(),
        d.clusterPort(), List.of(), d.dataDir(), d.heartbeatMs(), d.failureTimeoutMs(), d.processLeaseMs(),
        requestTimeoutMs, token, 1024, List.of(), d.weight(), d.quorum(), d.rebalanceOnJoin(), d.maxTasks());
  }

  /** Deploys the verticle and returns the port it bound. */
  static int deploy(Vertx vertx, NodeOptions options) {
    await(vertx.deployVerticle(new HttpVerticle(), new DeploymentOptions().setConfig(options.toJson())));
    return (Integer) vertx.sharedData().getLocalMap(HttpVerticle.LOCAL_MAP).get(HttpVerticle.PORT_KEY);
  }

  static <T> T await(Future<T> f) {
    try {
      return f.await(DEADLINE_S, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no result within " + DEADLINE_S + " s", e);
    }
  }

  static HttpRequest<Buffer> request(WebClient client, int port, HttpMethod method, String uri) {
    return client.request(method, port, "127.0.0.1", uri);
  }

  static HttpResponse<Buffer> send(HttpRequest<Buffer> req) {
    return await(req.send());
  }
}
