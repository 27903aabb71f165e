package io.pogo.node.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects Vert.x's blocked-thread warnings during a test class: a blocked event loop is a bug, so tests assert
 * that none was logged.
 */
final class BlockedThreadWatch extends AppenderBase<ILoggingEvent> {
  private final List<String> warnings = new CopyOnWriteArrayList<>();

  static BlockedThreadWatch install() {
    BlockedThreadWatch watch = new BlockedThreadWatch();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    watch.setContext(root.getLoggerContext());
    watch.start();
    root.addAppender(watch);
    return watch;
  }

  void uninstall() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent event) {
    String msg = event.getFormattedMessage();
    if (msg != null && msg.contains("has been blocked for")) {
      warnings.add(event.getThreadName() + ": " + msg);
    }
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }
}
