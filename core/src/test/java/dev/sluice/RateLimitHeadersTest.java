package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The response fields of decisions: table-driven over every policy type, and the cases a naive
 * mapping gets wrong (never-admissible requests, fail-open answers, names that need escaping).
 */
class RateLimitHeadersTest {

  private static final long S = 1_000_000_000L;

  record Row(Decision decision, Map<String, String> fields) {}

  private static Map<String, String> fields(String... nameValue) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.put(nameValue[i], nameValue[i + 1]);
    }
    return m;
  }

  @Test
  void everyPolicyTypeStatesItsQuotaWindowRemainingAndReset() {
    Policy bucket = TokenBucket.of("api", 20, 100, Duration.ofMinutes(1)); // empty to full: 12 s
    Policy oddBucket = TokenBucket.of("odd", 10, 3, Duration.ofSeconds(1)); // 3.33 s: w=4
    Policy window = FixedWindow.of("win", 50, Window.of(Duration.ofMinutes(1)));
    Policy day = FixedWindow.of("day", 1000, Window.day(ZoneId.of("Europe/Prague")));
    Policy month = FixedWindow.of("month", 1000, Window.month(ZoneId.of("UTC")));
    Policy log = SlidingLog.of("log", 30, Duration.ofHours(1));
    Policy counter = SlidingCounter.of("ctr", 30, Duration.ofMillis(1500));
    Policy slots = Concurrency.of("slots", 5, Duration.ofMinutes(10));
    Policy budget = Budget.daily("bytes", 50L << 30);
    List<Row> rows = List.of(
        new Row(Decision.allowed(bucket, 19, 600_000_000L), fields(
            "RateLimit-Policy", "\"api\";q=20;w=12",
            "RateLimit", "\"api\";r=19;t=1",
            "X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "19", "X-RateLimit-Reset", "1")),
        new Row(Decision.limited(bucket, 0, 600_000_001L, 12 * S), fields(
            "RateLimit-Policy", "\"api\";q=20;w=12",
            "RateLimit", "\"api\";r=0;t=12",
            "Retry-After", "1",
            "X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "12")),
        new Row(Decision.allowed(oddBucket, 10, 0), fields(
            "RateLimit-Policy", "\"odd\";q=10;w=4",
            "RateLimit", "\"odd\";r=10;t=0",
            "X-RateLimit-Limit", "10", "X-RateLimit-Remaining", "10", "X-RateLimit-Reset", "0")),
        new Row(Decision.limited(window, 0, 30 * S, 30 * S), fields(
            "RateLimit-Policy", "\"win\";q=50;w=60",
            "RateLimit", "\"win\";r=0;t=30",
            "Retry-After", "30",
            "X-RateLimit-Limit", "50", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "30")),
        new Row(Decision.allowed(day, 999, 3_600 * S), fields(
            "RateLimit-Policy", "\"day\";q=1000;w=86400",
            "RateLimit", "\"day\";r=999;t=3600",
            "X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "999", "X-RateLimit-Reset", "3600")),
        new Row(Decision.allowed(month, 1, 1), fields(
            "RateLimit-Policy", "\"month\";q=1000;w=2629746",
            "RateLimit", "\"month\";r=1;t=1",
            "X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "1", "X-RateLimit-Reset", "1")),
        new Row(Decision.of(log, Decision.Reason.LIMITED, 30, 0, 5 * S + 1, 3_600 * S), fields(
            "RateLimit-Policy", "\"log\";q=30;w=3600",
            "RateLimit", "\"log\";r=0;t=3600",
            "Retry-After", "6",
            "X-RateLimit-Limit", "30", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "3600")),
        new Row(Decision.allowed(counter, 3, 1_500_000_000L), fields(
            "RateLimit-Policy", "\"ctr\";q=30;w=2",
            "RateLimit", "\"ctr\";r=3;t=2",
            "X-RateLimit-Limit", "30", "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", "2")),
        new Row(Decision.of(slots, Decision.Reason.LIMITED, 5, 0, 10 * S, 600 * S), fields(
            "RateLimit-Policy", "\"slots\";q=5",
            "RateLimit", "\"slots\";r=0;t=600",
            "Retry-After", "10",
            "X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "600")),
        new Row(Decision.of(budget, Decision.Reason.LIMITED, 60L << 30, 0, 9 * 3_600 * S, 9 * 3_600 * S), fields(
            "RateLimit-Policy", "\"bytes\";q=53687091200;w=86400",
            "RateLimit", "\"bytes\";r=0;t=32400",
            "Retry-After", "32400",
            "X-RateLimit-Limit", "53687091200", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "32400")));
    for (Row row : rows) {
      assertThat(RateLimitHeaders.of(row.decision()).asMap()).as(row.decision().toString())
          .containsExactlyEntriesOf(row.fields());
      ietfAndLegacyAreTheirShareOfAll(List.of(row.decision()));
    }
  }

  /** {@code ietf} and {@code legacy} are exactly {@code of}'s fields of their kind, in its order. */
  private static void ietfAndLegacyAreTheirShareOfAll(List<Decision> decisions) {
    Map<String, String> all = RateLimitHeaders.of(decisions).asMap();
    Map<String, String> ietf = new LinkedHashMap<>();
    Map<String, String> legacy = new LinkedHashMap<>();
    all.forEach((name, value) -> {
      if (!name.startsWith("X-")) {
        ietf.put(name, value);
      }
      if (!name.startsWith("RateLimit")) {
        legacy.put(name, value);
      }
    });
    assertThat(RateLimitHeaders.ietf(decisions).asMap()).as("ietf " + decisions).containsExactlyEntriesOf(ietf);
    assertThat(RateLimitHeaders.legacy(decisions).asMap()).as("legacy " + decisions)
        .containsExactlyEntriesOf(legacy);
  }

  @Test
  void aRequestThatCanNeverBeAdmittedGetsNoRetryAfter() {
    Policy bucket = TokenBucket.of("api", 20, 100, Duration.ofMinutes(1));
    Decision never = Decision.costExceedsLimit(bucket, 20, 0);
    assertThat(never.retryAfterNanos()).isEqualTo(Decision.NEVER);
    RateLimitHeaders h = RateLimitHeaders.of(never);
    assertThat(h.get(RateLimitHeaders.RETRY_AFTER)).isNull();
    assertThat(h.get(RateLimitHeaders.RATELIMIT)).isEqualTo("\"api\";r=20;t=0");
    assertThat(QuotaExceeded.of(never, "k").retryAfterSeconds()).isEmpty();
  }

  @Test
  void aDecisionTheStoreDidNotMakeClaimsNoRemainingQuota() {
    Policy bucket = TokenBucket.of("api", 20, 100, Duration.ofMinutes(1));
    assertThat(RateLimitHeaders.of(Decision.failedOpen(bucket)).asMap()).containsExactlyEntriesOf(fields(
        "RateLimit-Policy", "\"api\";q=20;w=12",
        "X-RateLimit-Limit", "20"));
    assertThat(RateLimitHeaders.of(Decision.storeUnavailable(bucket, 1_500_000_000L)).asMap())
        .containsExactlyEntriesOf(fields(
            "RateLimit-Policy", "\"api\";q=20;w=12",
            "Retry-After", "2",
            "X-RateLimit-Limit", "20"));
    // a local share of the limit did count: stated like the store's decision
    Decision local = Decision.fallback(bucket, Decision.allowed(bucket, 4, 2 * S));
    assertThat(local.storeDecided()).isFalse();
    assertThat(RateLimitHeaders.of(local).get(RateLimitHeaders.RATELIMIT)).isEqualTo("\"api\";r=4;t=2");
  }

  @Test
  void severalDecisionsGiveOneItemEachAndTheLegacyFieldsOfTheTightest() {
    Policy perClient = TokenBucket.of("client", 20, 100, Duration.ofMinutes(1));
    Policy global = FixedWindow.of("global", 10_000, Window.of(Duration.ofMinutes(1)));
    Policy daily = Budget.daily("daily", 1000);
    RateLimitHeaders h = RateLimitHeaders.of(List.of(
        Decision.allowed(perClient, 3, 10 * S),
        Decision.allowed(global, 9_000, 40 * S),
        Decision.failedOpen(daily)));
    assertThat(h.asMap()).containsExactlyEntriesOf(fields(
        "RateLimit-Policy", "\"client\";q=20;w=12, \"global\";q=10000;w=60, \"daily\";q=1000;w=86400",
        "RateLimit", "\"client\";r=3;t=10, \"global\";r=9000;t=40",
        "X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "3", "X-RateLimit-Reset", "10"));
    RateLimitHeaders denied = RateLimitHeaders.of(List.of(
        Decision.limited(perClient, 0, 2 * S, 12 * S),
        Decision.limited(global, 0, 7 * S + 1, 7 * S)));
    assertThat(denied.get(RateLimitHeaders.RETRY_AFTER)).as("the longest wait").isEqualTo("8");
    assertThat(denied.get(RateLimitHeaders.X_RATELIMIT_LIMIT)).isEqualTo("20");
    ietfAndLegacyAreTheirShareOfAll(List.of(Decision.allowed(perClient, 3, 10 * S),
        Decision.allowed(global, 9_000, 40 * S), Decision.failedOpen(daily)));
    ietfAndLegacyAreTheirShareOfAll(List.of(Decision.limited(perClient, 0, 2 * S, 12 * S),
        Decision.limited(global, 0, 7 * S + 1, 7 * S)));
    ietfAndLegacyAreTheirShareOfAll(List.of(Decision.failedOpen(daily), Decision.allowed(perClient, 3, 10 * S)));
  }

  @Test
  void namesAreEscapedSoThatTheyNeverBreakAHeaderOrReadTheSame() {
    assertThat(RateLimitHeaders.name("api")).isEqualTo("\"api\"");
    assertThat(RateLimitHeaders.name("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    assertThat(RateLimitHeaders.name("a\r\nSet-Cookie: x")).isEqualTo("\"a%0D%0ASet-Cookie: x\"");
    assertThat(RateLimitHeaders.name("Praha-ř")).isEqualTo("\"Praha-%C5%99\"");
    assertThat(RateLimitHeaders.name("100%")).isEqualTo("\"100%25\"");
    assertThat(RateLimitHeaders.name("%25")).isNotEqualTo(RateLimitHeaders.name("%"));
    Policy p = FixedWindow.of("per \"client\"", 5, Window.of(Duration.ofSeconds(1)));
    assertThat(RateLimitHeaders.of(Decision.allowed(p, 4, S)).get(RateLimitHeaders.RATELIMIT_POLICY))
        .isEqualTo("\"per \\\"client\\\"\";q=5;w=1");
  }

  @Test
  void secondsRoundUpSoThatAClientIsNeverEarly() {
    assertThat(RateLimitHeaders.seconds(0)).isZero();
    assertThat(RateLimitHeaders.seconds(1)).isEqualTo(1);
    assertThat(RateLimitHeaders.seconds(S)).isEqualTo(1);
    assertThat(RateLimitHeaders.seconds(S + 1)).isEqualTo(2);
    assertThat(RateLimitHeaders.seconds(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE / S + 1);
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> RateLimitHeaders.ietf(List.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decisions must not be empty");
    assertThatThrownBy(() -> RateLimitHeaders.legacy(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decisions");
    assertThatThrownBy(() -> RateLimitHeaders.of((Decision) null)).hasMessage("decision must not be null");
    assertThatThrownBy(() -> RateLimitHeaders.of((List<Decision>) null)).hasMessage("decisions must not be null");
    assertThatThrownBy(() -> RateLimitHeaders.of(List.of())).hasMessage("decisions must not be empty");
  }

  @Test
  void everyPolicyTypeKnowsItsQuotaWindow() {
    assertThat(TokenBucket.of("b", 20, 100, Duration.ofMinutes(1)).quotaWindow()).isEqualTo(Duration.ofSeconds(12));
    assertThat(TokenBucket.of("b", 10, 3, Duration.ofSeconds(1)).quotaWindow())
        .isEqualTo(Duration.ofNanos(3_333_333_334L));
    assertThat(TokenBucket.of("b", 1, 1, Duration.ofNanos(1L << 62)).quotaWindow()).isEqualTo(Duration.ofNanos(1L << 62));
    assertThat(FixedWindow.of("f", 1, Window.week(ZoneId.of("UTC"))).quotaWindow()).isEqualTo(Duration.ofDays(7));
    assertThat(FixedWindow.of("f", 1, Window.year(ZoneId.of("UTC"))).quotaWindow()).isEqualTo(Duration.ofSeconds(31_556_952));
    assertThat(Budget.of("b", 1, Window.of(Duration.ofHours(5))).quotaWindow()).isEqualTo(Duration.ofHours(5));
    assertThat(Concurrency.of("c", 1, Duration.ofSeconds(1)).quotaWindow()).isZero();
  }
}
