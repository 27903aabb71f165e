package io.pogo.scheduler.plan;

/**
 * One limit a host counts against while it runs (or holds, after failing): a {@code max_parallel} resolved for a
 * tag value, or an intersection of tags.
 *
 * @param name       stable name shared by every job of the namespace: {@code colo.east},
 *                   {@code frontend&colo.east} (nested: scope and tag joined by {@code &}); wait reasons say
 *                   {@code waiting for <name>}
 * @param limit      how many hosts may hold it at once (a percentage already resolved)
 * @param population how many hosts of the namespace config carry it (what a percentage was taken of)
 * @param rule       the limit as written ({@code 2}, {@code 50%})
 */
public record SlotRef(String name, int limit, int population, String rule) {
}
