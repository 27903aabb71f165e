package io.pogo.scheduler.engine;

/** A running task the engine wants killed (halt with kill, host or job timeout). */
public record TaskKill(String taskId, String node, String reason) {
}
