package io.pogo.core.json;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in specs and config: a whole number of milliseconds, or a string with a unit
 * ({@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}).
 */
public final class Durations {
  private static final Pattern TEXT = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

  private Durations() {
  }

  /**
   * Parses a duration into milliseconds.
   *
   * @throws IllegalArgumentException with a message that says what is accepted
   */
  public static long parseMillis(Object value) {
    if (value instanceof Number n) {
      if (n instanceof Double || n instanceof Float) {
        double d = n.doubleValue();
        if (d != Math.rint(d)) {
          throw new IllegalArgumentException("must be whole milliseconds or a string like \"5s\"; got " + value);
        }
      }
      long ms = n.longValue();
      if (ms < 0) {
        throw new IllegalArgumentException("must not be negative; got " + value);
      }
      return ms;
    }
    if (value instanceof String s) {
      Matcher m = TEXT.matcher(s.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new IllegalArgumentException("must be a duration like \"500ms\", \"5s\", \"2m\", \"1h\"; got \"" + s + "\"");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> n;
        case "s" -> n * 1000;
        case "m" -> n * 60_000;
        case "h" -> n * 3_600_000;
        default -> n * 86_400_000;
      };
    }
    throw new IllegalArgumentException("must be a duration (milliseconds, or a string like \"5s\"); got "
        + (value == null ? "null" : value.getClass().getSimpleName().toLowerCase(Locale.ROOT)));
  }

  /** Formats milliseconds the shortest exact way ({@code 5000 -> "5s"}, {@code 1500 -> "1500ms"}). */
  public static String format(long ms) {
    if (ms != 0 && ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
