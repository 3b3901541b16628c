package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The README's example, line for line, on a test clock: if the API drifts, this stops compiling. */
class ReadmeExampleTest {

  @Test
  void theReadmeExampleRunsAsDescribed() throws InterruptedException {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T22:00:00Z"));
    Sluice sluice = Sluice.builder().clock(clock).build();

    Limiter api = sluice.limiter(TokenBucket.of("api", 20, 100, Duration.ofMinutes(1)));
    Decision d = api.tryAcquire("client-42", 1);
    assertThat(d.allowed()).isTrue();
    assertThat(d.limit()).isEqualTo(20);
    assertThat(d.remaining()).isEqualTo(19);
    assertThat(d.resetAfter()).isEqualTo(Duration.ofMillis(600));
    java.util.Map<String, String> response = new java.util.LinkedHashMap<>();
    RateLimitHeaders.of(d).forEach(response::put);
    assertThat(response).containsEntry("RateLimit-Policy", "\"api\";q=20;w=12")
        .containsEntry("RateLimit", "\"api\";r=19;t=1").doesNotContainKey("Retry-After");

    Limiter scanned = sluice.limiter(FixedWindow.of("scan-bytes", 50L << 30, Window.day()));
    assertThat(scanned.peek("alice", 1).allowed()).isTrue();
    scanned.record("alice", 60L << 30); // the query scanned 60 GiB: recorded, never refused
    Decision next = scanned.peek("alice", 1);
    assertThat(next.allowed()).isFalse();
    assertThat(next.retryAfter()).isEqualTo(Duration.ofHours(2)); // until UTC midnight

    Limiter jikan = sluice.limiter(TokenBucket.of("jikan", 3, 1, Duration.ofSeconds(1)));
    for (int i = 0; i < 3; i++) {
      assertThat(jikan.tryAcquire("jikan", 1).allowed()).isTrue();
    }
    Decision granted = jikan.acquire("jikan", 1, Duration.ofSeconds(5));
    assertThat(granted.allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(1_000_000_000L); // exactly one token's wait

    Limiter perUser = sluice.limiter(SlidingLog.of("user", 10, Duration.ofSeconds(1)));
    Limiter perOrg = sluice.limiter(SlidingCounter.of("org", 1_000, Duration.ofMinutes(1)));
    Decision both = sluice.tryAcquireAll(perUser.charge("alice", 1), perOrg.charge("acme", 1));
    assertThat(both.allowed()).isTrue();
    assertThat(both.policy().name()).isEqualTo("user"); // the least remaining: 9 of 10
    assertThat(perOrg.peek("acme", 0).remaining()).isEqualTo(999);
    sluice.close();
  }

  @Test
  void theReadmePolicyTextAndListenerExamplesRunAsDescribed() {
    Policy scans = PolicyText.parse("scans", "fixed-window limit=50GiB period=1d zone=Europe/Prague");
    assertThat(scans).isEqualTo(FixedWindow.of("scans", 50L << 30, Window.day(java.time.ZoneId.of("Europe/Prague"))));
    String text = PolicyText.format(scans);
    assertThat(PolicyText.parse("scans", text)).isEqualTo(scans);

    java.util.List<String> warned = new java.util.ArrayList<>();
    Sluice watched = Sluice.builder()
        .listener((call, key, cost, decision) -> {
          if (!decision.storeDecided()) {
            warned.add(call + " " + decision.policy().name() + " " + key);
          }
        })
        .build();
    watched.limiter(scans).tryAcquire("alice", 1);
    assertThat(warned).as("the in-memory store decides everything").isEmpty();
    watched.close();
  }
}
