package dev.sluice.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.Decision;
import dev.sluice.Decision.Reason;
import dev.sluice.ManualClock;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The outbound throttle registry on a {@link ManualClock}: every wait is checked to the
 * nanosecond of test-clock time, and nothing really sleeps.
 */
class ThrottlesTest {

  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;

  private final ManualClock clock = new ManualClock(1_700_000_000L * S);
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final Throttles throttles = Throttles.create(sluice);

  @Test
  void aDrainedThrottleWaitsExactlyOneTokenOfTestClockTime() throws InterruptedException {
    Throttle t = throttles.register("b", 2, 1, Duration.ofSeconds(1));
    assertThat(t.tryAcquire().allowed()).isTrue();
    assertThat(t.tryAcquire().allowed()).isTrue();
    Decision denied = t.tryAcquire();
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(1));

    long before = clock.nanos();
    Decision d = t.acquire(1, Duration.ofSeconds(10));
    assertThat(d.allowed()).isTrue();
    assertThat(d.retryAfterNanos()).isZero();
    assertThat(d.policy()).isEqualTo(TokenBucket.of("b", 2, 1, Duration.ofSeconds(1)));
    assertThat(clock.sleeps()).containsExactly(S);
    assertThat(clock.nanos() - before).isEqualTo(S);
  }

  @Test
  void slowModeAfterDrainingWaitsExactlyTwoSeconds() throws InterruptedException {
    Throttle t = throttles.register("b", 2, 1, Duration.ofSeconds(1));
    assertThat(t.slowPolicy()).isEqualTo(TokenBucket.of("b:slow", 2, 1, Duration.ofSeconds(2)));
    t.tryAcquire();
    t.tryAcquire();
    t.slow(true);
    assertThat(t.isSlow()).isTrue();
    assertThat(t.tryAcquire().retryAfter()).isEqualTo(Duration.ofSeconds(2));

    assertThat(t.acquire(1, Duration.ofSeconds(10)).allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(2 * S);
    assertThat(t.acquire(1, Duration.ofSeconds(10)).allowed()).isTrue(); // steady: half the rate
    assertThat(clock.sleeps()).containsExactly(2 * S, 2 * S);

    t.slow(false); // back to the configured rate: one token refilled during the last 2 s
    assertThat(t.isSlow()).isFalse();
    assertThat(t.acquire(1, Duration.ofSeconds(10)).allowed()).isTrue();
    assertThat(t.acquire(1, Duration.ofSeconds(10)).allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(2 * S, 2 * S, S);
    // A wait beyond maxWait returns the denial at once, consuming nothing.
    t.slow(true);
    Decision d = t.acquire(1, Duration.ofMillis(1_999));
    assertThat(d.reason()).isEqualTo(Reason.LIMITED);
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(clock.sleeps()).hasSize(3);
  }

  @Test
  void halvingIsExact() {
    assertThat(Throttle.halved(TokenBucket.of("a", 30, 1, Duration.ofSeconds(2))))
        .isEqualTo(TokenBucket.of("a:slow", 30, 1, Duration.ofSeconds(4)));
    assertThat(Throttle.halved(TokenBucket.of("a", 30, 10, Duration.ofSeconds(1))))
        .isEqualTo(TokenBucket.of("a:slow", 30, 5, Duration.ofSeconds(1)));
    assertThat(Throttle.halved(TokenBucket.of("a", 5, 3, Duration.ofHours(1))))
        .isEqualTo(TokenBucket.of("a:slow", 5, 3, Duration.ofHours(2)));
    // A bucket whose halved rate would not fit exact arithmetic is refused at registration.
    long maxSeconds = (1L << 62) / S;
    assertThatThrownBy(() -> throttles.register("huge", 1, 1, Duration.ofSeconds(maxSeconds)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("throttle 'huge': its slow mode")
        .hasMessageContaining("refillPeriod");
    assertThat(throttles.names()).isEmpty();
  }

  @Test
  void anUnknownNameFailsListingTheKnownNamesSorted() {
    assertThatThrownBy(() -> throttles.get("foo"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown throttle 'foo'; known: []");
    throttles.register("quote", 5, 5, Duration.ofHours(1));
    throttles.register("anilist", 30, 1, Duration.ofSeconds(2));
    throttles.register("jikan", 3, 1, Duration.ofSeconds(1));
    assertThatThrownBy(() -> throttles.get("foo"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown throttle 'foo'; known: [anilist, jikan, quote]");
    assertThat(throttles.names()).containsExactly("anilist", "jikan", "quote");
    assertThat(throttles.get("jikan").name()).isEqualTo("jikan");
    assertThatThrownBy(() -> throttles.get(null)).hasMessage("name must not be null");
  }

  @Test
  void configureReadsEachRateExactlyAsARational() {
    throttles.configure(Map.of(
        "anilist", "capacity=30, rate=0.5/s",
        "jikan", "capacity=3, rate=1/s",
        "quote", "capacity=5, rate=5/h"));
    assertThat(throttles.get("anilist").policy())
        .isEqualTo(TokenBucket.of("anilist", 30, 1, Duration.ofSeconds(2)));
    assertThat(throttles.get("jikan").policy())
        .isEqualTo(TokenBucket.of("jikan", 3, 1, Duration.ofSeconds(1)));
    assertThat(throttles.get("quote").policy())
        .isEqualTo(TokenBucket.of("quote", 5, 5, Duration.ofHours(1)));

    Map<String, TokenBucket> exact = new HashMap<>();
    exact.put("capacity=1, rate=0.3/m", TokenBucket.of("x", 1, 3, Duration.ofMinutes(10)));
    exact.put("rate=2.50/h ,capacity=1", TokenBucket.of("x", 1, 5, Duration.ofHours(2)));
    exact.put("capacity=1, rate=100/d", TokenBucket.of("x", 1, 100, Duration.ofDays(1)));
    exact.put("capacity=1, rate=0.001/s", TokenBucket.of("x", 1, 1, Duration.ofSeconds(1000)));
    exact.put("capacity=1, rate=1.5/s", TokenBucket.of("x", 1, 3, Duration.ofSeconds(2)));
    exact.put("capacity=1, rate=1.25/s", TokenBucket.of("x", 1, 5, Duration.ofSeconds(4)));
    exact.put("capacity=1, rate=1000/s", TokenBucket.of("x", 1, 1000, Duration.ofSeconds(1)));
    exact.put("capacity=1, rate=1000.000/s", TokenBucket.of("x", 1, 1000, Duration.ofSeconds(1)));
    exact.put(" capacity = 4 , rate = 2 / s ", TokenBucket.of("x", 4, 2, Duration.ofSeconds(1)));
    // the PolicyText forms: spaces between fields, any duration, the type written out
    exact.put("capacity=3 rate=1/s", TokenBucket.of("x", 3, 1, Duration.ofSeconds(1)));
    exact.put("capacity=3, rate=100/1m30s", TokenBucket.of("x", 3, 100, Duration.ofSeconds(90)));
    exact.put("token-bucket capacity=2k rate=0.5/500ms", TokenBucket.of("x", 2000, 1, Duration.ofSeconds(1)));
    exact.forEach((spec, policy) ->
        assertThat(throttles.register("x", spec).policy()).as(spec).isEqualTo(policy));

    // The configured limits hold as written: 30 at once, then one every 2 s; 5, then one per 12 min.
    Throttle anilist = throttles.get("anilist");
    for (int i = 0; i < 30; i++) {
      assertThat(anilist.tryAcquire().allowed()).isTrue();
    }
    assertThat(anilist.tryAcquire().retryAfter()).isEqualTo(Duration.ofSeconds(2));
    Throttle quote = throttles.get("quote");
    assertThat(quote.tryAcquire(5).allowed()).isTrue();
    assertThat(quote.tryAcquire().retryAfter()).isEqualTo(Duration.ofMinutes(12));
  }

  @Test
  void badSpecsNameTheThrottleTheFieldAndTheValue() {
    Map<String, String> errors = new HashMap<>();
    errors.put("capacity=0, rate=1/s", "throttle 'q': capacity '0' must be positive");
    errors.put("capacity=-3, rate=1/s", "throttle 'q': capacity '-3' must be a positive whole number");
    errors.put("capacity=99999999999999999999, rate=1/s",
        "throttle 'q': capacity '99999999999999999999' is 99999999999999999999; at most 9223372036854775807");
    errors.put("capacity=3", "throttle 'q': rate is missing; token-bucket needs capacity and rate");
    errors.put("rate=1/s", "throttle 'q': capacity is missing; token-bucket needs capacity and rate");
    errors.put("capacity=3, rate=1/x", "throttle 'q': rate '1/x' must be a duration");
    errors.put("capacity=3, rate=abc/s", "throttle 'q': rate 'abc/s' must be <decimal>/<duration>");
    errors.put("capacity=3, rate=1e3/s", "throttle 'q': rate '1e3/s' must be <decimal>/<duration>");
    errors.put("capacity=3, rate=-1/s", "throttle 'q': rate '-1/s' must be <decimal>/<duration>");
    errors.put("capacity=3, rate=.5/s", "throttle 'q': rate '.5/s' must be <decimal>/<duration>");
    errors.put("capacity=3, rate=2", "throttle 'q': rate '2' must be <decimal>/<duration>");
    errors.put("capacity=3, rate=0/s", "throttle 'q': rate '0/s' must be positive");
    errors.put("capacity=3, rate=0.00/h", "throttle 'q': rate '0.00/h' must be positive");
    errors.put("capacity=3, rate=0.000000000001/s",
        "throttle 'q': rate '0.000000000001/s' is 1 tokens per 1000000000000000000000 ns; the period must be at most");
    errors.put("capacity=3, rate=99999999999999999999/s", "throttle 'q': rate '99999999999999999999/s' is");
    errors.put("capacity=3, rate=1/s, burst=4", "throttle 'q': burst '4' is not a field of token-bucket");
    errors.put("capacity=3, capacity=4, rate=1/s", "throttle 'q': capacity '4' appears twice");
    errors.put("capacity=3, rate=1/s, rate=2/s", "throttle 'q': rate '2/s' appears twice");
    errors.put("", "throttle 'q': capacity is missing; token-bucket needs capacity and rate");
    errors.put("capacity=3,, rate=1/s", "throttle 'q': spec 'capacity=3,, rate=1/s' has an empty item between commas");
    errors.put("capacity=4611686018427387904, rate=1/s",
        "throttle 'q': spec 'capacity=4611686018427387904, rate=1/s' is refused: capacity (4611686018427387904)");
    errors.forEach((spec, message) ->
        assertThatThrownBy(() -> throttles.register("q", spec))
            .as(spec)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(message));
    assertThatThrownBy(() -> throttles.register("q", (String) null))
        .hasMessage("throttle 'q': spec must not be null");

    // One bad spec and configure registers nothing.
    assertThatThrownBy(() -> throttles.configure(Map.of(
        "good", "capacity=1, rate=1/s", "q", "capacity=1, rate=fast")))
        .hasMessageStartingWith("throttle 'q': rate 'fast'");
    Map<String, String> nullSpec = new HashMap<>();
    nullSpec.put("a", "capacity=1, rate=1/s");
    nullSpec.put("b", null);
    assertThatThrownBy(() -> throttles.configure(nullSpec)).hasMessage("throttle 'b': spec must not be null");
    Map<String, String> nullName = new HashMap<>();
    nullName.put(null, "capacity=1, rate=1/s");
    assertThatThrownBy(() -> throttles.configure(nullName)).hasMessage("specs must not contain a null name");
    assertThatThrownBy(() -> throttles.configure(null)).hasMessage("specs must not be null");
    assertThat(throttles.names()).isEmpty();

    // Limits defined in code: the core's messages, prefixed with the throttle.
    assertThatThrownBy(() -> throttles.register("q", 0, 1, Duration.ofSeconds(1)))
        .hasMessage("throttle 'q': capacity (0) must be positive");
    assertThatThrownBy(() -> throttles.register("q", 1, 1, Duration.ZERO))
        .hasMessage("throttle 'q': refillPeriod (PT0S) must be positive");
    assertThatThrownBy(() -> throttles.register(null, 1, 1, Duration.ofSeconds(1)))
        .hasMessage("name must not be null");
    assertThatThrownBy(() -> throttles.register(" ", 1, 1, Duration.ofSeconds(1)))
        .hasMessageStartingWith("throttle name ' ' must be 1 to 123 characters and not blank");
    String longest = "n".repeat(Throttle.MAX_NAME_LENGTH);
    assertThatThrownBy(() -> throttles.register(longest + "n", 1, 1, Duration.ofSeconds(1)))
        .hasMessageContaining("must be 1 to 123 characters");
    assertThat(throttles.register(longest, 1, 1, Duration.ofSeconds(1)).slowPolicy().name())
        .hasSize(128);
    assertThat(throttles.names()).containsExactly(longest);
    // a lone surrogate (a hostile or mangled name) is refused naming the throttle name, by each door
    String lone = "api\uD800";
    assertThatThrownBy(() -> throttles.register(lone, 1, 1, Duration.ofSeconds(1)))
        .hasMessage("throttle name 'api\\uD800' is not well-formed UTF-16: lone surrogate U+D800 at index 3");
    assertThatThrownBy(() -> throttles.register(lone, "capacity=1 rate=1/1s"))
        .hasMessageStartingWith("throttle name 'api");
    assertThatThrownBy(() -> throttles.configure(java.util.Map.of(lone, "capacity=1 rate=1/1s")))
        .hasMessageStartingWith("throttle name 'api");
    assertThat(throttles.names()).containsExactly(longest);
    assertThatThrownBy(() -> new Throttles(null)).hasMessage("sluice must not be null");
  }

  @Test
  void registeringANameAgainReplacesItAndTheUpstreamDoesNotForget() {
    Throttle first = throttles.register("jikan", 3, 1, Duration.ofSeconds(1));
    assertThat(first.tryAcquire(3).allowed()).isTrue();

    Throttle second = throttles.register("jikan", 5, 1, Duration.ofSeconds(1));
    assertThat(throttles.get("jikan")).isSameAs(second).isNotSameAs(first);
    assertThat(second.policy().capacity()).isEqualTo(5);
    // The 3 used under the old limit count under the new one: 2 of 5 left, not a fresh burst.
    assertThat(second.tryAcquire(2).allowed()).isTrue();
    assertThat(second.tryAcquire().allowed()).isFalse();

    // The same limit again continues the same bucket.
    Throttle third = throttles.register("jikan", "capacity=5, rate=1/s");
    assertThat(third).isNotSameAs(second);
    assertThat(third.tryAcquire().retryAfter()).isEqualTo(Duration.ofSeconds(1));

    // Pause and slow mode carry over too.
    third.onRetryAfter("30");
    third.slow(true);
    throttles.configure(Map.of("jikan", "capacity=5, rate=2/s"));
    Throttle fourth = throttles.get("jikan");
    assertThat(fourth.policy()).isEqualTo(TokenBucket.of("jikan", 5, 2, Duration.ofSeconds(1)));
    assertThat(fourth.isSlow()).isTrue();
    assertThat(fourth.pausedFor()).isEqualTo(Duration.ofSeconds(30));
    assertThat(throttles.names()).containsExactly("jikan");
  }

  @Test
  void retryAfterInSecondsPausesExactlyWithoutConsuming() {
    Throttle t = throttles.register("api", 2, 1, Duration.ofSeconds(1));
    t.onRetryAfter("30");
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(30));
    Decision d = t.tryAcquire();
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo(Reason.LIMITED);
    assertThat(d.policy()).isEqualTo(t.policy());
    assertThat(d.limit()).isEqualTo(2);
    assertThat(d.remaining()).isZero();
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.resetAfter()).isEqualTo(Duration.ofSeconds(30));

    clock.advanceNanos(30 * S - 1);
    assertThat(t.tryAcquire().retryAfterNanos()).isEqualTo(1);
    clock.advanceNanos(1);
    assertThat(t.pausedFor()).isZero();
    // Nothing was consumed while paused: the full bucket.
    assertThat(t.tryAcquire(2).allowed()).isTrue();
    // A cost the bucket can never admit says so, paused or not.
    t.onRetryAfter("5");
    assertThat(t.tryAcquire(3).reason()).isEqualTo(Reason.COST_EXCEEDS_LIMIT);
  }

  @Test
  void retryAfterAsAnHttpDatePausesExactlyOnTheMonotonicTimeline() throws InterruptedException {
    ManualClock clock = new ManualClock(Instant.parse("2015-10-21T07:27:30Z"));
    Throttles throttles = Throttles.create(Sluice.builder().clock(clock).build());
    Throttle t = throttles.register("api", 2, 1, Duration.ofSeconds(1));

    t.onRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT");
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(30));
    t.onRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT"); // in the past: nothing changes
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(30));

    Decision d = t.acquire(1, Duration.ofMinutes(1));
    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isEqualTo(1);
    assertThat(clock.sleeps()).containsExactly(30 * S);
    assertThat(clock.instant()).isEqualTo(Instant.parse("2015-10-21T07:28:00Z"));
  }

  @Test
  void aPausedBlockingAcquireWaitsOutThePauseOrReturnsAtOnce() throws InterruptedException {
    Throttle t = throttles.register("api", 2, 1, Duration.ofSeconds(1));
    t.pauseUntil(clock.nanos() + 5 * S);
    Decision d = t.acquire(1, Duration.ofSeconds(4));
    assertThat(d.reason()).isEqualTo(Reason.LIMITED);
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(5));
    assertThat(clock.sleeps()).isEmpty();
    assertThat(t.acquireAsync(1, Duration.ofSeconds(4))).isCompletedWithValue(d);
    assertThat(t.acquire(3, Duration.ofDays(1)).reason()).isEqualTo(Reason.COST_EXCEEDS_LIMIT);

    assertThat(t.acquire(2, Duration.ofSeconds(5)).allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(5 * S);

    // Paused while in slow mode: the pause first, then the slow rate.
    t.slow(true);
    t.onRetryAfter("1");
    assertThat(t.acquire(1, Duration.ofSeconds(10)).allowed()).isTrue();
    // The slow bucket (seeded drained: 2 s a token) still lacked 1 s when the pause ended.
    assertThat(clock.sleeps()).containsExactly(5 * S, S, S);
  }

  @Test
  void rateLimitFieldsPauseInBothForms() {
    Throttle t = throttles.register("a", 10, 1, Duration.ofSeconds(1));
    t.onRateLimit("\"default\";r=5;t=30", null);
    assertThat(t.pausedFor()).isZero();
    t.onRateLimit("\"default\";r=0;t=30", null);
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(30));
    assertThat(t.tryAcquire().retryAfter()).isEqualTo(Duration.ofSeconds(30));

    Throttle old = throttles.register("b", 10, 1, Duration.ofSeconds(1));
    old.onRateLimit("limit=100, remaining=1, reset=45", null);
    assertThat(old.pausedFor()).isZero();
    old.onRateLimit("limit=100, remaining=0, reset=45", "100;w=60");
    assertThat(old.pausedFor()).isEqualTo(Duration.ofSeconds(45));

    // Several policies: the exhausted one decides; a missing t comes from RateLimit-Policy's w.
    Throttle many = throttles.register("c", 10, 1, Duration.ofSeconds(1));
    many.onRateLimit("\"burst\";r=3;t=1, \"daily\";r=0",
        "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400");
    assertThat(many.pausedFor()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void aLaterPauseNeverShortensAnEarlierOne() {
    Throttle t = throttles.register("a", 2, 1, Duration.ofSeconds(1));
    t.onRetryAfter("60");
    t.onRetryAfter("10");
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(60));
    t.onRateLimit("\"default\";r=0;t=5", null);
    t.pauseUntil(clock.nanos() + S);
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(60));
    t.pauseUntil(clock.nanos() + 90 * S);
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(90));
    clock.advance(Duration.ofSeconds(10));
    t.onRetryAfter("0");
    assertThat(t.pausedFor()).isEqualTo(Duration.ofSeconds(80));
  }

  @Test
  void unparseableHeadersAreRefusedNamingThemAndChangeNothing() {
    Throttle t = throttles.register("a", 2, 1, Duration.ofSeconds(1));
    assertThatThrownBy(() -> t.onRetryAfter("soon"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Retry-After 'soon' is neither delay-seconds");
    assertThatThrownBy(() -> t.onRetryAfter("-1")).hasMessageStartingWith("Retry-After '-1'");
    assertThatThrownBy(() -> t.onRetryAfter(null)).hasMessage("Retry-After must not be null");
    assertThatThrownBy(() -> t.onRateLimit("\"default\";t=30", null))
        .hasMessage("RateLimit '\"default\";t=30' does not parse: 'r' is missing");
    assertThatThrownBy(() -> t.onRateLimit("\"default\";r=0;t=30", "garbage("))
        .hasMessageStartingWith("RateLimit-Policy 'garbage(' does not parse");
    assertThatThrownBy(() -> t.onRateLimit(null, null)).hasMessage("RateLimit must not be null");
    assertThatThrownBy(() -> t.pauseUntil(-1)).hasMessage("clockNanos (-1) must be within [0, 2^62]");
    assertThat(t.pausedFor()).isZero();
    assertThat(t.tryAcquire(2).allowed()).isTrue();
  }

  @Test
  void asyncAcquireCompletesOnlyWhenTheClockAdvances() {
    Throttle t = throttles.register("b", 2, 1, Duration.ofSeconds(1));
    t.tryAcquire(2);
    CompletableFuture<Decision> f = t.acquireAsync(1, Duration.ofSeconds(10));
    assertThat(f).isNotDone();
    clock.advance(Duration.ofMillis(999));
    assertThat(f).isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertThat(f).isCompletedWithValueMatching(d -> d.allowed() && d.retryAfterNanos() == 0);
    assertThat(clock.pendingTimers()).isZero();

    Throttle slow = throttles.register("s", 2, 1, Duration.ofSeconds(1));
    slow.tryAcquire(2);
    slow.slow(true);
    CompletableFuture<Decision> g = slow.acquireAsync(1, Duration.ofSeconds(10));
    clock.advance(Duration.ofMillis(1_999));
    assertThat(g).isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertThat(g).isCompletedWithValueMatching(Decision::allowed);
    assertThat(slow.acquireAsync(1, Duration.ofSeconds(1)))
        .isCompletedWithValueMatching(d -> d.reason() == Reason.LIMITED
            && d.retryAfterNanos() == 2 * S); // too long a wait: denied at once

    Throttle paused = throttles.register("p", 2, 1, Duration.ofSeconds(1));
    paused.onRetryAfter("5");
    CompletableFuture<Decision> h = paused.acquireAsync(2, Duration.ofSeconds(10));
    clock.advanceNanos(5 * S - 1);
    assertThat(h).isNotDone();
    clock.advanceNanos(1);
    assertThat(h).isCompletedWithValueMatching(d -> d.allowed() && d.remaining() == 0);
    assertThat(clock.sleeps()).isEmpty(); // nothing blocked a thread

    assertThatThrownBy(() -> t.acquireAsync(-1, Duration.ZERO)).hasMessage("cost (-1) must not be negative");
    assertThatThrownBy(() -> t.acquireAsync(1, Duration.ofSeconds(-1)))
        .hasMessage("maxWait (PT-1S) must not be negative");
    assertThatThrownBy(() -> t.acquireAsync(1, null)).hasMessage("maxWait must not be null");
  }

  @Test
  void aPauseSetWhileAGrantedCallerWaitsIsWaitedOutToo() throws InterruptedException {
    Throttle t = throttles.register("b", 2, 1, Duration.ofSeconds(1));
    t.tryAcquire(2);
    CompletableFuture<Decision> f = t.acquireAsync(1, Duration.ofSeconds(10)); // granted for +1 s
    t.pauseUntil(clock.nanos() + 3 * S); // then a 429 arrives
    clock.advance(Duration.ofSeconds(1));
    assertThat(f).isNotDone(); // gave its token back, waits for the pause
    clock.advanceNanos(2 * S - 1);
    assertThat(f).isNotDone();
    clock.advanceNanos(1);
    assertThat(f).isCompletedWithValueMatching(d -> d.allowed() && d.remaining() == 1);

    // Blocking: the pause is set (by a timer) while the caller sleeps on its reservation.
    Throttle u = throttles.register("u", 2, 1, Duration.ofSeconds(1));
    u.tryAcquire(2);
    clock.after(500 * MS).thenRun(() -> u.pauseUntil(clock.nanos() + 2 * S));
    Decision d = u.acquire(1, Duration.ofSeconds(10));
    assertThat(d.allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(S, 2 * S);
    assertThat(d.remaining()).isEqualTo(1); // the refunded token was not charged twice
  }

  /**
   * Random schedules (seeded) of tryAcquire and blocking acquire with slow mode toggled at random:
   * the admitted cost over every interval stays within the configured bucket's bound, and within
   * each slow stretch within the slow bucket's bound from what remained when it began.
   */
  @Test
  void slowModeNeverAdmitsMoreThanTheConfiguredBucket() throws InterruptedException {
    long[][] configs = {{2, 1, S}, {5, 3, 2 * S}, {30, 1, 2 * S}, {4, 2, S}, {7, 10, 3 * S}};
    for (int run = 0; run < 40; run++) {
      long seed = 0x7A11_0000L + run;
      SplittableRandom random = new SplittableRandom(seed);
      long[] c = configs[run % configs.length];
      long capacity = c[0];
      long tokens = c[1];
      long period = c[2];
      ManualClock clock = new ManualClock(1_700_000_000L * S);
      Sluice sluice = Sluice.builder().clock(clock).build();
      Throttle t = Throttles.create(sluice).register("u", capacity, tokens, Duration.ofNanos(period));

      List<long[]> admitted = new ArrayList<>(); // {time, cost, stretch}
      List<long[]> stretches = new ArrayList<>(); // {entry time, remaining at entry}
      int stretch = -1;
      long step = period / tokens;
      for (int e = 0; e < 400; e++) {
        if (random.nextInt(10) == 0) {
          if (t.isSlow()) {
            t.slow(false);
            stretch = -1;
          } else {
            long remaining = sluice.limiter(t.policy()).peek("u", 0).remaining();
            t.slow(true);
            stretches.add(new long[] {clock.nanos(), remaining});
            stretch = stretches.size() - 1;
          }
          continue;
        }
        clock.advanceNanos(random.nextLong(3 * step));
        long cost = 1 + random.nextLong(capacity);
        Decision d = random.nextInt(4) == 0
            ? t.acquire(cost, Duration.ofNanos(random.nextLong(4 * step)))
            : t.tryAcquire(cost);
        if (d.allowed()) {
          admitted.add(new long[] {clock.nanos(), cost, stretch});
        }
      }
      assertThat(admitted).as("seed %d admits something", seed).isNotEmpty();
      for (int i = 0; i < admitted.size(); i++) {
        long sum = 0;
        for (int j = i; j < admitted.size(); j++) {
          sum += admitted.get(j)[1];
          long elapsed = admitted.get(j)[0] - admitted.get(i)[0];
          long bound = capacity + Math.floorDiv(tokens * elapsed, period);
          if (sum > bound) {
            fail("seed %d: admissions %d..%d cost %d over %d ns, above the bound %d",
                seed, i, j, sum, elapsed, bound);
          }
        }
      }
      int slowAdmitted = 0;
      for (int s = 0; s < stretches.size(); s++) {
        long entry = stretches.get(s)[0];
        long sum = 0;
        for (long[] a : admitted) {
          if (a[2] == s) {
            sum += a[1];
            slowAdmitted++;
            long bound = stretches.get(s)[1] + Math.floorDiv(tokens * (a[0] - entry), 2 * period);
            if (sum > bound) {
              fail("seed %d: slow stretch %d admitted %d by +%d ns, above the slow bound %d",
                  seed, s, sum, a[0] - entry, bound);
            }
          }
        }
      }
      assertThat(slowAdmitted).as("seed %d admits in slow mode", seed).isPositive();
    }
  }

  @Test
  void slowModeAfterALongIdleAdmitsABurstThenExactlyHalfTheRate() throws InterruptedException {
    Throttle slow = throttles.register("feed", 4, 2, Duration.ofSeconds(1)); // one every 0.5 s
    Throttle normal = throttles.register("ref", 4, 2, Duration.ofSeconds(1));
    slow.slow(true);
    clock.advance(Duration.ofHours(1));
    for (int i = 0; i < 4; i++) {
      assertThat(slow.tryAcquire().allowed()).isTrue();
      assertThat(normal.tryAcquire().allowed()).isTrue();
    }
    assertThat(slow.tryAcquire().retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(normal.tryAcquire().retryAfter()).isEqualTo(Duration.ofMillis(500));

    long start = clock.nanos();
    List<Long> slowTimes = new ArrayList<>();
    int normalCount = 0;
    for (int k = 1; k <= 600; k++) { // every 100 ms for 60 s
      clock.advance(Duration.ofMillis(100));
      if (slow.tryAcquire().allowed()) {
        slowTimes.add(clock.nanos() - start);
      }
      if (normal.tryAcquire().allowed()) {
        normalCount++;
      }
    }
    assertThat(normalCount).isEqualTo(120);
    assertThat(slowTimes).hasSize(60);
    for (int i = 0; i < 60; i++) {
      assertThat(slowTimes.get(i)).isEqualTo((i + 1) * S); // exactly one per second
    }
    for (int i = 0; i < 3; i++) {
      assertThat(slow.acquire(1, Duration.ofSeconds(5)).allowed()).isTrue();
    }
    assertThat(clock.sleeps()).containsExactly(S, S, S);
  }

  @Test
  void oneRegistrySharedByManyThreadsAdmitsExactlyTheCapacity() throws Exception {
    throttles.register("shared", 1_000, 1, Duration.ofSeconds(1)); // frozen clock: no refill
    throttles.register("shared-slow", 1_000, 1, Duration.ofSeconds(1)).slow(true);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<long[]>> results = new ArrayList<>();
      for (int n = 0; n < 8; n++) {
        results.add(pool.submit(() -> {
          long[] counts = new long[2];
          for (int i = 0; i < 500; i++) {
            counts[0] += throttles.get("shared").tryAcquire().allowed() ? 1 : 0;
            counts[1] += throttles.get("shared-slow").tryAcquire().allowed() ? 1 : 0;
          }
          return counts;
        }));
      }
      long shared = 0;
      long sharedSlow = 0;
      for (Future<long[]> r : results) {
        long[] counts = r.get(30, TimeUnit.SECONDS);
        shared += counts[0];
        sharedSlow += counts[1];
      }
      assertThat(shared).isEqualTo(1_000);
      assertThat(sharedSlow).isEqualTo(1_000);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void argumentsAreCheckedNamingTheFieldAndTheValue() {
    Throttle t = throttles.register("a", 2, 1, Duration.ofSeconds(1));
    assertThatThrownBy(() -> t.tryAcquire(-1)).hasMessage("cost (-1) must not be negative");
    assertThatThrownBy(() -> t.acquire(-1, Duration.ZERO)).hasMessage("cost (-1) must not be negative");
    assertThatThrownBy(() -> t.acquire(1, Duration.ofNanos(-1)))
        .hasMessage("maxWait (PT-0.000000001S) must not be negative");
    assertThatThrownBy(() -> t.acquire(1, null)).hasMessage("maxWait must not be null");
    assertThat(t.tryAcquire(2).allowed()).isTrue(); // nothing was consumed
    assertThat(t.tryAcquire(0).allowed()).isTrue(); // a cost of 0 checks without consuming
  }

  /**
   * The example of docs/quotas.md, "Outbound throttle registry", line for line on a test clock:
   * if the API drifts, this stops compiling.
   */
  @Test
  void docExample() throws InterruptedException {
    Sluice sluice = this.sluice; // the doc: Sluice.inMemory()

    Throttles throttles = Throttles.create(sluice)         // one registry for the whole application
        .configure(Map.of(
            "anilist", "capacity=30, rate=0.5/s",          // 30 at once, then one every 2 s
            "quote", "capacity=5, rate=5/h"));             // 5 per hour
    throttles.register("jikan", 3, 1, Duration.ofSeconds(1));

    Throttle jikan = throttles.get("jikan");
    Decision d = jikan.acquire(1, Duration.ofSeconds(5));  // waits exactly as needed, at most 5 s
    if (d.allowed()) {
      // ... call Jikan; it answers 429 with "Retry-After: 30":
      jikan.onRetryAfter("30");                            // every caller now waits 30 s
    }
    // Any answer may carry the IETF RateLimit fields; nothing left means a pause until the reset:
    throttles.get("anilist").onRateLimit("\"default\";r=0;t=60", "\"default\";q=30;w=60");

    throttles.get("quote").slow(true);                     // half the configured rate, until slow(false)

    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isEqualTo(2);
    assertThat(jikan.tryAcquire().retryAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(throttles.get("anilist").pausedFor()).isEqualTo(Duration.ofSeconds(60));
    assertThat(throttles.get("quote").isSlow()).isTrue();
    assertThat(throttles.get("quote").slowPolicy())
        .isEqualTo(TokenBucket.of("quote:slow", 5, 5, Duration.ofHours(2)));
    assertThat(throttles.names()).containsExactly("anilist", "jikan", "quote");
    assertThat(clock.sleeps()).isEmpty();
  }
}
