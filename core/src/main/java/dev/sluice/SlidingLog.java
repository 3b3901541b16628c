package dev.sluice;

import java.time.Duration;

/**
 * Exactly at most {@code limit} cost in any trailing window of length {@code window}: every
 * admitted cost is logged with its time and counted until it is {@code window} old.
 *
 * <p>The log of one key holds at most {@code limit} entries (16 bytes each), so the limit is
 * capped at {@value #MAX_LIMIT}; for larger limits use {@link SlidingCounter}, which keeps three
 * numbers per key.
 *
 * <p>With a {@code granularity} {@code g > 0} the log keeps time buckets instead: costs logged in
 * the same granule are merged into one entry that counts until {@code W} after the latest of them.
 * A key then holds at most {@code W/g + 2} entries whatever the limit, and a cost counts for
 * between {@code W} and {@code W + g}: never less than exact, so never more admitted. "1M tokens
 * per 5 h, in 3-minute buckets" is {@code SlidingLog.bucketed("llm", 1_000_000, ofHours(5),
 * ofMinutes(3))}.
 *
 * @param name the policy's name
 * @param limit the most cost admitted in any trailing window
 * @param window the window's length
 * @param granularity the time bucket entries are merged into; {@link Duration#ZERO} keeps every
 *     instant apart (exact)
 */
public record SlidingLog(String name, long limit, Duration window, Duration granularity)
    implements Policy {

  /** The most entries one key's log may hold: the limit, or with a granularity its bucket count. */
  public static final long MAX_LIMIT = 10_000;

  /**
   * Validates the components.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted in any trailing window, {@code >= 1}; at most
   *     {@value #MAX_LIMIT} for an exact log
   * @param window the window's length: positive, at most 2^62 ns
   * @param granularity {@link Duration#ZERO} (exact), or a bucket length of at most the window
   *     that cuts it into at most {@code MAX_LIMIT - 2} buckets
   * @throws IllegalArgumentException if a component is null or out of range
   */
  public SlidingLog {
    Checks.name(name);
    Checks.positive("limit", limit);
    long w = Checks.durationNanos("window", window);
    Checks.notNull("granularity", granularity);
    if (granularity.isNegative()) {
      throw new IllegalArgumentException("granularity (" + granularity + ") must not be negative");
    }
    if (granularity.isZero()) {
      if (limit > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "limit (" + limit + ") would let one key's sliding log grow to " + limit
                + " entries; the sliding log is capped at " + MAX_LIMIT
                + " — use a granularity (time buckets) or SlidingCounter for large limits");
      }
    } else {
      long g = Checks.durationNanos("granularity", granularity);
      if (g > w) {
        throw new IllegalArgumentException(
            "granularity (" + granularity + ") must not exceed the window (" + window + ")");
      }
      if (w / g + 2 > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "granularity (" + granularity + ") would cut the window (" + window + ") into "
                + (w / g) + " buckets; at most " + (MAX_LIMIT - 2) + " per key");
      }
    }
  }

  /** {@link Policy.Kind#RATE}. */
  @Override
  public Kind kind() {
    return Kind.RATE;
  }

  /** The same log with {@code limit / instances}. */
  @Override
  public java.util.Optional<Policy> share(int instances) {
    return Checks.share(this, instances,
        l -> new SlidingLog(name, l, window, granularity));
  }

  /**
   * An exact log: every instant apart.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted in any trailing window, 1 to {@value #MAX_LIMIT}
   * @param window the window's length: positive, at most 2^62 ns
   * @throws IllegalArgumentException if an argument is null or out of range
   */
  public SlidingLog(String name, long limit, Duration window) {
    this(name, limit, window, Duration.ZERO);
  }

  /**
   * An exact log: every instant apart.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted in any trailing window, 1 to {@value #MAX_LIMIT}
   * @param window the window's length: positive, at most 2^62 ns
   * @return the policy
   * @throws IllegalArgumentException if an argument is null or out of range
   */
  public static SlidingLog of(String name, long limit, Duration window) {
    return new SlidingLog(name, limit, window);
  }

  /**
   * A log of time buckets of length {@code granularity}: bounded memory, conservative.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most cost admitted in any trailing window, {@code >= 1}
   * @param window the window's length: positive, at most 2^62 ns
   * @param granularity the bucket length: positive, at most the window, and cutting it into at
   *     most {@code MAX_LIMIT - 2} buckets
   * @return the policy
   * @throws IllegalArgumentException if an argument is null or out of range
   */
  public static SlidingLog bucketed(String name, long limit, Duration window, Duration granularity) {
    if (granularity != null && granularity.isZero()) {
      throw new IllegalArgumentException("granularity (PT0S) must be positive for a bucketed log");
    }
    return new SlidingLog(name, limit, window, granularity);
  }

  /** The window. */
  @Override
  public Duration quotaWindow() {
    return window;
  }

  /**
   * {@return the most entries one key's log holds: the limit, or with a granularity the smaller
   * of the limit and {@code window / granularity + 2}}
   */
  public long maxEntries() {
    return granularity.isZero() ? limit : Math.min(limit, window.toNanos() / granularity.toNanos() + 2);
  }
}
