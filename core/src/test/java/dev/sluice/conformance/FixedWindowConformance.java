package dev.sluice.conformance;

import dev.sluice.FixedWindow;
import dev.sluice.Window;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Fixed window timelines on a manual clock, through the public API: each row is
 * {at, op, cost} -> {allowed, remaining, retryAfter}, optionally resetAfter, checked in order.
 * Epoch windows use times relative to {@link #T0}; calendar windows use absolute instants written
 * with their UTC offset, so every expected boundary is stated independently of the zone rules.
 * Calendar windows follow the store's wall clock, which the manual clock shows as its one time.
 *
 * <p>{@code r} is the store's resolution: "the last instant before" a boundary is {@code r}
 * before it.
 */
public abstract class FixedWindowConformance extends StoreConformance {

  private static final long GIB = 1L << 30;

  protected static FixedWindow fw(long limit, Window window) {
    return FixedWindow.of("fw", limit, window);
  }

  protected static FixedWindow fw(long limit, Duration length) {
    return fw(limit, Window.of(length));
  }

  // ---------------------------------------------------------------- epoch-aligned windows

  @Test
  public void epochAlignedTenSecondWindows() {
    check(fw(5, Duration.ofSeconds(10)), T0,
        // First use 7 s into [T0, T0+10s): the window still ends at T0+10s, not 10 s after the use.
        row(7 * S, 3, true, 2, 0).expectReset(3 * S),
        row(9 * S, 2, true, 0, 0).expectReset(S),
        row(9 * S + 999 * MS, 1, false, 0, MS).expectReset(MS),
        // A check at the limit is allowed (nothing left to take, nothing taken).
        row(10 * S - r, 0, true, 0, 0).expectReset(r),
        row(10 * S, 5, true, 0, 0).expectReset(10 * S),
        row(20 * S - r, 1, false, 0, r),
        row(20 * S, 0, true, 5, 0).expectReset(0),
        // An idle window in between: [30 s, 40 s) starts fresh.
        row(35 * S, 1, true, 4, 0).expectReset(5 * S));
  }

  @Test
  public void windowsAreAlignedToTheEpochNotToTheFirstRequest() {
    // T0 is 800 s past a whole hour: an hourly window first used at T0 ends 2800 s later.
    check(fw(1, Duration.ofHours(1)), T0,
        row(0, 1, true, 0, 0).expectReset(2800 * S),
        row(0, 1, false, 0, 2800 * S),
        row(2800 * S - r, 1, false, 0, r),
        row(2800 * S, 1, true, 0, 0).expectReset(3600 * S));
    // 7 s windows: T0 = 6 s (mod 7 s), so the window containing T0 ends 1 s later for every key.
    check(fw(2, Duration.ofSeconds(7)), T0,
        row(0, 2, true, 0, 0).onKey("a").expectReset(S),
        row(500 * MS, 2, true, 0, 0).onKey("b").expectReset(500 * MS),
        row(999 * MS, 1, false, 0, MS).onKey("a"),
        row(999 * MS, 1, false, 0, MS).onKey("b"),
        row(S, 2, true, 0, 0).onKey("a").expectReset(7 * S),
        row(S, 2, true, 0, 0).onKey("b").expectReset(7 * S));
  }

  @Test
  public void costZeroChecksWithoutConsuming() {
    check(fw(3, Duration.ofSeconds(10)), T0,
        row(0, 0, true, 3, 0).expectReset(0),
        row(0, 0, true, 3, 0).expectReset(0),
        row(S, 3, true, 0, 0).expectReset(9 * S),
        row(2 * S, 0, true, 0, 0).expectReset(8 * S),
        op(2 * S, "peek", 1, false, 0, 8 * S),
        op(3 * S, "record", 1, true, 0, 0).expectReset(7 * S),
        // Past the limit: even a check is denied until the window ends.
        row(4 * S, 0, false, 0, 6 * S).expectReset(6 * S),
        row(10 * S, 0, true, 3, 0).expectReset(0),
        // A peek reports what a take would leave, and takes nothing.
        op(10 * S, "peek", 3, true, 0, 0).expectReset(10 * S),
        row(10 * S, 3, true, 0, 0));
  }

  @Test
  public void costAboveTheLimitIsRefusedForeverWithoutConsuming() {
    check(fw(5, Duration.ofSeconds(10)), T0,
        row(0, 2, true, 3, 0),
        row(S, 6, false, 3, NEVER).expectReset(9 * S),
        row(S, Long.MAX_VALUE, false, 3, NEVER).expectReset(9 * S),
        op(S, "peek", 6, false, 3, NEVER),
        row(S, 3, true, 0, 0),
        row(S, 6, false, 0, NEVER),
        row(S, 6, false, 5, NEVER).onKey("fresh").expectReset(0),
        row(S, 5, true, 0, 0).onKey("fresh"));
  }

  @Test
  public void longMaxValueCostNeverOverflowsIntoAGrant() {
    check(fw(5, Duration.ofSeconds(10)), T0,
        row(0, 4, true, 1, 0),
        row(0, Long.MAX_VALUE, false, 1, NEVER),
        row(0, Long.MAX_VALUE - 3, false, 1, NEVER),
        op(0, "record", Long.MAX_VALUE, true, 0, 0).expectReset(10 * S),
        // Usage saturates; it does not wrap to a negative count.
        op(0, "record", Long.MAX_VALUE, true, 0, 0).expectReset(10 * S),
        row(S, 0, false, 0, 9 * S),
        row(S, 1, false, 0, 9 * S),
        op(S, "refund", 1, true, 0, 0),
        row(10 * S, 5, true, 0, 0));
  }

  @Test
  public void theLargestLimitIsComparedNeverOverflowed() {
    // With the largest limit (Long.MAX_VALUE in memory), used + cost would overflow: it must be
    // compared, not added.
    long max = maxLimit();
    check(FixedWindow.of("max", max, Window.of(Duration.ofSeconds(10))), T0,
        row(0, max - 1, true, 1, 0),
        row(0, 2, false, 1, 10 * S),
        row(0, max, false, 1, 10 * S),
        row(0, 1, true, 0, 0),
        row(0, 1, false, 0, 10 * S),
        op(0, "record", Long.MAX_VALUE, true, 0, 0),
        row(0, 1, false, 0, 10 * S),
        row(10 * S, max, true, 0, 0));
  }

  @Test
  public void clockGoingBackwardsNeverGrants() {
    check(fw(5, Duration.ofSeconds(10)), T0,
        row(15 * S, 5, true, 0, 0).expectReset(5 * S),
        // Back into [0 s, 10 s), at most a window before the stored one: the stored window
        // [10 s, 20 s) and its usage stay in force.
        row(5 * S, 1, false, 0, 15 * S).expectReset(15 * S),
        row(0, 1, false, 0, 20 * S),
        op(0, "peek", 5, false, 0, 20 * S),
        row(20 * S - r, 1, false, 0, r),
        row(20 * S, 3, true, 2, 0),
        // Back into [10 s, 20 s), which was used up: no fresh window opens; what is admitted is
        // what the stored window [20 s, 30 s) had left before the clock went back.
        row(14 * S, 3, false, 2, 16 * S),
        row(14 * S, 2, true, 0, 0).expectReset(16 * S),
        row(14 * S, 1, false, 0, 16 * S),
        row(29 * S, 1, false, 0, S),
        row(30 * S, 5, true, 0, 0));
  }

  /**
   * A step back of more than a window is absorbed: the usage counts in the window the clock now
   * shows, so a denial lasts at most until that window ends — never the length of the step (it
   * lasted 2.5 days after a daily window was exhausted and the clock went back 2 days).
   */
  @Test
  public void aLongStepBackDeniesAtMostUntilTheWindowOfNowEnds() {
    check(fw(5, Duration.ofSeconds(10)), T0,
        row(15 * S, 5, true, 0, 0).expectReset(5 * S),
        // An hour back: the 5 used count in [-3600 s, -3590 s), the window the clock shows.
        row(-3596 * S, 1, false, 0, 6 * S).expectReset(6 * S),
        op(-3596 * S, "peek", 1, false, 0, 6 * S),
        row(-3590 * S - r, 1, false, 0, r),
        row(-3590 * S, 5, true, 0, 0),
        row(-3590 * S, 1, false, 0, 10 * S));
    // A day's window exhausted, then the clock two days back: denied until the end of that day.
    long day = 24 * H;
    long midnight = T0 - Math.floorMod(T0, day);
    check(FixedWindow.of("daily-" + storeName(), 10, Window.day()), midnight,
        row(12 * H, 10, true, 0, 0).expectReset(12 * H),
        row(12 * H - 2 * day, 1, false, 0, 12 * H).expectReset(12 * H),
        row(day - 2 * day - r, 1, false, 0, r),
        row(day - 2 * day, 10, true, 0, 0));
  }

  @Test
  public void recordPastTheLimitDeniesUntilTheWindowEnds() {
    check(fw(10, Duration.ofSeconds(10)), T0,
        op(2 * S, "record", 12, true, 0, 0).expectReset(8 * S),
        row(3 * S, 1, false, 0, 7 * S).expectReset(7 * S),
        op(3 * S, "peek", 0, false, 0, 7 * S),
        op(4 * S, "record", 0, true, 0, 0).expectReset(6 * S),
        row(10 * S - r, 1, false, 0, r),
        // The overshoot is forgiven when the window ends.
        row(10 * S, 10, true, 0, 0).expectReset(10 * S));
  }

  @Test
  public void refundGivesBackNeverBeyondAnEmptyWindow() {
    check(fw(5, Duration.ofSeconds(10)), T0,
        row(0, 5, true, 0, 0),
        op(S, "refund", 2, true, 2, 0).expectReset(9 * S),
        row(S, 3, false, 2, 9 * S),
        row(S, 2, true, 0, 0),
        op(2 * S, "refund", 100, true, 5, 0).expectReset(0),
        row(2 * S, 6, false, 5, NEVER),
        row(2 * S, 5, true, 0, 0),
        // A refund in the next window cannot reach back into the last one, nor create credit.
        op(10 * S, "refund", 3, true, 5, 0).expectReset(0),
        row(10 * S, 6, false, 5, NEVER),
        row(10 * S, 5, true, 0, 0),
        op(10 * S, "refund", 0, true, 0, 0).expectReset(10 * S),
        op(10 * S, "refund", 3, true, 5, 0).onKey("never-used").expectReset(0));
  }

  @Test
  public void resetForgetsTheKeyButNotTheEpochAlignment() {
    check(fw(5, Duration.ofSeconds(10)), T0,
        row(0, 5, true, 0, 0),
        row(0, 1, false, 0, 10 * S),
        reset(S),
        row(S, 5, true, 0, 0).expectReset(9 * S),
        op(S, "record", 7, true, 0, 0),
        reset(2 * S),
        row(2 * S, 0, true, 5, 0).expectReset(0),
        reset(2 * S).onKey("never-used"),
        row(2 * S, 5, true, 0, 0).onKey("never-used"));
  }

  @Test
  public void longestWindowWorks() {
    long max = down(MAX_TIME); // 2^62 ns, or the last whole tick before it
    check(FixedWindow.of("epochal", 1, Window.of(Duration.ofNanos(max))), 0,
        row(T0, 1, true, 0, 0).expectReset(max - T0),
        row(T0, 1, false, 0, max - T0),
        row(max - r, 1, false, 0, r),
        // The last instant on the timeline, and the first of the next window.
        row(max, 1, true, 0, 0));
  }

  // ---------------------------------------------------------------- calendar windows

  @Test
  public void utcDayResetsAtMidnight() {
    check(fw(3, Window.day()), 0,
        row(at("2024-05-17T09:30:00Z"), 2, true, 1, 0).expectReset(14 * H + 30 * MIN),
        // Between ticks the store sees the tick before: the wait to midnight rounds up.
        row(down(at("2024-05-17T13:15:42.123456789Z")), 2, false, 1,
            10 * H + 44 * MIN + 17 * S + 876_543_211L),
        row(at("2024-05-18T00:00:00Z") - r, 1, true, 0, 0).expectReset(r),
        row(at("2024-05-18T00:00:00Z") - r, 1, false, 0, r),
        row(at("2024-05-18T00:00:00Z"), 3, true, 0, 0).expectReset(DAY),
        row(at("2024-05-18T00:00:00Z"), 1, false, 0, DAY),
        // The clock going back across midnight keeps the stored day.
        row(at("2024-05-17T23:30:00Z"), 1, false, 0, DAY + 30 * MIN),
        // A local time elsewhere makes no difference: 23:30 in New York is 03:30 UTC the next day.
        row(at("2024-05-18T23:30:00-04:00"), 3, true, 0, 0).expectReset(20 * H + 30 * MIN));
  }

  @Test
  public void recordedOvershootOfADailyQuotaIsForgivenAtMidnight() {
    // "60 GiB against a 50 GiB day is allowed again after midnight".
    check(FixedWindow.of("egress", 50 * GIB, Window.day()), 0,
        op(at("2024-05-17T22:00:00Z"), "record", 60 * GIB, true, 0, 0).expectReset(2 * H),
        row(at("2024-05-17T23:00:00Z"), 1, false, 0, H),
        row(at("2024-05-18T00:00:00Z"), 50 * GIB, true, 0, 0).expectReset(DAY));
  }

  @Test
  public void pragueDayWhenSummerTimeStartsIs23Hours() {
    // 2024-03-31: 02:00 CET becomes 03:00 CEST.
    check(fw(1, Window.day(ZoneId.of("Europe/Prague"))), 0,
        row(at("2024-03-30T23:59:59+01:00"), 1, true, 0, 0).expectReset(S),
        row(at("2024-03-31T00:00:00+01:00"), 1, true, 0, 0).expectReset(23 * H),
        row(at("2024-03-31T01:59:59+01:00"), 1, false, 0, 21 * H + S),
        // One second later the wall clock reads 03:00.
        row(at("2024-03-31T03:00:00+02:00"), 1, false, 0, 21 * H).expectReset(21 * H),
        row(at("2024-04-01T00:00:00+02:00") - r, 1, false, 0, r),
        row(at("2024-04-01T00:00:00+02:00"), 1, true, 0, 0).expectReset(24 * H));
  }

  @Test
  public void pragueDayWhenSummerTimeEndsIs25Hours() {
    // 2024-10-27: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    check(fw(1, Window.day(ZoneId.of("Europe/Prague"))), 0,
        row(at("2024-10-26T23:59:59+02:00"), 1, true, 0, 0).expectReset(S),
        row(at("2024-10-27T00:00:00+02:00"), 1, true, 0, 0).expectReset(25 * H),
        row(at("2024-10-27T02:30:00+02:00"), 1, false, 0, 22 * H + 30 * MIN),
        row(at("2024-10-27T02:30:00+01:00"), 1, false, 0, 21 * H + 30 * MIN),
        row(at("2024-10-27T23:59:59+01:00"), 1, false, 0, S),
        row(at("2024-10-28T00:00:00+01:00"), 1, true, 0, 0).expectReset(24 * H));
  }

  @Test
  public void newYorkDaysAcrossBothDstChanges() {
    ZoneId ny = ZoneId.of("America/New_York");
    // 2024-03-10: 02:00 EST becomes 03:00 EDT.
    check(fw(1, Window.day(ny)), 0,
        row(at("2024-03-09T23:00:00-05:00"), 1, true, 0, 0).expectReset(H),
        row(at("2024-03-10T00:00:00-05:00"), 1, true, 0, 0).expectReset(23 * H),
        row(at("2024-03-10T02:00:00-05:00") - r, 1, false, 0, 21 * H + r),
        row(at("2024-03-10T03:00:00-04:00"), 1, false, 0, 21 * H),
        // Midnight in New York, not in UTC: 04:00 UTC on the 11th.
        row(at("2024-03-11T00:00:00Z"), 1, false, 0, 4 * H),
        row(at("2024-03-11T00:00:00-04:00"), 1, true, 0, 0).expectReset(24 * H));
    // 2024-11-03: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    check(fw(1, Window.day(ny)), 0,
        row(at("2024-11-03T00:00:00-04:00"), 1, true, 0, 0).expectReset(25 * H),
        row(at("2024-11-03T01:30:00-04:00"), 1, false, 0, 23 * H + 30 * MIN),
        row(at("2024-11-03T01:30:00-05:00"), 1, false, 0, 22 * H + 30 * MIN),
        row(at("2024-11-03T23:59:59-05:00"), 1, false, 0, S).expectReset(S),
        row(at("2024-11-04T00:00:00-05:00"), 1, true, 0, 0).expectReset(24 * H));
  }

  @Test
  public void dayWhoseMidnightDoesNotExistStartsAtItsFirstInstant() {
    // Santiago, 2024-09-08: 00:00 -04:00 becomes 01:00 -03:00, so Sunday starts at 01:00.
    check(fw(1, Window.day(ZoneId.of("America/Santiago"))), 0,
        row(at("2024-09-07T12:00:00-04:00"), 1, true, 0, 0).expectReset(12 * H),
        row(at("2024-09-07T23:59:59-04:00"), 1, false, 0, S),
        row(at("2024-09-08T01:00:00-03:00"), 1, true, 0, 0).expectReset(23 * H),
        row(at("2024-09-09T00:00:00-03:00"), 1, true, 0, 0).expectReset(24 * H));
  }

  @Test
  public void monthsOf28And29And30And31Days() {
    Window tokyo = Window.month(ZoneId.of("Asia/Tokyo"));
    // February 2023: 28 days.
    check(fw(2, tokyo), 0,
        row(at("2023-02-01T00:00:00+09:00"), 2, true, 0, 0).expectReset(28 * DAY),
        row(at("2023-02-15T12:00:00+09:00"), 1, false, 0, 13 * DAY + 12 * H),
        row(at("2023-03-01T00:00:00+09:00") - r, 1, false, 0, r),
        row(at("2023-03-01T00:00:00+09:00"), 2, true, 0, 0).expectReset(31 * DAY));
    // February 2024: 29 days; the leap day belongs to February.
    check(fw(2, tokyo), 0,
        row(at("2024-02-01T00:00:00+09:00"), 2, true, 0, 0).expectReset(29 * DAY),
        row(at("2024-02-28T23:59:59+09:00"), 1, false, 0, DAY + S),
        row(at("2024-02-29T12:00:00+09:00"), 1, false, 0, 12 * H),
        row(at("2024-03-01T00:00:00+09:00"), 2, true, 0, 0).expectReset(31 * DAY));
    // April 2024: 30 days.
    check(fw(2, tokyo), 0,
        row(at("2024-04-10T00:00:00+09:00"), 2, true, 0, 0).expectReset(21 * DAY),
        row(at("2024-05-01T00:00:00+09:00") - r, 1, false, 0, r),
        row(at("2024-05-01T00:00:00+09:00"), 2, true, 0, 0).expectReset(31 * DAY));
    // January 2024: 31 days; the month turns at midnight in Tokyo, 15:00 UTC.
    check(fw(2, tokyo), 0,
        row(at("2024-01-01T00:00:00+09:00"), 2, true, 0, 0).expectReset(31 * DAY),
        row(at("2024-01-31T00:00:00+09:00"), 1, false, 0, DAY),
        row(at("2024-01-31T14:59:59Z"), 1, false, 0, S),
        row(at("2024-01-31T15:00:00Z"), 2, true, 0, 0).expectReset(29 * DAY));
  }

  @Test
  public void monthsContainingDstChangesHaveTheirTrueLengths() {
    Window prague = Window.month(ZoneId.of("Europe/Prague"));
    check(fw(2, prague), 0,
        row(at("2024-03-01T00:00:00+01:00"), 2, true, 0, 0).expectReset(31 * DAY - H),
        row(at("2024-03-31T23:59:59+02:00"), 1, false, 0, S),
        row(at("2024-04-01T00:00:00+02:00"), 2, true, 0, 0).expectReset(30 * DAY));
    check(fw(2, prague), 0,
        row(at("2024-10-01T00:00:00+02:00"), 2, true, 0, 0).expectReset(31 * DAY + H),
        row(at("2024-10-31T23:59:59+01:00"), 1, false, 0, S),
        row(at("2024-11-01T00:00:00+01:00"), 2, true, 0, 0).expectReset(30 * DAY));
  }

  @Test
  public void yearAcrossTheYearBoundary() {
    check(fw(2, Window.year(ZoneId.of("Asia/Kolkata"))), 0,
        row(at("2025-01-01T00:00:00+05:30") - r, 2, true, 0, 0).expectReset(r),
        row(at("2025-01-01T00:00:00+05:30") - r, 1, false, 0, r),
        row(at("2025-01-01T00:00:00+05:30"), 2, true, 0, 0).expectReset(365 * DAY),
        row(at("2025-07-01T00:00:00+05:30"), 1, false, 0, 184 * DAY),
        row(at("2025-12-31T18:29:59Z"), 1, false, 0, S),
        row(at("2025-12-31T18:30:00Z"), 1, true, 1, 0).expectReset(365 * DAY));
    // A leap year, and a zone whose offset differs in summer (same offset at both ends).
    check(fw(1, Window.year(ZoneOffset.UTC)), 0,
        row(at("2024-01-01T00:00:00Z"), 1, true, 0, 0).expectReset(366 * DAY),
        row(at("2024-12-31T23:59:59Z"), 1, false, 0, S));
    check(fw(1, Window.year(ZoneId.of("America/New_York"))), 0,
        row(at("2024-07-04T12:00:00-04:00"), 1, true, 0, 0)
            .expectReset(180 * DAY + 12 * H + H), // Jul 4 12:00 EDT to Jan 1 00:00 EST
        row(at("2025-01-01T04:59:59Z"), 1, false, 0, S),
        row(at("2025-01-01T00:00:00-05:00"), 1, true, 0, 0).expectReset(365 * DAY));
  }

  @Test
  public void isoWeeksStartOnMonday() {
    check(fw(3, Window.week(ZoneOffset.UTC)), 0,
        // Wednesday 2024-01-03: the week ends Monday 2024-01-08.
        row(at("2024-01-03T12:00:00Z"), 3, true, 0, 0).expectReset(4 * DAY + 12 * H),
        // Sunday is the last day of the ISO week.
        row(at("2024-01-08T00:00:00Z") - r, 1, false, 0, r),
        row(at("2024-01-08T00:00:00Z"), 3, true, 0, 0).expectReset(7 * DAY),
        row(at("2024-01-14T10:00:00Z"), 1, false, 0, 14 * H));
    // The week of Monday 2024-12-30 runs into 2025: a week window ignores the year.
    check(fw(3, Window.week(ZoneOffset.UTC)), 0,
        row(at("2024-12-30T00:00:00Z"), 3, true, 0, 0).expectReset(7 * DAY),
        row(at("2025-01-01T12:00:00Z"), 1, false, 0, 4 * DAY + 12 * H),
        row(at("2025-01-06T00:00:00Z"), 1, true, 2, 0));
    // In Prague the week containing the spring change is an hour short.
    check(fw(3, Window.week(ZoneId.of("Europe/Prague"))), 0,
        row(at("2024-03-25T00:00:00+01:00"), 3, true, 0, 0).expectReset(7 * DAY - H),
        row(at("2024-03-31T23:59:59+02:00"), 1, false, 0, S),
        row(at("2024-04-01T00:00:00+02:00"), 3, true, 0, 0).expectReset(7 * DAY));
    // Monday comes early in Auckland: Sunday 11:00 UTC is Monday 00:00 there.
    check(fw(3, Window.week(ZoneId.of("Pacific/Auckland"))), 0,
        row(at("2024-01-07T10:00:00Z"), 3, true, 0, 0).expectReset(H),
        row(at("2024-01-07T10:59:59Z"), 1, false, 0, S),
        row(at("2024-01-07T11:00:00Z"), 3, true, 0, 0).expectReset(7 * DAY));
  }
}
