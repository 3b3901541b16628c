package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.SlidingLog;

/**
 * Sliding log: every admitted cost is remembered with its time.
 *
 * <h2>Model</h2>
 * A cost {@code c} is admitted at {@code now} iff the costs logged in {@code (now - W, now]} plus
 * {@code c} do not exceed the limit. An entry logged at {@code t} stops counting at exactly
 * {@code t + W}.
 *
 * <h2>State and units</h2>
 * {@code {t0, c0, t1, c1, ...}}: entries in nanoseconds and cost, oldest first, times strictly
 * increasing (costs logged at the same instant are merged; with a granularity {@code g}, costs
 * logged in the same granule {@code [k*g, (k+1)*g)} are merged into one entry moved up to the
 * latest time, which expires no sooner than any of its parts: the log stays conservative and holds
 * at most {@code W/g + 2} entries, whatever the limit). Entries older than the window are
 * dropped on every write. An admitted cost is appended only while the live sum stays within the
 * limit (every entry holds cost {@code >= 1}); a {@code record} that finds {@code limit} live
 * entries merges into the newest one, moved up to {@code now} (it expires later, never sooner).
 * So a key holds at most {@code limit} entries; {@link SlidingLog} caps the limit to bound that
 * memory.
 *
 * <h2>Rounding</h2>
 * None. retryAfter is the exact time until enough of the oldest entries have expired.
 *
 * <h2>Overflow</h2>
 * Sums are bounded by the limit, except after {@code record}, where they saturate.
 *
 * <h2>Clock jumps</h2>
 * A new entry is logged at {@code max(now, newest entry)}: if the clock goes back, entries keep
 * their order and the new one expires no earlier than the newest — never more room than before.
 * A step back that leaves the newest entry more than a window ahead of {@code now} is absorbed:
 * every entry moves back by the same amount, the newest to {@code now} (as if no time had passed
 * since it was logged), and the moved log is written whatever the operation. So a denial lasts at
 * most one window longer than it would have, never the length of the step.
 *
 * <h2>Redefinition</h2>
 * A log written under another definition of the same name is read as it is: its entries count
 * against the deciding definition's limit and window; if it holds more entries than this
 * definition would keep, new costs merge into the newest entry (moved up to {@code now}) until
 * old entries expire.
 *
 * <h2>Bound</h2>
 * In every interval {@code (x - W, x]}, admitted cost {@code <= limit}.
 */
final class SlidingLogAlgorithm extends Algorithm {

  private final SlidingLog policy;
  private final long limit;
  private final long windowNanos;
  private final long granuleNanos;
  private final long maxEntries;

  SlidingLogAlgorithm(SlidingLog policy) {
    super(policy);
    this.policy = policy;
    this.limit = policy.limit();
    this.windowNanos = policy.window().toNanos();
    this.granuleNanos = policy.granularity().toNanos();
    this.maxEntries = policy.maxEntries();
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
    if (state != null && state[state.length - 2] - now > windowNanos && now >= windowNanos) {
      // Absorb the step back: move every entry back so the newest is at now; write it in any case.
      long[] moved = state.clone();
      long by = state[state.length - 2] - now;
      for (int i = 0; i < moved.length; i += 2) {
        moved[i] -= by; // below now - W (>= 0) for entries that then count as expired
      }
      int live = firstLive(moved, now);
      moved = live == 0 ? moved : java.util.Arrays.copyOfRange(moved, live, moved.length);
      Step step = decide(moved, now, cost, op);
      return step.changed() ? step : new Step(moved, step.decision(), true);
    }
    return decide(state, now, cost, op);
  }

  private Step decide(long[] state, long now, long cost, Operation op) {
    int first = firstLive(state, now);
    long used = sum(state, first);
    switch (op) {
      case ACQUIRE:
      case RESERVE:
      case PEEK: {
        if (cost > limit) {
          return new Step(state, Decision.of(policy, Decision.Reason.COST_EXCEEDS_LIMIT, used, remaining(used), Decision.NEVER, resetAfter(state, first, now)), false);
        }
        if (used <= limit - cost) {
          if (op == Operation.PEEK || cost == 0) {
            long reset = cost == 0 ? resetAfter(state, first, now) : Math.max(resetAfter(state, first, now), windowNanos);
            return new Step(state, Decision.allowed(policy, limit - used - cost, reset), false);
          }
          long[] next = append(state, first, now, cost, live(state, first) >= maxEntries);
          return new Step(next, Decision.allowed(policy, limit - used - cost, resetAfter(next, 0, now)), true);
        }
        return new Step(state, Decision.of(policy, Decision.Reason.LIMITED, used, remaining(used),
            retryAfter(state, first, cost, now), resetAfter(state, first, now)), false);
      }
      case RECORD: {
        if (cost == 0) {
          return new Step(state, Decision.of(policy, Decision.Reason.ALLOWED, used, remaining(used), 0, resetAfter(state, first, now)), false);
        }
        // With the log already holding `limit` entries, merge into the newest entry, moved up to
        // now (it only expires later): records never grow the log past `limit` entries.
        long[] next = append(state, first, now, cost, live(state, first) >= maxEntries);
        long after = Arith.satAdd(used, cost);
        return new Step(next, Decision.of(policy, Decision.Reason.ALLOWED, after, remaining(after), 0, resetAfter(next, 0, now)), true);
      }
      case REFUND: {
        long[] next = refund(state, first, cost);
        long after = sum(next, 0);
        return new Step(next, Decision.of(policy, Decision.Reason.ALLOWED, after, remaining(after), 0, resetAfter(next, 0, now)), true);
      }
      case RESET:
      default:
        return new Step(null, Decision.allowed(policy, limit, 0), state != null);
    }
  }

