package dev.sluice.redis;

import dev.sluice.Budget;
import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Policy;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import java.time.Duration;
import java.util.List;

/**
 * What Java and the Lua twins agree on: algorithm codes, each policy's parameters in
 * microseconds, and the five numbers a script returns per decision (see lua/prelude.lua and
 * lua/main.lua).
 *
 * <p>Lua numbers are doubles, exact below 2^53, so every number sent is below 2^53: times are
 * microseconds, and a policy whose arithmetic would not fit is refused here, naming the field.
 */
final class Protocol {
  private Protocol() {}

  /** Largest integer both sides represent exactly: 2^53 - 1. */
  static final long MAX = (1L << 53) - 1;

  static final int TOKEN_BUCKET = 1;
  static final int FIXED_WINDOW = 2;
  static final int SLIDING_LOG = 3;
  static final int SLIDING_COUNTER = 4;
  static final int CONCURRENCY = 5;
  static final int BUDGET = 6;

  /** Negative reasons: errors found by the script. */
  static final int E_STATE = -1;
  static final int E_CALENDAR = -2;
  static final int E_HELD = -3;
  /** The script could not apply the request (refused it, or an error was raised); it changed nothing. */
  static final int E_REQUEST = -4;

  /** Reasons by code (values() would copy the array on every decision). */
  private static final Decision.Reason[] REASONS = Decision.Reason.values();

  /** Number of values a script returns per request. */
  static final int RESULT = 5;

  /** How many calendar periods are sent on each side of the one containing the caller's time. */
  static final int CALENDAR_SIDE = 2;

  /** The algorithm code of {@code policy}. */
  static int code(Policy policy) {
    if (policy instanceof TokenBucket) {
      return TOKEN_BUCKET;
    } else if (policy instanceof FixedWindow) {
      return FIXED_WINDOW;
    } else if (policy instanceof SlidingLog) {
      return SLIDING_LOG;
    } else if (policy instanceof SlidingCounter) {
      return SLIDING_COUNTER;
    } else if (policy instanceof Concurrency) {
      return CONCURRENCY;
    } else if (policy instanceof Budget) {
      return BUDGET;
    }
    throw new IllegalArgumentException("unknown policy type: " + policy.getClass().getName());
  }

  /**
   * The parameters of {@code policy} that do not depend on time, or {@code null} for a policy
   * with calendar periods (see {@link #calendarParams}).
   *
   * @throws IllegalArgumentException naming the policy and field, for a policy the twins cannot
   *     apply exactly (a duration that is not a whole number of microseconds, numbers of 2^53 or
   *     more)
   */
  static String[] params(Policy policy) {
    if (policy instanceof TokenBucket p) {
      long periodMicros = micros(p, "refillPeriod", p.refillPeriod());
      long g = java.math.BigInteger.valueOf(periodMicros).gcd(java.math.BigInteger.valueOf(p.refillTokens())).longValueExact();
      long tokenUnits = periodMicros / g;
      long unitsPerMicro = p.refillTokens() / g;
      if (p.capacity() > MAX) {
        throw new IllegalArgumentException("token bucket '" + p.name() + "': capacity (" + p.capacity()
            + ") must be below 2^53 for the Redis store");
      }
      if (tokenUnits > MAX || unitsPerMicro > MAX) {
        // the script counts in 1/unitsPerMicro µs: refillTokens / refillPeriod in lowest terms,
        // both of which must be exact doubles
        throw new IllegalArgumentException("token bucket '" + p.name() + "': refillTokens (" + p.refillTokens()
            + ") per refillPeriod (" + p.refillPeriod() + ", " + periodMicros + " µs) is " + unitsPerMicro + "/"
            + tokenUnits + " tokens per µs in lowest terms; both must be below 2^53 for the Redis store");
      }
      if (Math.multiplyHigh(p.capacity(), tokenUnits) != 0 || p.capacity() * tokenUnits > MAX) {
        throw new IllegalArgumentException("token bucket '" + p.name() + "': capacity (" + p.capacity()
            + ") x refill interval (" + p.refillPeriod() + " / " + p.refillTokens()
            + ") must stay below 2^53 in 1/" + unitsPerMicro + " µs units for the Redis store");
      }
      return strings(p.capacity(), tokenUnits, unitsPerMicro);
    } else if (policy instanceof FixedWindow p) {
      return window(p, p.limit(), p.window());
    } else if (policy instanceof SlidingLog p) {
      return strings(limit(p), micros(p, "window", p.window()), micros(p, "granularity", p.granularity()));
    } else if (policy instanceof SlidingCounter p) {
      return strings(limit(p), micros(p, "window", p.window()));
    } else if (policy instanceof Concurrency p) {
      return strings(limit(p), micros(p, "leaseTtl", p.leaseTtl()));
    } else if (policy instanceof Budget p) {
      String[] w = window(p, limit(p), p.period());
      if (w == null) {
        return null;
      }
      return concat(strings(micros(p, "reservationTtl", p.reservationTtl()), p.maxReservations()), w);
    }
    throw new IllegalArgumentException("unknown policy type: " + policy.getClass().getName());
  }

