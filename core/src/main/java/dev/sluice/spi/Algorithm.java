package dev.sluice.spi;

import dev.sluice.Budget;
import dev.sluice.Concurrency;
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
    permits TokenBucketAlgorithm, FixedWindowAlgorithm, SlidingLogAlgorithm, SlidingCounterAlgorithm,
        ConcurrencyAlgorithm, BudgetAlgorithm {

  private final Policy policy;

  Algorithm(Policy policy) {
    this.policy = policy;
  }

  /**
   * The algorithm of {@code policy}.
   *
   * @param policy the policy; not null
   * @return a new algorithm for it
   * @throws IllegalArgumentException if {@code policy} is null
   */
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
    } else if (policy instanceof Concurrency p) {
      return new ConcurrencyAlgorithm(p);
    } else if (policy instanceof Budget p) {
      return new BudgetAlgorithm(p);
    }
    throw new IllegalArgumentException("unknown policy type: " + policy.getClass().getName());
  }

  /** {@return the policy this algorithm applies} */
  public final Policy policy() {
    return policy;
  }

  /** Latest time an algorithm accepts, in nanoseconds since the epoch: 2^62 (the year 2116). */
  public static final long MAX_NANOS = 1L << 62;

  /**
   * Applies {@code command} to {@code state} at {@code nowNanos}. The command's own arguments were
   * checked when it was made; this checks the state, the time and that this policy supports the
   * operation.
   *
   * @param state the key's state, or {@code null} for a fresh key; never modified
   * @param nowNanos the store's time, in {@code [0, MAX_NANOS]}
   * @param command the operation and its arguments; not null, and an operation this policy
   *     {@link #supports}
   * @return the decision and the key's new state
   * @throws IllegalArgumentException naming the argument, for a state that is not this
   *     algorithm's (wrong layout or values out of range), a time out of range, a null command or
   *     one whose operation this policy does not support, or a {@link Operation#HOLD} whose id is
   *     already held
   */
  public final Step step(long[] state, long nowNanos, Command command) {
    checkState(state, nowNanos);
    check(Args.command(command).operation());
    return apply(state, nowNanos, command);
  }

  /**
   * The policy's own period, in nanoseconds: a full refill of a token bucket, the longest window or
   * period (a calendar unit at its longest: a 25-hour day, a 31-day-and-an-hour month), a sliding
   * window, a lease's TTL (for a budget, the longer of its period and its TTL). A clock step back
   * longer than this is absorbed by the algorithm instead of taken as it comes (each class's essay
   * says how), and a store holds an idle-sweep floor at most this far ahead of its clock. Never
   * below 1.
   *
   * @return the period in nanoseconds, {@code >= 1}
   */
  public abstract long periodNanos();

  /** The longest {@code window} can be, in nanoseconds. */
  static long longest(dev.sluice.Window window) {
    if (window instanceof dev.sluice.Window.Epoch e) {
      return e.length().toNanos();
    }
    long hour = 3_600_000_000_000L;
    long day = 24 * hour;
    return switch (((dev.sluice.Window.Calendar) window).unit()) {
      case DAY -> day + hour;
      case WEEK -> 7 * day + hour;
      case MONTH -> 31 * day + hour;
      case YEAR -> 366 * day + hour;
    };
  }

  /**
   * Whether this policy supports {@code op}: rate policies every operation but the hold
   * operations ({@link Operation#usesId()}: nothing is held under an id); a concurrency limit only
   * {@link Operation#PEEK}, {@link Operation#RESET}, {@link Operation#HOLD}, {@link Operation#RENEW}
   * and {@link Operation#RELEASE}; a budget every operation.
   *
   * @param op the operation; not null
   * @return whether {@link #step} accepts it
   */
  public boolean supports(Operation op) {
    return !op.usesId();
  }

  /**
   * Refuses an operation this policy does not support.
   *
   * @param op the operation to check
   * @return {@code op}
   * @throws IllegalArgumentException if {@code op} is null or not {@link #supports supported}
   */
  public final Operation check(Operation op) {
    if (!supports(Args.op(op))) {
      throw new IllegalArgumentException("operation " + op + " does not apply to "
          + policy().getClass().getSimpleName() + " policy '" + policy().name() + "'");
    }
    return op;
  }

  /**
   * Whether {@code state} decides exactly like a fresh key from {@code nowNanos} on.
   *
   * @param state the key's state, or {@code null} for a fresh key
   * @param nowNanos the store's time, in {@code [0, MAX_NANOS]}
   * @return true if the store may forget the key without changing any decision
   * @throws IllegalArgumentException for a state that is not this algorithm's or a time out of
   *     range
   */
  public final boolean idle(long[] state, long nowNanos) {
    checkState(state, nowNanos);
    return isIdle(state, nowNanos);
  }

  private void checkState(long[] state, long nowNanos) {
    Args.time("nowNanos", nowNanos);
    if (state != null && !validState(state)) {
      throw new IllegalArgumentException("state " + (state.length <= 8
              ? java.util.Arrays.toString(state) : "(length " + state.length + ")")
          + " is not a valid " + policy().getClass().getSimpleName() + " state");
    }
  }

  /** {@link #step}, arguments checked. */
  abstract Step apply(long[] state, long nowNanos, Command command);

  /** Whether {@code state} has this algorithm's layout and its values are in range. */
  abstract boolean validState(long[] state);

  /** {@link #idle}, arguments checked. */
  abstract boolean isIdle(long[] state, long nowNanos);
}
