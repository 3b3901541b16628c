package dev.sluice;

import java.time.Duration;

/**
 * An approximation of a sliding window with three numbers per key: the counts of the current and
 * the previous epoch-aligned window, the previous one weighted by how much of it the trailing
 * window still overlaps.
 *
 * <p>Worst-case error: an aligned window never admits more than {@code limit}; any interval of
 * length {@code window} admits less than {@code 2 * limit} (reached only when the previous window's
 * whole count fell at its very end). Traffic spread evenly over the previous window is counted
 * exactly. Use {@link SlidingLog} where the bound must be exact.
 *
 * @param name the policy's name
 * @param limit the most cost admitted per (estimated) trailing window
 * @param window the window's length
 */
public record SlidingCounter(String name, long limit, Duration window) implements Policy {

  /**
   * Validates the components.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted per (estimated) trailing window, {@code >= 1}
   * @param window the window's length: positive, at most 2^62 ns
   * @throws IllegalArgumentException if a component is null or out of range
   */
  public SlidingCounter {
    Checks.name(name);
    Checks.positive("limit", limit);
    Checks.durationNanos("window", window);
  }

  /** The window. */
  @Override
  public Duration quotaWindow() {
    return window;
  }

  /** {@link Policy.Kind#RATE}. */
  @Override
  public Kind kind() {
    return Kind.RATE;
  }

  /** The same counter with {@code limit / instances}. */
  @Override
  public java.util.Optional<Policy> share(int instances) {
    return Checks.share(this, instances, l -> new SlidingCounter(name, l, window));
  }

  /**
   * Same as the canonical constructor.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted per (estimated) trailing window, {@code >= 1}
   * @param window the window's length: positive, at most 2^62 ns
   * @return the policy
   * @throws IllegalArgumentException if an argument is null or out of range
   */
  public static SlidingCounter of(String name, long limit, Duration window) {
    return new SlidingCounter(name, limit, window);
  }
}
