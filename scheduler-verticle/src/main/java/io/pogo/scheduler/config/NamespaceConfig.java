package io.pogo.scheduler.config;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * A namespace's config in the tag / sequence / constraint language of DESIGN.md, parsed and valid. Built by
 * {@code NamespaceConfigParser}; everything is expanded (globs) and immutable.
 *
 * @param tags        every tag path ({@code colo}, {@code colo.east}, {@code db}) to its hosts; a parent tag's set
 *                    includes all its children's hosts. Keys sorted.
 * @param children    every tag path to the paths of its direct child values ({@code colo -> [colo.east, colo.west]});
 *                    a leaf maps to an empty list
 * @param sequences   the sequences, in config order
 * @param constraints the constraints, in config order
 * @param source      the config as the user gave it, as JSON (YAML is converted), returned by GET
 */
public record NamespaceConfig(SortedMap<String, SortedSet<String>> tags, Map<String, List<String>> children,
                              List<Sequence> sequences, List<Constraint> constraints, JsonObject source) {

  /**
   * One sequence: its steps run one after another.
   *
   * @param name    {@code null} for the single unnamed sequence (a top-level list), else the map key
   *                (a label, or a {@code $tag} filter key as written)
   * @param filters tag paths whose hosts the steps are intersected with (from {@code $tag} keys; may be empty)
   * @param steps   the steps in order
   */
  public record Sequence(String name, List<String> filters, List<Step> steps) {
  }

  /**
   * One step of a sequence, as written: {@code $colo.east} (a tag value), {@code $colo} (every host of the tag)
   * or a literal host name.
   *
   * @param ref     as written
   * @param tagPath the tag path without {@code $}, or {@code null} for a literal host
   * @param host    the literal host, or {@code null} for a tag step
   */
  public record Step(String ref, String tagPath, String host) {
  }

  /**
   * One {@code max_parallel} leaf.
   *
   * @param scope    outer tag paths the constraint is nested in (their hosts are intersected), outermost first
   * @param tagPath  the tag path of the key that holds {@code max_parallel}, without {@code $}
   * @param perValue true when that key is a top-level tag with child values ({@code $colo}): one limit per value;
   *                 false for a value ({@code $colo.east}) or a tag without values ({@code $db}): one limit
   * @param maxParallel the limit
   * @param path     the config path of the leaf, for messages ({@code constraint.$colo.max_parallel})
   */
  public record Constraint(List<String> scope, String tagPath, boolean perValue, Limit maxParallel, String path) {
  }

  /** A config with no tags, sequences or constraints: every host unconstrained. */
  public static NamespaceConfig empty() {
    return new NamespaceConfig(new java.util.TreeMap<>(), Map.of(), List.of(), List.of(), new JsonObject());
  }
}
