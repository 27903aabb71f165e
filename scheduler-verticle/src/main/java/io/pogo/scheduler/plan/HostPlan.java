package io.pogo.scheduler.plan;

import java.util.List;

/**
 * What the engine needs to know about one host of a job.
 *
 * @param host  the host name
 * @param slots the limits it counts against (empty: unconstrained)
 * @param steps ids of the steps the host belongs to (it may be in several sequences)
 * @param after ids of the steps that must be finished (every host of them in a terminal state) before it starts:
 *              in each sequence it is in, the nearest earlier step that has job hosts
 */
public record HostPlan(String host, List<SlotRef> slots, List<Integer> steps, List<Integer> after) {
}
