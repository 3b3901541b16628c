package dev.sluice.spring.cloud.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.Sluice;
import dev.sluice.http.QuotaAnswer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter.Response;
import reactor.core.scheduler.Schedulers;

/** The limiter without a gateway around it: keys, defaults and their checks, the answers. */
class SluiceRateLimiterTest {

  private final ManualClock clock = new ManualClock();
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final Map<String, Policy> policies = new LinkedHashMap<>();

  {
    policies.put("per-client", PolicyText.parse("per-client", "fixed-window limit=2 period=1m"));
    policies.put("in-flight", PolicyText.parse("in-flight", "concurrency slots=4 ttl=5m"));
  }

  @AfterEach
  void close() {
    sluice.close();
  }

  @Test
  void anIdThatIsAValidKeyIsTheKeyAndAnyOtherCountsUnderItsHash() {
    String hex64 = "[0-9a-f]{64}";
    assertThat(SluiceRateLimiter.keyOf("alice")).isEqualTo("alice");
    assertThat(SluiceRateLimiter.keyOf("ip:192.0.2.1")).isEqualTo("ip:192.0.2.1");
    assertThat(SluiceRateLimiter.keyOf("x".repeat(512))).isEqualTo("x".repeat(512));
    for (String other : List.of("", "x".repeat(513), "a\uD800b", "sha256:abc", "\uDC00")) {
      assertThat(SluiceRateLimiter.keyOf(other)).as(other).matches("sha256:" + hex64);
    }
    // distinct ids, distinct keys, even where a text encoding would merge them
    assertThat(SluiceRateLimiter.keyOf("a\uD800b")).isNotEqualTo(SluiceRateLimiter.keyOf("a\uD801b"));
    assertThat(SluiceRateLimiter.keyOf("sha256:abc")).isNotEqualTo("sha256:abc");
    assertThat(SluiceRateLimiter.keyOf(SluiceRateLimiter.keyOf("sha256:abc")))
        .isNotEqualTo(SluiceRateLimiter.keyOf("sha256:abc"));
  }

  @Test
  void defaultsAreCheckedAtBuildNamingTheFieldAndTheValue() {
    assertThatThrownBy(() -> builder().defaults(List.of("per-client", "per-clinet"), 1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("defaults: sluice-rate-limiter.policies[1]: unknown policy 'per-clinet'; the policies are "
            + "per-client, in-flight");
    assertThatThrownBy(() -> builder().defaults(List.of("in-flight"), 1).build())
        .hasMessage("defaults: sluice-rate-limiter.policies[0]: policy 'in-flight' is a concurrency policy; a route "
            + "takes rate policies (token bucket, fixed window, sliding log, sliding counter)");
    assertThatThrownBy(() -> builder().defaults(List.of("per-client", "per-client"), 1).build())
        .hasMessage("defaults: sluice-rate-limiter.policies[1]: policy 'per-client' is named twice");
    assertThatThrownBy(() -> builder().defaults(List.of(), 1).build())
        .hasMessage("defaults: sluice-rate-limiter.policies: no policy named; the policies are per-client, in-flight");
    assertThatThrownBy(() -> builder().defaults(List.of("per-client"), -1).build())
        .hasMessage("defaults: sluice-rate-limiter.cost: -1 must be >= 0");
  }

  @Test
  void aRouteWithoutConfigurationFailsNamingIt() {
    SluiceRateLimiter limiter = builder().build();
    assertThatThrownBy(() -> limiter.isAllowed("orders", "alice").block())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("route 'orders': the Sluice rate limiter has no configuration for this route");
  }

  @Test
  void theDefaultsDecideWithTheHeadersOfTheStyle() {
    SluiceRateLimiter limiter = builder().headers(QuotaAnswer.HeaderStyle.BOTH).defaults(List.of("per-client"), 1)
        .scheduler(Schedulers.immediate()).build();
    Response first = limiter.isAllowed("any", "alice").block();
    assertThat(first.isAllowed()).isTrue();
    assertThat(first.getHeaders()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "RateLimit-Policy", "\"per-client\";q=2;w=60", "RateLimit", "\"per-client\";r=1;t=60",
        "X-RateLimit-Limit", "2", "X-RateLimit-Remaining", "1", "X-RateLimit-Reset", "60"));
    assertThat(limiter.isAllowed("any", "alice").block().isAllowed()).isTrue();
    Response third = limiter.isAllowed("any", "alice").block();
    assertThat(third.isAllowed()).isFalse();
    assertThat(third.getHeaders()).containsEntry("Retry-After", "60").containsEntry("X-RateLimit-Remaining", "0");
    assertThat(limiter.isAllowed("any", "bob").block().isAllowed()).isTrue();
  }

  private SluiceRateLimiter.Builder builder() {
    return SluiceRateLimiter.builder(sluice, policies);
  }
}
