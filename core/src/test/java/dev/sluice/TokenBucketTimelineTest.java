package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token bucket timelines on a manual clock: {at, op, cost} -> {allowed, remaining, retryAfter}. */
class TokenBucketTimelineTest {

  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final long T0 = 1_700_000_000L * S;

  /** One step: at (ns after T0), operation, cost; expected allowed, remaining, retryAfter (ns). */
  record Row(long at, String op, long cost, boolean allowed, long remaining, long retryAfter) {}

  static Row row(long at, long cost, boolean allowed, long remaining, long retryAfter) {
    return new Row(at, "try", cost, allowed, remaining, retryAfter);
  }

  static Row op(long at, String op, long cost, boolean allowed, long remaining, long retryAfter) {
    return new Row(at, op, cost, allowed, remaining, retryAfter);
  }

  static void check(TokenBucket policy, List<Row> rows) {
    ManualClock clock = new ManualClock(T0);
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter limiter = sluice.limiter(policy);
      int i = 0;
      for (Row r : rows) {
        clock.set(T0 + r.at);
        Decision d = switch (r.op) {
          case "try" -> limiter.tryAcquire("k", r.cost);
          case "peek" -> limiter.peek("k", r.cost);
          case "record" -> limiter.record("k", r.cost);
          case "refund" -> limiter.refund("k", r.cost);
          default -> throw new AssertionError(r.op);
        };
        String at = "row " + i++ + " " + r;
        assertThat(d.allowed()).as(at + " allowed; " + d).isEqualTo(r.allowed);
        assertThat(d.remaining()).as(at + " remaining; " + d).isEqualTo(r.remaining);
        assertThat(d.retryAfterNanos()).as(at + " retryAfter; " + d).isEqualTo(r.retryAfter);
        assertThat(d.limit()).isEqualTo(policy.capacity());
        assertThat(d.policy()).isEqualTo(policy);
      }
    }
  }

  @Test
  void hundredPerMinuteBurstTwenty() {
    // One token every 600 ms.
    TokenBucket p = TokenBucket.of("api", 20, 100, Duration.ofMinutes(1));
    check(p, List.of(
        row(0, 20, true, 0, 0),
        row(0, 1, false, 0, 600 * MS),
        row(599 * MS, 1, false, 0, MS),
        row(600 * MS, 1, true, 0, 0),
        row(600 * MS, 1, false, 0, 600 * MS),
        row(1800 * MS, 2, true, 0, 0),
        row(1800 * MS + 12 * S, 21, false, 20, Decision.NEVER),
        row(1800 * MS + 12 * S, 20, true, 0, 0)));
  }

  @Test
  void capacityThirtyOneTokenEveryTwoSeconds() {
    TokenBucket p = TokenBucket.of("feed", 30, 1, Duration.ofSeconds(2));
    check(p, List.of(
        row(0, 30, true, 0, 0),
        row(1 * S, 1, false, 0, 1 * S),
        row(2 * S, 1, true, 0, 0),
        row(2 * S, 2, false, 0, 4 * S),
        row(60 * S, 0, true, 29, 0),
        row(62 * S, 30, true, 0, 0)));
  }

  @Test
  void threePerTenSecondsKeepsTheFractionOfANanosecond() {
    // One token every 3.333... s: the third token arrives at exactly 10 s, not 9.999999999 s.
    TokenBucket p = TokenBucket.of("third", 3, 3, Duration.ofSeconds(10));
    check(p, List.of(
        row(0, 3, true, 0, 0),
        row(0, 1, false, 0, 3_333_333_334L),
        row(3_333_333_333L, 1, false, 0, 1),
        row(3_333_333_334L, 1, true, 0, 0),
        row(6_666_666_666L, 1, false, 0, 1),
        row(6_666_666_667L, 1, true, 0, 0),
        row(9_999_999_999L, 1, false, 0, 1),
        row(10 * S, 1, true, 0, 0),
        row(40 * S, 3, true, 0, 0)));
  }

  @Test
  void costZeroChecksWithoutConsuming() {
    TokenBucket p = TokenBucket.of("z", 2, 1, Duration.ofSeconds(1));
    check(p, List.of(
        row(0, 0, true, 2, 0),
        row(0, 2, true, 0, 0),
        row(0, 0, true, 0, 0),
        op(0, "record", 1, true, 0, 0),
        // in debt: even a check fails until the debt is repaid
        row(0, 0, false, 0, 1 * S),
        row(1 * S, 0, true, 0, 0)));
  }

  @Test
  void costAboveCapacityIsDeniedWithoutConsuming() {
    TokenBucket p = TokenBucket.of("big", 5, 1, Duration.ofSeconds(1));
    check(p, List.of(
        row(0, 6, false, 5, Decision.NEVER),
        row(0, Long.MAX_VALUE, false, 5, Decision.NEVER),
        row(0, 5, true, 0, 0)));
  }

  @Test
  void clockGoingBackwardsNeverGrants() {
    TokenBucket p = TokenBucket.of("back", 2, 1, Duration.ofSeconds(1));
    check(p, List.of(
        row(10 * S, 2, true, 0, 0),
        row(11 * S, 1, true, 0, 0),
        // back to 5 s: the bucket now looks emptier (TAT 13 s: debt 8 s), not fuller
        row(5 * S, 1, false, 0, 7 * S),
        row(11 * S, 1, false, 0, S),
        row(12 * S, 1, true, 0, 0)));
  }

  @Test
  void recordOvershootsIntoDebtThenRepays() {
    TokenBucket p = TokenBucket.of("rec", 10, 10, Duration.ofSeconds(10));
    check(p, List.of(
        op(0, "record", 25, true, 0, 0),
        row(0, 1, false, 0, 16 * S),
        op(0, "peek", 1, false, 0, 16 * S),
        row(15 * S, 1, false, 0, S),
        row(16 * S, 1, true, 0, 0),
        op(16 * S, "refund", 100, true, 10, 0),
        row(16 * S, 10, true, 0, 0)));
  }

  @Test
  void peekDoesNotConsume() {
    TokenBucket p = TokenBucket.of("peek", 1, 1, Duration.ofSeconds(1));
    check(p, List.of(
        op(0, "peek", 1, true, 0, 0),
        op(0, "peek", 1, true, 0, 0),
        row(0, 1, true, 0, 0),
        op(0, "peek", 1, false, 0, S)));
  }

  @Test
  void longMaxValueCapacityAndRate() {
    // 2^62 tokens per nanosecond-period at most: capacity * reduced period must stay <= 2^62.
    TokenBucket p = TokenBucket.of("huge", 1L << 62, 1L << 62, Duration.ofNanos(1));
    check(p, List.of(
        row(0, 1L << 62, true, 0, 0),
        row(0, 1, false, 0, 1),
        row(1, 1L << 62, true, 0, 0),
        row(1, Long.MAX_VALUE, false, 0, Decision.NEVER)));
    assertThatThrownBy(() -> TokenBucket.of("t", Long.MAX_VALUE, 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity (" + Long.MAX_VALUE + ")");
  }

  @Test
  void longestPeriodWorksAndLongerIsRefused() {
    Duration max = Duration.ofNanos(1L << 62);
    TokenBucket p = TokenBucket.of("slow", 1, 1, max);
    check(p, List.of(
        row(0, 1, true, 0, 0),
        row(S, 1, false, 0, (1L << 62) - S)));
    assertThatThrownBy(() -> TokenBucket.of("t", 1, 1, Duration.ofNanos(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refillPeriod (PT2562047H47M16.854775807S) exceeds the maximum");
    assertThatThrownBy(() -> TokenBucket.of("t", 1, 1, Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refillPeriod");
  }

  @Test
  void resetAfterIsTheTimeUntilFull() {
    ManualClock clock = new ManualClock(T0);
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter l = sluice.limiter(TokenBucket.of("r", 4, 1, Duration.ofSeconds(1)));
      assertThat(l.tryAcquire("k", 3).resetAfter()).isEqualTo(Duration.ofSeconds(3));
      clock.advance(Duration.ofMillis(500));
      assertThat(l.peek("k", 0).resetAfter()).isEqualTo(Duration.ofMillis(2500));
      l.reset("k");
      assertThat(l.peek("k", 0).remaining()).isEqualTo(4);
    }
  }
}
