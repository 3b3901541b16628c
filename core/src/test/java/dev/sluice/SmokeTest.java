package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void bucketAdmitsCapacityThenDenies() {
    ManualClock clock = new ManualClock(1_000_000_000L);
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter l = sluice.limiter(TokenBucket.of("t", 2, 1, Duration.ofSeconds(1)));
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
      Decision d = l.tryAcquire("k", 1);
      assertThat(d.allowed()).isFalse();
      assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }
  }
}
