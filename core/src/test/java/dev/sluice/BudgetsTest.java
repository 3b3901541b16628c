package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Budgets' post-hoc path and its usage report, at the edges a meter and a real clock reach. */
class BudgetsTest {

  /** A clock that moves 4,048 ns every time it is read, as a real one does between two reads. */
  static final class TickingClock implements Clock {
    final ManualClock manual;

    TickingClock(Instant start) {
      manual = new ManualClock(start);
    }

    @Override
    public long nanos() {
      manual.advanceNanos(4_048);
      return manual.nanos();
    }

    @Override
    public long wallNanos() {
      manual.advanceNanos(4_048);
      return manual.wallNanos();
    }

    @Override
    public void sleep(long nanos) {
      manual.sleep(nanos);
    }

    @Override
    public CompletableFuture<Void> after(long nanos) {
      return manual.after(nanos);
    }
  }

  @Test
  void periodEndIsMidnightItselfWhenTheClockMovesBetweenReads() {
    TickingClock clock = new TickingClock(Instant.parse("2026-11-23T15:00:00Z"));
    Budgets daily = Sluice.builder().clock(clock).build().budget(Budget.daily("bytes", 1_000));
    daily.record("k", 10);
    for (int i = 0; i < 100; i++) {
      assertThat(daily.usage("k").periodEnd()).isEqualTo(Instant.parse("2026-11-24T00:00:00Z"));
    }
  }

  @Test
  void periodEndOfAZonedPeriodIsItsBoundary() {
    TickingClock clock = new TickingClock(Instant.parse("2026-11-23T22:59:59.999999Z"));
    Budgets prague = Sluice.builder().clock(clock).build()
        .budget(Budget.of("bytes", 1_000, Window.day(java.time.ZoneId.of("Europe/Prague"))));
    // 23:00Z is Prague's midnight: the first reads fall before it, later ones after
    Instant first = prague.usage("k").periodEnd();
    assertThat(first).isIn(Instant.parse("2026-11-23T23:00:00Z"), Instant.parse("2026-11-24T23:00:00Z"));
    clock.manual.advance(Duration.ofSeconds(1));
    assertThat(prague.usage("k").periodEnd()).isEqualTo(Instant.parse("2026-11-24T23:00:00Z"));
  }

  @Test
  void recordOfZeroOrLessChargesNothingAndNeverThrows() {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T15:00:00Z"));
    Budgets daily = Sluice.builder().clock(clock).build().budget(Budget.daily("bytes", 100));
    daily.record("k", 40);
    Decision zero = daily.record("k", 0);
    Decision negative = daily.record("k", -7);
    Decision min = daily.record("k", Long.MIN_VALUE);
    assertThat(zero.used()).isEqualTo(40);
    assertThat(negative.used()).isEqualTo(40);
    assertThat(min.used()).isEqualTo(40);
    assertThat(zero.remaining()).isEqualTo(60);
    assertThat(daily.usage("k").used()).isEqualTo(40);
    // nothing was given back either: the rest of the budget is still exactly 60
    assertThat(daily.tryReserve("k", 61)).isEmpty();
    assertThat(daily.tryReserve("k", 60)).isPresent();
  }

  @Test
  void recordOfZeroStillRefusesABadKey() {
    Budgets daily = Sluice.builder().clock(new ManualClock()).build().budget(Budget.daily("bytes", 100));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> daily.record("", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key");
  }
}
