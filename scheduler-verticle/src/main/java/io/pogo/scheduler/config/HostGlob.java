package io.pogo.scheduler.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host patterns as in Yahoo Pogo's targets and tag lists, so a fleet is written in one line instead of thousands:
 * <ul>
 *   <li>{@code [..]} holds numbers and ranges separated by commas: {@code web[1-3]}, {@code foo[3,4]},
 *       {@code foo[8,10,33]}, {@code foo[1-3,7]}. A range whose low bound is written with a leading zero keeps
 *       that width ({@code host[01-10]} gives {@code host01 ... host10}); a lone number is kept as written.</li>
 *   <li>{@code {..}} holds alternatives separated by commas: {@code db{1,2}}, {@code foo{bar,baz}}; an alternative
 *       may be empty ({@code web{,-old}}), an empty group ({@code {}}, {@code []}) is an error. Groups do not nest.</li>
 *   <li>Several groups give the cartesian product, the leftmost group varying slowest:
 *       {@code host[01-10].foo{bar,baz}} is {@code host01.foobar, host01.foobaz, host02.foobar, ...}.</li>
 * </ul>
 * Duplicates are dropped, keeping the first occurrence. The size is computed before anything is generated, so a
 * pattern like {@code h[1-999999999]} costs nothing to refuse. Every produced name must be a valid host name
 * ({@link HostNames}): the names end up in argv.
 */
public final class HostGlob {

  private static final Pattern NUMBER = Pattern.compile("\\d{1,18}");
  private static final Pattern RANGE = Pattern.compile("(\\d{1,18})-(\\d{1,18})");

  private HostGlob() {
  }

  /** Whether {@code s} contains glob syntax ({@code [ ] { }}), as opposed to a plain host name. */
  public static boolean isGlob(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '[' || c == ']' || c == '{' || c == '}') {
        return true;
      }
    }
    return false;
  }

  /**
   * Expands {@code pattern} (a plain name gives itself).
   *
   * @param cap the most names allowed (before duplicates are removed)
   * @return the distinct names, in expansion order
   * @throws IllegalArgumentException whose message quotes the pattern and says what is wrong: unbalanced or empty
   *                                  brackets, a bad number or a reversed or too big range, more than {@code cap}
   *                                  names, or a produced name that is not a valid host name (naming it)
   */
  public static List<String> expand(String pattern, int cap) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("an empty host pattern names no host");
    }
    List<List<String>> groups = parse(pattern, cap);
    long count = 1;
    for (List<String> g : groups) {
      count *= g.size();
      if (count > cap) {
        throw new IllegalArgumentException(quote(pattern) + " expands to more than " + cap + " hosts");
      }
    }
    List<String> names = List.of("");
    for (List<String> g : groups) {
      List<String> next = new ArrayList<>(names.size() * g.size());
      for (String prefix : names) {
        for (String alt : g) {
          next.add(prefix + alt);
        }
      }
      names = next;
    }
    Set<String> distinct = new LinkedHashSet<>(names);
    for (String name : distinct) {
      if (!HostNames.valid(name)) {
        if (name.equals(pattern)) {
          throw new IllegalArgumentException(quote(pattern) + " is not a valid host name (" + HostNames.RULE + ")");
        }
        throw new IllegalArgumentException(quote(pattern) + " gives " + quote(name)
            + ", which is not a valid host name (" + HostNames.RULE + ")");
      }
    }
    return List.copyOf(distinct);
  }

  /** Splits the pattern into groups of alternatives; literal text is a group of one. */
  private static List<List<String>> parse(String pattern, int cap) {
    List<List<String>> groups = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c == '[' || c == '{') {
        char close = c == '[' ? ']' : '}';
        int end = closing(pattern, i, close);
        if (!literal.isEmpty()) {
          groups.add(List.of(literal.toString()));
          literal.setLength(0);
        }
        String body = pattern.substring(i + 1, end);
        if (body.isEmpty()) {
          throw new IllegalArgumentException(quote(pattern) + " has an empty " + c + close);
        }
        groups.add(c == '[' ? numbers(pattern, body, cap) : List.of(body.split(",", -1)));
        i = end + 1;
      } else if (c == ']' || c == '}') {
        throw new IllegalArgumentException(quote(pattern) + " is unbalanced: \"" + c + "\" at position " + (i + 1)
            + " has no opening \"" + (c == ']' ? '[' : '{') + "\"");
      } else {
        literal.append(c);
        i++;
      }
    }
    if (!literal.isEmpty()) {
      groups.add(List.of(literal.toString()));
    }
    return groups;
  }

  private static int closing(String pattern, int open, char close) {
    for (int k = open + 1; k < pattern.length(); k++) {
      char c = pattern.charAt(k);
      if (c == close) {
        return k;
      }
      if (c == '[' || c == ']' || c == '{' || c == '}') {
        throw new IllegalArgumentException(quote(pattern) + " is unbalanced: \"" + pattern.charAt(open)
            + "\" at position " + (open + 1) + " is not closed before \"" + c + "\" (groups do not nest)");
      }
    }
    throw new IllegalArgumentException(quote(pattern) + " is unbalanced: \"" + pattern.charAt(open)
        + "\" at position " + (open + 1) + " is never closed");
  }

  /** The numbers of a {@code [..]} group, in order as written. */
  private static List<String> numbers(String pattern, String body, int cap) {
    List<String> out = new ArrayList<>();
    for (String item : body.split(",", -1)) {
      if (NUMBER.matcher(item).matches()) {
        out.add(item);
      } else {
        Matcher m = RANGE.matcher(item);
        if (!m.matches()) {
          throw new IllegalArgumentException(quote(pattern) + " has " + quote(item) + " in [...], which is not a number "
              + "or a range like 1-3 (at most 18 digits)");
        }
        String lowText = m.group(1);
        long low = Long.parseLong(lowText);
        long high = Long.parseLong(m.group(2));
        if (low > high) {
          throw new IllegalArgumentException(quote(pattern) + " is a reversed range (" + item
              + ": the low bound comes first)");
        }
        if (high - low + 1 > cap) {
          throw new IllegalArgumentException(quote(pattern) + " is a range that is too big (" + item
              + " expands to more than " + cap + " hosts)");
        }
        if (high - low + 1 > cap - out.size()) {
          throw new IllegalArgumentException(quote(pattern) + " expands to more than " + cap + " hosts");
        }
        int width = lowText.length() > 1 && lowText.charAt(0) == '0' ? lowText.length() : 0;
        for (long n = low; n <= high; n++) {
          out.add(pad(n, width));
        }
      }
    }
    return out;
  }

  private static String pad(long n, int width) {
    String s = Long.toString(n);
    return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
  }

  private static String quote(String s) {
    String oneLine = s.replace('\n', ' ').replace('\r', ' ');
    return "\"" + (oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...") + "\"";
  }
}
