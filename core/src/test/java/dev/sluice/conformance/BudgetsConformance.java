package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.QuotaExceededException;
import dev.sluice.Reservation;
import dev.sluice.Usage;
import dev.sluice.Window;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cost budgets per calendar period, on one thread: check, record past the budget until UTC
 * midnight, Prague days of 23 and 25 hours, reserve/settle/cancel, reservations expiring at the
 * exact instant and carrying over into the next period. The races are in
 * {@link ContendedConformance}.
 */
public abstract class BudgetsConformance extends StoreConformance {

  protected static final long GIB = 1L << 30;
  protected static final ZoneId PRAGUE = ZoneId.of("Europe/Prague");

  protected Budgets scanned;

  /** 2026-11-23T15:00:00Z: nine hours before UTC midnight. */
  @Override
  protected long start() {
    return at("2026-11-23T15:00:00Z");
  }

  @BeforeEach
  public final void scannedBytes() {
    scanned = sluice.budget(Budget.daily("scanned-bytes", 50 * GIB));
  }

  protected static QuotaExceeded denial(Runnable call) {
    try {
      call.run();
    } catch (QuotaExceededException e) {
      return e.quota();
    }
    throw new AssertionError("expected a QuotaExceededException");
  }

  /**
   * A daily budget exhausted, then the wall clock two days back: denied until the end of the day
   * the clock shows (it was denied for 60 hours), and a reservation holds at most two TTLs.
   */
  @Test
  public void aLongStepBackDeniesAtMostUntilTheEndOfTheDayTheClockShows() {
    Budgets daily = sluice.budget(Budget.of("daily", 100, Window.day())
        .withReservationTtl(Duration.ofMinutes(30)));
    daily.record("k", 90); // 15:00
    assertThat(daily.tryReserve("k", 10)).isPresent(); // until 15:30
    long t = clock.nanos();
    clock.set(t - 2 * DAY - 6 * H); // two days and six hours back: 09:00, two days earlier
    assertThat(daily.usage("k").used()).isEqualTo(100);
    assertThat(denial(() -> daily.check("k")).retryAfter()).isEqualTo(Duration.ofMinutes(30));
    clock.set(t - 2 * DAY - 6 * H + 30 * MIN); // the reservation's TTL, from the clock, has passed
    assertThat(daily.usage("k").used()).isEqualTo(90);
    assertThat(denial(() -> daily.reserve("k", 11)).retryAfter()).isEqualTo(Duration.ofHours(14).plusMinutes(30));
    clock.set(t - 2 * DAY + 9 * H); // midnight of the day the clock showed
    assertThat(daily.usage("k").used()).isZero();
    assertThat(daily.tryReserve("k", 100)).isPresent();
  }

  @Test
  public void recordingPastTheBudgetSucceedsAndTheNextCheckWaitsForUtcMidnight() {
    scanned.check("alice");
    Decision d = scanned.record("alice", 60 * GIB); // the work is done: no error
    assertThat(d.allowed()).isTrue();
    assertThat(d.used()).isEqualTo(60 * GIB);
    QuotaExceeded q = denial(() -> scanned.check("alice"));
    assertThat(q.kind()).isEqualTo(Policy.Kind.BUDGET);
    assertThat(q.current()).isEqualTo(60 * GIB);
    assertThat(q.limit()).isEqualTo(50 * GIB);
    assertThat(q.retryAfter()).isEqualTo(Duration.ofHours(9)); // 15:00 UTC -> midnight
    assertThat(q.retryAfterSeconds()).hasValue(9 * 3600);
    assertThat(scanned.denial("alice")).contains(q);
    assertThat(scanned.usage("alice"))
        .isEqualTo(new Usage(60 * GIB, 50 * GIB, Instant.parse("2026-11-24T00:00:00Z")));
    scanned.check("bob"); // other keys are untouched

    clock.set(Instant.parse("2026-11-23T23:59:59Z"));
    assertThat(denial(() -> scanned.check("alice")).retryAfter()).isEqualTo(Duration.ofSeconds(1));
    clock.set(Instant.parse("2026-11-24T00:00:01Z"));
    scanned.check("alice");
    assertThat(scanned.denial("alice")).isEmpty();
    assertThat(scanned.usage("alice").used()).isZero();
  }

