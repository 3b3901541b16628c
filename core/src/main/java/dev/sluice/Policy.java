package dev.sluice;

/**
 * A limit, as an immutable and validated value: a name plus one algorithm and its parameters.
 *
 * <p>The name is part of the value: two policies with the same parameters but different names
 * keep separate state in a store. A policy applied to a key with a cost gives a {@link Decision}.
 */
public sealed interface Policy
    permits TokenBucket, FixedWindow, SlidingLog, SlidingCounter, Concurrency, Budget {

  /** What a policy limits: the fact that stores, failure rules and responses switch on. */
  enum Kind {
    /** Cost per time: token bucket, fixed window, sliding log, sliding counter. */
    RATE,
    /** Slots held at once, by leases: {@link Concurrency}. */
    CONCURRENCY,
    /** Cost per period, with reservations: {@link Budget}. */
    BUDGET
  }

  /** {@return the name used in decisions, metrics and store namespaces} */
  String name();

  /**
   * What this policy limits. Quotas ({@link Kind#CONCURRENCY}, {@link Kind#BUDGET}) guard work
   * that must not be over-admitted, so stores fail them closed by default; rates fail open.
   *
   * @return the kind
   */
  Kind kind();

  /**
   * {@return the most cost one decision can ever admit, {@code >= 1}; a larger cost is denied
   * without consuming}
   */
  long limit();

  /**
   * This policy's share of its limit when {@code instances} deciders split it (a local share while
   * a shared store is away): the same policy with {@code limit / instances}, rounded down, and for
   * a token bucket also {@code 1/instances} of its refill rate; empty when the share is 0.
   *
   * @param instances how many share the limit, {@code >= 1} (1 gives this policy)
   * @return the share, or empty if {@code limit / instances} is 0
   * @throws IllegalArgumentException if {@code instances < 1}, or if the share is a token bucket
   *     too large for exact arithmetic
   */
  java.util.Optional<Policy> share(int instances);

  /**
   * Whether the policy's windows follow the wall clock (calendar days, weeks, months, years).
   * Stores read the wall clock for such policies and the monotonic clock for all others.
   *
   * @return true for a calendar window or period
   */
  default boolean usesWallClock() {
    return false;
  }

  /**
   * The time over which {@link #limit()} is granted, as the {@code w} of the IETF
   * {@code RateLimit-Policy} field ({@link RateLimitHeaders}): a fixed window's or budget's
   * period (a calendar period's nominal length: a day 24 h, a week 7 days, a month and a year their
   * average Gregorian lengths, as {@link java.time.temporal.ChronoUnit} estimates them), a log's or
   * counter's window, and the time a token bucket takes to refill from empty, rounded up to the
   * nanosecond. {@link java.time.Duration#ZERO} for a concurrency limit, which has no window.
   *
   * @return the window, positive except for a concurrency limit
   */
  java.time.Duration quotaWindow();
}
