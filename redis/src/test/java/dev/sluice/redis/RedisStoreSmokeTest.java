package dev.sluice.redis;

import dev.sluice.spi.FailurePolicy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.redis.testing.RedisServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisStoreSmokeTest {
  static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aTokenBucketOnServerTime() {
    for (boolean coalescing : new boolean[] {false, true}) {
      try (RedisStore store = RedisStore.standalone(server.uri()).coalescing(coalescing).commandTimeout(Duration.ofSeconds(2)).build();
          Sluice sluice = Sluice.builder().store(store).build()) {
        Limiter l = sluice.limiter(TokenBucket.of("smoke" + coalescing, 3, 1, Duration.ofHours(1)));
        assertThat(l.tryAcquire("k", 1).remaining()).isEqualTo(2);
        assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
        assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
        Decision d = l.tryAcquire("k", 1);
        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfter()).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
        assertThat(store.failures().total()).isZero();
      }
    }
  }

  @Test
  void callerTime() {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    try (RedisStore store = RedisStore.standalone(server.uri()).callerTime(clock).commandTimeout(Duration.ofSeconds(2)).build();
        Sluice sluice = Sluice.builder().clock(clock).store(store).build()) {
      Limiter l = sluice.limiter(FixedWindow.of("fw-smoke", 2, dev.sluice.Window.of(Duration.ofMinutes(1))));
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
      Decision d = l.tryAcquire("k", 1);
      assertThat(d.allowed()).isFalse();
      assertThat(d.retryAfter()).isEqualTo(Duration.ofMinutes(1));
      clock.advance(Duration.ofSeconds(60));
      assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    }
  }

  /**
   * A key holding something that is not the policy's state (here a hash, written by another
   * program) is never overwritten: the decision is a failure answered by the failure policy, and
   * the other decisions of the same coalesced call are not affected.
   */
  @Test
  void aForeignValueAtTheKeyIsAFailureNotAnOverwrite() throws Exception {
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(server.uri());
    try (var conn = client.connect();
        RedisStore store = RedisStore.standalone(server.uri()).commandTimeout(Duration.ofSeconds(2))
            .failure(FailurePolicy.closed()).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      conn.sync().hset("sluice:1:foreign:{k}", "field", "value");
      conn.sync().set("sluice:1:foreign:{s}", "not a state");
      Limiter l = sluice.limiter(TokenBucket.of("foreign", 3, 1, Duration.ofHours(1)));
      Decision d = l.tryAcquire("k", 1);
      assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(l.tryAcquire("s", 1).reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(store.failures().badState()).isEqualTo(2);
      assertThat(store.failures().lastError()).contains("sluice:1:foreign:{s}");
      assertThat(conn.sync().hget("sluice:1:foreign:{k}", "field")).isEqualTo("value");
      assertThat(conn.sync().get("sluice:1:foreign:{s}")).isEqualTo("not a state");
      assertThat(l.tryAcquire("fine", 1).allowed()).isTrue();
    } finally {
      client.shutdown();
    }
  }
}
