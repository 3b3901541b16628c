package dev.sluice.spi;

import dev.sluice.FixedWindow;
import dev.sluice.Policy;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.TokenBucket;

/**
 * A policy's algorithm as a pure function {@code (state, now, cost, operation) -> (state, decision)}.
 * It never reads a clock and never keeps anything between calls: a store keeps the state and makes
 * each step atomic. The state is a {@code long[]} (a store may persist it as it is); {@code null}
 * is a fresh key.
 *
 * <p>Times are nanoseconds on the store's timeline, within {@code [0, 2^62]}.
 */
public abstract sealed class Algorithm
    permits TokenBucketAlgorithm, FixedWindowAlgorithm, SlidingLogAlgorithm, SlidingCounterAlgorithm {

  Algorithm() {}

  /** The algorithm of {@code policy}. */
  public static Algorithm of(Policy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    if (policy instanceof TokenBucket p) {
      return new TokenBucketAlgorithm(p);
    } else if (policy instanceof FixedWindow p) {
      return new FixedWindowAlgorithm(p);
    } else if (policy instanceof SlidingLog p) {
      return new SlidingLogAlgorithm(p);
    } else if (policy instanceof SlidingCounter p) {
      return new SlidingCounterAlgorithm(p);
    }
    throw new IllegalArgumentException("unknown policy type: " + policy.getClass().getName());
  }

  /** The policy this algorithm applies. */
  public abstract Policy policy();

  /**
   * Applies {@code op} with {@code cost} to {@code state} at {@code nowNanos}.
   *
   * @param state the key's state, or {@code null} for a fresh key; never modified
   * @param maxWaitNanos for {@link Operation#RESERVE}: the longest wait the caller accepts
   */
  public abstract Step step(long[] state, long nowNanos, long cost, Operation op, long maxWaitNanos);

  /** Whether {@code state} decides exactly like a fresh key from {@code nowNanos} on. */
  public abstract boolean idle(long[] state, long nowNanos);
}
