package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.TokenBucket;

/**
 * Token bucket as GCRA (generic cell rate algorithm), in exact rational arithmetic.
 *
 * <h2>Model</h2>
 * A bucket of capacity {@code C} refills continuously at one token every
 * {@code T = refillPeriod / refillTokens} nanoseconds. GCRA keeps, instead of a token count and a
 * timestamp, one instant: the theoretical arrival time {@code TAT}, the moment the bucket will be
 * full again. The <em>debt</em> at {@code now} is {@code max(0, TAT - now)}: the time the bucket
 * needs to refill. A cost {@code c} is admitted iff {@code debt + c*T <= C*T}; admitting it moves
 * {@code TAT} to {@code now + debt + c*T}. Tokens available are {@code floor((C*T - debt) / T)}.
 *
 * <h2>State and units</h2>
 * {@code T} is rational: with {@code g = gcd(periodNanos, refillTokens)}, {@code T = P / D} for
 * {@code P = periodNanos / g} and {@code D = refillTokens / g}. The state is
 * {@code {tat, rem, last}}: {@code TAT = tat + rem / D} nanoseconds, {@code 0 <= rem < D}, so the
 * fraction of a nanosecond that each token adds is never rounded away; {@code last} is the time of
 * the state's last change (for clock steps, below). Internally debts are in
 * "scaled" units of {@code 1/D} ns: a token costs {@code P} units and the full bucket is
 * {@code B = C * P} units, which the policy guarantees to be at most 2^62. When {@code D = 1}
 * (the period is a whole number of nanoseconds per token, as in "100 per minute") {@code rem} is
 * always 0 and a store may keep {@code tat} alone in one {@code long}, if its own timeline never
 * steps back by more than a full refill (the in-memory store's packed partitions absorb such steps
 * themselves). A state without {@code last} (an older layout) reads as if changed at {@code now};
 * a {@code rem >= D} (written under another rate of the same name, see "Redefinition") reads as the
 * next whole nanosecond, which is later: never more tokens.
 *
 * <h2>Rounding</h2>
 * None in the state. Outputs are rounded conservatively: {@code remaining} down, {@code retryAfter}
 * and {@code resetAfter} up to the next whole nanosecond, so waiting {@code retryAfter} always
 * suffices.
 *
 * <h2>Overflow</h2>
 * Admitted debts stay within {@code B + maxWait * D}; products and sums saturate at
 * {@link Long#MAX_VALUE} (only {@code record} of enormous costs gets there, which reads as a debt
 * that is never repaid — denial, never a bypass). A cost above {@code C} is refused before any
 * arithmetic on it. Admission and the wait are computed from the excess
 * {@code debt - (B - c*P)}, which cannot overflow ({@code c*P <= B}), so even after a saturating
 * record waiting {@code retryAfter} suffices.
 *
 * <h2>Clock jumps</h2>
 * Let {@code F} be the time a full refill takes ({@code B / D} ns), rounded up to a whole
 * millisecond. If {@code now} goes back by at most
 * {@code F} before {@code last}, the debt {@code TAT - now} grows by the step: fewer tokens, never
 * more, and the wait is at most one full refill longer than it was. A larger step back is absorbed:
 * the key decides as at {@code last} (no time has passed, so nothing refills and nothing is lost)
 * and its state moves onto the new timeline ({@code TAT - last} becomes the debt at {@code now}):
 * a bucket that refilled in 5 s before a two-day step back still refills in 5 s. (Small steps are
 * taken as they come so that two callers whose clocks differ by less than a full refill never
 * rebase each other's states; rebasing on every small step would hand the refill of the skew to
 * the faster clock each time they alternate.) A jump forwards refills at most to {@code C}.
 *
 * <h2>Bound</h2>
 * Over any interval of length {@code t}, admitted cost {@code <= C + floor(t / T)}: the debt
 * drops by exactly {@code t} and every admitted token adds exactly {@code T}.
 */
