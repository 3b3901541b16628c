package dev.sluice.conformance;

import dev.sluice.SlidingLog;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Sliding log timelines on a manual clock, through the public API: each row is
 * {at, op, cost} -> {allowed, remaining, retryAfter}, optionally resetAfter, checked in order.
 * An entry logged at t counts in (t - W, t + W) and stops counting at exactly t + W. With a
 * granularity g, costs logged in one granule [k*g, (k+1)*g) (aligned to the epoch) share one entry,
 * moved up to the latest of them: it counts until W after that, never less than exact.
 */
public abstract class SlidingLogConformance extends StoreConformance {

  protected static SlidingLog log(long limit, Duration window) {
    return SlidingLog.of("log", limit, window);
  }

  @Test
  public void threePerTenSecondsWithExactRetryAfter() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 1, true, 2, 0).expectReset(10 * S),
        row(2 * S, 1, true, 1, 0).expectReset(10 * S),
        row(4 * S, 1, true, 0, 0).expectReset(10 * S),
        // Entries at 0, 2, 4 s: one more needs the 0 s entry gone (at 10 s), two the 2 s one...
        row(5 * S, 1, false, 0, 5 * S).expectReset(9 * S),
        row(5 * S, 2, false, 0, 7 * S),
        row(5 * S, 3, false, 0, 9 * S),
        op(5 * S, "peek", 1, false, 0, 5 * S),
        row(10 * S - r, 1, false, 0, r),
        // The entry from 0 s stops counting at exactly 10 s; a fixed window would allow 3 here.
        row(10 * S, 1, true, 0, 0),
        row(10 * S, 1, false, 0, 2 * S),
        row(11 * S, 1, false, 0, S),
        row(12 * S, 1, true, 0, 0),
        // Entries at 4, 10, 12 s.
        row(13 * S, 1, false, 0, S),
        row(14 * S, 1, true, 0, 0),
        row(24 * S - r, 3, false, 2, r),
        row(24 * S, 3, true, 0, 0).expectReset(10 * S),
        row(40 * S, 0, true, 3, 0).expectReset(0));
  }

  @Test
  public void costsAtTheSameInstantShareOneEntry() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(0, 2, true, 1, 0),
        row(0, 1, true, 0, 0).expectReset(10 * S),
        row(9 * S, 1, false, 0, S),
        row(9 * S, 3, false, 0, S),
        row(10 * S, 3, true, 0, 0));
  }

  @Test
  public void costZeroChecksWithoutConsuming() {
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
  public void costAboveTheLimitIsRefusedForeverWithoutConsuming() {
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
  public void longMaxValueCostNeverOverflowsIntoAGrant() {
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
  public void retryAfterStaysTruthfulWhenRecordedCostsSaturateTheSum() {
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
  public void clockGoingBackwardsNeverGrants() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(10 * S, 3, true, 0, 0).expectReset(10 * S),
        // Back 5 s: the entry at 10 s still counts until 20 s.
        row(5 * S, 1, false, 0, 15 * S).expectReset(15 * S),
        // Back 10 s, a whole window: still counts until 20 s.
        row(0, 1, false, 0, 20 * S),
        row(20 * S - r, 1, false, 0, r),
        row(20 * S, 1, true, 2, 0),
        // Back to 15 s: the new entry is logged at 20 s (the newest), so it counts until 30 s,
        // not 25 s; only what was left at 20 s is admitted.
        row(15 * S, 3, false, 2, 15 * S),
        row(15 * S, 2, true, 0, 0).expectReset(15 * S),
        row(25 * S, 1, false, 0, 5 * S),
        row(30 * S - r, 1, false, 0, r),
        row(30 * S, 3, true, 0, 0));
  }

  /**
   * A step back that leaves the newest entry more than a window ahead is absorbed: the log moves
   * back with the clock, so a denial lasts at most a window, never the length of the step (it
   * lasted an hour and 20 s).
   */
  @Test
  public void aLongStepBackDeniesAtMostAWindow() {
    check(log(3, Duration.ofSeconds(10)), T0,
        row(8 * S, 1, true, 2, 0),
        row(10 * S, 2, true, 0, 0).expectReset(10 * S),
        // An hour back: the entries keep their spacing, the newest now at -3600 s.
        row(-3600 * S, 1, false, 0, 8 * S).expectReset(10 * S),
        op(-3600 * S, "peek", 3, false, 0, 10 * S),
        row(-3592 * S - r, 1, false, 0, r),
        row(-3592 * S, 1, true, 0, 0).expectReset(10 * S),
        row(-3590 * S, 2, true, 0, 0).expectReset(10 * S));
  }

  @Test
  public void recordRefundAndReset() {
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
  public void refundTakesBackTheNewestEntriesFirst() {
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
  public void recordDeniesUntilTheOvershootSlidesOut() {
    check(log(10, Duration.ofMinutes(1)), T0,
        row(0, 4, true, 6, 0),
        op(30 * S, "record", 12, true, 0, 0).expectReset(60 * S),
        // 16 logged: the 4 at 0 s sliding out is not enough; the 12 at 30 s must go too (90 s).
        row(31 * S, 1, false, 0, 59 * S),
        row(60 * S, 1, false, 0, 30 * S).expectReset(30 * S),
        row(90 * S - r, 10, false, 0, r),
        row(90 * S, 10, true, 0, 0));
  }

  @Test
  public void aLogAtTheCappedLimit() {
    long max = SlidingLog.MAX_LIMIT;
    check(log(max, Duration.ofMinutes(1)), T0,
        row(0, max, true, 0, 0),
        row(0, 1, false, 0, 60 * S),
        row(0, max + 1, false, 0, NEVER),
        row(60 * S, max, true, 0, 0));
  }

  @Test
  public void longestWindowWorks() {
    long max = down(MAX_TIME); // 2^62 ns, or the last whole tick before it
    check(log(1, Duration.ofNanos(max)), T0,
        row(0, 1, true, 0, 0).expectReset(max),
        row(S, 1, false, 0, max - S),
        row(MS, 0, true, 0, 0).expectReset(max - MS));
  }

  // ---------------------------------------------------------------- with a granularity

  @Test
  public void costsInOneGranuleShareAnEntryThatCountsUntilWAfterTheLatest() {
    // 1 s granules; T0 is a whole second, so granules are [T0 + k s, T0 + (k+1) s).
    check(SlidingLog.bucketed("buckets", 5, Duration.ofSeconds(10), Duration.ofSeconds(1)), T0,
        row(0, 1, true, 4, 0).expectReset(10 * S),
        // Same granule: merged into one entry (300 ms, 3), which counts until 10.3 s.
        row(300 * MS, 2, true, 2, 0).expectReset(10 * S),
        row(900 * MS, 1, true, 1, 0).expectReset(10 * S),          // (900 ms, 4)
        row(S, 1, true, 0, 0).expectReset(10 * S),                 // a new granule: (1 s, 1)
        // One more needs the merged entry gone: at 10.9 s, where an exact log would say 10 s.
        row(2 * S, 1, false, 0, 8900 * MS).expectReset(9 * S),
        op(2 * S, "peek", 1, false, 0, 8900 * MS),
        row(10 * S, 1, false, 0, 900 * MS),
        row(10 * S + 900 * MS - r, 1, false, 0, r),
        row(10 * S + 900 * MS, 4, true, 0, 0).expectReset(10 * S), // (1 s, 1), (10.9 s, 4)
        // The entry of 1 s stops counting at exactly 11 s.
        row(11 * S, 1, true, 0, 0).expectReset(10 * S),            // (10.9 s, 4), (11 s, 1)
        // A record in the granule of 11 s merges too: (11.5 s, 4), over the limit.
        op(11 * S + 500 * MS, "record", 3, true, 0, 0).expectReset(10 * S),
        row(11 * S + 500 * MS, 0, false, 0, 9400 * MS),
        row(20 * S + 900 * MS, 1, true, 0, 0),                     // (11.5 s, 4), (20.9 s, 1)
        row(21 * S + 500 * MS - r, 1, false, 0, r),
        row(21 * S + 500 * MS, 4, true, 0, 0).expectReset(10 * S));
  }

  @Test
  public void granulesAreAlignedToTheEpoch() {
    // 7 s granules: T0 is 6 s past a multiple of 7 s, so its granule ends 1 s later.
    check(SlidingLog.bucketed("sevens", 3, Duration.ofMinutes(1), Duration.ofSeconds(7)), T0,
        row(0, 1, true, 2, 0),
        row(999 * MS, 1, true, 1, 0).expectReset(60 * S),         // merged: (999 ms, 2)
        row(S, 1, true, 0, 0).expectReset(60 * S),                // the next granule: (1 s, 1)
        row(30 * S, 1, false, 0, 30 * S + 999 * MS),
        row(60 * S + 999 * MS - r, 1, false, 0, r),
        row(60 * S + 999 * MS, 2, true, 0, 0).expectReset(60 * S));
  }
}
