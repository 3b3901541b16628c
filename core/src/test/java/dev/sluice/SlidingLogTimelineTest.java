package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision.Reason;
import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Operation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Sliding log timelines on a manual clock, through the public API: each row is
 * {at, op, cost} -> {allowed, remaining, retryAfter}, optionally resetAfter, checked in order.
 * An entry logged at t counts in (t - W, t + W) and stops counting at exactly t + W.
 */
class SlidingLogTimelineTest {

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

  static SlidingLog log(long limit, Duration window) {
    return SlidingLog.of("log", limit, window);
  }

  @Test
  void threePerTenSecondsWithExactRetryAfter() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 1, true, 2, 0).expectReset(10 * S),
        row(2 * S, 1, true, 1, 0).expectReset(10 * S),
        row(4 * S, 1, true, 0, 0).expectReset(10 * S),
        // Entries at 0, 2, 4 s: one more needs the 0 s entry gone (at 10 s), two the 2 s one...
        row(5 * S, 1, false, 0, 5 * S).expectReset(9 * S),
        row(5 * S, 2, false, 0, 7 * S),
        row(5 * S, 3, false, 0, 9 * S),
        op(5 * S, "peek", 1, false, 0, 5 * S),
        row(10 * S - 1, 1, false, 0, 1),
        // The entry from 0 s stops counting at exactly 10 s; a fixed window would allow 3 here.
        row(10 * S, 1, true, 0, 0),
        row(10 * S, 1, false, 0, 2 * S),
        row(11 * S, 1, false, 0, S),
        row(12 * S, 1, true, 0, 0),
        // Entries at 4, 10, 12 s.
        row(13 * S, 1, false, 0, S),
        row(14 * S, 1, true, 0, 0),
        row(24 * S - 1, 3, false, 2, 1),
        row(24 * S, 3, true, 0, 0).expectReset(10 * S),
        row(40 * S, 0, true, 3, 0).expectReset(0));
  }

  @Test
  void costsAtTheSameInstantShareOneEntry() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 2, true, 1, 0),
        row(0, 1, true, 0, 0).expectReset(10 * S),
        row(9 * S, 1, false, 0, S),
        row(9 * S, 3, false, 0, S),
        row(10 * S, 3, true, 0, 0));
  }

  @Test
  void costZeroChecksWithoutConsuming() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 0, true, 3, 0).expectReset(0),
        row(0, 0, true, 3, 0).expectReset(0),
        row(0, 3, true, 0, 0).expectReset(10 * S),
        row(S, 0, true, 0, 0).expectReset(9 * S),
        op(S, "peek", 1, false, 0, 9 * S),
        op(S, "record", 1, true, 0, 0).expectReset(10 * S),
        // Over the limit (4 of 3): even a check fails until the 0 s entry slides out.
        row(2 * S, 0, false, 0, 8 * S).expectReset(9 * S),
        row(10 * S, 0, true, 2, 0).expectReset(S),
        // A peek with a cost reports the reset a take would leave, and takes nothing.
        op(10 * S, "peek", 2, true, 0, 0).expectReset(10 * S),
        row(10 * S, 2, true, 0, 0).expectReset(10 * S));
  }

  @Test
  void costAboveTheLimitIsRefusedForeverWithoutConsuming() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 1, true, 2, 0),
        row(S, 4, false, 2, NEVER).expectReset(9 * S),
        row(S, Long.MAX_VALUE, false, 2, NEVER),
        op(S, "peek", 4, false, 2, NEVER),
        row(S, 2, true, 0, 0),
        row(S, 4, false, 0, NEVER),
        row(S, 4, false, 3, NEVER).onKey("fresh").expectReset(0),
        row(S, 3, true, 0, 0).onKey("fresh"));
  }

  @Test
  void longMaxValueCostNeverOverflowsIntoAGrant() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 2, true, 1, 0),
        row(0, Long.MAX_VALUE, false, 1, NEVER),
        row(0, Long.MAX_VALUE - 1, false, 1, NEVER),
        op(S, "record", Long.MAX_VALUE, true, 0, 0).expectReset(10 * S),
        // Same instant: merged into one entry whose cost saturates instead of wrapping.
        op(S, "record", Long.MAX_VALUE, true, 0, 0).expectReset(10 * S),
        row(2 * S, 0, false, 0, 9 * S),
        row(2 * S, 1, false, 0, 9 * S),
        op(2 * S, "refund", 1, true, 0, 0),
        // The 0 s entry is gone; the huge one at 1 s counts until 11 s.
        row(10 * S, 1, false, 0, S),
        row(11 * S, 3, true, 0, 0));
  }

  @Test
  void retryAfterStaysTruthfulWhenRecordedCostsSaturateTheSum() {
    // Two recorded entries whose sum exceeds Long.MAX_VALUE: the cost fits only once both have
    // slid out, at 11 s.
    check(log(3, Duration.ofSeconds(10)), T0,
        op(0, "record", Long.MAX_VALUE, true, 0, 0).expectReset(10 * S),
        op(S, "record", Long.MAX_VALUE, true, 0, 0).expectReset(10 * S),
        row(2 * S, 1, false, 0, 9 * S),
        row(10 * S, 1, false, 0, S),
        row(11 * S, 1, true, 2, 0));
  }

  @Test
  void clockGoingBackwardsNeverGrants() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(10 * S, 3, true, 0, 0).expectReset(10 * S),
        // Back 5 s: the entry at 10 s still counts until 20 s.
        row(5 * S, 1, false, 0, 15 * S).expectReset(15 * S),
        row(0, 1, false, 0, 20 * S),
        row(-3600 * S, 3, false, 0, 3620 * S),
        row(20 * S - 1, 1, false, 0, 1),
        row(20 * S, 1, true, 2, 0),
        // Back to 15 s: the new entry is logged at 20 s (the newest), so it counts until 30 s,
        // not 25 s; only what was left at 20 s is admitted.
        row(15 * S, 3, false, 2, 15 * S),
        row(15 * S, 2, true, 0, 0).expectReset(15 * S),
        row(25 * S, 1, false, 0, 5 * S),
        row(30 * S - 1, 1, false, 0, 1),
        row(30 * S, 3, true, 0, 0));
  }

  @Test
  void recordRefundAndReset() {
    check(log(3, Duration.ofSeconds(10)), T0,
        op(0, "record", 5, true, 0, 0).expectReset(10 * S),
        row(S, 1, false, 0, 9 * S),
        op(S, "refund", 2, true, 0, 0).expectReset(9 * S),
        op(S, "refund", 1, true, 1, 0).expectReset(9 * S),
        row(S, 1, true, 0, 0).expectReset(10 * S),
        op(2 * S, "refund", 100, true, 3, 0).expectReset(0),
        row(2 * S, 4, false, 3, NEVER),
        row(2 * S, 3, true, 0, 0),
        reset(3 * S),
        row(3 * S, 3, true, 0, 0).expectReset(10 * S),
        op(3 * S, "record", 0, true, 0, 0).expectReset(10 * S),
        reset(3 * S).onKey("never-used"),
        op(3 * S, "refund", 1, true, 3, 0).onKey("never-used").expectReset(0),
        row(3 * S, 3, true, 0, 0).onKey("never-used"));
  }

  @Test
  void refundTakesBackTheNewestEntriesFirst() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 1, true, 2, 0),
        row(5 * S, 2, true, 0, 0),
        op(6 * S, "refund", 1, true, 1, 0).expectReset(9 * S),
        // Entries now (0 s, 1) and (5 s, 1): at 10 s only the newer one is left.
        row(10 * S, 0, true, 2, 0).expectReset(5 * S),
        row(10 * S, 3, false, 2, 5 * S),
        row(15 * S, 3, true, 0, 0));
  }

  @Test
  void recordDeniesUntilTheOvershootSlidesOut() {
    check(log(10, Duration.ofMinutes(1)), T0,
        row(0, 4, true, 6, 0),
        op(30 * S, "record", 12, true, 0, 0).expectReset(60 * S),
        // 16 logged: the 4 at 0 s sliding out is not enough; the 12 at 30 s must go too (90 s).
        row(31 * S, 1, false, 0, 59 * S),
        row(60 * S, 1, false, 0, 30 * S).expectReset(30 * S),
        row(90 * S - 1, 10, false, 0, 1),
        row(90 * S, 10, true, 0, 0));
  }

  @Test
  void oneKeysLogHoldsAtMostLimitEntries() {
    // SlidingLogAlgorithm's essay: "a record that finds limit live entries merges into the newest
    // one, moved up to now ... So a key holds at most limit entries; SlidingLog caps the limit to
    // bound that memory". Checked on the pure algorithm, whose state is what a store keeps.
    SlidingLog p = log(3, Duration.ofSeconds(10));
    Algorithm a = Algorithm.of(p);
    long[] state = null;
    for (int i = 0; i < 50; i++) {
      state = a.step(state, T0 + i * MS, 1, Operation.ACQUIRE, 0).state();
      assertThat(state.length / 2).as("entries after %d acquisitions", i + 1).isLessThanOrEqualTo(3);
    }
    // Post-hoc usage recorded at distinct instants within one window: merged, never dropped.
    for (int i = 0; i < 100; i++) {
      state = a.step(state, T0 + (100 + i) * MS, 1, Operation.RECORD, 0).state();
      assertThat(state.length / 2).as("entries after %d records of cost 1", i + 1).isLessThanOrEqualTo(3);
      long logged = 0;
      for (int j = 1; j < state.length; j += 2) {
        logged += state[j];
      }
      assertThat(logged).as("cost logged after %d records", i + 1).isEqualTo(3 + i + 1);
    }
    // The merged entry moved up to the last record: it counts until that record is W old.
    long last = T0 + 199 * MS;
    assertThat(state[state.length - 2]).isEqualTo(last);
    assertThat(a.step(state, last, 0, Operation.PEEK, 0).decision().resetAfterNanos()).isEqualTo(10 * S);
  }

  @Test
  void limitIsCappedAndTheMessageSuggestsSlidingCounter() {
    long max = SlidingLog.MAX_LIMIT;
    check(log(max, Duration.ofMinutes(1)), T0,
        row(0, max, true, 0, 0),
        row(0, 1, false, 0, 60 * S),
        row(0, max + 1, false, 0, NEVER),
        row(60 * S, max, true, 0, 0));
    assertThatThrownBy(() -> SlidingLog.of("big", max + 1, Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit (" + (max + 1) + ")")
        .hasMessageContaining("SlidingCounter");
    assertThatThrownBy(() -> SlidingLog.of("big", Long.MAX_VALUE, Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit (" + Long.MAX_VALUE + ")")
        .hasMessageContaining("SlidingCounter");
  }

  @Test
  void longestWindowWorksAndLongerIsRefused() {
    long max = 1L << 62;
    check(log(1, Duration.ofNanos(max)), T0,
        row(0, 1, true, 0, 0).expectReset(max),
        row(S, 1, false, 0, max - S),
        row(MS, 0, true, 0, 0).expectReset(max - MS));
    Duration tooLong = Duration.ofNanos(max + 1);
    assertThatThrownBy(() -> SlidingLog.of("long", 1, tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window (" + tooLong + ") exceeds the maximum");
  }
}
