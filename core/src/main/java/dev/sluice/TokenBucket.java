package dev.sluice;

import java.time.Duration;

/**
 * A token bucket with continuous refill: at most {@code capacity} tokens, and {@code refillTokens}
 * new tokens every {@code refillPeriod}, added continuously (one token every
 * {@code refillPeriod / refillTokens}, exactly, as a rational number of nanoseconds).
 *
 * <p>"100 per minute, burst 20" is {@code TokenBucket.of("api", 20, 100, Duration.ofMinutes(1))};
 * "capacity 30, one token every 2 s" is {@code TokenBucket.of("feed", 30, 1, Duration.ofSeconds(2))}.
 * A new key starts full. Over any interval of length {@code t}, a key admits at most
 * {@code capacity + floor(refillTokens * t / refillPeriod)} cost.
 *
 * <p>Exact integer arithmetic needs {@code capacity * refillPeriod / gcd(refillPeriod, refillTokens)}
 * (in nanoseconds) to be at most 2^62; a bucket beyond that is refused at construction.
 *
 * @param name the policy's name
 * @param capacity the burst: the most tokens the bucket holds, and the largest admissible cost
 * @param refillTokens tokens added per {@code refillPeriod}
 * @param refillPeriod the period over which {@code refillTokens} are added
 */
public record TokenBucket(String name, long capacity, long refillTokens, Duration refillPeriod)
    implements Policy {

  /**
   * Validates the components.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param capacity the most tokens the bucket holds, {@code >= 1}
   * @param refillTokens tokens added per {@code refillPeriod}, {@code >= 1}
   * @param refillPeriod the period over which {@code refillTokens} are added: positive, at most
   *     2^62 ns
   * @throws IllegalArgumentException if a component is null or out of range, or if the bucket is
   *     too large for exact arithmetic (see above)
   */
  public TokenBucket {
    Checks.name(name);
    Checks.positive("capacity", capacity);
    Checks.positive("refillTokens", refillTokens);
    long periodNanos = Checks.durationNanos("refillPeriod", refillPeriod);
    long g = gcd(periodNanos, refillTokens);
    long reducedPeriod = periodNanos / g;
    long high = Math.multiplyHigh(capacity, reducedPeriod);
    long low = capacity * reducedPeriod;
    if (high != 0 || low < 0 || low > Checks.MAX_DURATION_NANOS) {
      throw new IllegalArgumentException(
          "capacity (" + capacity + ") with refillTokens (" + refillTokens + ") per refillPeriod ("
              + refillPeriod + ") needs capacity * refillPeriod / gcd(refillPeriod, refillTokens) = "
              + capacity + " * " + reducedPeriod + " ns <= 2^62 for exact arithmetic;"
              + " lower the capacity or use a refill amount that divides the period more evenly");
    }
  }

  /** {@link Policy.Kind#RATE}. */
  @Override
  public Kind kind() {
    return Kind.RATE;
  }

  /** Capacity {@code capacity / instances}, and the same tokens every {@code instances} refill periods. */
  @Override
  public java.util.Optional<Policy> share(int instances) {
    return Checks.share(this, instances,
        c -> new TokenBucket(name, c, refillTokens, refillPeriod.multipliedBy(instances)));
  }

  /**
   * Same as the canonical constructor.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param capacity the most tokens the bucket holds (the burst), {@code >= 1}
   * @param refillTokens tokens added per {@code refillPeriod}, {@code >= 1}
   * @param refillPeriod the period over which {@code refillTokens} are added: positive, at most
   *     2^62 ns
   * @return the policy
   * @throws IllegalArgumentException if an argument is null or out of range, or if the bucket is
   *     too large for exact arithmetic
   */
  public static TokenBucket of(String name, long capacity, long refillTokens, Duration refillPeriod) {
    return new TokenBucket(name, capacity, refillTokens, refillPeriod);
  }

  /** The largest admissible cost: the capacity. */
  @Override
  public long limit() {
    return capacity;
  }

  /**
   * The time to refill from empty: {@code capacity * refillPeriod / refillTokens}, rounded up to
   * the nanosecond (exact: the constructor keeps the product at most 2^62).
   */
  @Override
  public Duration quotaWindow() {
    long periodNanos = refillPeriod.toNanos();
    long g = gcd(periodNanos, refillTokens);
    long product = capacity * (periodNanos / g);
    long tokens = refillTokens / g;
    return Duration.ofNanos(product / tokens + (product % tokens == 0 ? 0 : 1));
  }

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
