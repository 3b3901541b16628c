package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Window;

/**
 * Fixed window: a counter per window.
 *
 * <h2>Model</h2>
 * The timeline is cut into windows by {@link Window}: fixed lengths aligned to the epoch, or
 * calendar days, weeks, months and years starting at local midnight in a zone (true lengths, so
 * DST days are 23 or 25 hours). A key's usage counts cost in the window that contains
 * {@code now}; a cost {@code c} is admitted iff {@code used + c <= limit}.
 *
 * <h2>State and units</h2>
 * {@code {start, end, used}}: the window the usage belongs to, in epoch nanoseconds (end
 * exclusive), and the cost used in it. Keeping the bounds means calendar arithmetic runs only when
 * a key enters a new window.
 *
 * <h2>Rounding</h2>
 * None: counts are integers; retryAfter is the exact time to the window's end.
 *
 * <h2>Overflow</h2>
 * {@code used} saturates at {@link Long#MAX_VALUE} under {@code record}; {@code used + c} is
 * compared without overflow. A cost above the limit is refused before any arithmetic.
 *
 * <h2>Clock jumps</h2>
 * If {@code now} falls before the stored window by at most the window's length (the clock went
 * back a little, or another caller's clock is a little behind), the stored window and its usage
 * stay in force: going back never opens a fresh window, and a denial lasts at most one window
 * longer than it would have. A larger step back is absorbed: the usage counts in the window that
 * contains {@code now} (a daily budget exhausted before the wall clock went back two days is
 * denied until the end of the day the clock now shows, not for two and a half days). The price of
 * the bound: after such a step the key may be admitted again in windows the clock already went
 * through once. Usage recorded beyond the limit is forgiven when the window ends ("60 GiB against
 * a 50 GiB day is allowed again after midnight").
 *
 * <h2>Redefinition</h2>
 * A state written under another window of the same name stays in force until its own end; then
 * the definition's windows apply. The usage counts against the deciding definition's limit.
 *
 * <h2>Bound</h2>
 * Admitted cost per window {@code <= limit}.
 */
final class FixedWindowAlgorithm extends Algorithm {

  private final FixedWindow policy;
  private final long limit;
  private final Window window;

  FixedWindowAlgorithm(FixedWindow policy) {
    super(policy);
    this.policy = policy;
    this.limit = policy.limit();
    this.window = policy.window();
  }

  /** The longest window. */
  @Override
  public long periodNanos() {
    return longest(window);
  }

  @Override
  Step apply(long[] state, long now, Command c) {
    long cost = c.cost();
    Operation op = c.operation();
    if (state != null && now < state[0] && state[0] - now > state[1] - state[0]) {
      // A step back longer than the window: the usage counts in the window that contains now.
      // Written whatever the operation, or the next decision would move it again.
      long[] moved = {window.startNanos(now), window.endNanos(now), state[2]};
      Step step = decide(moved, now, cost, op);
      return step.changed() ? step : new Step(moved, step.decision(), true);
    }
    return decide(state, now, cost, op);
  }

  private Step decide(long[] state, long now, long cost, Operation op) {
    long start;
    long end;
    long used;
    if (state != null && now < state[1]) {
      // Same window, or the clock went back before it by at most its length: it stays in force.
      start = state[0];
      end = state[1];
      used = state[2];
    } else {
      start = window.startNanos(now);
      end = window.endNanos(now);
      used = 0;
    }
    long untilEnd = end - now;
    switch (op) {
      case ACQUIRE:
      case RESERVE:
      case PEEK: {
        if (cost > limit) {
          return unchanged(state, Decision.of(policy, Decision.Reason.COST_EXCEEDS_LIMIT, used, remaining(used), Decision.NEVER, resetAfter(used, untilEnd)));
        }
        if (used <= limit - cost) {
          long after = used + cost;
          Decision d = Decision.allowed(policy, limit - after, resetAfter(after, untilEnd));
          return op == Operation.PEEK || cost == 0 ? unchanged(state, d) : changed(start, end, after, d);
        }
        return unchanged(state, Decision.of(policy, Decision.Reason.LIMITED, used, remaining(used), untilEnd, untilEnd));
      }
      case RECORD: {
        if (cost == 0) {
          return unchanged(state, Decision.of(policy, Decision.Reason.ALLOWED, used, remaining(used), 0, resetAfter(used, untilEnd)));
        }
        long after = Arith.satAdd(used, cost);
        return changed(start, end, after, Decision.of(policy, Decision.Reason.ALLOWED, after, remaining(after), 0, untilEnd));
      }
      case REFUND: {
        long after = Math.max(0, used - cost);
        Decision d = Decision.of(policy, Decision.Reason.ALLOWED, after, remaining(after), 0, resetAfter(after, untilEnd));
        return after == used ? unchanged(state, d) : changed(start, end, after, d);
      }
      case RESET:
      default:
        return new Step(null, Decision.allowed(policy, limit, 0), state != null);
    }
  }

  private long remaining(long used) {
    return used >= limit ? 0 : limit - used;
  }

  private static long resetAfter(long used, long untilEnd) {
    return used == 0 ? 0 : untilEnd;
  }

  private static Step unchanged(long[] state, Decision d) {
    return new Step(state, d, false);
  }

  private static Step changed(long start, long end, long used, Decision d) {
    return new Step(used == 0 ? null : new long[] {start, end, used}, d, true);
  }

  @Override
  boolean validState(long[] state) {
    // {start, end, used}
    return state.length == 3 && state[0] >= 0 && state[0] < state[1] && state[2] >= 0;
  }

  @Override
  boolean isIdle(long[] state, long now) {
    return state == null || now >= state[1] || state[2] == 0;
  }
}
