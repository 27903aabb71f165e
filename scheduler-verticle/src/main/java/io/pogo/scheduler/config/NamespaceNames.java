package io.pogo.scheduler.config;

import java.util.regex.Pattern;

/**
 * What a namespace name may be. It appears in URLs ({@code /api/v1/namespaces/<name>}), cluster map keys and slot
 * names shared by every job of the namespace, so it is short and plain.
 */
public final class NamespaceNames {

  /** The rule, for error messages. */
  public static final String RULE = "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit";

  /** The pattern behind {@link #RULE} (case-insensitive). */
  public static final Pattern PATTERN = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}", Pattern.CASE_INSENSITIVE);

  private NamespaceNames() {
  }

  /** Whether {@code name} follows {@link #RULE}; {@code null} is not valid. */
  public static boolean valid(String name) {
    return name != null && PATTERN.matcher(name).matches();
  }
}
