package io.pogo.scheduler;

import io.pogo.scheduler.engine.Ledger;
import io.pogo.scheduler.plan.HostPlan;
import io.pogo.scheduler.plan.Plan;
import io.pogo.scheduler.plan.PlanStep;
import io.pogo.scheduler.plan.SlotRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan as the user sees it ({@code POST /plan}, {@code pogo plan}): sequences by steps by hosts, each host's
 * slots, and the first wave: the hosts that would start at once given the namespace's current use of its slots.
 * Pure.
 */
final class PlanView {
  private PlanView() {
  }

  static JsonObject toJson(String namespace, Plan plan, Ledger ledger, int concurrency) {
    JsonObject json = new JsonObject().put("namespace", namespace).put("total", plan.hosts().size())
        .put("hosts", new JsonArray(plan.hosts()));
    Map<String, JsonArray> bySequence = new LinkedHashMap<>();
    for (PlanStep step : plan.steps()) {
      bySequence.computeIfAbsent(step.sequence(), k -> new JsonArray())
          .add(new JsonObject().put("ref", step.ref()).put("hosts", new JsonArray(step.hosts())));
    }
    JsonArray sequences = new JsonArray();
    bySequence.forEach((name, steps) -> sequences.add(new JsonObject().put("name", name).put("steps", steps)));
    json.put("sequences", sequences).put("unsequenced", new JsonArray(plan.unsequenced()));
    JsonObject constraints = new JsonObject();
    for (String h : plan.hosts()) {
      HostPlan hp = plan.byHost().get(h);
      if (!hp.slots().isEmpty()) {
        constraints.put(h, new JsonArray(hp.slots().stream().map(SlotRef::name).toList()));
      }
    }
    json.put("constraints", constraints);
    JsonArray slots = new JsonArray();
    plan.slots().values().stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(s -> slots.add(
        new JsonObject().put("slot", s.name()).put("limit", s.limit()).put("rule", s.rule())
            .put("population", s.population()).put("used", ledger.used(s.name()))));
    json.put("slots", slots);

    Map<String, Integer> used = new HashMap<>();
    JsonArray wave = new JsonArray();
    JsonArray waiting = new JsonArray();
    for (String h : plan.hosts()) {
      HostPlan hp = plan.byHost().get(h);
      String reason = null;
      if (!hp.after().isEmpty()) {
        PlanStep first = plan.steps().get(hp.after().get(0));
        reason = "waiting for " + first.ref() + " (step " + (first.index() + 1) + " of sequence " + first.sequence() + ")";
      } else if (wave.size() >= concurrency) {
        reason = "waiting for job concurrency (" + concurrency + ")";
      } else {
        List<String> full = hp.slots().stream()
            .filter(s -> ledger.used(s.name()) + used.getOrDefault(s.name(), 0) >= s.limit())
            .map(SlotRef::name).toList();
        if (!full.isEmpty()) {
          reason = "waiting for " + String.join(", ", full);
        }
      }
      if (reason == null) {
        wave.add(h);
        hp.slots().forEach(s -> used.merge(s.name(), 1, Integer::sum));
      } else {
        waiting.add(new JsonObject().put("host", h).put("reason", reason));
      }
    }
    return json.put("firstWave", wave).put("waiting", waiting);
  }
}
