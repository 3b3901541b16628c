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

  /**
   * Reopened with its clock two days behind the file, a drained bucket that refills in 5 s waits
   * 1 s for a token (it reported about 172,791 s), and a daily window exhausted waits for the end of
   * the day the clock shows, not for two days and a half.
   */
  @Test
  void reopenedWithTheClockTwoDaysBehindNoKeyWaitsForTheStep() {
    Path file = dir.resolve("quotas.db");
    TokenBucket bucket = TokenBucket.of("bucket", 5, 1, Duration.ofSeconds(1));
    dev.sluice.FixedWindow day = dev.sluice.FixedWindow.of("day", 3, dev.sluice.Window.day());
    try (Sluice sluice = open(file)) {
      assertThat(sluice.limiter(bucket).tryAcquire("alice", 5).allowed()).isTrue();
      assertThat(sluice.limiter(day).tryAcquire("alice", 3).allowed()).isTrue();
    }
    clock.set(Instant.parse("2026-11-22T10:00:00Z"));
    try (Sluice sluice = open(file)) {
      Decision b = sluice.limiter(bucket).tryAcquire("alice", 1);
      assertThat(b.allowed()).isFalse();
      assertThat(b.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      Decision d = sluice.limiter(day).tryAcquire("alice", 1);
      assertThat(d.allowed()).isFalse();
      assertThat(d.retryAfter()).isEqualTo(Duration.ofHours(14)); // the end of 2026-11-22
      clock.set(Instant.parse("2026-11-22T10:00:01Z"));
      assertThat(sluice.limiter(bucket).tryAcquire("alice", 1).allowed()).isTrue();
      clock.set(Instant.parse("2026-11-23T00:00:00Z"));
      assertThat(sluice.limiter(day).tryAcquire("alice", 3).allowed()).isTrue();
    }
  }

  private Sluice open(Path file) {
    return Sluice.builder().store(SqliteStore.open(file).clock(clock).build()).build();
  }
}
