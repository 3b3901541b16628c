package dev.sluice;

import static dev.sluice.Decision.Reason.ALLOWED;
import static dev.sluice.Decision.Reason.COST_EXCEEDS_LIMIT;
import static dev.sluice.Decision.Reason.LIMITED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision.Reason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Token bucket timelines on a manual clock, {at, op, cost} -> {reason, remaining, retryAfter,
 * resetAfter}, that hold the in-memory store's arithmetic to the nanosecond where a store with a
 * coarser timeline answers differently: where a saturated debt ends, tokens finer than a
 * nanosecond. The timelines every store shares are in
 * {@code dev.sluice.conformance.TokenBucketConformance}.
 *
 * <p>Expected values follow the GCRA model of {@code TokenBucketAlgorithm}: with one token every
 * {@code T} and capacity {@code C}, the debt at {@code now} is {@code max(0, TAT - now)}; a cost
 * {@code c} is admitted iff {@code debt + c*T <= C*T}; then {@code retryAfter} is
 * {@code debt + c*T - C*T} for a denial, and {@code resetAfter} is the debt after the decision
 * (the debt as it stands for a denial, {@code debt + c*T} for an admission or a peek that would
 * admit), both rounded up to whole nanoseconds.
 */
class TokenBucketTimelineTest {

  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final long NEVER = Decision.NEVER;
  private static final long T0 = 1_700_000_000L * S;

  /**
   * One step: at (ns after T0), operation, cost; expected reason, remaining, retryAfter and
   * resetAfter (ns).
   */
  record Row(long at, String op, long cost, Reason reason, long remaining, long retryAfter,
      long resetAfter) {}

  static Row row(long at, long cost, Reason reason, long remaining, long retryAfter, long resetAfter) {
    return new Row(at, "try", cost, reason, remaining, retryAfter, resetAfter);
  }

  static Row op(long at, String op, long cost, Reason reason, long remaining, long retryAfter,
      long resetAfter) {
    return new Row(at, op, cost, reason, remaining, retryAfter, resetAfter);
  }

  static void check(TokenBucket policy, List<Row> rows) {
    check(policy, T0, rows);
  }

