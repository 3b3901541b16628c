package dev.sluice.bench;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.Clock;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How each library is configured, in one place, so every scenario builds its subjects the same
 * way. Every subject is in a thread-safe mode.
 *
 * <p>Three configurations are used:
 * <ul>
 *   <li><b>admit</b>: a rate so high that a single key is never exhausted, so every call takes the
 *       admitting path (10^9 tokens per second, burst 10^9);
 *   <li><b>reject</b>: capacity 1, one token per hour, drained once in setup, so every call takes
 *       the rejecting path;
 *   <li><b>per key</b>: 100 per second, burst 100: a realistic per-user limit, which a key picked at
 *       random among 10^6 never exhausts at the call rates reached here.
 * </ul>
 */
final class Libs {
  private Libs() {}

  /** Library names as they appear in benchmark method names ({@code <path>_<library>}). */
  static final String SLUICE = "sluice";
  static final String BUCKET4J_SYNCHRONIZED = "bucket4jSynchronized";
  static final String BUCKET4J_LOCK_FREE = "bucket4jLockFree";
  static final String RESILIENCE4J = "resilience4j";
  static final String GUAVA = "guava";

  static final String SLUICE_CACHED_CLOCK = "sluiceCachedClock";

  /** The resolution of the cached clock used by the {@code *CachedClock} subjects. */
  static final Duration CACHED_CLOCK_RESOLUTION = Duration.ofMillis(1);

  static final long ADMIT_RATE = 1_000_000_000L;
  static final long PER_KEY_RATE = 100;

  // ---- Sluice: Sluice.builder().build(), limiter(TokenBucket.of(...)), tryAcquire(key, 1).

  static Limiter sluice(Sluice sluice, String name, long capacity, long tokens, Duration period) {
    return sluice.limiter(TokenBucket.of(name, capacity, tokens, period));
  }

  static Limiter sluiceAdmit(Sluice sluice) {
    return sluice(sluice, "admit", ADMIT_RATE, ADMIT_RATE, Duration.ofSeconds(1));
  }

  static Limiter sluiceReject(Sluice sluice) {
    return sluice(sluice, "reject", 1, 1, Duration.ofHours(1));
  }

  static Limiter sluicePerKey(Sluice sluice) {
    return sluice(sluice, "per-key", PER_KEY_RATE, PER_KEY_RATE, Duration.ofSeconds(1));
  }

  // ---- Bucket4j: local bucket, default (millisecond) time meter, greedy refill.

  static Bandwidth bandwidth(long capacity, long tokens, Duration period) {
    return Bandwidth.builder().capacity(capacity).refillGreedy(tokens, period).build();
  }

  static Bucket bucket4j(Bandwidth bandwidth, SynchronizationStrategy strategy) {
    return Bucket.builder().addLimit(bandwidth).withSynchronizationStrategy(strategy).build();
  }

  /** Bucket4j, synchronized, reading time from Sluice's cached clock: context, not a peer. */
  static Bucket bucket4jCachedClock(Bandwidth bandwidth, Clock clock) {
    TimeMeter meter = new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return clock.nanos();
      }

      @Override
      public boolean isWallClockBased() {
        return true;
      }
    };
    return Bucket.builder().addLimit(bandwidth).withCustomTimePrecision(meter)
        .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED).build();
  }

  static Bucket bucket4jAdmit(SynchronizationStrategy strategy) {
    return bucket4j(bandwidth(ADMIT_RATE, ADMIT_RATE, Duration.ofSeconds(1)), strategy);
  }

  static Bucket bucket4jReject(SynchronizationStrategy strategy) {
    return bucket4j(bandwidth(1, 1, Duration.ofHours(1)), strategy);
  }

  static Bandwidth bucket4jPerKey() {
    return bandwidth(PER_KEY_RATE, PER_KEY_RATE, Duration.ofSeconds(1));
  }

  // ---- Resilience4j: AtomicRateLimiter (its default implementation), no waiting.

  static RateLimiterConfig r4jConfig(int limitForPeriod, Duration period) {
    return RateLimiterConfig.custom()
        .limitForPeriod(limitForPeriod)
        .limitRefreshPeriod(period)
        .timeoutDuration(Duration.ZERO) // try-acquire semantics: never park the caller
        .build();
  }

  static AtomicRateLimiter resilience4j(String name, RateLimiterConfig config) {
    return new AtomicRateLimiter(name, config);
  }

  static AtomicRateLimiter resilience4jAdmit() {
    return resilience4j("admit", r4jConfig((int) ADMIT_RATE, Duration.ofSeconds(1)));
  }

  static AtomicRateLimiter resilience4jReject() {
    return resilience4j("reject", r4jConfig(1, Duration.ofHours(1)));
  }

  static RateLimiterConfig resilience4jPerKey() {
    return r4jConfig((int) PER_KEY_RATE, Duration.ofSeconds(1));
  }

  // ---- Guava: RateLimiter.create (SmoothBursty, synchronized).

  /**
   * Guava rounds the cost of a fresh permit down to whole microseconds, so above 10^6 permits/s it
   * no longer enforces the rate; at 10^9/s it admits every call through exactly the code path of
   * an admit at an enforceable rate (synchronized, clock read, resync, reserve), which is what the
   * admit scenario measures.
   */
  static RateLimiter guavaAdmit() {
    return RateLimiter.create(ADMIT_RATE);
  }

  static RateLimiter guavaReject() {
    return RateLimiter.create(1.0 / 3600);
  }

  static RateLimiter guavaPerKey() {
    return RateLimiter.create(PER_KEY_RATE);
  }

  /**
   * Context, not a peer: the least a thread-safe GCRA can do, one clock read and one CAS on an
   * {@link AtomicLong} holding the theoretical arrival time.
   */
  static final class CasGcra {
    private final AtomicLong tat;
    private final long interval;
    private final long tolerance;

    CasGcra(long intervalNanos, long burst) {
      this.interval = intervalNanos;
      this.tolerance = intervalNanos * burst;
      this.tat = new AtomicLong(System.nanoTime() - tolerance);
    }

    static CasGcra admit() {
      return new CasGcra(1_000_000_000L / ADMIT_RATE, ADMIT_RATE);
    }

    static CasGcra reject() {
      return new CasGcra(Duration.ofHours(1).toNanos(), 1);
    }

    boolean tryAcquire() {
      long now = System.nanoTime();
      for (;;) {
        long t = tat.get();
        long next = Math.max(t, now) + interval;
        if (next - now > tolerance) {
          return false;
        }
        if (tat.compareAndSet(t, next)) {
          return true;
        }
      }
    }
  }
}
