package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Decision.Reason;
import dev.sluice.Limiter;
import dev.sluice.SlidingCounter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Sliding counter timelines on a manual clock, through the public API: each row is
 * {at, op, cost} -> {allowed, remaining, retryAfter}, optionally resetAfter, checked in order.
 *
 * <p>Windows [s, s + W) are aligned to the epoch ({@link #T0} is a multiple of 10 s). At
 * {@code s + x} the estimate is {@code prev * (W - x) / W + cur}; a cost c fits iff
 * {@code prev * (W - x) + (cur + c) * W <= limit * W}; the less obvious expected values are
 * worked out from that formula in comments. Where the first x that fits is a fraction of a
 * nanosecond past a whole one, the store admits from the first tick at or after it.
 */
public abstract class SlidingCounterConformance extends StoreConformance {

  protected static SlidingCounter sc(long limit, Duration window) {
    return SlidingCounter.of("sc", limit, window);
  }

  @Test
  public void tenPerTenSecondsWithExactRetryAfter() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(0, 10, true, 0, 0).expectReset(20 * S),
        // [0, 10): cur 10 > 9 = limit - 1; next window prev 10: 10 * (W - x) <= 9 * W from x = 1 s.
        row(5 * S, 1, false, 0, 6 * S).expectReset(15 * S),
        op(5 * S, "peek", 1, false, 0, 6 * S),
        row(11 * S - r, 1, false, 0, r),
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
  public void retryAfterIsExactToTheTick() {
    // 3 per 10 s: prev 3 lets one more in once 3 * (W - x) <= 2 * W, from x = W/3 =
    // 3 333 333 333 1/3 ns: the first tick at or after it is x1.
    long x1 = up(3_333_333_334L);
    // cur 1: 3 * (W - x) <= 1 * W from x = 2W/3 = 6 666 666 666 2/3 ns.
    long x2 = up(6_666_666_667L);
    check(sc(3, Duration.ofSeconds(10)), T0,
        row(9 * S, 3, true, 0, 0).expectReset(11 * S),
        row(10 * S, 1, false, 0, x1),
        row(10 * S + r, 0, true, 0, 0),
        row(10 * S + x1 - r, 1, false, 0, r),
        row(10 * S + x1, 1, true, 0, 0),
        row(10 * S + x2 - r, 1, false, 0, r),
        row(10 * S + x2, 1, true, 0, 0),
        // [20, 30): prev 2, so exactly one fits at x = 0, the next at x = W/2.
        row(20 * S, 1, true, 0, 0),
        row(20 * S, 1, false, 0, 5 * S),
        row(25 * S - r, 1, false, 0, r),
        row(25 * S, 1, true, 0, 0));
  }

  @Test
  public void trafficSpreadEvenlyOverThePreviousWindowIsCountedExactly() {
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
  public void costZeroChecksWithoutConsuming() {
    long x1 = up(1_666_666_667L);
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(0, 0, true, 10, 0).expectReset(0),
        row(0, 0, true, 10, 0).expectReset(0),
        row(0, 10, true, 0, 0),
        row(5 * S, 0, true, 0, 0).expectReset(15 * S),
        op(5 * S, "peek", 1, false, 0, 6 * S),
        op(5 * S, "record", 2, true, 0, 0).expectReset(15 * S),
        // cur 12 > 10: a check waits for 12 * (W - x) <= 10 * W in the next window, from
        // x = W/6 = 1 666 666 666 2/3 ns; the first tick at or after it is 10 s + x1 - 5 s away.
        row(5 * S, 0, false, 0, 5 * S + x1).expectReset(15 * S),
        row(10 * S + x1 - r, 0, false, 0, r),
        // The window it is in ends at 20 s: 8 333 333 333 ns later on a nanosecond timeline.
        row(10 * S + x1, 0, true, 0, 0).expectReset(10 * S - x1),
        row(20 * S, 10, true, 0, 0));
  }

  @Test
  public void costAboveTheLimitIsRefusedForeverWithoutConsuming() {
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
  public void longMaxValueCostNeverOverflowsIntoAGrant() {
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
  }

  @Test
  public void theLargestLimitNeedsWideProducts() {
    // With the largest limit MAX (Long.MAX_VALUE in memory), the products need 128 bits.
    long max = maxLimit();
    long w = 10 * S;
    check(SlidingCounter.of("max", max, Duration.ofNanos(w)), T0,
        row(0, max, true, 0, 0).expectReset(20 * S),
        // Next window: MAX * (W - x) <= (MAX - 1) * W from x = W / MAX, a tiny fraction of a
        // nanosecond: the first tick, x = r.
        row(0, 1, false, 0, w + r),
        row(w, 1, false, 0, r),
        // At x = r: MAX - 1 - ceil(MAX * (W - r) / W) = floor(MAX * r / W) - 1 left.
        row(w + r, 1, true, max / (w / r) - 1, 0),
        row(w + r, max / (w / r) - 1, true, 0, 0),
        row(w + r, 1, false, 0, r));
  }

  @Test
  public void clockGoingBackwardsNeverGrants() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(15 * S, 10, true, 0, 0).expectReset(15 * S),
        // Back into [0, 10): the stored window [10, 20) stays; cur 10 must become prev and weigh
        // 9 * W, at 21 s.
        row(5 * S, 1, false, 0, 16 * S).expectReset(25 * S),
        row(0, 1, false, 0, 21 * S),
        row(21 * S - r, 1, false, 0, r),
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

  /**
   * A step back further than the window before the stored one is absorbed: the counts weigh fully
   * in the window of now, so a denial lasts at most two windows, never the length of the step.
   */
  @Test
  public void aLongStepBackDeniesAtMostTwoWindows() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        row(15 * S, 10, true, 0, 0).expectReset(15 * S),
        // An hour back: the 10 weigh fully in [-3600 s, -3590 s), then as the previous window.
        row(-3595 * S, 1, false, 0, 6 * S).expectReset(15 * S),
        op(-3595 * S, "peek", 0, true, 0, 0),
        row(-3589 * S - r, 1, false, 0, r),
        row(-3589 * S, 1, true, 0, 0));
  }

  @Test
  public void recordRefundAndReset() {
    check(sc(10, Duration.ofSeconds(10)), T0,
        op(0, "record", 15, true, 0, 0).expectReset(20 * S),
        // 15 * (W - x) <= 9 * W from x = 4 s of the next window.
        row(5 * S, 1, false, 0, 9 * S),
        row(14 * S - r, 1, false, 0, r),
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
  public void longestWindowWorks() {
    long max = down(MAX_TIME); // 2^62 ns, or the last whole tick before it
    Limiter l = sluice.limiter(SlidingCounter.of("long", 1, Duration.ofNanos(max)));
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    Decision d = l.tryAcquire("k", 1);
    assertThat(d.reason()).isEqualTo(Reason.LIMITED);
    // The window [0, max) ends at the end of the timeline; the count then weighs as prev.
    assertThat(d.retryAfterNanos()).as(d.toString()).isGreaterThan(max - T0);
    clock.set(max - r);
    assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
  }
}
