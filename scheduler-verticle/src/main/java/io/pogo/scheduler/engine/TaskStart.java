package io.pogo.scheduler.engine;

import java.util.List;

/**
 * A task the engine decided to run: the host is {@code ready} and holds its slots. The task id is
 * {@code job/host/attempt}, so a repeated dispatch of the same attempt is recognised by the worker.
 */
public record TaskStart(String taskId, String job, String host, int attempt, String node, List<String> argv,
                        long timeoutMs, int outputLimitBytes) {

  public static String taskId(String job, String host, int attempt) {
    return job + "/" + host + "/" + attempt;
  }
}