final class TokenBucketAlgorithm extends Algorithm {

  /** {@link #newDebt} result when the state does not change. */
  static final long NO_CHANGE = -1;

  private final TokenBucket policy;
  private final long capacity;
  /** P: scaled units per token. */
  private final long tokenUnits;
  /** D: scaled units per nanosecond. */
  private final long unitsPerNano;
  /** B = C * P: the full bucket in scaled units. */
  private final long bucketUnits;
  /** F: a full refill in nanoseconds, rounded up to a whole ms; a longer step back is absorbed. */
  private final long refillNanos;
  /** Divides by P without a hardware divide (remaining tokens on every decision). */
  private final Divider perToken;

  TokenBucketAlgorithm(TokenBucket policy) {
    super(policy);
    this.policy = policy;
    long periodNanos = policy.refillPeriod().toNanos();
    long g = gcd(periodNanos, policy.refillTokens());
    this.capacity = policy.capacity();
    this.tokenUnits = periodNanos / g;
    this.unitsPerNano = policy.refillTokens() / g;
    this.bucketUnits = Math.multiplyExact(capacity, tokenUnits);
    // rounded up to a whole millisecond, so a store on a microsecond timeline (Redis) draws the
    // line between a short and a long step back exactly where this one does
    this.refillNanos = Arith.satMul(Arith.ceilDiv(Arith.ceilDiv(bucketUnits, unitsPerNano), 1_000_000L), 1_000_000L);
    this.perToken = new Divider(tokenUnits);
  }


  /** A full refill in nanoseconds: a step back of the clock longer than this is absorbed. */
  @Override
  public long periodNanos() {
    return Math.max(1, refillNanos);
  }

  /** Whether the state fits one long ({@code rem} always 0). */
  boolean packable() {
    return unitsPerNano == 1;
  }

  /** The debt in scaled units of the state {@code TAT = tat + rem / D} at {@code now}. */
  long debt(long tat, long rem, long now) {
    if (tat < now || (tat == now && rem == 0)) {
      return 0;
    }
    return Arith.satAdd(Arith.satMul(tat - now, unitsPerNano), rem);
  }

  /** The whole-nanosecond part of the TAT that a debt at {@code now} means. */
  long tat(long debt, long now) {
    return Arith.satAdd(now, unitsPerNano == 1 ? debt : debt / unitsPerNano);
  }

  /** The TAT that a debt at {@code now} means, rounded up to a whole nanosecond (later: never more tokens). */
  long tatUp(long debt, long now) {
    return Arith.satAdd(now, Arith.ceilDiv(debt, unitsPerNano));
  }

  /** The fractional part (in 1/D ns) of the TAT that a debt means. */
  long rem(long debt) {
    return debt % unitsPerNano;
  }

  /**
   * The debt after {@code op}, or {@link #NO_CHANGE} if the state stays as it is.
   *
   * @param debt the debt before, from {@link #debt}
   */
  long newDebt(long debt, Command c) {
    long cost = c.cost();
    Operation op = c.operation();
    switch (op) {
      case ACQUIRE:
      case RESERVE: {
        if (cost > capacity || cost == 0) {
          return NO_CHANGE;
        }
        // Exact, no saturation: cost * P <= B <= 2^62, so the excess over a full bucket fits a
        // long even for a debt saturated by a huge record.
        long costUnits = cost * tokenUnits;
        long excess = debt - (bucketUnits - costUnits);
        long waitable = op == Operation.ACQUIRE ? 0 : Arith.satMul(c.maxWaitNanos(), unitsPerNano);
        return excess <= waitable && excess <= Long.MAX_VALUE - bucketUnits
            ? debt + costUnits
            : NO_CHANGE;
      }
      case RECORD:
        return cost == 0 ? NO_CHANGE : Arith.satAdd(debt, Arith.satMul(cost, tokenUnits));
      case REFUND:
        return debt == 0 || cost == 0 ? NO_CHANGE : Math.max(0, debt - Arith.satMul(cost, tokenUnits));
      case RESET:
        return 0;
      case PEEK:
      default:
        return NO_CHANGE;
    }
  }

