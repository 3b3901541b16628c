package dev.sluice.spi;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.Window;
import java.util.Arrays;

/**
 * Budget: a cost limit per period, with reservations that expire.
 *
 * <h2>Model</h2>
 * The timeline is cut into periods by {@link Window}, as for a fixed window. A key's usage is the
 * cost charged in the current period plus the estimates of its open reservations. A cost {@code c}
 * is admitted ({@link Operation#ACQUIRE}, {@link Operation#PEEK}) or reserved ({@link
 * Operation#HOLD}) iff {@code usage + c <= limit}; a pre-flight check is a peek of cost 1 (denied
 * once usage has reached the budget). {@link Operation#RECORD} charges unconditionally (the work
 * is done; usage may overshoot, and the overshoot is forgiven when the period ends). {@link
 * Operation#SETTLE} closes a reservation and charges the real cost instead of the estimate, even
 * if the reservation expired meanwhile; {@link Operation#RELEASE} cancels one (its estimate comes
 * back); a reservation neither settled nor cancelled gives its estimate back at its deadline,
 * {@code reservationTtl} after it was made or last renewed.
 *
 * <h2>State and units</h2>
 * {@code {start, end, used, id0, deadline0, estimate0, ...}}: the period the usage belongs to in
 * epoch nanoseconds (end exclusive), the cost charged in it, then the open reservations (at most
 * {@code maxReservations}). Reservations are work in flight: they carry over into the next period.
 *
 * <h2>Rounding</h2>
 * None. retryAfter is the exact time until the period ends or enough reservations expire,
 * whichever first makes room, if nothing else happens meanwhile.
 *
 * <h2>Overflow</h2>
 * {@code used} and the sum of estimates saturate at {@link Long#MAX_VALUE}; a cost above the limit
 * is refused before any arithmetic.
 *
 * <h2>Clock jumps</h2>
 * If {@code now} falls before the stored period by at most the period's length, the stored period
 * and its usage stay in force; a larger step back is absorbed, and the usage counts in the period
 * that contains {@code now} (as for {@code FixedWindowAlgorithm}): a denial lasts at most one
 * period longer than it would have. Reservation deadlines are absolute on the same timeline; one
 * more than two TTLs ahead of {@code now} (only a step back longer than the TTL makes one) is
 * brought back to {@code now + ttl}, so a reservation never holds its estimate longer than twice
 * its TTL after the clock went back.
 *
 * <h2>Redefinition</h2>
 * A state written under another definition of the same name is read as it is: its period stays in
 * force until its own end, its usage and reservations count against the deciding definition's
 * limit (which may leave it over the limit: denied until enough is released or the period ends),
 * reservations beyond {@code maxReservations} stay until they end, and deadlines further than two
 * TTLs ahead are brought back as above.
 *
 * <h2>Bound</h2>
 * Cost admitted or reserved per period {@code <= limit}; recorded and settled cost is charged in
 * full.
 */
final class BudgetAlgorithm extends Algorithm {

  private final Budget policy;
  private final long limit;
  private final Window period;
  private final long ttlNanos;
  private final int maxReservations;

  BudgetAlgorithm(Budget policy) {
    super(policy);
    this.policy = policy;
    this.limit = policy.limit();
    this.period = policy.period();
    this.ttlNanos = policy.reservationTtl().toNanos();
    this.maxReservations = policy.maxReservations();
  }

  /** The longer of the longest period and the reservation TTL. */
  @Override
  public long periodNanos() {
    return Math.max(longest(period), ttlNanos);
  }

  /** Every operation. */
  @Override
  public boolean supports(Operation op) {
    return true;
  }

