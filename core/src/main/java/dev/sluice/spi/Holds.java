package dev.sluice.spi;

import java.util.Arrays;

/**
 * Holds as the algorithms that keep them store them: triples {@code {id, deadline, amount}} (a
 * lease's slots, a reservation's estimate) in a state's {@code long[]}, from some offset on. The
 * pieces {@link ConcurrencyAlgorithm} and {@link BudgetAlgorithm} share; each keeps its own
 * layout around them.
 */
final class Holds {

  /** No holds. */
  static final long[] NONE = new long[0];

  private Holds() {}

  /**
   * The holds of {@code state} from {@code from} on whose deadline is after {@code now}:
   * {@code state} itself when {@code from} is 0 and none expired, {@link #NONE} when none is live,
   * else a copy without the expired.
   */
  static long[] live(long[] state, int from, long now) {
    int expired = 0;
    for (int i = from; i < state.length; i += 3) {
      if (state[i + 1] <= now) {
        expired++;
      }
    }
    if (from == 0 && expired == 0) {
      return state;
    }
    int live = (state.length - from) / 3 - expired;
    if (live == 0) {
      return NONE;
    }
    long[] holds = new long[live * 3];
    int j = 0;
    for (int i = from; i < state.length; i += 3) {
      if (state[i + 1] > now) {
        System.arraycopy(state, i, holds, j, 3);
        j += 3;
      }
    }
    return holds;
  }

  /** The sum of the amounts (saturating); 0 for null. */
  static long held(long[] holds) {
    long held = 0;
    if (holds != null) {
      for (int i = 2; i < holds.length; i += 3) {
        held = Arith.satAdd(held, holds[i]);
      }
    }
    return held;
  }

  /** The index of the hold with {@code id}, or -1 (also for null). */
  static int indexOf(long[] holds, long id) {
    if (holds != null) {
      for (int i = 0; i < holds.length; i += 3) {
        if (holds[i] == id) {
          return i;
        }
      }
    }
    return -1;
  }

  /** {@code holds} without the hold at index {@code i}; {@link #NONE} if it was the only one. */
  static long[] remove(long[] holds, int i) {
    if (holds.length == 3) {
      return NONE;
    }
    long[] next = new long[holds.length - 3];
    System.arraycopy(holds, 0, next, 0, i);
    System.arraycopy(holds, i + 3, next, i, holds.length - i - 3);
    return next;
  }

  /**
   * {@code base} (a copy of {@code state}, or {@code state} itself) with the deadlines of the holds
   * from {@code from} on that lie more than two TTLs after {@code now} brought back to
   * {@code now + ttl}: a hold never outlives two TTLs after a step back of the clock. Returns
   * {@code base}, or a copy of {@code state} if it had to change one and {@code base} was
   * {@code state}.
   */
  static long[] clamp(long[] state, long[] base, int from, long now, long ttlNanos) {
    long cap = Arith.satAdd(now, ttlNanos);
    long far = Arith.satAdd(cap, ttlNanos);
    for (int i = from + 1; i < state.length; i += 3) {
      if (state[i] > far) {
        if (base == state) {
          base = state.clone();
        }
        base[i] = cap;
      }
    }
    return base;
  }

  /** Whether the ids of the holds of {@code state} from {@code from} on are distinct. */
  static boolean distinctIds(long[] state, int from) {
    long[] ids = new long[(state.length - from) / 3];
    for (int i = from; i < state.length; i += 3) {
      ids[(i - from) / 3] = state[i];
    }
    Arrays.sort(ids);
    for (int k = 1; k < ids.length; k++) {
      if (ids[k] == ids[k - 1]) {
        return false;
      }
    }
    return true;
  }
}
