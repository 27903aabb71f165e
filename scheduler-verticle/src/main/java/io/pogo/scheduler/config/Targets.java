package io.pogo.scheduler.config;

import io.pogo.core.error.PogoException;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a job's {@code targets} into its hosts. A target is a literal host ({@code web1.east}), a host pattern
 * ({@code web[01-20].east}, {@code db{1,2}}, see {@link HostGlob}) or a tag expression ({@code $colo.east},
 * {@code $colo}) resolved against the job's namespace config. Every bad target is reported at once with its index,
 * so a long target list is fixed in one round.
 */
public final class Targets {

  private static final Pattern TAG_REF = Pattern.compile("\\$[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*");

  private Targets() {
  }

  /**
   * Expands the targets.
   *
   * @param targets as given in the job request
   * @param config  the namespace config, or {@code null} when the job names no namespace (tag expressions are then
   *                an error)
   * @param cap     the most distinct hosts allowed ({@link JobRequest#MAX_HOSTS})
   * @return the distinct hosts, natural order
   * @throws PogoException {@code VALIDATION_FAILED} with one error per bad target ({@code targets[i]}), or
   *                       {@code targets} when the list is empty or expands beyond {@code cap}
   */
  public static List<String> expand(List<String> targets, NamespaceConfig config, int cap) {
    FieldErrors errs = new FieldErrors();
    if (targets == null || targets.isEmpty()) {
      errs.add("targets", "must not be empty");
      errs.throwIfAny();
    }
    Set<String> hosts = new HashSet<>();
    boolean overflow = false;
    for (int i = 0; i < targets.size(); i++) {
      String field = "targets[" + i + "]";
      String t = targets.get(i);
      List<String> names = names(t, config, cap, field, errs);
      if (names == null || overflow) {
        continue;
      }
      hosts.addAll(names);
      if (hosts.size() > cap) {
        errs.add("targets", "expand to more than " + cap + " hosts");
        overflow = true;
      }
    }
    errs.throwIfAny();
    SortedSet<String> sorted = new TreeSet<>(NaturalOrder.COMPARATOR);
    sorted.addAll(hosts);
    return List.copyOf(sorted);
  }

  /** One target's hosts, or null after recording why it is bad. */
  private static List<String> names(String t, NamespaceConfig config, int cap, String field, FieldErrors errs) {
    if (t == null || t.isEmpty()) {
      errs.add(field, "must be a host name, a host pattern or a $tag expression; got an empty value");
      return null;
    }
    if (t.startsWith("$")) {
      if (!TAG_REF.matcher(t).matches()) {
        errs.add(field, FieldErrors.quote(t) + " is not a tag expression ($tag or $tag.value)");
        return null;
      }
      if (config == null) {
        errs.add(field, FieldErrors.quote(t) + " is a tag expression but the job has no namespace");
        return null;
      }
      SortedSet<String> members = config.tags().get(t.substring(1));
      if (members == null) {
        errs.add(field, "unknown tag " + FieldErrors.quote(t) + " in the job's namespace");
        return null;
      }
      if (members.isEmpty()) {
        errs.add(field, "tag " + FieldErrors.quote(t) + " has no hosts");
        return null;
      }
      return List.copyOf(members);
    }
    if (!HostGlob.isGlob(t)) {
      if (!HostNames.valid(t)) {
        errs.add(field, FieldErrors.quote(t) + " is not a valid host name (" + HostNames.RULE + ")");
        return null;
      }
      return List.of(t);
    }
    try {
      return HostGlob.expand(t, cap);
    } catch (IllegalArgumentException e) {
      errs.add(field, e.getMessage());
      return null;
    }
  }
}
