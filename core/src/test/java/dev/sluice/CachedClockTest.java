package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CachedClockTest {

  @Test
  void followsTheSystemClockAndStandsStillOnceClosed() throws Exception {
    long wall = Instant.now().toEpochMilli() * 1_000_000L;
    CachedClock clock = Clock.cached(Duration.ofMillis(1));
    try {
      long first = clock.nanos();
      assertThat(Math.abs(first - wall)).isLessThan(60_000_000_000L);
      assertThat(Math.abs(clock.wallNanos() - wall)).isLessThan(60_000_000_000L);
      // It moves: wait (up to 10 s, never asserting how fast) for a sample 5 ms later.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (clock.nanos() - first < 5_000_000L && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(clock.nanos() - first).isGreaterThanOrEqualTo(5_000_000L);
      // Never ahead of the system clock it samples.
      assertThat(clock.nanos()).isLessThanOrEqualTo(Clock.system().nanos());
    } finally {
      clock.close();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (clock.sampling() && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(clock.sampling()).isFalse();
    long stopped = clock.nanos();
    Thread.sleep(5);
    assertThat(clock.nanos()).isEqualTo(stopped);
    clock.close(); // idempotent
  }

  @Test
  void neverPublishesATimeEarlierThanTheLastOne() {
    ManualClock source = new ManualClock(Instant.parse("2026-03-29T00:30:00Z"));
    CachedClock clock = new CachedClock(source, Duration.ofSeconds(1));
    try {
      long start = clock.nanos();
      source.set(start - 1_000_000_000L);
      clock.sample();
      assertThat(clock.nanos()).isEqualTo(start);
      assertThat(clock.wallNanos()).isEqualTo(start);
      source.set(start + 7);
      clock.sample();
      assertThat(clock.nanos()).isEqualTo(start + 7);
      assertThat(clock.wallNanos()).isEqualTo(start + 7);
    } finally {
      clock.close();
    }
  }

  /** A decision sees only published time: a lagging clock delays refills, never grants early. */
  @Test
  void decisionsSeeOnlyPublishedTime() {
    ManualClock source = new ManualClock(Instant.parse("2026-03-29T00:30:00Z"));
    CachedClock clock = new CachedClock(source, Duration.ofSeconds(1));
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter l = sluice.limiter(TokenBucket.of("t", 1, 1, Duration.ofSeconds(1)));
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
      source.advance(Duration.ofSeconds(5)); // real time moves, no sample yet
      Decision d = l.tryAcquire("k", 1);
      assertThat(d.allowed()).isFalse();
      assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      clock.sample();
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
      assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
    } finally {
      clock.close();
    }
  }

  @Test
  void refusesResolutionsOutsideItsRange() {
    assertThatThrownBy(() -> Clock.cached(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("resolution must not be null");
    assertThatThrownBy(() -> Clock.cached(Duration.ofNanos(99_999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("resolution (PT0.000099999S) must be between");
    assertThatThrownBy(() -> Clock.cached(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resolution (PT-1S)");
    assertThatThrownBy(() -> Clock.cached(Duration.ofMillis(1001)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resolution (PT1.001S)");
  }
}
