package dev.sluice.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The header parsers: every accepted form, its exact pause, and refusals naming the header. */
class RetryHeadersTest {

  private static final long S = 1_000_000_000L;
  private static final long MAX = RetryHeaders.MAX_NANOS;

  private static long wall(String instant) {
    Instant i = Instant.parse(instant);
    return i.getEpochSecond() * S + i.getNano();
  }

  private static final long OCT_21 = wall("2015-10-21T07:27:30Z");

  @Test
  void retryAfterDelaySeconds() {
    assertThat(RetryHeaders.retryAfterNanos("0", OCT_21)).isZero();
    assertThat(RetryHeaders.retryAfterNanos("120", OCT_21)).isEqualTo(120 * S);
    assertThat(RetryHeaders.retryAfterNanos(" 120 ", OCT_21)).isEqualTo(120 * S);
    assertThat(RetryHeaders.retryAfterNanos("007", OCT_21)).isEqualTo(7 * S);
    assertThat(RetryHeaders.retryAfterNanos("4611686018", OCT_21)).isEqualTo(4_611_686_018L * S);
    assertThat(RetryHeaders.retryAfterNanos("4611686019", OCT_21)).isEqualTo(MAX);
    assertThat(RetryHeaders.retryAfterNanos("99999999999999999999999999", OCT_21)).isEqualTo(MAX);
  }

  @Test
  void retryAfterHttpDatesInAllThreeForms() {
    assertThat(RetryHeaders.retryAfterNanos("Wed, 21 Oct 2015 07:28:00 GMT", OCT_21)).isEqualTo(30 * S);
    assertThat(RetryHeaders.retryAfterNanos("Wednesday, 21-Oct-15 07:28:00 GMT", OCT_21)).isEqualTo(30 * S);
    assertThat(RetryHeaders.retryAfterNanos("Wed Oct 21 07:28:00 2015", OCT_21)).isEqualTo(30 * S);
    assertThat(RetryHeaders.retryAfterNanos("Sun Nov  6 08:49:37 1994", wall("1994-11-06T08:49:00Z")))
        .isEqualTo(37 * S);
    // Sub-second wall time: the pause ends exactly at the date.
    assertThat(RetryHeaders.retryAfterNanos("Wed, 21 Oct 2015 07:28:00 GMT", OCT_21 + 250_000_000L))
        .isEqualTo(29 * S + 750_000_000L);
    // In the past: no pause. A two-digit year more than 50 years ahead is the century before.
    assertThat(RetryHeaders.retryAfterNanos("Wed, 21 Oct 2015 07:00:00 GMT", OCT_21)).isZero();
    assertThat(RetryHeaders.retryAfterNanos("Sunday, 06-Nov-94 08:49:37 GMT", OCT_21)).isZero();
    assertThat(RetryHeaders.retryAfterNanos("Thu, 01 Jan 1970 00:00:00 GMT", OCT_21)).isZero();
    // Beyond the clocks' range: saturated.
    assertThat(RetryHeaders.retryAfterNanos("Fri, 31 Dec 9999 23:59:59 GMT", OCT_21)).isEqualTo(MAX - OCT_21);
  }

  @Test
  void retryAfterRefusesAnythingElseNamingTheValue() {
    for (String bad : List.of("", " ", "1.5", "-1", "1 2", "+5", "soon", "Wed, 21 Oct 2015",
        "Thu, 21 Oct 2015 07:28:00 GMT", "Wed, 32 Oct 2015 07:28:00 GMT",
        "Wednesday, 21-Oct-15 07:28:00 UTC", "Thursday, 21-Oct-15 07:28:00 GMT")) {
      assertThatThrownBy(() -> RetryHeaders.retryAfterNanos(bad, OCT_21))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Retry-After '" + bad + "' is neither delay-seconds");
    }
    assertThatThrownBy(() -> RetryHeaders.retryAfterNanos(null, OCT_21))
        .hasMessage("Retry-After must not be null");
  }

