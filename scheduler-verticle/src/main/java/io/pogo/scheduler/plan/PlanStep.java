package io.pogo.scheduler.plan;

import java.util.List;

/**
 * One step of one sequence, restricted to the job's hosts.
 *
 * @param id       index of the step in {@link Plan#steps()}
 * @param sequence the sequence's display name ({@code main} for the unnamed one)
 * @param index    the step's position in its sequence, from 0
 * @param ref      the step as written ({@code $colo.east})
 * @param hosts    the job's hosts in this step, natural order; may be empty (the step is then skipped, and the
 *                 ordering stays transitive across it)
 */
public record PlanStep(int id, String sequence, int index, String ref, List<String> hosts) {
}
