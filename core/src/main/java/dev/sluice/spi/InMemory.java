package dev.sluice.spi;

import dev.sluice.Clock;
import java.time.Duration;

/**
 * Builds the in-memory store, Sluice's default: lock-free per key, bounded in keys, idle keys
 * evicted.
 *
 * <p>When the store holds {@code maxKeys} keys, a request for a new key first sweeps out every
 * idle key (one whose state equals a fresh key's, so forgetting it changes no decision) — at most
 * once per {@code fullSweepInterval} of clock time; if no room is made, the request is denied with
 * {@link dev.sluice.Decision.Reason#STORE_FULL} and retryAfter {@code fullSweepInterval}. Known
 * keys keep working. {@code record} (post-hoc usage that must not be lost) is the exception: it
 * always stores its key, even above the cap. Keys are never evicted while they hold state, so the
 * cap never lets a key start over.
 */
public final class InMemory {
  private InMemory() {}

  /**
   * {@return a builder with the defaults: the system clock, 10,000,000 keys, an idle sweep every
   * minute, a full store's sweep at most every second}
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Options of the in-memory store. */
  public static final class Builder {
    private Clock clock = Clock.system();
    private long maxKeys = 10_000_000;
    private Duration idleSweepInterval = Duration.ofMinutes(1);
    private Duration fullSweepInterval = Duration.ofSeconds(1);

    private Builder() {}

    /**
     * The clock the store reads; {@link Clock#system()} by default.
     *
     * @param clock the clock; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Args.notNull("clock", clock);
      return this;
    }

    /**
     * The most keys (over all policies) the store holds; 10,000,000 by default.
     *
     * @param maxKeys the cap, {@code >= 1}
     * @return this builder
     * @throws IllegalArgumentException if {@code maxKeys} is not positive
     */
    public Builder maxKeys(long maxKeys) {
      if (maxKeys <= 0) {
        throw new IllegalArgumentException("maxKeys (" + maxKeys + ") must be positive");
      }
      this.maxKeys = maxKeys;
      return this;
    }

    /**
     * How often (in clock time) an inserting caller sweeps out idle keys; 1 minute by default.
     *
     * @param interval the interval: positive, at most 2^62 ns
     * @return this builder
     * @throws IllegalArgumentException if {@code interval} is null, not positive or too long
     */
    public Builder idleSweepInterval(Duration interval) {
      this.idleSweepInterval = positive("idleSweepInterval", interval);
      return this;
    }

    /**
     * How often a full store may sweep when a new key arrives; 1 second by default. It is also the
     * retryAfter of a {@link dev.sluice.Decision.Reason#STORE_FULL} denial.
     *
     * @param interval the interval: positive, at most 2^62 ns
     * @return this builder
     * @throws IllegalArgumentException if {@code interval} is null, not positive or too long
     */
    public Builder fullSweepInterval(Duration interval) {
      this.fullSweepInterval = positive("fullSweepInterval", interval);
      return this;
    }

    /** {@return a new in-memory store with these options} */
    public Store build() {
      return new InMemoryStore(clock, maxKeys, idleSweepInterval.toNanos(), fullSweepInterval.toNanos());
    }

    private static Duration positive(String field, Duration d) {
      if (Args.notNull(field, d).isNegative() || d.isZero()) {
        throw new IllegalArgumentException(field + " (" + d + ") must be positive");
      }
      if (d.compareTo(Duration.ofNanos(Algorithm.MAX_NANOS)) > 0) {
        throw new IllegalArgumentException(
            field + " (" + d + ") exceeds the maximum of " + Duration.ofNanos(Algorithm.MAX_NANOS));
      }
      return d;
    }
  }
}