  @Test
  void rateLimitStructuredListForm() {
    assertThat(RetryHeaders.rateLimitNanos("\"default\";r=0;t=30", null)).isEqualTo(30 * S);
    assertThat(RetryHeaders.rateLimitNanos("default;r=0;t=30", null)).isEqualTo(30 * S);
    assertThat(RetryHeaders.rateLimitNanos("\"default\";r=50;t=30", null)).isZero();
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0;t=10, \"b\";r=0;t=20", null)).isEqualTo(20 * S);
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0;t=10,\"b\";r=4;t=20", null)).isEqualTo(10 * S);
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0;t=3;pk=:cHJvamVjdC0xMjM=:", null)).isEqualTo(3 * S);
    assertThat(RetryHeaders.rateLimitNanos("\"a\";t=3;r=0;x=\"y\";flag", null)).isEqualTo(3 * S);
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0;t=999999999999999", null)).isEqualTo(MAX);
    // No t: the window of the same policy in RateLimit-Policy, if any.
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0", null)).isZero();
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0", "\"a\";q=10;w=5")).isEqualTo(5 * S);
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0", "\"b\";q=10;w=5")).isZero();
    assertThat(RetryHeaders.rateLimitNanos("\"a\";r=0;t=2", "\"a\";q=10;w=5")).isEqualTo(2 * S);
    assertThat(RetryHeaders.rateLimitNanos("\"daily\";r=0",
        "\"burst\";q=100;w=60, \"daily\";q=1000;qu=\"requests\";w=86400")).isEqualTo(86_400 * S);
  }

  @Test
  void rateLimitOlderDictionaryForm() {
    assertThat(RetryHeaders.rateLimitNanos("limit=100, remaining=0, reset=30", null)).isEqualTo(30 * S);
    assertThat(RetryHeaders.rateLimitNanos("limit=100,remaining=0,reset=30", null)).isEqualTo(30 * S);
    assertThat(RetryHeaders.rateLimitNanos("remaining=0, reset=7", "10;w=1, 50;w=60")).isEqualTo(7 * S);
    assertThat(RetryHeaders.rateLimitNanos("limit=10, remaining=5, reset=7", null)).isZero();
    assertThat(RetryHeaders.rateLimitNanos("limit=10, remaining=5", null)).isZero();
  }

  @Test
  void rateLimitRefusesWhatDoesNotParseNamingTheFieldAndTheValue() {
    String[][] cases = {
        {"", "it is empty"},
        {"\"a\";r=-1", "'r' must be a non-negative integer, not -1"},
        {"\"a\";r=1.5", "'r' must be a non-negative integer, not 1.5"},
        {"\"a\";r=\"x\"", "'r' must be a non-negative integer, not x"},
        {"\"a\";r=0;t=-5", "'t' must be a non-negative integer, not -5"},
        {"\"a\";t=30", "'r' is missing"},
        {"limit=100, reset=30", "'remaining' is missing"},
        {"limit=100, remaining=0", "'reset' is missing"},
        {"\"a\";r=0, limit=1", "mixes a list with a dictionary"},
        {"(a b);r=0", "an inner list"},
        {"\"a\";r=0,", "a trailing comma"},
        {"\"a", "an unterminated string"},
        {"1;r=0", "each policy must be named by a string"},
        {"\"a\";r=1234567890123456", "an integer of more than 15 digits"},
        {"\"a\" r=0", "expected ','"},
        {"\"a\";R=0", "expected a key"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> RetryHeaders.rateLimitNanos(c[0], null))
          .as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("RateLimit '" + c[0] + "' does not parse: ")
          .hasMessageContaining(c[1]);
    }
    assertThatThrownBy(() -> RetryHeaders.rateLimitNanos("\"a\";r=5", "\"a\";q=-1"))
        .hasMessage("RateLimit-Policy '\"a\";q=-1' does not parse: 'q' must be a non-negative integer, not -1");
    assertThatThrownBy(() -> RetryHeaders.rateLimitNanos("\"a\";r=5", "limit=1"))
        .hasMessageStartingWith("RateLimit-Policy 'limit=1' does not parse: each policy must be");
    assertThatThrownBy(() -> RetryHeaders.rateLimitNanos(null, null)).hasMessage("RateLimit must not be null");
  }
}
