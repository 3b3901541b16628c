package dev.sluice.spi;

import dev.sluice.Concurrency;
import dev.sluice.Decision;
import java.util.Arrays;

/**
 * Concurrency: slots held by leases that expire.
 *
 * <h2>Model</h2>
 * A lease is a hold of {@code c >= 1} slots under an id, until a deadline. A lease counts while
 * {@code now < deadline}; {@link Operation#HOLD} admits {@code c} iff the live leases' slots plus
 * {@code c} do not exceed the limit, and then keeps it until {@code now + ttl}. {@link
 * Operation#RENEW} moves a live lease's deadline to {@code now + ttl}; {@link Operation#RELEASE}
 * drops it (a lease already gone is a no-op, so releasing twice never frees a slot twice).
 *
 * <h2>State and units</h2>
 * {@code {id0, deadline0, slots0, id1, ...}}: live leases in grant order, deadlines in nanoseconds
 * on the store's timeline. Expired leases are dropped on every write. Every lease holds {@code >=
 * 1} slot and the sum stays within the limit, so a key lists at most {@code limit} leases.
 *
 * <h2>Rounding</h2>
 * None. retryAfter is the exact time until enough leases expire, if none is released first.
 *
 * <h2>Overflow</h2>
 * Slot sums are bounded by the limit; deadlines saturate at {@link Long#MAX_VALUE}.
 *
 * <h2>Clock jumps</h2>
 * Deadlines are absolute: a clock going back keeps every lease longer (never a free slot early);
 * a renewal never moves a deadline earlier. But a lease holds at most twice its TTL after any
 * step back: a deadline more than two TTLs ahead of {@code now} (only a step back longer than the
 * TTL makes one) is brought back to {@code now + ttl} and written so, whatever the operation. A
 * clock jumping forward expires leases early, so a store should use a monotonic timeline (the
 * in-memory store does for this policy).
 *
 * <h2>Redefinition</h2>
 * A state written under another definition of the same name is read as it is: leases taken under
 * a higher limit count against the deciding definition's lower one (new holds are denied until
 * enough are released or expire), and deadlines further than two TTLs ahead come back as above.
 *
 * <h2>Bound</h2>
 * At every instant, the slots of live leases {@code <= limit}.
 */
final class ConcurrencyAlgorithm extends Algorithm {

  private final Concurrency policy;
  private final long limit;
  private final long ttlNanos;

  ConcurrencyAlgorithm(Concurrency policy) {
    super(policy);
    this.policy = policy;
    this.limit = policy.limit();
    this.ttlNanos = policy.leaseTtl().toNanos();
  }

  /** The lease TTL. */
  @Override
  public long periodNanos() {
    return ttlNanos;
  }

  /** Leases are taken with HOLD, never ACQUIRE: a slot without an id could not be given back. */
  @Override
  public boolean supports(Operation op) {
    return op == Operation.PEEK || op == Operation.HOLD || op == Operation.RENEW
        || op == Operation.RELEASE || op == Operation.RESET;
  }

  @Override
  Step apply(long[] state, long now, Command c) {
    long cost = c.cost();
    Operation op = c.operation();
    long id = c.holdId();
    long[] base = absorb(state, now);
    Step step = decide(base, now, cost, op, id);
    // An absorbed step is written whatever the operation (live leases only, as any write).
    return base == state || step.changed() ? step : new Step(live(base, now), step.decision(), true);
  }

  /** {@code state} with deadlines more than two TTLs ahead brought back to {@code now + ttl}. */
  private long[] absorb(long[] state, long now) {
    return state == null ? null : Holds.clamp(state, state, 0, now, ttlNanos);
  }