  /** Index of the first entry still inside {@code (now - W, now]} (or newer). */
  private int firstLive(long[] state, long now) {
    if (state == null) {
      return 0;
    }
    int i = 0;
    while (i < state.length && state[i] <= now - windowNanos) {
      i += 2;
    }
    return i;
  }

  /** How many entries are live (from {@code first} on). */
  private static int live(long[] state, int first) {
    return state == null ? 0 : (state.length - first) / 2;
  }

  private static long sum(long[] state, int first) {
    long s = 0;
    if (state != null) {
      for (int i = first; i < state.length; i += 2) {
        s = Arith.satAdd(s, state[i + 1]);
      }
    }
    return s;
  }

  private long remaining(long used) {
    return used >= limit ? 0 : limit - used;
  }

  /** Time until every live entry has expired. */
  private long resetAfter(long[] state, int first, long now) {
    if (state == null || first >= state.length) {
      return 0;
    }
    return state[state.length - 2] + windowNanos - now;
  }

  /**
   * Time until enough of the oldest entries expire for {@code cost} to fit: walking from the
   * newest entry back, the first one that pushes the newer entries' sum past {@code limit - cost}
   * must expire. (Summing from the newest end stays exact when recorded costs saturate the total.)
   */
  private long retryAfter(long[] state, int first, long cost, long now) {
    long room = limit - cost;
    long newer = 0;
    for (int i = state.length - 2; i >= first; i -= 2) {
      newer = Arith.satAdd(newer, state[i + 1]);
      if (newer > room) {
        return state[i] + windowNanos - now;
      }
    }
    throw new IllegalStateException("denied, yet the live entries fit");
  }

  /**
   * Logs {@code cost} at {@code max(now, newest)}; merged into the newest entry when that is at or
   * after {@code now}, or when {@code merge} (the entry then moves up to {@code now}).
   */
  private long[] append(long[] state, int first, long now, long cost, boolean merge) {
    int live = state == null ? 0 : state.length - first;
    if (live > 0 && (merge || state[state.length - 2] >= now
        || (granuleNanos > 0 && state[state.length - 2] / granuleNanos == now / granuleNanos))) {
      long[] next = java.util.Arrays.copyOfRange(state, first, state.length);
      next[next.length - 2] = Math.max(now, next[next.length - 2]);
      next[next.length - 1] = Arith.satAdd(next[next.length - 1], cost);
      return next;
    }
    long[] next = new long[live + 2];
    if (live > 0) {
      System.arraycopy(state, first, next, 0, live);
    }
    next[live] = now;
    next[live + 1] = cost;
    return next;
  }

  /** Takes {@code cost} back from the newest entries. */
  private static long[] refund(long[] state, int first, long cost) {
    if (state == null) {
      return null;
    }
    long[] next = java.util.Arrays.copyOfRange(state, first, state.length);
    int end = next.length;
    long left = cost;
    while (left > 0 && end > 0) {
      long take = Math.min(left, next[end - 1]);
      next[end - 1] -= take;
      left -= take;
      if (next[end - 1] == 0) {
        end -= 2;
      }
    }
    return end == 0 ? null : (end == next.length ? next : java.util.Arrays.copyOf(next, end));
  }

  @Override
  boolean validState(long[] state) {
    // {t0, c0, t1, c1, ...}: times >= 0 strictly increasing, costs >= 1, at most as many entries
    // as any sliding log keeps (another definition of the name may keep more than this one)
    if (state.length < 2 || state.length % 2 != 0 || state.length / 2 > SlidingLog.MAX_LIMIT) {
      return false;
    }
    for (int i = 0; i < state.length; i += 2) {
      if (state[i] < 0 || state[i + 1] < 1 || (i > 0 && state[i] <= state[i - 2])) {
        return false;
      }
    }
    return true;
  }

  @Override
  boolean isIdle(long[] state, long now) {
    // absorbed or not, the newest entry expires at the latest one window after now
    return state == null || ((state[state.length - 2] - now <= windowNanos || now < windowNanos)
        && firstLive(state, now) >= state.length);
  }
}