  @Override
  Step apply(long[] state, long now, Command c) {
    long cost = c.cost();
    Operation op = c.operation();
    long id = c.holdId();
    long[] base = absorb(state, now);
    Step step = decide(base, now, cost, op, id);
    if (base == state || step.changed()) {
      return step;
    }
    // An absorbed step is written whatever the operation, or the next decision would move it
    // again; written as any write is: open reservations only, in the period in force.
    long start = now < base[1] ? base[0] : period.startNanos(now);
    long end = now < base[1] ? base[1] : period.endNanos(now);
    long used = now < base[1] ? base[2] : 0;
    return write(base, start, end, used, holds(base, now), step.decision());
  }

  /**
   * {@code state} after a step back of the clock: a period that starts more than its length after
   * {@code now} moves to the period of {@code now}, and reservation deadlines more than two TTLs
   * ahead come back to {@code now + ttl}; {@code state} itself if neither applies.
   */
  private long[] absorb(long[] state, long now) {
    if (state == null) {
      return null;
    }
    long[] base = state;
    if (now < state[0] && state[0] - now > state[1] - state[0]) {
      base = state.clone();
      base[0] = period.startNanos(now);
      base[1] = period.endNanos(now);
    }
    return Holds.clamp(state, base, 3, now, ttlNanos);
  }

  private Step decide(long[] state, long now, long cost, Operation op, long id) {
    long start;
    long end;
    long used;
    if (state != null && now < state[1]) {
      start = state[0];
      end = state[1];
      used = state[2];
    } else {
      start = period.startNanos(now);
      end = period.endNanos(now);
      used = 0;
    }
    long[] holds = holds(state, now); // {id, deadline, estimate}*, live only
    long held = Holds.held(holds);
    long usage = Arith.satAdd(used, held);
    switch (op) {
      case ACQUIRE:
      case RESERVE:
      case PEEK: {
        Decision d = decide(used, holds, usage, cost, now, end);
        if (!d.allowed() || op == Operation.PEEK || cost == 0) {
          return new Step(state, d, false);
        }
        return write(state, start, end, used + cost, holds, d);
      }
      case HOLD: {
        if (Holds.indexOf(holds, id) >= 0) {
          throw new IllegalArgumentException("id (" + id + ") is already held on this key");
        }
        Decision d = decide(used, holds, usage, cost, now, end);
        if (!d.allowed()) {
          return new Step(state, d, false);
        }
        if (holds.length / 3 >= maxReservations) {
          return new Step(state, Decision.of(policy, Decision.Reason.LIMITED, usage, remaining(usage),
              earliestDeadline(holds) - now, end - now), false);
        }
        long[] next = Arrays.copyOf(holds, holds.length + 3);
        next[holds.length] = id;
        next[holds.length + 1] = Arith.satAdd(now, ttlNanos);
        next[holds.length + 2] = cost;
        return write(state, start, end, used, next, d);
      }
      case RENEW: {
        int i = Holds.indexOf(holds, id);
        if (i < 0) {
          return new Step(state, Decision.of(policy, Decision.Reason.NOT_HELD, usage, remaining(usage),
              0, end - now), false);
        }
        long[] next = holds.clone();
        next[i + 1] = Math.max(holds[i + 1], Arith.satAdd(now, ttlNanos));
        return write(state, start, end, used, next, allowed(usage, end - now));
      }
      case RELEASE: {
        int i = Holds.indexOf(holds, id);
        if (i < 0) {
          return new Step(state, allowed(usage, end - now), false);
        }
        return write(state, start, end, used, Holds.remove(holds, i),
            allowed(Arith.satAdd(used, held - holds[i + 2]), end - now));
      }
      case SETTLE: {
        int i = Holds.indexOf(holds, id);
        long[] rest = i < 0 ? holds : Holds.remove(holds, i);
        long after = Arith.satAdd(used, cost);
        return write(state, start, end, after, rest,
            allowed(Arith.satAdd(after, Holds.held(rest)), end - now));
      }
      case RECORD: {
        if (cost == 0) {
          return new Step(state, allowed(usage, end - now), false);
        }
        long after = Arith.satAdd(used, cost);
        return write(state, start, end, after, holds, allowed(Arith.satAdd(after, held), end - now));
      }
      case REFUND: {
        long after = Math.max(0, used - cost);
        Decision d = allowed(Arith.satAdd(after, held), end - now);
        return after == used ? new Step(state, d, false) : write(state, start, end, after, holds, d);
      }
      case RESET:
      default:
        return new Step(null, allowed(0, end - now), state != null);
    }
  }

