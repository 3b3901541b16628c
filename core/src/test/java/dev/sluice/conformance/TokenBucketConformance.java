package dev.sluice.conformance;

import static dev.sluice.Decision.Reason.ALLOWED;
import static dev.sluice.Decision.Reason.COST_EXCEEDS_LIMIT;
import static dev.sluice.Decision.Reason.LIMITED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.TokenBucket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Token bucket timelines on a manual clock, through the public API: each row is
 * {at, op, cost} -> {reason, remaining, retryAfter, resetAfter}, checked in order.
 *
 * <p>Expected values follow the GCRA model: with one token every {@code T} and capacity
 * {@code C}, the debt at {@code now} is {@code max(0, TAT - now)}; a cost {@code c} is admitted iff
 * {@code debt + c*T <= C*T}; then {@code retryAfter} is {@code debt + c*T - C*T} for a denial,
 * and {@code resetAfter} is the debt after the decision (the debt as it stands for a denial,
 * {@code debt + c*T} for an admission or a peek that would admit), both rounded up (to whole
 * nanoseconds in the tables, to the store's resolution by {@link #check}).
 */
public abstract class TokenBucketConformance extends StoreConformance {

  /** The rows on key "k" of a fresh store whose clock starts at {@link #T0}. */
  protected final void check(TokenBucket policy, List<Row> rows) {
    check(policy, T0, rows);
  }

  @Test
  public void hundredPerMinuteBurstTwenty() {
    // One token every 600 ms; the full bucket is 20 tokens = 12 s of refill.
    TokenBucket p = TokenBucket.of("api", 20, 100, Duration.ofMinutes(1));
    check(p, List.of(
        row(0, 20, ALLOWED, 0, 0, 12 * S),                    // TAT = 12 s
        row(0, 1, LIMITED, 0, 600 * MS, 12 * S),              // debt 12 s
        row(599 * MS, 1, LIMITED, 0, MS, 11_401 * MS),        // debt 11.401 s
        row(600 * MS, 1, ALLOWED, 0, 0, 12 * S),              // debt 11.4 s + 0.6 s; TAT = 12.6 s
        row(600 * MS, 1, LIMITED, 0, 600 * MS, 12 * S),
        row(1800 * MS, 2, ALLOWED, 0, 0, 12 * S),             // debt 10.8 s + 1.2 s; TAT = 13.8 s
        row(1800 * MS + 12 * S, 21, COST_EXCEEDS_LIMIT, 20, NEVER, 0), // full again: no debt
        row(1800 * MS + 12 * S, 20, ALLOWED, 0, 0, 12 * S)));
  }

  @Test
  public void capacityThirtyOneTokenEveryTwoSeconds() {
    // T = 2 s; the full bucket is 60 s of refill.
    TokenBucket p = TokenBucket.of("feed", 30, 1, Duration.ofSeconds(2));
    check(p, List.of(
        row(0, 30, ALLOWED, 0, 0, 60 * S),                    // TAT = 60 s
        row(1 * S, 1, LIMITED, 0, 1 * S, 59 * S),
        row(2 * S, 1, ALLOWED, 0, 0, 60 * S),                 // TAT = 62 s
        row(2 * S, 2, LIMITED, 0, 4 * S, 60 * S),
        row(60 * S, 0, ALLOWED, 29, 0, 2 * S),                // debt 2 s: 29 whole tokens
        row(62 * S, 30, ALLOWED, 0, 0, 60 * S)));
  }

  @Test
  public void threePerTenSecondsKeepsTheFraction() {
    // One token every 3 333 333 333 1/3 ns: the third token arrives at exactly 10 s, not a tick
    // early. TATs carry thirds of a nanosecond; retryAfter and resetAfter round them up. a1 and a2
    // are the first ticks at which the next token is there (exact arrivals 3 333 333 333 1/3 and
    // 6 666 666 666 2/3 ns); one tick earlier it is a tick away.
    TokenBucket p = TokenBucket.of("third", 3, 3, Duration.ofSeconds(10));
    long a1 = up(3_333_333_334L);
    long a2 = up(6_666_666_667L);
    check(p, List.of(
        row(0, 3, ALLOWED, 0, 0, 10 * S),                     // TAT = 10 s
        row(0, 1, LIMITED, 0, 3_333_333_334L, 10 * S),        // wait 3 333 333 333 1/3 ns
        row(a1 - r, 1, LIMITED, 0, 1, 10 * S - (a1 - r)),
        row(a1, 1, ALLOWED, 0, 0, 10 * S),                    // TAT = 13 333 333 333 1/3 ns
        row(a2 - r, 1, LIMITED, 0, 1, 13_333_333_334L - (a2 - r)),
        row(a2, 1, ALLOWED, 0, 0, 10 * S),                    // TAT = 16 666 666 666 2/3 ns
        row(10 * S - r, 1, LIMITED, 0, 1, 16_666_666_667L - (10 * S - r)),
        row(10 * S, 1, ALLOWED, 0, 0, 10 * S),                // TAT = 20 s exactly
        row(40 * S, 3, ALLOWED, 0, 0, 10 * S)));
  }

  @Test
  public void costZeroChecksWithoutConsuming() {
    TokenBucket p = TokenBucket.of("z", 2, 1, Duration.ofSeconds(1));
    check(p, List.of(
        row(0, 0, ALLOWED, 2, 0, 0),
        row(0, 2, ALLOWED, 0, 0, 2 * S),
        row(0, 0, ALLOWED, 0, 0, 2 * S),
        op(0, "record", 1, ALLOWED, 0, 0, 3 * S),
        // in debt: even a check fails until the debt is repaid
        row(0, 0, LIMITED, 0, 1 * S, 3 * S),
        row(1 * S, 0, ALLOWED, 0, 0, 2 * S)));
  }

  @Test
  public void costAboveCapacityIsDeniedWithoutConsuming() {
    TokenBucket p = TokenBucket.of("big", 5, 1, Duration.ofSeconds(1));
    check(p, List.of(
        row(0, 6, COST_EXCEEDS_LIMIT, 5, NEVER, 0),
        row(0, Long.MAX_VALUE, COST_EXCEEDS_LIMIT, 5, NEVER, 0),
        op(0, "peek", 6, COST_EXCEEDS_LIMIT, 5, NEVER, 0),
        row(0, 5, ALLOWED, 0, 0, 5 * S)));
  }

  @Test
  public void clockGoingBackwardsNeverGrants() {
    TokenBucket p = TokenBucket.of("back", 2, 1, Duration.ofSeconds(1)); // a full refill takes 2 s
    check(p, List.of(
        row(10 * S, 2, ALLOWED, 0, 0, 2 * S),                 // TAT 12 s
        row(11 * S, 1, ALLOWED, 0, 0, 2 * S),                 // TAT 13 s
        // back to 10 s, less than a full refill: the bucket looks emptier (debt 3 s), not fuller
        row(10 * S, 1, LIMITED, 0, 2 * S, 3 * S),
        row(11 * S, 1, LIMITED, 0, S, 2 * S),
        row(12 * S, 1, ALLOWED, 0, 0, 2 * S),                 // TAT 14 s
        // back to 5 s, more than a full refill: absorbed; the bucket is as it was at 12 s (debt
        // 2 s) and the key moves onto the clock's new timeline
        row(5 * S, 1, LIMITED, 0, S, 2 * S),
        op(5 * S, "peek", 1, LIMITED, 0, S, 2 * S),
        row(6 * S - r, 1, LIMITED, 0, r, S + r),
        row(6 * S, 1, ALLOWED, 0, 0, 2 * S),                  // TAT 8 s
        row(6 * S, 1, LIMITED, 0, S, 2 * S)));
  }

  /**
   * A drained bucket that refills in 5 s, the clock then two days back: it still refills in 5 s
   * (it waited PT48H before a long step back was absorbed).
   */
  @Test
  public void aLongStepBackWaitsNoLongerThanTheBucketWould() {
    long day = 24 * H;
    check(TokenBucket.of("whole", 5, 1, Duration.ofSeconds(1)), List.of(
        row(3 * day, 5, ALLOWED, 0, 0, 5 * S),
        row(day, 1, LIMITED, 0, S, 5 * S),
        row(day + S - r, 1, LIMITED, 0, r, 4 * S + r),
        row(day + S, 1, ALLOWED, 0, 0, 5 * S),
        row(day + 6 * S, 5, ALLOWED, 0, 0, 5 * S)));
    // 1.5 tokens a second: a token every 2/3 s, the bucket full again 10/3 s after it emptied.
    check(TokenBucket.of("rational", 5, 3, Duration.ofSeconds(2)), List.of(
        row(3 * day, 5, ALLOWED, 0, 0, 3_333_333_334L),
        row(day, 1, LIMITED, 0, 666_666_667L, 3_333_333_334L),
        row(day + S, 1, ALLOWED, 0, 0, 3 * S),
        row(day + 4 * S, 5, ALLOWED, 0, 0, 3_333_333_334L)));
  }

  @Test
  public void recordOvershootsIntoDebtThenRepays() {
    TokenBucket p = TokenBucket.of("rec", 10, 10, Duration.ofSeconds(10));
    check(p, List.of(
        op(0, "record", 25, ALLOWED, 0, 0, 25 * S),           // TAT 25 s
        row(0, 1, LIMITED, 0, 16 * S, 25 * S),
        op(0, "peek", 1, LIMITED, 0, 16 * S, 25 * S),
        row(15 * S, 1, LIMITED, 0, S, 10 * S),
        row(16 * S, 1, ALLOWED, 0, 0, 10 * S),                // TAT 26 s
        op(16 * S, "refund", 100, ALLOWED, 10, 0, 0),         // refunds stop at a full bucket
        row(16 * S, 10, ALLOWED, 0, 0, 10 * S)));
  }

  @Test
  public void peekDoesNotConsume() {
    TokenBucket p = TokenBucket.of("peek", 1, 1, Duration.ofSeconds(1));
    check(p, List.of(
        // a peek that would admit reports what tryAcquire would: resetAfter includes the cost
        op(0, "peek", 1, ALLOWED, 0, 0, S),
        op(0, "peek", 1, ALLOWED, 0, 0, S),
        row(0, 1, ALLOWED, 0, 0, S),
        op(0, "peek", 1, LIMITED, 0, S, S)));
  }

  @Test
  public void capacityAndRateBeyondTwoToThe32() {
    // 2^40 tokens per millisecond: one token every 15625 / 2^34 ns, far below a nanosecond, and
    // capacity * reduced period = 2^40 * 15625, about 1.7e16 (beyond a double's exact integers).
    long c = 1L << 40;
    TokenBucket p = TokenBucket.of("large", c, c, Duration.ofMillis(1));
    check(p, List.of(
        row(0, c, ALLOWED, 0, 0, MS),
        row(0, 1, LIMITED, 0, 1, MS),                         // a fraction of a nanosecond, rounded up
        row(MS, c, ALLOWED, 0, 0, MS),
        row(MS, Long.MAX_VALUE, COST_EXCEEDS_LIMIT, 0, NEVER, MS),
        row(MS + 500 * US, 0, ALLOWED, c / 2, 0, 500 * US),   // half refilled: exactly 2^39
        row(MS + 500 * US, c / 2 + 1, LIMITED, c / 2, 1, 500 * US),
        row(MS + 500 * US, c / 2, ALLOWED, 0, 0, MS)));
  }

  @Test
  public void longestPeriodWorks() {
    long max = down(MAX_TIME); // 2^62 ns, or the last whole tick before it
    TokenBucket p = TokenBucket.of("slow", 1, 1, Duration.ofNanos(max));
    check(p, List.of(
        row(0, 1, ALLOWED, 0, 0, max),
        row(S, 1, LIMITED, 0, max - S, max - S)));
  }

  @Test
  public void resetAfterIsTheTimeUntilFull() {
    Limiter l = sluice.limiter(TokenBucket.of("r", 4, 1, Duration.ofSeconds(1)));
    assertThat(l.tryAcquire("k", 3).resetAfter()).isEqualTo(Duration.ofSeconds(3));
    clock.advance(Duration.ofMillis(500));
    assertThat(l.peek("k", 0).resetAfter()).isEqualTo(Duration.ofMillis(2500));
    l.reset("k");
    assertThat(l.peek("k", 0).remaining()).isEqualTo(4);
  }

  /**
   * A record of Long.MAX_VALUE tokens is a debt never repaid: denied for the rest of the
   * timeline, never wrapping into credit, until refunded. (How far the saturated debt reaches is
   * the store's; that it outlasts the timeline is the contract.)
   */
  @Test
  public void recordOfLongMaxValueDeniesToTheEndOfTheTimelineNeverABypass() {
    // One token a second (a whole number of ns per token), and one every 10/3 s (fractions).
    for (TokenBucket p : List.of(TokenBucket.of("huge-record", 10, 10, Duration.ofSeconds(10)),
        TokenBucket.of("huge-record-3", 3, 3, Duration.ofSeconds(10)))) {
      long c = p.capacity();
      long end = down(MAX_TIME);
      ManualClock clock = new ManualClock(T0);
      Limiter l = engine(clock).limiter(p);
      String as = storeName() + " " + p;
      Decision d = l.record("k", Long.MAX_VALUE);
      assertThat(d.allowed()).as(as).isTrue();
      assertThat(d.remaining()).as(as).isZero();
      assertDeniedToTheEnd(as, l.tryAcquire("k", 1), clock.nanos(), end);
      assertDeniedToTheEnd(as, l.tryAcquire("k", 0), clock.nanos(), end);
      assertDeniedToTheEnd(as, l.peek("k", c), clock.nanos(), end);
      assertThat(l.tryAcquire("k", c + 1).reason()).as(as).isEqualTo(COST_EXCEEDS_LIMIT);
      // a second record does not wrap around into credit
      assertThat(l.record("k", Long.MAX_VALUE).allowed()).as(as).isTrue();
      assertDeniedToTheEnd(as, l.tryAcquire("k", 1), clock.nanos(), end);
      // still in debt at the end of the timeline, 92 years on
      clock.set(end);
      assertDeniedToTheEnd(as, l.tryAcquire("k", 1), end, end);
      assertThat(l.record("k", Long.MAX_VALUE).allowed()).as(as).isTrue();
      assertDeniedToTheEnd(as, l.tryAcquire("k", c), end, end);
      // a refund of everything repays it
      d = l.refund("k", Long.MAX_VALUE);
      assertThat(d.allowed()).as(as).isTrue();
      assertThat(d.remaining()).as(as).isEqualTo(c);
      assertThat(d.resetAfterNanos()).as(as).isZero();
      d = l.tryAcquire("k", c);
      assertThat(d.allowed()).as(as).isTrue();
      assertThat(d.resetAfterNanos()).as(as).isEqualTo(10 * S);
    }
  }

  private static void assertDeniedToTheEnd(String as, Decision d, long now, long end) {
    assertThat(d.reason()).as(as + ": " + d).isEqualTo(LIMITED);
    assertThat(d.remaining()).as(as + ": " + d).isZero();
    assertThat(d.retryAfterNanos()).as(as + ": the debt outlasts the timeline; " + d)
        .isNotEqualTo(NEVER).isGreaterThan(end - now);
  }
}
