package io.pogo.node.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/** Keeps the INFO (and worse) log lines of Pogo that match a pattern, with their time, for a test to report. */
final class LogWatch extends AppenderBase<ILoggingEvent> {
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
  private final Pattern pattern;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LogWatch(Pattern pattern) {
    this.pattern = pattern;
  }

  static LogWatch install(Pattern pattern) {
    LogWatch watch = new LogWatch(pattern);
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
    if (!event.getLevel().isGreaterOrEqual(Level.INFO) || !event.getLoggerName().startsWith("io.pogo")) {
      return;
    }
    String msg = event.getFormattedMessage();
    if (msg != null && pattern.matcher(msg).find()) {
      lines.add(TIME.format(Instant.ofEpochMilli(event.getTimeStamp())) + " " + msg);
    }
  }

  List<String> lines() {
    return List.copyOf(lines);
  }
}
