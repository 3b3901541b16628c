package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ClockTest {

  @Test
  void systemClockIsMonotonicAndAnchoredToTheWallClock() {
    Clock c = Clock.system();
    long wall = Instant.now().toEpochMilli() * 1_000_000L;
    long prev = c.nanos();
    for (int i = 0; i < 100_000; i++) {
      long now = c.nanos();
      assertThat(now).isGreaterThanOrEqualTo(prev);
      prev = now;
    }
    // Anchored once to the wall clock: within a minute of it (NTP slew since start is tiny).
    assertThat(Math.abs(c.nanos() - wall)).isLessThan(60_000_000_000L);
    assertThat(Math.abs(c.wallNanos() - wall)).isLessThan(60_000_000_000L);
  }

  @Test
  void manualClockMovesOnlyWhenToldAndFiresTimersInOrder() {
    ManualClock c = new ManualClock(Instant.parse("2026-03-29T00:30:00Z"));
    CompletableFuture<Void> late = c.after(2_000);
    CompletableFuture<Void> early = c.after(1_000);
    CompletableFuture<Void> now = c.after(0);
    assertThat(now).isDone();
    assertThat(c.pendingTimers()).isEqualTo(2);
    c.advanceNanos(999);
    assertThat(early).isNotDone();
    c.advanceNanos(1);
    assertThat(early).isDone();
    assertThat(late).isNotDone();
    c.sleep(5_000);
    assertThat(late).isDone();
    assertThat(c.sleeps()).containsExactly(5_000L);
    c.set(Instant.parse("2026-03-29T00:00:00Z"));
    assertThat(c.instant()).isEqualTo(Instant.parse("2026-03-29T00:00:00Z"));
    assertThat(c.wallNanos()).isEqualTo(c.nanos());
    c.advance(Duration.ofHours(1));
    assertThat(c.instant()).isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
  }

  /** Calendar windows read the wall clock; every other policy reads the monotonic timeline. */
  @Test
  void calendarWindowsReadTheWallClockAndEverythingElseTheMonotonicOne() {
    long monotonic = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    long wall = Instant.parse("2026-06-15T23:00:00Z").getEpochSecond() * 1_000_000_000L;
    Clock split = new Clock() {
      @Override
      public long nanos() {
        return monotonic;
      }

      @Override
      public long wallNanos() {
        return wall;
      }

      @Override
      public void sleep(long nanos) {}

      @Override
      public CompletableFuture<Void> after(long nanos) {
        return CompletableFuture.completedFuture(null);
      }
    };
    try (Sluice sluice = Sluice.builder().clock(split).build()) {
      Decision calendarDay = sluice.limiter(FixedWindow.of("cal", 5, Window.day())).tryAcquire("k", 1);
      Decision epochDay = sluice.limiter(FixedWindow.of("epoch", 5, Window.of(Duration.ofDays(1))))
          .tryAcquire("k", 1);
      Decision bucket = sluice.limiter(TokenBucket.of("tb", 1, 1, Duration.ofHours(1))).tryAcquire("k", 1);
      assertThat(calendarDay.resetAfter()).isEqualTo(Duration.ofHours(1)); // wall: 23:00
      assertThat(epochDay.resetAfter()).isEqualTo(Duration.ofDays(1)); // monotonic: midnight
      assertThat(bucket.resetAfter()).isEqualTo(Duration.ofHours(1));
    }
  }
}