  /**
   * The parameters of a policy with calendar periods, given the caller's wall time: the period
   * containing it and {@link #CALENDAR_SIDE} on each side (the zone's rules are applied here, in
   * Java; the script picks the period containing its own time).
   */
  static String[] calendarParams(Policy policy, long wallNanos) {
    Window w;
    String[] head;
    long limit;
    if (policy instanceof FixedWindow p) {
      w = p.window();
      head = new String[0];
      limit = limit(p);
    } else if (policy instanceof Budget p) {
      w = p.period();
      head = strings(micros(p, "reservationTtl", p.reservationTtl()), p.maxReservations());
      limit = limit(p);
    } else {
      throw new IllegalArgumentException("policy '" + policy.name() + "' has no calendar periods");
    }
    int m = 2 * CALENDAR_SIDE + 2;
    String[] out = new String[head.length + 3 + m];
    System.arraycopy(head, 0, out, 0, head.length);
    int i = head.length;
    out[i++] = Long.toString(limit);
    out[i++] = "1";
    out[i++] = Integer.toString(m);
    long start = w.startNanos(wallNanos);
    long[] bounds = new long[m];
    bounds[CALENDAR_SIDE] = start;
    for (int k = CALENDAR_SIDE - 1; k >= 0; k--) {
      long t = bounds[k + 1];
      // a period that starts before the epoch (a zone west of UTC in 1970) starts at 0 here
      bounds[k] = t <= 0 ? 0 : Math.max(0, w.startNanos(t - 1));
    }
    for (int k = CALENDAR_SIDE + 1; k < m; k++) {
      bounds[k] = Math.min(w.endNanos(bounds[k - 1]), dev.sluice.spi.Algorithm.MAX_NANOS);
    }
    long prev = -1;
    for (int k = 0; k < m; k++) {
      long us = bounds[k] / 1000;
      // Near the ends of the timeline periods can collapse; keep the bounds strictly increasing.
      us = Math.max(us, prev + 1);
      out[i + k] = Long.toString(us);
      prev = us;
    }
    return out;
  }

  /** The instant (wall ns) until which {@link #calendarParams} computed at {@code wallNanos} stays valid. */
  static long calendarValidUntil(Policy policy, long wallNanos) {
    Window w = policy instanceof FixedWindow p ? p.window() : ((Budget) policy).period();
    return w.endNanos(wallNanos);
  }

  private static String[] window(Policy p, long limit, Window window) {
    if (window instanceof Window.Epoch e) {
      return strings(limit(p), 0, micros(p, "window", e.length()));
    }
    return null;
  }

  private static long limit(Policy p) {
    if (p.limit() > MAX) {
      throw new IllegalArgumentException("policy '" + p.name() + "': limit (" + p.limit()
          + ") must be below 2^53 for the Redis store");
    }
    return p.limit();
  }

  static long micros(Policy p, String field, Duration d) {
    long nanos = d.toNanos();
    if (nanos % 1000 != 0) {
      throw new IllegalArgumentException("policy '" + p.name() + "': " + field + " (" + d
          + ") must be a whole number of microseconds for the Redis store");
    }
    if (nanos / 1000 > MAX) {
      throw new IllegalArgumentException("policy '" + p.name() + "': " + field + " (" + d
          + ") must be below 2^53 µs (285 years) for the Redis store");
    }
    return nanos / 1000;
  }

  private static String[] strings(long... values) {
    String[] s = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      s[i] = Long.toString(values[i]);
    }
    return s;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] s = new String[a.length + b.length];
    System.arraycopy(a, 0, s, 0, a.length);
    System.arraycopy(b, 0, s, a.length, b.length);
    return s;
  }


  /** Nanoseconds from the script's microseconds ({@code -1}: never). */
  static long nanos(long micros) {
    return micros < 0 ? Decision.NEVER : micros >= Long.MAX_VALUE / 1000 ? Decision.NEVER : micros * 1000;
  }

  /** The decision in {@code result} at request {@code index} (reason known to be >= 0). */
  static Decision decision(Policy policy, long[] result, int index) {
    int o = index * RESULT;
    return Decision.of(policy, REASONS[(int) result[o]], result[o + 1], result[o + 2], nanos(result[o + 3]),
        nanos(result[o + 4]));
  }

  /** The reason code at request {@code index}. */
  static int reason(long[] result, int index) {
    return (int) result[index * RESULT];
  }
}
