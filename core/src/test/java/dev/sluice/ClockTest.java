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
}
