package io.pogo.scheduler.plan;

import java.util.List;
import java.util.Map;

/**
 * A job's schedule: which hosts, in which order, under which limits. Pure data, computed by {@code Planner} from a
 * namespace config and the job's hosts; the same inputs always give the same plan.
 *
 * @param hosts       the job's hosts, natural name order ({@code web2} before {@code web10}), no duplicates
 * @param byHost      per host: slots, steps, predecessors
 * @param steps       every step of every sequence, in order (sequence by sequence); {@link PlanStep#id()} indexes it
 * @param unsequenced hosts in no step: they start at once, subject to limits; natural order
 * @param slots       every slot some job host counts against, by name
 */
public record Plan(List<String> hosts, Map<String, HostPlan> byHost, List<PlanStep> steps, List<String> unsequenced,
                   Map<String, SlotRef> slots) {
}
