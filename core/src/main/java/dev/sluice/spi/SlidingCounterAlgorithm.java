package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.SlidingCounter;

/**
 * Sliding window counter: a weighted pair of fixed windows.
 *
 * <h2>Model</h2>
 * Windows of length {@code W} are aligned to the epoch. At {@code now = s + x} (window start
 * {@code s}, {@code 0 <= x < W}) the trailing window's usage is estimated as
 * {@code prev * (W - x) / W + cur}: the previous window's count, weighted by the share of it the
 * trailing window still overlaps, plus the current count. A cost {@code c} is admitted iff
 * {@code prev * (W - x) + (cur + c) * W <= limit * W}, compared exactly in 128 bits.
 *
 * <h2>State and units</h2>
 * {@code {s, prev, cur}}: the current window's start in nanoseconds and two counts.
 *
 * <h2>Rounding</h2>
 * The admission test has none. {@code remaining} rounds the weighted previous count up;
 * retryAfter is the first nanosecond at which the weighted estimate lets the cost in.
 *
 * <h2>Overflow</h2>
 * Products are compared in 128 bits; counts saturate under {@code record}.
 *
 * <h2>Clock jumps</h2>
 * If {@code now} falls in the window before the stored one, the stored counts stay and the
 * previous window is weighted fully ({@code x = 0}): never more room than before. A step back
 * further than that is absorbed: both counts move into the current window of {@code now}, where
 * they weigh fully (written so, whatever the operation), so a denial lasts at most two windows,
 * never the length of the step, and never admits more than the key had at its last change.
 *
 * <h2>Redefinition</h2>
 * Counts written under another window length of the same name move to the window (of this
 * definition's length) that contains the stored window's start, and count against this
 * definition's limit.
 *
 * <h2>Bound (the documented error)</h2>
 * Every aligned window admits {@code <= limit} (the estimate is at least {@code cur}). An interval
 * of length {@code W} overlaps two aligned windows, so it admits {@code < 2 * limit}; the worst
 * case needs the previous window's whole count at its very end and is approached as
 * {@code limit * (1 + x / W)}. With traffic spread evenly over the previous window the estimate is
 * exact.
 */
final class SlidingCounterAlgorithm extends Algorithm {

  private final SlidingCounter policy;
  private final long limit;
  private final long windowNanos;

  SlidingCounterAlgorithm(SlidingCounter policy) {
    super(policy);
    this.policy = policy;
    this.limit = policy.limit();
    this.windowNanos = policy.window().toNanos();
  }

  /** The window. */
  @Override
  public long periodNanos() {
    return windowNanos;
  }

  @Override
  Step apply(long[] state, long now, Command c) {
    long cost = c.cost();
    Operation op = c.operation();
    long[] base = state;
    if (state != null) {
      long w = windowNanos;
      long stored = Math.floorDiv(state[0], w) * w; // another window length: the window of its start
      long s = Math.floorDiv(now, w) * w;
      if (stored > s + w) {
        // A step back further than the window before the stored one: both counts move into the
        // current window of now, where they weigh fully (never more room than at any later time).
        base = new long[] {s, 0, Arith.satAdd(state[1], state[2])};
      } else if (stored != state[0]) {
        base = new long[] {stored, state[1], state[2]};
      }
    }
    Step step = decide(base, now, cost, op);
    return base == state || step.changed() ? step : new Step(base, step.decision(), true);
  }

