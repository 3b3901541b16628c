package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Policy;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisServer;
import java.time.Duration;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * A policy the Redis store cannot compute exactly (Lua numbers are doubles, exact below 2^53) is
 * refused when its limiter is created, on that store, naming the field and the value.
 * Regression: {@code TokenBucket.of("t", 1, (1L << 60) + 1, 1 s)} was accepted, then every decision
 * errored ("not a positive integer below 2^53"), and inside a coalesced batch it failed the other
 * policies' decisions too.
 */
class RepresentabilityTest {

  @Test
  void aPolicyTheScriptsCannotRepresentIsRefusedWhenItsLimiterIsCreated() {
    try (RedisServer server = RedisServer.start();
        RedisStore store = RedisStore.standalone(server.uri()).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      // 2^60 + 1 tokens a second is (2^60 + 1) / 10^6 tokens per µs in lowest terms
      assertRefused(sluice, TokenBucket.of("t", 1, (1L << 60) + 1, Duration.ofSeconds(1)),
          "token bucket 't': refillTokens (1152921504606846977)", "below 2^53");
      assertRefused(sluice, TokenBucket.of("c", 1L << 53, 1000, Duration.ofNanos(1000)),
          "token bucket 'c': capacity (9007199254740992)", "below 2^53");
      // a calendar window's limit was sent unchecked
      assertRefused(sluice, FixedWindow.of("f", 1L << 53, Window.day(ZoneOffset.UTC)),
          "policy 'f': limit (9007199254740992)", "below 2^53");

      // nothing was decided or changed, and a representable policy on the same store decides
      Limiter ok = sluice.limiter(TokenBucket.of("ok", 2, 1, Duration.ofHours(1)));
      assertThat(ok.tryAcquire("k", 1).allowed()).isTrue();
      assertThat(ok.tryAcquire("k", 1).allowed()).isTrue();
      assertThat(ok.tryAcquire("k", 1).allowed()).isFalse();
      assertThat(store.failures().total()).isZero();
    }
  }

  private static void assertRefused(Sluice sluice, Policy policy, String... message) {
    assertThatThrownBy(() -> sluice.limiter(policy))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(message);
  }
}