  @Test
  public void checkIsDeniedExactlyWhenUsageReachesTheBudget() {
    Budgets b = sluice.budget(Budget.daily("b", 100));
    b.record("k", 99);
    b.check("k");
    b.record("k", 1);
    assertThat(b.denial("k")).isPresent();
    assertThat(b.usage("k").exhausted()).isTrue();
    assertThat(b.usage("k").remaining()).isZero();
  }

  @Test
  public void aPragueDailyBudgetResetsAtLocalMidnightAcrossBothDstChanges() {
    Budgets prague = sluice.budget(Budget.of("prague", 100, Window.day(PRAGUE)));
    // 2026-03-29 has 23 hours in Prague (02:00 -> 03:00), 2026-10-25 has 25 (03:00 -> 02:00).
    for (String[] day : new String[][] {
        {"2026-03-29T12:00", "2026-03-30T00:00", "PT12H"}, // a naive 24 h day would say 13 h
        {"2026-10-25T01:00", "2026-10-26T00:00", "PT24H"}, // a naive 24 h day would say 23 h
        {"2026-03-28T23:30", "2026-03-29T00:00", "PT30M"},
        {"2026-10-24T23:30", "2026-10-25T00:00", "PT30M"}}) {
      Instant spent = ZonedDateTime.of(LocalDateTime.parse(day[0]), PRAGUE).toInstant();
      Instant midnight = ZonedDateTime.of(LocalDateTime.parse(day[1]), PRAGUE).toInstant();
      clock.set(spent);
      String key = "k" + day[0];
      prague.record(key, 150);
      QuotaExceeded q = denial(() -> prague.check(key));
      assertThat(q.retryAfter()).as(day[0]).isEqualTo(Duration.parse(day[2]));
      assertThat(Duration.between(spent, midnight)).isEqualTo(Duration.parse(day[2]));
      assertThat(prague.usage(key).periodEnd()).isEqualTo(midnight);
      clock.set(midnight.minusNanos(r));
      assertThat(prague.denial(key)).as(day[0]).isPresent();
      clock.set(midnight);
      assertThat(prague.denial(key)).as(day[0]).isEmpty();
    }
  }

