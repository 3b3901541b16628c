package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The breaker opens only on evidence that Redis is unhealthy: failures with no success since the
 * first of them, for the window. Regression: it counted from construction or the last success,
 * so a fresh store, or one idle for longer than the window, opened at its third slow first call
 * (a cold burst on a healthy Redis was answered fail-open whole).
 */
class BreakerTest {
  static final long MS = 1_000_000;

  final AtomicLong now = new AtomicLong(1_000 * MS);
  final Breaker breaker = new Breaker(3, 250 * MS, 100 * MS, now::get);

  @Test
  void aFreshBreakerDoesNotOpenOnItsFirstFailures() {
    now.addAndGet(10_000 * MS); // built long ago, never used
    breaker.failure();
    breaker.failure();
    breaker.failure();
    assertThat(breaker.isOpen()).isFalse();
    assertThat(breaker.allow()).isTrue();
  }

  @Test
  void anIdleBreakerDoesNotOpenOnItsFirstFailures() {
    breaker.success();
    now.addAndGet(10_000 * MS); // idle
    for (int i = 0; i < 100; i++) {
      breaker.failure();
    }
    assertThat(breaker.isOpen()).isFalse();
  }

  @Test
  void failuresWithNoSuccessForTheWindowOpenIt() {
    breaker.failure();
    now.addAndGet(249 * MS);
    breaker.failure();
    breaker.failure();
    assertThat(breaker.isOpen()).as("249 ms after the first failure").isFalse();
    now.addAndGet(1 * MS);
    breaker.failure();
    assertThat(breaker.isOpen()).isTrue();
    assertThat(breaker.allow()).as("no probe before the probe interval").isFalse();
    now.addAndGet(100 * MS);
    assertThat(breaker.allow()).as("the probe").isTrue();
    assertThat(breaker.allow()).as("one probe at a time").isFalse();
    breaker.success();
    assertThat(breaker.isOpen()).isFalse();
  }

  @Test
  void aSuccessStartsTheWindowAgain() {
    breaker.failure();
    now.addAndGet(200 * MS);
    breaker.success();
    breaker.failure();
    now.addAndGet(200 * MS);
    breaker.failure();
    breaker.failure();
    assertThat(breaker.isOpen()).as("200 ms since the first failure after the success").isFalse();
    now.addAndGet(50 * MS);
    breaker.failure();
    assertThat(breaker.isOpen()).isTrue();
  }
}
