package io.pogo.scheduler.config;

/**
 * A limit written as {@code N} (a count, at least 1) or {@code P%} (1 to 100 percent of a population). Used for
 * {@code max_parallel}, a job's {@code concurrency} and its {@code maxFailures}.
 *
 * @param value   the count, or the percentage
 * @param percent whether {@code value} is a percentage
 */
public record Limit(int value, boolean percent) {

  /** What a limit must look like, for error messages. */
  public static final String RULE = "N or N% (N at least 1, a percentage at most 100%)";

  public Limit {
    if (value < 1 || (percent && value > 100)) {
      throw new IllegalArgumentException("\"" + value + (percent ? "%" : "") + "\" is not " + RULE);
    }
  }

  /**
   * Parses {@code 3}, {@code "3"} or {@code "25%"}.
   *
   * @throws IllegalArgumentException whose message quotes the value and says what is accepted, e.g.
   *                                  {@code "15x" is not N or N%}
   */
  public static Limit parse(Object raw) {
    if (raw instanceof Integer || raw instanceof Long) {
      long n = ((Number) raw).longValue();
      if (n < 1 || n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(n + " is not " + RULE);
      }
      return new Limit((int) n, false);
    }
    if (raw instanceof String s) {
      String t = s.trim();
      boolean pct = t.endsWith("%");
      String digits = pct ? t.substring(0, t.length() - 1).trim() : t;
      if (!digits.matches("\\d{1,9}")) {
        throw new IllegalArgumentException("\"" + s + "\" is not N or N%");
      }
      int n = Integer.parseInt(digits);
      if (n < 1 || (pct && n > 100)) {
        throw new IllegalArgumentException("\"" + s + "\" is not " + RULE);
      }
      return new Limit(n, pct);
    }
    throw new IllegalArgumentException((raw == null ? "null" : "\"" + raw + "\"") + " is not N or N%");
  }

  /** The count this limit allows over {@code population}: N, or max(1, floor(P x population / 100)). */
  public int resolve(int population) {
    if (!percent) {
      return value;
    }
    return (int) Math.max(1, (long) value * population / 100);
  }

  /** As written: {@code 3} or {@code 25%}. */
  public String text() {
    return value + (percent ? "%" : "");
  }

  @Override
  public String toString() {
    return text();
  }
}
