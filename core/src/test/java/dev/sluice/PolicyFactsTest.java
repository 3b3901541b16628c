package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The facts every module switches on, asked of the policy itself: its kind and its share. */
class PolicyFactsTest {

  private static final Duration MIN = Duration.ofMinutes(1);

  @Test
  void everyPolicyKnowsItsKind() {
    assertThat(TokenBucket.of("a", 1, 1, MIN).kind()).isEqualTo(Policy.Kind.RATE);
    assertThat(FixedWindow.of("a", 1, Window.day()).kind()).isEqualTo(Policy.Kind.RATE);
    assertThat(SlidingLog.of("a", 1, MIN).kind()).isEqualTo(Policy.Kind.RATE);
    assertThat(SlidingCounter.of("a", 1, MIN).kind()).isEqualTo(Policy.Kind.RATE);
    assertThat(Concurrency.of("a", 1, MIN).kind()).isEqualTo(Policy.Kind.CONCURRENCY);
    assertThat(Budget.daily("a", 1).kind()).isEqualTo(Policy.Kind.BUDGET);
  }

  @Test
  void aShareDividesTheLimitRoundingDownAndKeepsEverythingElse() {
    assertThat(TokenBucket.of("b", 20, 100, MIN).share(3))
        .contains(TokenBucket.of("b", 6, 100, Duration.ofMinutes(3))); // a third of the rate too
    assertThat(FixedWindow.of("f", 10, Window.day()).share(4)).contains(FixedWindow.of("f", 2, Window.day()));
    assertThat(SlidingLog.bucketed("l", 100, Duration.ofHours(5), MIN).share(3))
        .contains(SlidingLog.bucketed("l", 33, Duration.ofHours(5), MIN));
    assertThat(SlidingCounter.of("c", 7, MIN).share(2)).contains(SlidingCounter.of("c", 3, MIN));
    assertThat(Concurrency.of("s", 5, MIN).share(2)).contains(Concurrency.of("s", 2, MIN));
    Budget b = Budget.daily("d", 1000).withMaxReservations(7).withReservationTtl(MIN);
    assertThat(b.share(3)).contains(Budget.daily("d", 333).withMaxReservations(7).withReservationTtl(MIN));
    for (Policy p : List.of(TokenBucket.of("b", 2, 1, MIN), FixedWindow.of("f", 2, Window.day()),
        SlidingLog.of("l", 2, MIN), SlidingCounter.of("c", 2, MIN), Concurrency.of("s", 2, MIN),
        Budget.daily("d", 2))) {
      assertThat(p.share(1)).as(p + " alone").containsSame(p);
      assertThat(p.share(3)).as(p + " among 3: a share of 0").isEmpty();
      assertThatThrownBy(() -> p.share(0)).hasMessage("instances (0) must be at least 1");
    }
  }

  @Test
  void aTokenBucketShareWhosePeriodWouldExceedTheMaximumIsRefusedWithTheBucketsMessage() {
    TokenBucket p = TokenBucket.of("t", 1L << 21, 1L << 20, Duration.ofNanos(1L << 61));
    assertThatThrownBy(() -> p.share(4)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("refillPeriod (").hasMessageContaining("exceeds the maximum");
  }

  /**
   * Names come from users (configuration, the server's descriptors) and are text in Redis keys and
   * SQLite columns, where a lone surrogate would be encoded as '?' and merge with another name:
   * refused, naming the field and where.
   */
  @Test
  void aNameWithALoneSurrogateIsRefusedByEveryPolicyType() {
    String bad = "a\uD800b";
    for (java.util.function.Supplier<Policy> make : List.<java.util.function.Supplier<Policy>>of(
        () -> TokenBucket.of(bad, 1, 1, MIN), () -> FixedWindow.of(bad, 1, Window.day()),
        () -> SlidingLog.of(bad, 1, MIN), () -> SlidingCounter.of(bad, 1, MIN),
        () -> Concurrency.of(bad, 1, MIN), () -> Budget.daily(bad, 1))) {
      assertThatThrownBy(make::get).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("name 'a\\uD800b' is not well-formed UTF-16: lone surrogate U+D800 at index 1");
    }
    assertThatThrownBy(() -> PolicyText.parse("\uDBFF", "concurrency slots=1 ttl=1s"))
        .hasMessageContaining("is not well-formed UTF-16: lone surrogate U+DBFF at index 0");
    assertThat(FixedWindow.of("a\uD83D\uDE00b", 1, Window.day()).name()).as("a pair is fine").hasSize(4);
  }
}