  @Test
  public void reserveThenSettleChargesTheActualCost() {
    Budgets b = sluice.budget(Budget.daily("b", 100));
    try (Reservation r = b.reserve("k", 10)) {
      assertThat(b.usage("k").used()).isEqualTo(10); // the estimate is held
      assertThat(r.settle(3).used()).isEqualTo(3);
    }
    assertThat(b.usage("k").used()).isEqualTo(3);

    Reservation over = b.reserve("k", 10);
    assertThat(over.settle(25).used()).isEqualTo(28); // may overshoot the estimate
    assertThat(b.usage("k").used()).isEqualTo(28);
    assertThatThrownBy(() -> over.settle(1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already settled");
    over.cancel(); // no-op once settled
    assertThat(b.usage("k").used()).isEqualTo(28);
  }

  @Test
  public void anUnsettledReservationIsReturnedAfterItsTtl() {
    Budgets b = sluice.budget(Budget.daily("b", 100).withReservationTtl(Duration.ofMinutes(5)));
    Reservation forgotten = b.reserve("k", 10);
    assertThat(b.usage("k").used()).isEqualTo(10);
    clock.advance(Duration.ofMinutes(5).minusNanos(r));
    assertThat(b.usage("k").used()).isEqualTo(10);
    clock.advanceNanos(r);
    assertThat(b.usage("k").used()).isZero(); // the 10 came back by itself
    // Settling late still charges the real cost (the work was done), once.
    assertThat(forgotten.settle(7).used()).isEqualTo(7);
    assertThat(b.usage("k").used()).isEqualTo(7);
  }

  @Test
  public void cancelReturnsTheEstimateAndReservationsThatDoNotFitAreDenied() {
    Budgets b = sluice.budget(Budget.daily("b", 100));
    Reservation r = b.reserve("k", 60);
    QuotaExceeded q = denial(() -> b.reserve("k", 50));
    assertThat(q.current()).isEqualTo(60);
    // Made room by the reservation's expiry (1 h) before midnight (9 h).
    assertThat(q.retryAfter()).isEqualTo(Duration.ofHours(1));
    assertThat(b.tryReserve("k", 50)).isEmpty();
    r.cancel();
    r.cancel();
    assertThat(b.usage("k").used()).isZero();
    try (Reservation unsettled = b.reserve("k", 50)) {
      assertThat(b.usage("k").used()).isEqualTo(50);
    } // closed without settling: cancelled
    assertThat(b.usage("k").used()).isZero();
  }

  @Test
  public void openReservationsCarryOverIntoTheNextPeriod() {
    Budgets b = sluice.budget(Budget.daily("b", 100).withReservationTtl(Duration.ofHours(12)));
    clock.set(Instant.parse("2026-11-23T23:00:00Z"));
    b.record("k", 30);
    Reservation r = b.reserve("k", 40);
    clock.set(Instant.parse("2026-11-24T01:00:00Z"));
    assertThat(b.usage("k").used()).isEqualTo(40); // yesterday's 30 forgiven; the work in flight still counts
    r.settle(45);
    assertThat(b.usage("k").used()).isEqualTo(45); // charged in the period it settled
  }

  @Test
  public void aRenewedReservationHoldsItsEstimateForAnotherTtlFromNow() {
    Budgets b = sluice.budget(Budget.daily("b", 100).withReservationTtl(Duration.ofMinutes(5)));
    Reservation r1 = b.reserve("k", 10);
    clock.advance(Duration.ofMinutes(4));
    assertThat(r1.renew()).isTrue(); // now held until 9 min
    clock.advance(Duration.ofMinutes(5).minusNanos(r));
    assertThat(b.usage("k").used()).isEqualTo(10);
    clock.advanceNanos(r);
    assertThat(b.usage("k").used()).isZero();
    assertThat(r1.renew()).as("expired: nothing to renew").isFalse();
    assertThat(r1.closed()).isFalse();
    assertThat(r1.settle(4).used()).isEqualTo(4);
  }

  @Test
  public void maxReservationsCapsOpenReservationsEvenWhenTheCostFits() {
    Budgets b = sluice.budget(Budget.daily("b", 100).withMaxReservations(2));
    Reservation first = b.reserve("k", 10);
    clock.advance(Duration.ofMinutes(1));
    b.reserve("k", 10);
    QuotaExceeded q = denial(() -> b.reserve("k", 10));
    assertThat(q.current()).isEqualTo(20);
    assertThat(q.retryAfter()).isEqualTo(Duration.ofMinutes(59)); // the first one's expiry
    assertThat(b.usage("k").used()).isEqualTo(20);
    // Charges without a reservation still go through.
    b.record("k", 5);
    b.check("k");
    first.cancel();
    assertThat(b.tryReserve("k", 10)).isPresent();
    assertThat(b.usage("k").used()).isEqualTo(25);
  }

  @Test
  public void refundGivesBackUsageButNotReservationsAndResetForgetsBoth() {
    Budgets b = sluice.budget(Budget.daily("b", 100));
    b.record("k", 30);
    Reservation open = b.reserve("k", 20);
    assertThat(b.refund("k", 10).used()).isEqualTo(40);
    assertThat(b.refund("k", 1_000).used()).isEqualTo(20); // down to the open reservation
    b.reset("k");
    assertThat(b.usage("k").used()).isZero();
    open.cancel(); // gone with the reset: a no-op
    assertThat(b.usage("k").used()).isZero();
    assertThat(b.tryReserve("k", 100)).isPresent();
  }

  @Test
  public void usageReportsThePeriodEndOnTheWallClock() {
    Budgets weekly = sluice.budget(Budget.of("weekly", 10, Window.week(PRAGUE)));
    weekly.record("k", 3);
    // Monday 2026-11-23 16:00 in Prague: the week ends Monday 2026-11-30 00:00 CET.
    assertThat(weekly.usage("k")).isEqualTo(new Usage(3, 10, Instant.parse("2026-11-29T23:00:00Z")));
    Budgets hourly = sluice.budget(Budget.of("hourly", 10, Window.of(Duration.ofHours(1))));
    clock.advance(Duration.ofMinutes(20));
    hourly.record("k", 10);
    assertThat(hourly.usage("k")).isEqualTo(new Usage(10, 10, Instant.parse("2026-11-23T16:00:00Z")));
    assertThat(hourly.usage("k").exhausted()).isTrue();
  }
}
