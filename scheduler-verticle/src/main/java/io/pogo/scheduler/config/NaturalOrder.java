package io.pogo.scheduler.config;

import java.util.Comparator;

/**
 * Natural name order: runs of digits compare as numbers, so {@code web2 < web10 < web10a}. People read host lists
 * this way, and a plan, a wait reason or a table sorted by plain string order ({@code web1, web10, web2}) looks
 * shuffled. Numbers of any length compare exactly (no overflow); when two names are equal under these rules
 * ({@code web01} and {@code web1}) plain string order decides, so the order is total and consistent with
 * {@code equals} and safe for sorted sets and maps.
 */
public final class NaturalOrder {

  /** The comparator; stateless and thread-safe. */
  public static final Comparator<String> COMPARATOR = NaturalOrder::compare;

  private NaturalOrder() {
  }

  private static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    int na = a.length();
    int nb = b.length();
    while (i < na && j < nb) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (isDigit(ca) && isDigit(cb)) {
        int ei = digitRunEnd(a, i);
        int ej = digitRunEnd(b, j);
        int c = compareNumbers(a, i, ei, b, j, ej);
        if (c != 0) {
          return c;
        }
        i = ei;
        j = ej;
      } else {
        if (ca != cb) {
          return Character.compare(ca, cb);
        }
        i++;
        j++;
      }
    }
    int byRest = Boolean.compare(i < na, j < nb);
    return byRest != 0 ? byRest : a.compareTo(b);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int digitRunEnd(String s, int from) {
    int k = from;
    while (k < s.length() && isDigit(s.charAt(k))) {
      k++;
    }
    return k;
  }

  /** Compares two digit runs by value: leading zeros skipped, then the longer is larger, then digit by digit. */
  private static int compareNumbers(String a, int ia, int ea, String b, int ib, int eb) {
    while (ia < ea - 1 && a.charAt(ia) == '0') {
      ia++;
    }
    while (ib < eb - 1 && b.charAt(ib) == '0') {
      ib++;
    }
    int byLength = Integer.compare(ea - ia, eb - ib);
    if (byLength != 0) {
      return byLength;
    }
    for (; ia < ea; ia++, ib++) {
      int c = Character.compare(a.charAt(ia), b.charAt(ib));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