  /**
   * The decision for {@code op}, given the debt before and the result of {@link #newDebt}.
   */
  Decision decision(long debt, long newDebt, Command c) {
    long cost = c.cost();
    Operation op = c.operation();
    long after = newDebt == NO_CHANGE ? debt : newDebt;
    switch (op) {
      case ACQUIRE:
      case PEEK:
      case RESERVE: {
        if (cost > capacity) {
          return Decision.costExceedsLimit(policy, remaining(debt), resetAfter(debt));
        }
        long costUnits = cost * tokenUnits;
        long excess = debt - (bucketUnits - costUnits); // exact, as in newDebt
        if (excess <= 0) {
          long wanted = debt + costUnits;
          return Decision.allowed(policy, remaining(wanted), resetAfter(wanted));
        }
        long wait = resetAfter(excess);
        if (op == Operation.RESERVE && newDebt != NO_CHANGE) {
          return Decision.reserved(policy, 0, wait, resetAfter(after));
        }
        return Decision.limited(policy, remaining(debt), wait, resetAfter(debt));
      }
      case RECORD:
      case REFUND:
      case RESET:
      default:
        return Decision.allowed(policy, remaining(after), resetAfter(after));
    }
  }

  private long remaining(long debt) {
    return debt >= bucketUnits ? 0 : perToken.divide(bucketUnits - debt);
  }

  private long resetAfter(long debt) {
    return unitsPerNano == 1 ? debt : Arith.ceilDiv(debt, unitsPerNano);
  }

  @Override
  Step apply(long[] state, long nowNanos, Command c) {
    long debt = 0;
    long last = nowNanos;
    boolean absorbed = false;
    if (state != null) {
      long tat = state[0];
      long rem = state[1];
      if (rem >= unitsPerNano) { // written under another rate: the next whole nanosecond, later
        tat = Arith.satAdd(tat, 1);
        rem = 0;
      }
      last = state.length == 3 ? state[2] : nowNanos;
      if (last - nowNanos > refillNanos) {
        // A step back longer than a full refill: decide as at `last`, on the new timeline.
        debt = debt(tat, rem, last);
        last = nowNanos;
        absorbed = true;
      } else {
        debt = debt(tat, rem, nowNanos);
        last = Math.max(last, nowNanos);
      }
    }
    long newDebt = newDebt(debt, c);
    Decision decision = decision(debt, newDebt, c);
    if (newDebt == NO_CHANGE) {
      // An absorbed step is written even when nothing else changes, or the key would decide as at
      // the old `last` again and again, never refilling.
      return absorbed ? new Step(state(debt, nowNanos, last), decision, true) : new Step(state, decision, false);
    }
    return new Step(state(newDebt, nowNanos, last), decision, true);
  }

  private long[] state(long debt, long nowNanos, long last) {
    return debt == 0 ? null : new long[] {tat(debt, nowNanos), rem(debt), last};
  }

  @Override
  boolean validState(long[] state) {
    // {tat, rem, last}: TAT = tat + rem / D ns; {tat, rem} from an older layout. rem may be >= D
    // when written under another rate of the same name (read as the next whole nanosecond).
    return (state.length == 2 || (state.length == 3 && state[2] >= 0)) && state[0] >= 0 && state[1] >= 0;
  }

  @Override
  boolean isIdle(long[] state, long nowNanos) {
    if (state == null) {
      return true;
    }
    long tat = state[1] >= unitsPerNano ? Arith.satAdd(state[0], 1) : state[0];
    long rem = state[1] >= unitsPerNano ? 0 : state[1];
    long last = state.length == 3 ? state[2] : nowNanos;
    return debt(tat, rem, last - nowNanos > refillNanos ? last : nowNanos) == 0;
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
