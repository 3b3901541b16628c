package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision.Reason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Sliding counter timelines on a manual clock, through the public API: each row is
 * {at, op, cost} -> {allowed, remaining, retryAfter}, optionally resetAfter, checked in order.
 *
 * <p>Windows [s, s + W) are aligned to the epoch ({@link #T0} is a multiple of 10 s). At
 * {@code s + x} the estimate is {@code prev * (W - x) / W + cur}; a cost c fits iff
 * {@code prev * (W - x) + (cur + c) * W <= limit * W}; the less obvious expected values are
 * worked out from that formula in comments.
 */
class SlidingCounterTimelineTest {

  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final long NEVER = Decision.NEVER;
  private static final long T0 = 1_700_000_000L * S;
  private static final long UNCHECKED = Long.MIN_VALUE;

  /**
   * One step: at (ns after the base), operation ("try", "peek", "record", "refund", "reset"), key,
   * cost; expected allowed, remaining, retryAfter and resetAfter ({@link #UNCHECKED} to skip). The
   * reason is implied: allowed, COST_EXCEEDS_LIMIT when retryAfter is NEVER, LIMITED otherwise.
   */
  record Row(long at, String op, String key, long cost, boolean allowed, long remaining,
      long retryAfter, long resetAfter) {
    Row expectReset(long nanos) {
      return new Row(at, op, key, cost, allowed, remaining, retryAfter, nanos);
    }

    Row onKey(String k) {
      return new Row(at, op, k, cost, allowed, remaining, retryAfter, resetAfter);
    }
  }

  static Row row(long at, long cost, boolean allowed, long remaining, long retryAfter) {
    return new Row(at, "try", "k", cost, allowed, remaining, retryAfter, UNCHECKED);
  }

  static Row op(long at, String op, long cost, boolean allowed, long remaining, long retryAfter) {
    return new Row(at, op, "k", cost, allowed, remaining, retryAfter, UNCHECKED);
  }

  static Row reset(long at) {
    return new Row(at, "reset", "k", 0, true, 0, 0, UNCHECKED);
  }

  static void check(Policy policy, long base, Row... rows) {
    ManualClock clock = new ManualClock(base);
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter limiter = sluice.limiter(policy);
      for (int i = 0; i < rows.length; i++) {
        Row r = rows[i];
        clock.set(base + r.at);
        String at = policy + " row " + i + " " + r;
        Decision d;
        switch (r.op) {
          case "try" -> d = limiter.tryAcquire(r.key, r.cost);
          case "peek" -> d = limiter.peek(r.key, r.cost);
          case "record" -> d = limiter.record(r.key, r.cost);
          case "refund" -> d = limiter.refund(r.key, r.cost);
          case "reset" -> {
            limiter.reset(r.key);
            continue;
          }
          default -> throw new AssertionError(r.op);
        }
        Reason reason = r.allowed ? Reason.ALLOWED
            : r.retryAfter == NEVER ? Reason.COST_EXCEEDS_LIMIT : Reason.LIMITED;
        assertThat(d.allowed()).as(at + ": allowed; got " + d).isEqualTo(r.allowed);
        assertThat(d.reason()).as(at + ": reason; got " + d).isEqualTo(reason);
        assertThat(d.remaining()).as(at + ": remaining; got " + d).isEqualTo(r.remaining);
        assertThat(d.retryAfterNanos()).as(at + ": retryAfter; got " + d).isEqualTo(r.retryAfter);
        if (r.resetAfter != UNCHECKED) {
          assertThat(d.resetAfterNanos()).as(at + ": resetAfter; got " + d).isEqualTo(r.resetAfter);
        }
        assertThat(d.limit()).as(at + ": limit").isEqualTo(policy.limit());
        assertThat(d.policy()).as(at + ": policy").isEqualTo(policy);
      }
    }
  }

  static SlidingCounter sc(long limit, Duration window) {
    return SlidingCounter.of("sc", limit, window);
  }

  @Test
  void tenPerTenSecondsWithExactRetryAfter() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(0, 10, true, 0, 0).expectReset(20 * S),
        // [0, 10): cur 10 > 9 = limit - 1; next window prev 10: 10 * (W - x) <= 9 * W from x = 1 s.
        row(5 * S, 1, false, 0, 6 * S).expectReset(15 * S),
        op(5 * S, "peek", 1, false, 0, 6 * S),
        row(11 * S - 1, 1, false, 0, 1),
        // [10, 20) at x = 1 s: estimate 10 * 0.9 + 1 = 10.
        row(11 * S, 1, true, 0, 0).expectReset(19 * S),
        // x = 5 s: 10 * 0.5 + 1 = 6 used, 4 left.
        row(15 * S, 4, true, 0, 0).expectReset(15 * S),
        // cur 5: 10 * (W - x) <= 4 * W from x = 6 s.
        row(15 * S, 1, false, 0, S),
        row(16 * S, 1, true, 0, 0),
        // [20, 30): prev 6 weighs fully at x = 0, nothing in this window yet.
        row(20 * S, 0, true, 4, 0).expectReset(10 * S),
        // x = 5 s: ceil(6 * 0.5) = 3 used, 7 left.
        row(25 * S, 7, true, 0, 0).expectReset(15 * S),
        // [40, 50): both windows before are over.
        row(40 * S, 10, true, 0, 0));
  }

  @Test
  void retryAfterIsExactToTheNanosecond() {
    // 3 per 10 s: prev 3 lets one more in once 3 * (W - x) <= 2 * W, at x = W - floor(2W/3).
    check(sc(3, Duration.ofSeconds(10)), T0,
        row(9 * S, 3, true, 0, 0).expectReset(11 * S),
        row(10 * S, 1, false, 0, 3_333_333_334L),
        row(10 * S + 1, 0, true, 0, 0),
        row(13_333_333_333L, 1, false, 0, 1),
        row(13_333_333_334L, 1, true, 0, 0),
        // cur 1: 3 * (W - x) <= 1 * W from x = W - floor(W/3) = 6_666_666_667.
        row(16_666_666_666L, 1, false, 0, 1),
        row(16_666_666_667L, 1, true, 0, 0),
        // [20, 30): prev 2, so exactly one fits at x = 0, the next at x = W/2.
        row(20 * S, 1, true, 0, 0),
        row(20 * S, 1, false, 0, 5 * S),
        row(25 * S - 1, 1, false, 0, 1),
        row(25 * S, 1, true, 0, 0));
  }

  @Test
  void trafficSpreadEvenlyOverThePreviousWindowIsCountedExactly() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(500 * MS, 1, true, 9, 0),
        row(1500 * MS, 1, true, 8, 0),
        row(2500 * MS, 1, true, 7, 0),
        row(3500 * MS, 1, true, 6, 0),
        row(4500 * MS, 1, true, 5, 0),
        row(5500 * MS, 1, true, 4, 0),
        row(6500 * MS, 1, true, 3, 0),
        row(7500 * MS, 1, true, 2, 0),
        row(8500 * MS, 1, true, 1, 0),
        row(9500 * MS, 1, true, 0, 0),
        // At 15 s the trailing window (5 s, 15 s] holds the 5 requests at 5.5 ... 9.5 s; the
        // estimate 10 * 0.5 is exactly that.
        row(15 * S, 0, true, 5, 0).expectReset(5 * S),
        row(15 * S, 6, false, 5, S),
        row(15 * S, 5, true, 0, 0));
  }

  @Test
  void costZeroChecksWithoutConsuming() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(0, 0, true, 10, 0).expectReset(0),
        row(0, 0, true, 10, 0).expectReset(0),
        row(0, 10, true, 0, 0),
        row(5 * S, 0, true, 0, 0).expectReset(15 * S),
        op(5 * S, "peek", 1, false, 0, 6 * S),
        op(5 * S, "record", 2, true, 0, 0).expectReset(15 * S),
        // cur 12 > 10: a check waits for 12 * (W - x) <= 10 * W in the next window,
        // x = W - floor(10W/12) = 1_666_666_667, i.e. 10 s + x - 5 s.
        row(5 * S, 0, false, 0, 6_666_666_667L).expectReset(15 * S),
        row(11_666_666_666L, 0, false, 0, 1),
        row(11_666_666_667L, 0, true, 0, 0).expectReset(8_333_333_333L),
        row(20 * S, 10, true, 0, 0));
  }

  @Test
  void costAboveTheLimitIsRefusedForeverWithoutConsuming() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(0, 4, true, 6, 0),
        row(S, 11, false, 6, NEVER).expectReset(19 * S),
        row(S, Long.MAX_VALUE, false, 6, NEVER),
        op(S, "peek", 11, false, 6, NEVER),
        row(S, 6, true, 0, 0),
        row(S, 11, false, 0, NEVER),
        row(S, 11, false, 10, NEVER).onKey("fresh").expectReset(0),
        row(S, 10, true, 0, 0).onKey("fresh"));
  }

  @Test
  void longMaxValueCostNeverOverflowsIntoAGrant() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(0, Long.MAX_VALUE, false, 10, NEVER).expectReset(0),
        row(0, 3, true, 7, 0),
        row(0, Long.MAX_VALUE - 2, false, 7, NEVER),
        op(0, "record", Long.MAX_VALUE, true, 0, 0).expectReset(20 * S),
        // The count saturates instead of wrapping.
        op(0, "record", Long.MAX_VALUE, true, 0, 0).expectReset(20 * S),
        // A saturated count still weighs enough for the whole next window.
        row(5 * S, 0, false, 0, 15 * S),
        row(15 * S, 0, false, 0, 5 * S),
        row(20 * S, 10, true, 0, 0));
    // With limit Long.MAX_VALUE, the products need 128 bits.
    long w = 10 * S;
    check(SlidingCounter.of("max", Long.MAX_VALUE, Duration.ofNanos(w)), T0,
        row(0, Long.MAX_VALUE, true, 0, 0).expectReset(20 * S),
        // Next window: MAX * (W - x) <= (MAX - 1) * W from x = 1 ns.
        row(0, 1, false, 0, w + 1),
        row(w, 1, false, 0, 1),
        // At x = 1: MAX - 1 - ceil(MAX * (W - 1) / W) = floor(MAX / W) - 1 left.
        row(w + 1, 1, true, Long.MAX_VALUE / w - 1, 0),
        row(w + 1, Long.MAX_VALUE / w - 1, true, 0, 0),
        row(w + 1, 1, false, 0, 1));
  }

  @Test
  void clockGoingBackwardsNeverGrants() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(15 * S, 10, true, 0, 0).expectReset(15 * S),
        // Back into [0, 10): the stored window [10, 20) stays; cur 10 must become prev and weigh
        // 9 * W, at 21 s.
        row(5 * S, 1, false, 0, 16 * S).expectReset(25 * S),
        row(0, 1, false, 0, 21 * S),
        row(-3600 * S, 0, true, 0, 0),
        row(21 * S - 1, 1, false, 0, 1),
        row(21 * S, 1, true, 0, 0),
        // Back into [10, 20) from [20, 30): prev 10 weighs fully (x = 0): 10 * W + 2 * W > 10 * W;
        // it fits when 10 * (W - x) <= 8 * W, at 22 s.
        row(12 * S, 1, false, 0, 10 * S),
        row(22 * S, 1, true, 0, 0),
        row(25 * S, 3, true, 0, 0),
        // Back within the same window: the previous window weighs more, never less.
        row(23 * S, 0, false, 0, 2 * S),
        row(30 * S, 5, true, 0, 0));
  }

  @Test
  void recordRefundAndReset() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        op(0, "record", 15, true, 0, 0).expectReset(20 * S),
        // 15 * (W - x) <= 9 * W from x = 4 s of the next window.
        row(5 * S, 1, false, 0, 9 * S),
        row(14 * S - 1, 1, false, 0, 1),
        row(14 * S, 1, true, 0, 0),
        // Refunds come out of the current window first, then the previous one.
        op(14 * S, "refund", 1, true, 1, 0).expectReset(6 * S),
        op(14 * S, "refund", 6, true, 4, 0).expectReset(6 * S),
        row(14 * S, 4, true, 0, 0),
        op(14 * S, "refund", 100, true, 10, 0).expectReset(0),
        row(15 * S, 10, true, 0, 0),
        reset(15 * S),
        row(15 * S, 10, true, 0, 0).expectReset(15 * S),
        reset(15 * S).onKey("never-used"),
        op(15 * S, "refund", 1, true, 10, 0).onKey("never-used").expectReset(0),
        op(15 * S, "record", 0, true, 10, 0).onKey("never-used").expectReset(0));
  }

  @Test
  void longestWindowWorksAndLongerIsRefused() {
    long max = 1L << 62;
    ManualClock clock = new ManualClock(T0);
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter l = sluice.limiter(SlidingCounter.of("long", 1, Duration.ofNanos(max)));
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
      Decision d = l.tryAcquire("k", 1);
      assertThat(d.reason()).isEqualTo(Reason.LIMITED);
      // The window [0, 2^62) ends at the end of the timeline; the count then weighs as prev.
      assertThat(d.retryAfterNanos()).as(d.toString()).isGreaterThan(max - T0);
      clock.set(max - 1);
      assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
    }
    Duration tooLong = Duration.ofNanos(max + 1);
    assertThatThrownBy(() -> SlidingCounter.of("long", 1, tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window (" + tooLong + ") exceeds the maximum");
  }
}
