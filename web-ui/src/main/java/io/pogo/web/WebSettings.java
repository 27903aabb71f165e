package io.pogo.web;

import io.pogo.core.child.ChildSpec;
import io.pogo.core.error.PogoException;
import io.pogo.core.node.NodeOptions;
import io.pogo.core.node.NodeOptionsValidator;
import io.vertx.core.json.JsonObject;

/**
 * What the HTTP face needs from the node's settings, read once at start-up. Resolving whether the bind address
 * is loopback may touch DNS, so {@link #load} runs off the event loop.
 *
 * @param options  the node's settings
 * @param loopback whether {@code httpHost} is a loopback address; if not, reads need the token too
 */
record WebSettings(NodeOptions options, boolean loopback) {

  /** Parses the deployment config ({@link NodeOptions#toJson()}); blocking (DNS), call it from a worker. */
  static WebSettings load(JsonObject config) {
    NodeOptions options = NodeOptionsValidator.parse(config, "node");
    boolean loopback = NodeOptionsValidator.isLoopback(options.httpHost());
    if (!loopback && options.token() == null) {
      // The validator already refuses this when the node has the http role; this guards any other deployment.
      throw PogoException.validation("httpHost", "\"" + options.httpHost() + "\" is not a loopback address: "
          + "set a token before exposing the API, since it runs commands on this machine");
    }
    return new WebSettings(options, loopback);
  }

  String nodeName() {
    return options.name();
  }

  /** Timeout of ordinary requests to the node's own verticles. */
  long requestTimeoutMs() {
    return options.requestTimeoutMs();
  }

  /**
   * Timeout of stop and restart: they wait for the child's graceful shutdown, whose bound the registry enforces
   * per child, so the HTTP side only needs to outlast the largest one allowed.
   */
  long shutdownRequestTimeoutMs() {
    return options.requestTimeoutMs() + ChildSpec.MAX_SHUTDOWN_TIMEOUT_MS;
  }

  /**
   * Timeout of {@code pogo.child.await}: the registry answers by itself when the wait times out, so the HTTP side
   * waits that long plus one ordinary request timeout, and a TIMEOUT reply names the child's state.
   */
  long awaitRequestTimeoutMs(long awaitMs) {
    return awaitMs + options.requestTimeoutMs();
  }

  /**
   * Timeout of a batch start of {@code children} specs: the registry starts {@value ChildHandlers#BATCH_PARALLEL} at a
   * time, each within a request timeout, and a rollback then stops what started (in parallel, each within its
   * shutdown timeout, the longest of which is {@code maxShutdownMs}).
   */
  long batchRequestTimeoutMs(int children, long maxShutdownMs) {
    long rounds = Math.max(1, (children + ChildHandlers.BATCH_PARALLEL - 1) / ChildHandlers.BATCH_PARALLEL);
    return options.requestTimeoutMs() * (rounds + 2) + maxShutdownMs;
  }

  /** Reads need the token when the API is reachable from other machines. */
  boolean readsNeedToken() {
    return !loopback;
  }
}
