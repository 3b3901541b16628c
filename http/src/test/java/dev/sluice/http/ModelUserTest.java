package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.Sluice;
import dev.sluice.redis.RedisStore;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.sqlite.SqliteStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's model user, on the engine every adapter uses: anonymous callers get 100 requests a
 * day per IP, authenticated clients 10,000 a day per client id, counted in a SQLite file so that a
 * restart does not reset them; the 101st anonymous request is a 429 with a problem body, an
 * authenticated client is unaffected, and a broken store fails the request with a 503 or lets it
 * pass, as the operator chose — never a silent pass that was not chosen.
 */
class ModelUserTest {

  private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");
  private static final Policy ANON = PolicyText.parse("anon-daily", "fixed-window limit=100 period=1d");
  private static final Policy CLIENT = PolicyText.parse("client-daily", "fixed-window limit=10000 period=1d");
  private static final RouteRules RULES = RouteRules.builder()
      .exclude("/health/**")
      .rule(RouteRules.rule("/**").anonymous(ANON).authenticated(CLIENT))
      .build();
  private static final Identities IDENTITIES = Identities.builder().header("X-Client-Id").build();

  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock(START);

  private HttpQuotas quotas(Sluice sluice) {
    return HttpQuotas.builder(sluice).identities(IDENTITIES).rules(RULES).build();
  }

  private static QuotaRequest request(String method, String path, String ip, Map<String, List<String>> headers) {
    IdentityView view = IdentityView.of(null, headers);
    return new QuotaRequest() {
      @Override
      public String method() {
        return method;
      }

      @Override
      public String path() {
        return path;
      }

      @Override
      public InetAddress peer() {
        try {
          return InetAddress.getByName(ip); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
          throw new AssertionError(e);
        }
      }

      @Override
      public String principalName() {
        return view.principalName();
      }

      @Override
      public List<String> headers(String name) {
        return view.headers(name);
      }
    };
  }

  private static QuotaRequest anonymous(String ip) {
    return request("GET", "/api/orders", ip, Map.of());
  }

  private static QuotaRequest client(String id, String ip) {
    return request("GET", "/api/orders", ip, Map.of("X-Client-Id", List.of(id)));
  }

  private SqliteStore open(FailurePolicy failure) {
    return SqliteStore.open(dir.resolve("quotas.db")).clock(clock).failure(failure).build();
  }

  @Test
  void theHundredAndFirstAnonymousRequestIs429AndCountsSurviveARestart() {
    try (SqliteStore store = open(FailurePolicy.closed()); Sluice sluice = Sluice.builder().store(store).build()) {
      HttpQuotas quotas = quotas(sluice);
      for (int i = 1; i <= 60; i++) {
        HttpQuotas.Outcome o = quotas.decide(anonymous("203.0.113.7"));
        assertThat(o.answer().refused()).as("request %d", i).isFalse();
        assertThat(o.client()).isEqualTo(Client.anonymous("203.0.113.7"));
        assertThat(o.answer().headers()).containsEntry("RateLimit", "\"anon-daily\";r=" + (100 - i) + ";t=50400");
      }
    }
    // a restart: a new store on the same file
    try (SqliteStore store = open(FailurePolicy.closed()); Sluice sluice = Sluice.builder().store(store).build()) {
      HttpQuotas quotas = quotas(sluice);
      for (int i = 61; i <= 100; i++) {
        assertThat(quotas.decide(anonymous("203.0.113.7")).answer().refused()).as("request %d", i).isFalse();
      }
      HttpQuotas.Outcome denied = quotas.decide(anonymous("203.0.113.7"));
      QuotaAnswer a = denied.answer();
      assertThat(a.status()).isEqualTo(429);
      assertThat(a.headers()).containsEntry("Retry-After", "50400")
          .containsEntry("RateLimit-Policy", "\"anon-daily\";q=100;w=86400");
      String body = new String(a.body(), StandardCharsets.UTF_8);
      assertThat(body).startsWith("{\"type\":\"" + QuotaAnswer.TYPES + "limit-exceeded\",\"title\":\"Limit exceeded\","
          + "\"status\":429,").contains("\"policy\":\"anon-daily\"", "\"limit\":100", "\"retryAfterSeconds\":50400")
          .doesNotContain("203.0.113.7"); // the address is not echoed
      // another address, an authenticated client behind the same address, and a health check: unaffected
      assertThat(quotas.decide(anonymous("203.0.113.8")).answer().refused()).isFalse();
      HttpQuotas.Outcome authed = quotas.decide(client("acme", "203.0.113.7"));
      assertThat(authed.answer().refused()).isFalse();
      assertThat(authed.client()).isEqualTo(Client.authenticated("acme"));
      assertThat(authed.answer().headers()).containsEntry("RateLimit", "\"client-daily\";r=9999;t=50400");
      HttpQuotas.Outcome health = quotas.decide(request("GET", "/health/live", "203.0.113.7", Map.of()));
      assertThat(health.decided()).isFalse();
      assertThat(health.answer().refused()).isFalse();
      // the next UTC day: a fresh quota
      clock.advance(java.time.Duration.ofHours(14));
      assertThat(quotas.decide(anonymous("203.0.113.7")).answer().refused()).isFalse();
    }
  }

  @Test
  void aSpoofedForwardedForDoesNotBuyAFreshQuota() {
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      HttpQuotas quotas = quotas(sluice);
      for (int i = 0; i < 100; i++) {
        Map<String, List<String>> spoof = Map.of("X-Forwarded-For", List.of("198.51.100." + (i % 250)));
        assertThat(quotas.decide(request("GET", "/x", "203.0.113.7", spoof)).answer().refused()).isFalse();
      }
      Map<String, List<String>> spoof = Map.of("X-Forwarded-For", List.of("198.51.100.99"));
      assertThat(quotas.decide(request("GET", "/x", "203.0.113.7", spoof)).answer().status()).isEqualTo(429);
    }
  }

  @Test
  void aBrokenStoreFailsClosedWith503OrPassesWhenTheOperatorChoseOpen() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed below: nothing listens there
    }
    for (FailurePolicy failure : List.of(FailurePolicy.closed(), FailurePolicy.open())) {
      try (RedisStore broken = RedisStore.standalone("redis://127.0.0.1:" + port).failure(failure).build();
          Sluice sluice = Sluice.builder().store(broken).build()) {
        HttpQuotas.Outcome o = quotas(sluice).decide(anonymous("203.0.113.7"));
        if (failure.mode() == FailurePolicy.Mode.CLOSED) {
          assertThat(o.answer().status()).isEqualTo(503);
          assertThat(o.answer().headers()).containsKey("Retry-After");
          assertThat(new String(o.answer().body(), StandardCharsets.UTF_8)).contains("store-unavailable");
        } else {
          assertThat(o.answer().refused()).isFalse();
          assertThat(o.decision().reason()).isEqualTo(Decision.Reason.FAILED_OPEN);
          assertThat(o.answer().headers()).doesNotContainKey("RateLimit"); // nothing was counted
        }
      }
    }
  }

  @Test
  void perClientLimitsWithoutAnIdentitySourceFailAtStart() {
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      assertThatThrownBy(() -> HttpQuotas.builder(sluice).rules(RULES).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("per-client limits are enabled but no identity source is configured: add a principal, header"
              + " or API key source");
    }
  }
}
