package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What was spent stays spent across a close and a reopen of the same file. */
class RestartTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T10:00:00Z"));

  @Test
  void aDailyBudgetKeepsWhatWasSpent() {
    spendFourThenSixMore(Budget.daily("daily", 10));
  }

  @Test
  void aTokenBucketKeepsWhatWasSpent() {
    // 10 tokens, one more per hour: nothing comes back while the test runs
    spendFourThenSixMore(TokenBucket.of("bucket", 10, 1, Duration.ofHours(1)));
  }

  private void spendFourThenSixMore(Policy policy) {
    Path file = dir.resolve("quotas.db");
    try (Sluice sluice = open(file)) {
      Limiter l = sluice.limiter(policy);
      for (int i = 0; i < 4; i++) {
        assertThat(l.tryAcquire("alice", 1).allowed()).as("spend %d of 10", i + 1).isTrue();
      }
    }
    clock.advance(Duration.ofMinutes(1));
    try (Sluice sluice = open(file)) {
      Limiter l = sluice.limiter(policy);
      for (int i = 0; i < 6; i++) {
        assertThat(l.tryAcquire("alice", 1).allowed()).as("spend %d of 10 after the reopen", i + 5).isTrue();
      }
      Decision denied = l.tryAcquire("alice", 1);
      assertThat(denied.allowed()).as("the 11th").isFalse();
      assertThat(denied.reason()).isEqualTo(Decision.Reason.LIMITED);
      assertThat(l.tryAcquire("bob", 1).allowed()).as("another key is untouched").isTrue();
    }
  }

  private Sluice open(Path file) {
    return Sluice.builder().clock(clock).store(SqliteStore.open(file).clock(clock).build()).build();
  }
}