  /** Runs the rows in order on a fresh engine whose manual clock starts at {@code base}. */
  static void check(TokenBucket policy, long base, List<Row> rows) {
    ManualClock clock = new ManualClock(base);
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter limiter = sluice.limiter(policy);
      int i = 0;
      for (Row r : rows) {
        clock.set(base + r.at);
        Decision d = switch (r.op) {
          case "try" -> limiter.tryAcquire("k", r.cost);
          case "peek" -> limiter.peek("k", r.cost);
          case "record" -> limiter.record("k", r.cost);
          case "refund" -> limiter.refund("k", r.cost);
          default -> throw new AssertionError(r.op);
        };
        String at = "row " + i++ + " " + r;
        assertThat(d.allowed()).as(at + " allowed; " + d).isEqualTo(r.reason == ALLOWED);
        assertThat(d.reason()).as(at + " reason; " + d).isEqualTo(r.reason);
        assertThat(d.remaining()).as(at + " remaining; " + d).isEqualTo(r.remaining);
        assertThat(d.retryAfterNanos()).as(at + " retryAfter; " + d).isEqualTo(r.retryAfter);
        assertThat(d.resetAfterNanos()).as(at + " resetAfter; " + d).isEqualTo(r.resetAfter);
        assertThat(d.limit()).isEqualTo(policy.capacity());
        assertThat(d.policy()).isEqualTo(policy);
      }
    }
  }

  @Test
  void recordOfLongMaxValueIsAllowedAndThenDeniesForCenturiesNeverABypass() {
    // One token a second (a whole number of ns per token: the packed one-long state). The record
    // saturates the debt at Long.MAX_VALUE ns: "a debt that is never repaid". The TAT, now + debt,
    // saturates at Long.MAX_VALUE too, so later decisions see a debt of Long.MAX_VALUE - now.
    TokenBucket p = TokenBucket.of("huge-record", 10, 10, Duration.ofSeconds(10));
    long end = (1L << 62) - T0; // the end of the timeline stores accept
    long tat = Long.MAX_VALUE - T0;
    check(p, List.of(
        op(0, "record", Long.MAX_VALUE, ALLOWED, 0, 0, NEVER),
        row(0, 1, LIMITED, 0, tat - 9 * S, tat),               // debt + 1 s - 10 s
        row(0, 0, LIMITED, 0, tat - 10 * S, tat),
        op(0, "peek", 10, LIMITED, 0, tat, tat),
        row(0, 11, COST_EXCEEDS_LIMIT, 0, NEVER, tat),
        // a second record does not wrap around into credit
        op(0, "record", Long.MAX_VALUE, ALLOWED, 0, 0, NEVER),
        row(0, 1, LIMITED, 0, tat - 9 * S, tat),
        // still in debt at the end of the timeline, 146 years on
        row(end, 1, LIMITED, 0, tat - end - 9 * S, tat - end),
        op(end, "record", Long.MAX_VALUE, ALLOWED, 0, 0, NEVER),
        row(end, 10, LIMITED, 0, tat - end, tat - end),
        // a refund of everything repays it
        op(end, "refund", Long.MAX_VALUE, ALLOWED, 10, 0, 0),
        row(end, 10, ALLOWED, 0, 0, 10 * S)));
  }

  @Test
  void recordOfLongMaxValueOnAFractionalBucketDeniesForDecadesNeverABypass() {
    // One token every 10/3 s: debts are kept in thirds of a nanosecond. The record saturates the
    // debt at Long.MAX_VALUE thirds: TAT = now + MAX/3 + 1/3 ns (MAX = 3 * (MAX/3) + 1), about
    // 97 years ahead, which no store's timeline (at most 2^62 ns) reaches from T0.
    TokenBucket p = TokenBucket.of("huge-record-3", 3, 3, Duration.ofSeconds(10));
    long third = Long.MAX_VALUE / 3;
    long end = (1L << 62) - T0;
    check(p, List.of(
        op(0, "record", Long.MAX_VALUE, ALLOWED, 0, 0, third + 1),
        row(0, 0, LIMITED, 0, third - 10 * S + 1, third + 1),  // ceil(debt - 10 s)
        row(0, 4, COST_EXCEEDS_LIMIT, 0, NEVER, third + 1),
        op(0, "record", Long.MAX_VALUE, ALLOWED, 0, 0, third + 1),
        row(end, 0, LIMITED, 0, third - end - 10 * S + 1, third - end + 1),
        op(end, "refund", Long.MAX_VALUE, ALLOWED, 3, 0, 0),
        row(end, 3, ALLOWED, 0, 0, 10 * S)));
  }

  @Test
  /** Regression: after a saturating record, a denial's retryAfter was up to cost*T too short. */
  void retryAfterSufficesAfterASaturatingRecord() {
    // The class comment promises "waiting retryAfter always suffices". On a clock at 0, a record
    // of Long.MAX_VALUE tokens at 10/3 s each saturates the debt at Long.MAX_VALUE thirds of a ns:
    // TAT = MAX/3 + 1/3 ns. One token needs debt + T <= 3T: the wait is until TAT - 2T, i.e.
    // ceil(MAX/3 + 1/3 - 6 666 666 666 2/3) = MAX/3 - 6 666 666 666 ns. Saturating debt + T at
    // Long.MAX_VALUE drops T and answers MAX/3 - 9 999 999 999, when the token is still denied.
    long third = Long.MAX_VALUE / 3;
    check(TokenBucket.of("huge-record-3", 3, 3, Duration.ofSeconds(10)), 0, List.of(
        op(0, "record", Long.MAX_VALUE, ALLOWED, 0, 0, third + 1),
        row(0, 1, LIMITED, 0, third - 6_666_666_666L, third + 1),
        row(third - 10 * S + 1, 1, LIMITED, 0, 3_333_333_333L, 10 * S), // the wait answered above
        row(third - 6_666_666_667L, 1, LIMITED, 0, 1, 6_666_666_668L),
        row(third - 6_666_666_666L, 1, ALLOWED, 0, 0, 10 * S)));
    // The same on a whole-nanosecond bucket: TAT = Long.MAX_VALUE, one token 1 s, capacity 10 s.
    check(TokenBucket.of("huge-record", 10, 10, Duration.ofSeconds(10)), 0, List.of(
        op(0, "record", Long.MAX_VALUE, ALLOWED, 0, 0, NEVER),
        row(0, 1, LIMITED, 0, Long.MAX_VALUE - 9 * S, Long.MAX_VALUE)));
  }

  @Test
  void longMaxValueCapacityAndRate() {
    // 2^62 tokens per nanosecond-period at most: capacity * reduced period must stay <= 2^62.
    // T = 2^-62 ns: the full bucket is 1 ns of refill.
    TokenBucket p = TokenBucket.of("huge", 1L << 62, 1L << 62, Duration.ofNanos(1));
    check(p, List.of(
        row(0, 1L << 62, ALLOWED, 0, 0, 1),
        row(0, 1, LIMITED, 0, 1, 1),
        row(1, 1L << 62, ALLOWED, 0, 0, 1),
        row(1, Long.MAX_VALUE, COST_EXCEEDS_LIMIT, 0, NEVER, 1)));
    assertThatThrownBy(() -> TokenBucket.of("t", Long.MAX_VALUE, 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity (" + Long.MAX_VALUE + ")");
  }

  @Test
  void longerPeriodIsRefused() {
    assertThatThrownBy(() -> TokenBucket.of("t", 1, 1, Duration.ofNanos(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refillPeriod (PT2562047H47M16.854775807S) exceeds the maximum");
    assertThatThrownBy(() -> TokenBucket.of("t", 1, 1, Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refillPeriod");
  }
}
