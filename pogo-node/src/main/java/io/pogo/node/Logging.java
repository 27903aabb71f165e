package io.pogo.node;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes every logging system the stack uses to SLF4J + Logback: Hazelcast through its slf4j logging type,
 * java.util.logging through jul-to-slf4j. Vert.x 5 picks SLF4J by itself when it is on the classpath.
 */
final class Logging {
  private Logging() {
  }

  static synchronized void init() {
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
