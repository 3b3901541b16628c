package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Cost budgets per calendar period: check, record, reserve/settle, usage. */
class BudgetsTest {

  private static final long GIB = 1L << 30;
  private static final ZoneId PRAGUE = ZoneId.of("Europe/Prague");

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T15:00:00Z"));
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final Budgets scanned = sluice.budget(Budget.daily("scanned-bytes", 50 * GIB));

  private static QuotaExceeded denial(Runnable call) {
    try {
      call.run();
    } catch (QuotaExceededException e) {
      return e.quota();
    }
    throw new AssertionError("expected a QuotaExceededException");
  }

  @Test
  void recordingPastTheBudgetSucceedsAndTheNextCheckWaitsForUtcMidnight() {
    scanned.check("alice");
    Decision d = scanned.record("alice", 60 * GIB); // the work is done: no error
    assertThat(d.allowed()).isTrue();
    assertThat(d.used()).isEqualTo(60 * GIB);
    QuotaExceeded q = denial(() -> scanned.check("alice"));
    assertThat(q.kind()).isEqualTo(QuotaExceeded.Kind.BUDGET);
    assertThat(q.current()).isEqualTo(60 * GIB);
    assertThat(q.limit()).isEqualTo(50 * GIB);
    assertThat(q.retryAfter()).isEqualTo(Duration.ofHours(9)); // 15:00 UTC -> midnight
    assertThat(q.retryAfterSeconds()).isEqualTo(9 * 3600);
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
  void checkIsDeniedExactlyWhenUsageReachesTheBudget() {
    Budgets b = sluice.budget(Budget.daily("b", 100));
    b.record("k", 99);
    b.check("k");
    b.record("k", 1);
    assertThat(b.denial("k")).isPresent();
    assertThat(b.usage("k").exhausted()).isTrue();
    assertThat(b.usage("k").remaining()).isZero();
  }

  @Test
  void aPragueDailyBudgetResetsAtLocalMidnightAcrossBothDstChanges() {
    Budgets prague = sluice.budget(Budget.of("prague", 100, Window.day(PRAGUE)));
    // 2026-03-29 has 23 hours in Prague (02:00 -> 03:00), 2026-10-25 has 25 (03:00 -> 02:00).
    for (String[] day : new String[][] {
        {"2026-03-29T12:00", "2026-03-30T00:00", "PT12H"}, // a naive 24 h day would say 13 h
        {"2026-10-25T01:00", "2026-10-26T00:00", "PT24H"}, // a naive 24 h day would say 23 h
        {"2026-03-28T23:30", "2026-03-29T00:00", "PT30M"},
        {"2026-10-24T23:30", "2026-10-25T00:00", "PT30M"}}) {
      Instant spent = ZonedDateTime.of(java.time.LocalDateTime.parse(day[0]), PRAGUE).toInstant();
      Instant midnight = ZonedDateTime.of(java.time.LocalDateTime.parse(day[1]), PRAGUE).toInstant();
      clock.set(spent);
      String key = "k" + day[0];
      prague.record(key, 150);
      QuotaExceeded q = denial(() -> prague.check(key));
      assertThat(q.retryAfter()).as(day[0]).isEqualTo(Duration.parse(day[2]));
      assertThat(Duration.between(spent, midnight)).isEqualTo(Duration.parse(day[2]));
      assertThat(prague.usage(key).periodEnd()).isEqualTo(midnight);
      clock.set(midnight.minusNanos(1));
      assertThat(prague.denial(key)).as(day[0]).isPresent();
      clock.set(midnight);
      assertThat(prague.denial(key)).as(day[0]).isEmpty();
    }
  }

  @Test
  void reserveThenSettleChargesTheActualCost() {
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
  void anUnsettledReservationIsReturnedAfterItsTtl() {
    Budgets b = sluice.budget(Budget.daily("b", 100).withReservationTtl(Duration.ofMinutes(5)));
    Reservation forgotten = b.reserve("k", 10);
    assertThat(b.usage("k").used()).isEqualTo(10);
    clock.advance(Duration.ofMinutes(5).minusNanos(1));
    assertThat(b.usage("k").used()).isEqualTo(10);
    clock.advanceNanos(1);
    assertThat(b.usage("k").used()).isZero(); // the 10 came back by itself
    // Settling late still charges the real cost (the work was done), once.
    assertThat(forgotten.settle(7).used()).isEqualTo(7);
    assertThat(b.usage("k").used()).isEqualTo(7);
  }

  @Test
  void cancelReturnsTheEstimateAndReservationsThatDoNotFitAreDenied() {
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
  void openReservationsCarryOverIntoTheNextPeriod() {
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
  void oneSharedInstanceServesEveryEndpoint() throws Exception {
    Budgets shared = sluice.budget(Budget.daily("shared", 1_000));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> admitted = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      admitted.add(pool.submit(() -> {
        int ok = 0;
        for (int i = 0; i < 500; i++) {
          var r = shared.tryReserve("k", 1);
          if (r.isPresent()) {
            r.get().settle(1);
            ok++;
          }
        }
        return ok;
      }));
    }
    int total = 0;
    for (Future<Integer> f : admitted) {
      total += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(total).isEqualTo(1_000);
    assertThat(shared.usage("k").used()).isEqualTo(1_000);
  }
}