  /** The decision for admitting {@code cost} now. resetAfter is the time to the period's end. */
  private Decision decide(long used, long[] holds, long usage, long cost, long now, long end) {
    if (cost > limit) {
      return Decision.of(policy, Decision.Reason.COST_EXCEEDS_LIMIT, usage, remaining(usage),
          Decision.NEVER, end - now);
    }
    if (usage <= limit - cost) {
      long after = usage + cost;
      return Decision.of(policy, Decision.Reason.ALLOWED, after, limit - after, 0, end - now);
    }
    return Decision.of(policy, Decision.Reason.LIMITED, usage, remaining(usage),
        retryAfter(used, holds, cost, now, end), end - now);
  }

  private Decision allowed(long usage, long untilEnd) {
    return Decision.of(policy, Decision.Reason.ALLOWED, usage, remaining(usage), 0, untilEnd);
  }

  private long remaining(long usage) {
    return usage >= limit ? 0 : limit - usage;
  }

  /**
   * The first instant, among the period's end and the reservations' deadlines, at which
   * {@code cost} fits: the usage then is the period's (0 from its end on) plus the reservations
   * still open.
   */
  private long retryAfter(long used, long[] holds, long cost, long now, long end) {
    int n = holds.length / 3;
    long[] instants = new long[n + 1];
    for (int k = 0; k < n; k++) {
      instants[k] = holds[3 * k + 1];
    }
    instants[n] = end;
    Arrays.sort(instants);
    for (long t : instants) {
      long usage = t >= end ? 0 : used;
      for (int i = 0; i < holds.length; i += 3) {
        if (holds[i + 1] > t) {
          usage = Arith.satAdd(usage, holds[i + 2]);
        }
      }
      if (usage <= limit - cost) {
        return t - now;
      }
    }
    throw new IllegalStateException("denied, yet the cost fits once every reservation has expired");
  }

  private Step write(long[] state, long start, long end, long used, long[] holds, Decision d) {
    if (used == 0 && holds.length == 0) {
      return new Step(null, d, state != null);
    }
    long[] next = new long[3 + holds.length];
    next[0] = start;
    next[1] = end;
    next[2] = used;
    System.arraycopy(holds, 0, next, 3, holds.length);
    return new Step(next, d, true);
  }

  /** The reservations in {@code state} still open at {@code now}, as {@code {id, deadline, estimate}*}. */
  private static long[] holds(long[] state, long now) {
    return state == null ? Holds.NONE : Holds.live(state, 3, now);
  }

  private static long earliestDeadline(long[] holds) {
    long first = Long.MAX_VALUE;
    for (int i = 1; i < holds.length; i += 3) {
      first = Math.min(first, holds[i]);
    }
    return first;
  }

  @Override
  boolean validState(long[] state) {
    // {start, end, used, (id, deadline, estimate)*}
    // (another definition of the name may have left more reservations, or larger estimates)
    if (state.length < 3 || state.length % 3 != 0 || (state.length - 3) / 3 > Budget.MAX_RESERVATIONS
        || state[0] < 0 || state[0] >= state[1] || state[2] < 0) {
      return false;
    }
    for (int i = 3; i < state.length; i += 3) {
      if (state[i] <= 0 || state[i + 1] < 0 || state[i + 2] < 1) {
        return false;
      }
    }
    return Holds.distinctIds(state, 3);
  }

  @Override
  boolean isIdle(long[] state, long now) {
    long[] base = absorb(state, now);
    return base == null || ((now >= base[1] || base[2] == 0) && holds(base, now).length == 0);
  }
}
