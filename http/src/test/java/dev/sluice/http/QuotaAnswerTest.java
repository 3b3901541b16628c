package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.http.QuotaAnswer.HeaderStyle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class QuotaAnswerTest {

  private static final long SECOND = 1_000_000_000L;
  private static final Policy DAILY = PolicyText.parse("anon-daily", "fixed-window limit=100 period=1d");

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(Decision.limited(DAILY, 0, 2_500_000_000L, 3_600 * SECOND), 429, "limit-exceeded", "3",
            "policy 'anon-daily' denied key 'ip:203.0.113.7' 1 request: 100 of its limit of 100 in use, 0 remaining;"
                + " retry after 3 s", "3"),
        Arguments.of(Decision.costExceedsLimit(DAILY, 40, 3_600 * SECOND), 422, "cost-exceeds-limit", null,
            "policy 'anon-daily' can never admit 1 request for key 'ip:203.0.113.7': that is more than its limit of"
                + " 100; nothing was charged", "null"),
        Arguments.of(Decision.storeUnavailable(DAILY, 0), 503, "store-unavailable", "1",
            "the store could not decide on 1 request for key 'ip:203.0.113.7' of policy 'anon-daily'; nothing was"
                + " charged; retry after 1 s", "1"),
        Arguments.of(Decision.storeFull(DAILY, 1_000_000L), 503, "store-full", "1",
            "the store holds as many keys as it may, and key 'ip:203.0.113.7' is new to policy 'anon-daily'; nothing"
                + " was charged; retry after 1 s", "1"));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("refusals")
  void refusalHasItsStatusRetryAfterAndProblem(Decision d, int status, String slug, String retryAfter, String detail,
      String retrySeconds) {
    QuotaAnswer a = QuotaAnswer.refused(d, "anon-daily", "ip:203.0.113.7", "1 request", List.of(d), HeaderStyle.IETF);
    assertThat(a.refused()).isTrue();
    assertThat(a.status()).isEqualTo(status);
    assertThat(a.headers().get("Retry-After")).isEqualTo(retryAfter);
    assertThat(a.detail()).isEqualTo(detail);
    assertThat(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"" + QuotaAnswer.TYPES + slug
        + "\",\"title\":\"" + a.refusal().title() + "\",\"status\":" + status + ",\"detail\":\"" + detail
        + "\",\"policy\":\"anon-daily\",\"key\":\"ip:203.0.113.7\",\"limit\":100,\"used\":" + d.used()
        + ",\"remaining\":" + d.remaining() + ",\"retryAfterSeconds\":" + retrySeconds + "}");
  }

  @ParameterizedTest
  @EnumSource(HeaderStyle.class)
  void headersFollowTheStyle(HeaderStyle style) {
    Decision d = Decision.limited(DAILY, 0, 2 * SECOND, 60 * SECOND);
    QuotaAnswer refused = QuotaAnswer.refused(d, "anon-daily", null, "1 request", List.of(d), style);
    QuotaAnswer admitted = QuotaAnswer.admitted(List.of(Decision.allowed(DAILY, 99, 60 * SECOND)), style);
    boolean ietf = style == HeaderStyle.IETF || style == HeaderStyle.BOTH;
    boolean legacy = style == HeaderStyle.LEGACY || style == HeaderStyle.BOTH;
    for (QuotaAnswer a : List.of(refused, admitted)) {
      assertThat(a.headers().containsKey("RateLimit-Policy")).isEqualTo(ietf);
      assertThat(a.headers().containsKey("RateLimit")).isEqualTo(ietf);
      assertThat(a.headers().containsKey("X-RateLimit-Limit")).isEqualTo(legacy);
      assertThat(a.headers().containsKey("X-RateLimit-Remaining")).isEqualTo(legacy);
    }
    assertThat(refused.headers()).containsEntry("Retry-After", "2"); // whatever the style
    assertThat(admitted.headers()).doesNotContainKey("Retry-After");
    assertThat(admitted.refused()).isFalse();
    assertThat(admitted.status()).isEqualTo(200);
    if (ietf) {
      assertThat(admitted.headers()).containsEntry("RateLimit-Policy", "\"anon-daily\";q=100;w=86400")
          .containsEntry("RateLimit", "\"anon-daily\";r=99;t=60");
    }
  }

  @ParameterizedTest
  @EnumSource(HeaderStyle.class)
  void forEachHeaderPassesExactlyTheHeadersInOrder(HeaderStyle style) {
    List<Decision> admitted = List.of(Decision.allowed(DAILY, 7, SECOND));
    Decision limited = Decision.limited(DAILY, 0, 3 * SECOND, 3 * SECOND);
    for (QuotaAnswer a : List.of(QuotaAnswer.admitted(admitted, style), QuotaAnswer.admitted(List.of(), style),
        QuotaAnswer.refused(limited, "daily", null, "1 request", List.of(limited), style))) {
      java.util.Map<String, String> passed = new java.util.LinkedHashMap<>();
      a.forEachHeader((name, value) -> assertThat(passed.put(name, value)).as("%s passed once", name).isNull());
      assertThat(passed).as(a.toString()).containsExactlyEntriesOf(a.headers());
    }
  }

  @Test
  void withoutAKeyTheProblemNamesNone() {
    Decision d = Decision.limited(DAILY, 0, SECOND, SECOND);
    QuotaAnswer a = QuotaAnswer.refused(d, "anon-daily", null, "1 request", List.of(d), HeaderStyle.NONE);
    assertThat(a.detail()).isEqualTo("policy 'anon-daily' denied 1 request: 100 of its limit of 100 in use,"
        + " 0 remaining; retry after 1 s");
    assertThat(a.members()).doesNotContainKey("key");
    assertThat(a.headers()).containsOnlyKeys("Retry-After");
  }

  @Test
  void bodyEscapesWhatItQuotes() {
    Policy odd = PolicyText.parse("a\"b\\c", "fixed-window limit=1 period=1s");
    Decision d = Decision.limited(odd, 0, SECOND, SECOND);
    QuotaAnswer a = QuotaAnswer.refused(d, "a\"b\\c", "k\u2028\u0001", "1 request", List.of(d), HeaderStyle.NONE);
    String body = new String(a.body(), StandardCharsets.UTF_8);
    assertThat(body).contains("\"policy\":\"a\\\"b\\\\c\"");
    assertThat(body).doesNotContain("\u2028").doesNotContain("\u0001");
  }

  @Test
  void refusesWhatIsNotARefusal() {
    Decision ok = Decision.allowed(DAILY, 1, SECOND);
    assertThatThrownBy(() -> QuotaAnswer.refused(ok, "anon-daily", null, "1 request", List.of(ok), HeaderStyle.IETF))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a refusal: ");
    assertThatThrownBy(() -> QuotaAnswer.admitted(List.of(ok), HeaderStyle.IETF).body())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aDenialWithoutADecisionIsAnsweredByWhatItSays() {
    dev.sluice.QuotaExceeded atLimit = new dev.sluice.QuotaExceeded(dev.sluice.Policy.Kind.RATE, "anon-daily", "k",
        100, 100, 30 * SECOND);
    QuotaAnswer limited = QuotaAnswer.refused(DAILY, atLimit, "1 request", HeaderStyle.IETF);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.headers()).containsEntry("Retry-After", "30");
    assertThat(limited.detail()).isEqualTo("policy 'anon-daily' denied 1 request: 100 of its limit of 100 in use,"
        + " 0 remaining; retry after 30 s");
    QuotaAnswer never = QuotaAnswer.refused(DAILY, new dev.sluice.QuotaExceeded(dev.sluice.Policy.Kind.RATE,
        "anon-daily", "k", 0, 100, Decision.NEVER), "a cost of 101", HeaderStyle.IETF);
    assertThat(never.status()).isEqualTo(422);
    assertThat(never.headers()).doesNotContainKey("Retry-After");
    QuotaAnswer unavailable = QuotaAnswer.refused(DAILY, new dev.sluice.QuotaExceeded(dev.sluice.Policy.Kind.RATE,
        "anon-daily", "k", 10, 100, 0), "1 request", HeaderStyle.IETF);
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.headers()).containsEntry("Retry-After", "1");
  }
}
