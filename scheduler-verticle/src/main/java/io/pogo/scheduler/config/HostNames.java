package io.pogo.scheduler.config;

/**
 * What a target host name may be. A host name is substituted into a job's argv ({@code ssh {host} ...}) and names
 * the node an agent-mode task runs on, so it must be plain: RFC 1123 labels only, nothing a shell, a path or a
 * quoting rule could read as more than a name (no spaces, quotes, {@code $}, {@code /}, {@code _}, leading
 * {@code -} that a command could take for an option). IPv4 addresses pass (all-digit labels are allowed).
 */
public final class HostNames {

  /** The rule, for error messages. */
  public static final String RULE = "dot-separated labels of 1 to 63 letters, digits and hyphens, no label starting "
      + "or ending with a hyphen, at most 253 characters";

  /** The longest name accepted. */
  public static final int MAX_LENGTH = 253;

  private static final int MAX_LABEL = 63;

  private HostNames() {
  }

  /** Whether {@code name} follows {@link #RULE}; {@code null} is not valid. */
  public static boolean valid(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      return false;
    }
    int labelStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i == name.length() || name.charAt(i) == '.') {
        int len = i - labelStart;
        if (len < 1 || len > MAX_LABEL || name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') {
          return false;
        }
        labelStart = i + 1;
      } else if (!isLabelChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLabelChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  }
}