  private Step decide(long[] state, long now, long cost, Operation op, long id) {
    long[] live = live(state, now);
    boolean pruned = live != state;
    long held = Holds.held(live);
    switch (op) {
      case PEEK:
        return new Step(state, decide(live, held, cost, now), false);
      case HOLD: {
        if (Holds.indexOf(live, id) >= 0) {
          throw new IllegalArgumentException("id (" + id + ") is already held on this key");
        }
        Decision d = decide(live, held, cost, now);
        if (!d.allowed()) {
          return new Step(state, d, false);
        }
        long[] next = Arrays.copyOf(live == null ? new long[0] : live, (live == null ? 0 : live.length) + 3);
        next[next.length - 3] = id;
        next[next.length - 2] = Arith.satAdd(now, ttlNanos);
        next[next.length - 1] = cost;
        return new Step(next, allowed(next, held + cost, now), true);
      }
      case RENEW: {
        int i = Holds.indexOf(live, id);
        if (i < 0) {
          return new Step(state, Decision.of(policy, Decision.Reason.NOT_HELD, held, remaining(held), 0,
              resetAfter(live, now)), false);
        }
        long deadline = Math.max(live[i + 1], Arith.satAdd(now, ttlNanos));
        long[] next = pruned ? live : live.clone();
        next[i + 1] = deadline;
        return new Step(next, allowed(next, held, now), true);
      }
      case RELEASE: {
        int i = Holds.indexOf(live, id);
        if (i < 0) {
          return new Step(state, allowed(live, held, now), false);
        }
        long[] next = orNull(Holds.remove(live, i));
        return new Step(next, allowed(next, held - live[i + 2], now), true);
      }
      case RESET:
      default:
        return new Step(null, Decision.allowed(policy, limit, 0), state != null);
    }
  }

  /** What a hold of {@code cost} would get (for PEEK, the decision; for HOLD, its denial). */
  private Decision decide(long[] live, long held, long cost, long now) {
    if (cost > limit) {
      return Decision.of(policy, Decision.Reason.COST_EXCEEDS_LIMIT, held, remaining(held),
          Decision.NEVER, resetAfter(live, now));
    }
    if (held <= limit - cost) {
      long after = held + cost;
      return Decision.of(policy, Decision.Reason.ALLOWED, after, limit - after, 0,
          cost == 0 ? resetAfter(live, now) : Math.max(resetAfter(live, now), ttlNanos));
    }
    return Decision.of(policy, Decision.Reason.LIMITED, held, remaining(held),
        retryAfter(live, held, cost, now), resetAfter(live, now));
  }

  private Decision allowed(long[] live, long held, long now) {
    return Decision.of(policy, Decision.Reason.ALLOWED, held, remaining(held), 0, resetAfter(live, now));
  }

  /** Slots left: 0 when leases of another definition hold more than this one's limit. */
  private long remaining(long held) {
    return held >= limit ? 0 : limit - held;
  }

  /** The live leases: {@code state} itself if none expired, null if none is live, else a copy. */
  private static long[] live(long[] state, long now) {
    return state == null ? null : orNull(Holds.live(state, 0, now));
  }

  /** A lease list as the state stores it: null for none. */
  private static long[] orNull(long[] leases) {
    return leases.length == 0 ? null : leases;
  }

  /** Time until the last live lease expires. */
  private static long resetAfter(long[] live, long now) {
    long last = now;
    if (live != null) {
      for (int i = 1; i < live.length; i += 3) {
        last = Math.max(last, live[i]);
      }
    }
    return last - now;
  }

  /** Time until enough leases expire, earliest first, for {@code cost} more slots to fit. */
  private long retryAfter(long[] live, long held, long cost, long now) {
    int n = live.length / 3;
    long[][] byDeadline = new long[n][];
    for (int k = 0; k < n; k++) {
      byDeadline[k] = new long[] {live[3 * k + 1], live[3 * k + 2]};
    }
    Arrays.sort(byDeadline, (a, b) -> Long.compare(a[0], b[0]));
    long left = held;
    for (long[] lease : byDeadline) {
      left -= lease[1];
      if (left <= limit - cost) {
        return lease[0] - now;
      }
    }
    throw new IllegalStateException("denied, yet the leases fit");
  }

  @Override
  boolean validState(long[] state) {
    // {id, deadline, slots}*: ids positive and distinct, deadlines >= 0, slots >= 1, sum within
    // any definition's limit (another definition of the name may have allowed more than this one)
    if (state.length < 3 || state.length % 3 != 0 || state.length / 3 > Concurrency.MAX_LIMIT) {
      return false;
    }
    long sum = 0;
    for (int i = 0; i < state.length; i += 3) {
      if (state[i] <= 0 || state[i + 1] < 0 || state[i + 2] < 1 || state[i + 2] > Concurrency.MAX_LIMIT) {
        return false;
      }
      sum += state[i + 2];
    }
    return sum <= Concurrency.MAX_LIMIT && Holds.distinctIds(state, 0);
  }

  @Override
  boolean isIdle(long[] state, long now) {
    return live(absorb(state, now), now) == null;
  }
}