  private Step decide(long[] state, long now, long cost, Operation op) {
    long w = windowNanos;
    long s = Math.floorDiv(now, w) * w;
    long prev;
    long cur;
    if (state == null) {
      prev = 0;
      cur = 0;
    } else if (state[0] == s) {
      prev = state[1];
      cur = state[2];
    } else if (state[0] == s - w) {
      prev = state[2];
      cur = 0;
    } else if (state[0] > s) {
      // The clock went back: keep the stored window; weigh the previous window fully.
      s = state[0];
      prev = state[1];
      cur = state[2];
    } else {
      prev = 0;
      cur = 0;
    }
    long x = Math.max(0, now - s);
    switch (op) {
      case ACQUIRE:
      case RESERVE:
      case PEEK: {
        if (cost > limit) {
          return new Step(state, Decision.costExceedsLimit(policy, remaining(prev, cur, x), resetAfter(s, prev, cur, now)), false);
        }
        if (fits(prev, x, cur, cost)) {
          long after = cur + cost;
          Decision d = Decision.allowed(policy, remaining(prev, after, x), resetAfter(s, prev, after, now));
          if (op == Operation.PEEK || cost == 0) {
            return new Step(state, d, false);
          }
          return new Step(new long[] {s, prev, after}, d, true);
        }
        return new Step(state, Decision.limited(policy, remaining(prev, cur, x), retryAfter(s, prev, cur, cost, now),
            resetAfter(s, prev, cur, now)), false);
      }
      case RECORD: {
        long after = Arith.satAdd(cur, cost);
        Decision d = Decision.allowed(policy, remaining(prev, after, x), resetAfter(s, prev, after, now));
        return cost == 0 ? new Step(state, d, false) : new Step(new long[] {s, prev, after}, d, true);
      }
      case REFUND: {
        long fromCur = Math.min(cur, cost);
        long fromPrev = Math.min(prev, cost - fromCur);
        long c = cur - fromCur;
        long p = prev - fromPrev;
        Decision d = Decision.allowed(policy, remaining(p, c, x), resetAfter(s, p, c, now));
        return new Step(p == 0 && c == 0 ? null : new long[] {s, p, c}, d, true);
      }
      case RESET:
      default:
        return new Step(null, Decision.allowed(policy, limit, 0), state != null);
    }
  }

  /** prev * (W - x) + (cur + cost) * W <= limit * W, exactly. */
  private boolean fits(long prev, long x, long cur, long cost) {
    if (cur > limit - cost) {
      return false;
    }
    return Arith.compareProducts(prev, windowNanos - x, limit - cur - cost, windowNanos) <= 0;
  }

  private long remaining(long prev, long cur, long x) {
    if (cur >= limit) {
      return 0;
    }
    long weighted = ceilMulDiv(prev, windowNanos - x, windowNanos);
    return Math.max(0, limit - cur - weighted);
  }

  /** ceil(a * b / d), exactly. */
  private static long ceilMulDiv(long a, long b, long d) {
    long q = Arith.mulDivFloor(a, b, d);
    return Arith.compareProducts(q, d, a, b) < 0 ? q + 1 : q;
  }

  /** First instant, as a delay from now, at which {@code cost} fits. */
  private long retryAfter(long s, long prev, long cur, long cost, long now) {
    long w = windowNanos;
    long room = limit - cost; // >= 0
    if (cur <= room) {
      // Within this window, once prev * (W - x') <= (room - cur) * W.
      long x = w - Arith.mulDivFloor(room - cur, w, prev);
      if (x < w) {
        return s + x - now;
      }
    }
    // In the next window, cur becomes prev: cur * (W - x') <= room * W.
    long x = cur == 0 ? 0 : Math.max(0, w - Arith.mulDivFloor(room, w, cur));
    return Arith.satAdd(s + w, x) - now;
  }

  private long resetAfter(long s, long prev, long cur, long now) {
    if (cur > 0) {
      return Arith.satAdd(Arith.satAdd(s, windowNanos), windowNanos) - now;
    }
    if (prev > 0) {
      return Arith.satAdd(s, windowNanos) - now;
    }
    return 0;
  }

  @Override
  boolean validState(long[] state) {
    // {s, prev, cur}
    return state.length == 3 && state[0] >= 0 && state[1] >= 0 && state[2] >= 0;
  }

  @Override
  boolean isIdle(long[] state, long now) {
    if (state == null) {
      return true;
    }
    long s = Math.floorDiv(state[0], windowNanos) * windowNanos;
    if (s > Math.floorDiv(now, windowNanos) * windowNanos + windowNanos) {
      return false; // absorbed into the window of now: its counts are live
    }
    return (now >= Arith.satAdd(s, windowNanos) && state[2] == 0) || now >= Arith.satAdd(Arith.satAdd(s, windowNanos), windowNanos);
  }
}
