package dev.sluice;

import java.time.Duration;

/**
 * At most {@code limit} slots held at once per key: "at most 5 scans in flight per user". Slots
 * are taken by leases ({@link Leases}); a lease holds its slots until it is released, or until
 * {@code leaseTtl} passes without a renewal, so a holder that dies frees its slots by itself.
 *
 * <p>A key's state lists its live leases (id, deadline, slots), at most {@code limit} of them,
 * so the limit is capped at {@value #MAX_LIMIT}.
 *
 * @param name the policy's name
 * @param limit the most slots held at once
 * @param leaseTtl how long a lease lives without a renewal
 */
public record Concurrency(String name, long limit, Duration leaseTtl) implements Policy {

  /** The largest limit: one key's state holds up to this many leases. */
  public static final long MAX_LIMIT = 10_000;

  /**
   * Validates the components.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most slots held at once, 1 to {@value #MAX_LIMIT}
   * @param leaseTtl how long a lease lives without a renewal: positive, at most 2^62 ns
   * @throws IllegalArgumentException if a component is null or out of range
   */
  public Concurrency {
    Checks.name(name);
    Checks.positive("limit", limit);
    Checks.durationNanos("leaseTtl", leaseTtl);
    if (limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit (" + limit + ") must not exceed " + MAX_LIMIT
          + ": one key's state lists every lease it holds");
    }
  }

  /** {@link Policy.Kind#CONCURRENCY}. */
  @Override
  public Kind kind() {
    return Kind.CONCURRENCY;
  }

  /** None: slots are held, not granted per time. */
  @Override
  public Duration quotaWindow() {
    return Duration.ZERO;
  }

  /** The same TTL with {@code limit / instances} slots. */
  @Override
  public java.util.Optional<Policy> share(int instances) {
    return Checks.share(this, instances, l -> new Concurrency(name, l, leaseTtl));
  }

  /**
   * Same as the canonical constructor.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the most slots held at once, 1 to {@value #MAX_LIMIT}
   * @param leaseTtl how long a lease lives without a renewal: positive, at most 2^62 ns
   * @return the policy
   * @throws IllegalArgumentException if an argument is null or out of range
   */
  public static Concurrency of(String name, long limit, Duration leaseTtl) {
    return new Concurrency(name, limit, leaseTtl);
  }
}
