package io.pogo.supervisor.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * The times of a child's recent restarts, oldest first: the sliding window of OTP's restart intensity
 * ({@code add_restart/3}). Immutable; the clock is an argument.
 */
public record RestartHistory(List<Long> times) {

  public static final RestartHistory EMPTY = new RestartHistory(List.of());

  public RestartHistory {
    times = List.copyOf(times);
  }

  /** The restarts still inside the window ending at {@code now}. */
  public RestartHistory prune(long now, long windowMs) {
    long from = now - windowMs;
    int i = 0;
    while (i < times.size() && times.get(i) <= from) {
      i++;
    }
    return i == 0 ? this : new RestartHistory(times.subList(i, times.size()));
  }

  public RestartHistory add(long now) {
    List<Long> t = new ArrayList<>(times.size() + 1);
    t.addAll(times);
    t.add(now);
    return new RestartHistory(t);
  }

  public int count() {
    return times.size();
  }
}
