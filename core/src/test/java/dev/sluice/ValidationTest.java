package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Every public entry point of {@code dev.sluice} refuses bad input with an
 * {@link IllegalArgumentException} whose message names the field and the value, and a refused
 * call changes nothing. ({@code dev.sluice.spi} is covered by {@code SpiValidationTest}; the
 * limiter's and the multi-policy call's refusals, which every store shares, by
 * {@code dev.sluice.conformance.ValidationConformance}.)
 */
class ValidationTest {

  private static final long MAX = 1L << 62;
  private static final Duration S = Duration.ofSeconds(1);
  /** One nanosecond more than the longest duration a policy accepts. */
  private static final Duration TOO_LONG = Duration.ofNanos(MAX + 1);

  private static void refused(ThrowingCallable call, String... fragments) {
    var a = assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
    for (String f : fragments) {
      a.hasMessageContaining(f);
    }
  }

  // ---------------------------------------------------------------- policies

  @Test
  void policyNames() {
    List<java.util.function.Function<String, Policy>> factories = List.of(
        n -> TokenBucket.of(n, 1, 1, S),
        n -> new TokenBucket(n, 1, 1, S),
        n -> FixedWindow.of(n, 1, Window.day()),
        n -> new FixedWindow(n, 1, Window.day()),
        n -> SlidingLog.of(n, 1, S),
        n -> new SlidingLog(n, 1, S),
        n -> SlidingCounter.of(n, 1, S),
        n -> new SlidingCounter(n, 1, S));
    for (var f : factories) {
      refused(() -> f.apply(null), "name must not be null");
      refused(() -> f.apply(""), "name ''", "1 to 128 characters");
      refused(() -> f.apply(" "), "name ' '", "not blank");
      refused(() -> f.apply("\t\n"), "name '\t\n'", "not blank");
      refused(() -> f.apply("x".repeat(129)), "name '" + "x".repeat(129) + "'", "128 characters");
      assertThat(f.apply("x".repeat(128)).name()).hasSize(128);
    }
  }

  @Test
  void tokenBucket() {
    List<TokenBucketFactory> factories = List.of(TokenBucket::of, TokenBucket::new);
    for (TokenBucketFactory f : factories) {
      refused(() -> f.make("t", 0, 1, S), "capacity (0) must be positive");
      refused(() -> f.make("t", -5, 1, S), "capacity (-5) must be positive");
      refused(() -> f.make("t", Long.MIN_VALUE, 1, S), "capacity (" + Long.MIN_VALUE + ") must be positive");
      refused(() -> f.make("t", Long.MAX_VALUE, 1, S), "capacity (" + Long.MAX_VALUE + ")", "2^62");
      refused(() -> f.make("t", 1L << 33, 1, S), "capacity (" + (1L << 33) + ")", "refillTokens (1)", "2^62");
      refused(() -> f.make("t", 1, 0, S), "refillTokens (0) must be positive");
      refused(() -> f.make("t", 1, -1, S), "refillTokens (-1) must be positive");
      refused(() -> f.make("t", 1, Long.MIN_VALUE, S), "refillTokens (" + Long.MIN_VALUE + ")");
      refused(() -> f.make("t", 1, 1, null), "refillPeriod must not be null");
      refused(() -> f.make("t", 1, 1, Duration.ZERO), "refillPeriod (PT0S) must be positive");
      refused(() -> f.make("t", 1, 1, Duration.ofSeconds(-1)), "refillPeriod (PT-1S) must be positive");
      refused(() -> f.make("t", 1, 1, Duration.ofNanos(-1)), "refillPeriod (PT-0.000000001S) must be positive");
      refused(() -> f.make("t", 1, 1, TOO_LONG), "refillPeriod (" + TOO_LONG + ") exceeds the maximum", "2^62");
      refused(() -> f.make("t", 1, 1, Duration.ofSeconds(Long.MAX_VALUE)),
          "refillPeriod (" + Duration.ofSeconds(Long.MAX_VALUE) + ") exceeds the maximum");
      // The bounds themselves are accepted.
      assertThat(f.make("t", 1, 1, Duration.ofNanos(MAX)).refillPeriod()).isEqualTo(Duration.ofNanos(MAX));
      assertThat(f.make("t", 1, Long.MAX_VALUE, Duration.ofNanos(1)).capacity()).isEqualTo(1);
    }
  }

  @FunctionalInterface
  private interface TokenBucketFactory {
    TokenBucket make(String name, long capacity, long refillTokens, Duration refillPeriod);
  }

  @Test
  void fixedWindow() {
    List<WindowedFactory<Window>> factories = List.of(FixedWindow::of, FixedWindow::new);
    for (var f : factories) {
      refused(() -> f.make("w", 0, Window.day()), "limit (0) must be positive");
      refused(() -> f.make("w", -1, Window.day()), "limit (-1) must be positive");
      refused(() -> f.make("w", Long.MIN_VALUE, Window.day()), "limit (" + Long.MIN_VALUE + ") must be positive");
      refused(() -> f.make("w", 1, null), "window must not be null");
    }
  }

  @Test
  void slidingLogAndCounter() {
    List<WindowedFactory<Duration>> logs = List.of(SlidingLog::of, SlidingLog::new);
    List<WindowedFactory<Duration>> counters = List.of(SlidingCounter::of, SlidingCounter::new);
    List<WindowedFactory<Duration>> all = new ArrayList<>(logs);
    all.addAll(counters);
    for (var f : all) {
      refused(() -> f.make("s", 0, S), "limit (0) must be positive");
      refused(() -> f.make("s", -1, S), "limit (-1) must be positive");
      refused(() -> f.make("s", Long.MIN_VALUE, S), "limit (" + Long.MIN_VALUE + ") must be positive");
      refused(() -> f.make("s", 1, null), "window must not be null");
      refused(() -> f.make("s", 1, Duration.ZERO), "window (PT0S) must be positive");
      refused(() -> f.make("s", 1, Duration.ofMillis(-1)), "window (PT-0.001S) must be positive");
      refused(() -> f.make("s", 1, TOO_LONG), "window (" + TOO_LONG + ") exceeds the maximum", "2^62");
      assertThat(f.make("s", 1, Duration.ofNanos(MAX)).limit()).isEqualTo(1);
    }
    for (var f : logs) {
      refused(() -> f.make("l", SlidingLog.MAX_LIMIT + 1, S), "limit (10001)", "10000", "SlidingCounter");
      refused(() -> f.make("l", Long.MAX_VALUE, S), "limit (" + Long.MAX_VALUE + ")", "10000", "SlidingCounter");
      assertThat(f.make("l", SlidingLog.MAX_LIMIT, S).limit()).isEqualTo(SlidingLog.MAX_LIMIT);
    }
  }

  @FunctionalInterface
  private interface WindowedFactory<W> {
    Policy make(String name, long limit, W window);
  }

  // ---------------------------------------------------------------- windows and time

  @Test
  void windowFactories() {
    refused(() -> Window.of(null), "length must not be null");
    refused(() -> Window.of(Duration.ZERO), "length (PT0S) must be positive");
    refused(() -> Window.of(Duration.ofNanos(-1)), "length (PT-0.000000001S) must be positive");
    refused(() -> Window.of(Duration.ofDays(365 * 200)), "length (PT1752000H) exceeds the maximum", "2^62");
    refused(() -> Window.of(TOO_LONG), "length (" + TOO_LONG + ") exceeds the maximum");
    refused(() -> Window.of(Duration.ofSeconds(Long.MAX_VALUE)), "length (" + Duration.ofSeconds(Long.MAX_VALUE) + ")");
    refused(() -> new Window.Epoch(null), "length must not be null");
    refused(() -> new Window.Epoch(Duration.ofHours(-1)), "length (PT-1H) must be positive");
    refused(() -> Window.day(null), "zone must not be null");
    refused(() -> Window.week(null), "zone must not be null");
    refused(() -> Window.month(null), "zone must not be null");
    refused(() -> Window.year(null), "zone must not be null");
    refused(() -> new Window.Calendar(null, ZoneOffset.UTC), "unit must not be null");
    refused(() -> new Window.Calendar(Window.CalendarUnit.DAY, null), "zone must not be null");
    assertThat(Window.of(Duration.ofNanos(MAX)).startNanos(MAX)).isEqualTo(MAX);
  }

  @Test
  void windowBoundariesRefuseTimesOutOfRange() {
    ZoneId prague = ZoneId.of("Europe/Prague");
    List<Window> windows = List.of(
        Window.of(Duration.ofSeconds(10)), Window.day(), Window.day(prague), Window.week(prague),
        Window.month(prague), Window.year(prague));
    for (Window w : windows) {
      for (long bad : new long[] {-1, Long.MIN_VALUE, MAX + 1, Long.MAX_VALUE}) {
        refused(() -> w.startNanos(bad), "nowNanos (" + bad + ") must be within [0, 2^62]");
        refused(() -> w.endNanos(bad), "nowNanos (" + bad + ") must be within [0, 2^62]");
      }
      assertThat(w.startNanos(0)).isLessThanOrEqualTo(0);
      assertThat(w.endNanos(MAX)).isGreaterThan(MAX);
    }
  }

  @Test
  void checksTime() {
    refused(() -> Checks.time("t", -1), "t (-1) must be within [0, 2^62]");
    refused(() -> Checks.time("t", MAX + 1), "t (" + (MAX + 1) + ") must be within [0, 2^62]");
    refused(() -> Checks.time("t", Long.MIN_VALUE), "t (" + Long.MIN_VALUE + ")");
    assertThat(Checks.time("t", 0)).isZero();
    assertThat(Checks.time("t", MAX)).isEqualTo(MAX);
  }

  @Test
  void manualClock() {
    refused(() -> new ManualClock(-1), "nanos (-1) must be within [0, 2^62]");
    refused(() -> new ManualClock(Long.MIN_VALUE), "nanos (" + Long.MIN_VALUE + ") must be within [0, 2^62]");
    refused(() -> new ManualClock(MAX + 1), "nanos (" + (MAX + 1) + ") must be within [0, 2^62]");
    refused(() -> new ManualClock((Instant) null), "instant must not be null");
    refused(() -> new ManualClock(Instant.ofEpochSecond(-1)), "instant (1969-12-31T23:59:59Z) must be within");
    Instant late = Instant.ofEpochSecond(0, MAX + 1);
    refused(() -> new ManualClock(late), "instant (" + late + ") must be within");
    assertThat(new ManualClock(MAX).nanos()).isEqualTo(MAX);

    ManualClock clock = new ManualClock(1_000L);
    var timer = clock.after(5);
    List<ThrowingCallable> calls = new ArrayList<>();
    refusedAndCollected(calls, () -> clock.advance(null), "d must not be null");
    refusedAndCollected(calls, () -> clock.advance(Duration.ofSeconds(-1)), "d (PT-1S) must not be negative");
    refusedAndCollected(calls, () -> clock.advance(Duration.ofNanos(MAX)), "nanos (" + MAX + ")", "past 2^62");
    refusedAndCollected(calls, () -> clock.advanceNanos(-1), "nanos (-1) must not be negative");
    refusedAndCollected(calls, () -> clock.advanceNanos(Long.MIN_VALUE), "nanos (" + Long.MIN_VALUE + ")");
    refusedAndCollected(calls, () -> clock.advanceNanos(MAX), "nanos (" + MAX + ") would move the clock past 2^62");
    refusedAndCollected(calls, () -> clock.advanceNanos(Long.MAX_VALUE), "nanos (" + Long.MAX_VALUE + ")");
    refusedAndCollected(calls, () -> clock.set(-1), "nanos (-1) must be within [0, 2^62]");
    refusedAndCollected(calls, () -> clock.set(MAX + 1), "nanos (" + (MAX + 1) + ") must be within [0, 2^62]");
    refusedAndCollected(calls, () -> clock.set((Instant) null), "instant must not be null");
    refusedAndCollected(calls, () -> clock.set(Instant.ofEpochSecond(-1)), "instant (1969-12-31T23:59:59Z)");
    refusedAndCollected(calls, () -> clock.set(late), "instant (" + late + ")");
    assertThat(calls).hasSize(12);
    // Nothing moved: neither the time, nor the timers, nor the recorded sleeps.
    assertThat(clock.nanos()).isEqualTo(1_000L);
    assertThat(clock.wallNanos()).isEqualTo(1_000L);
    assertThat(clock.pendingTimers()).isEqualTo(1);
    assertThat(timer).isNotDone();
    assertThat(clock.sleeps()).isEmpty();
    // The bounds are accepted.
    clock.set(MAX);
    assertThat(clock.nanos()).isEqualTo(MAX);
    assertThat(timer).isDone();
    clock.set(0);
    assertThat(clock.nanos()).isZero();
  }

  private static void refusedAndCollected(
      List<ThrowingCallable> calls, ThrowingCallable call, String... fragments) {
    refused(call, fragments);
    calls.add(call);
  }

  @Test
  void manualClockRefusedSleepIsNotRecorded() {
    ManualClock clock = new ManualClock(1_000L);
    refused(() -> clock.sleep(Long.MAX_VALUE), "nanos (" + Long.MAX_VALUE + ")", "2^62");
    refused(() -> clock.sleep(MAX), "nanos (" + MAX + ")", "2^62");
    assertThat(clock.sleeps()).isEmpty();
    assertThat(clock.nanos()).isEqualTo(1_000L);
  }

  @Test
  void manualClockAdvanceByAnEnormousDuration() {
    ManualClock clock = new ManualClock(1_000L);
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
    refused(() -> clock.advance(huge), "d (" + huge + ")");
    assertThat(clock.nanos()).isEqualTo(1_000L);
  }

  @Test
  void cachedClock() {
    refused(() -> Clock.cached(null), "resolution must not be null");
    refused(() -> Clock.cached(Duration.ZERO), "resolution (PT0S) must be between", "PT0.0001S", "PT1S");
    refused(() -> Clock.cached(Duration.ofMillis(-1)), "resolution (PT-0.001S) must be between");
    refused(() -> Clock.cached(Duration.ofNanos(99_999)), "resolution (PT0.000099999S) must be between PT0.0001S and PT1S");
    refused(() -> Clock.cached(Duration.ofMillis(1_001)), "resolution (PT1.001S) must be between PT0.0001S and PT1S");
    refused(() -> Clock.cached(Duration.ofSeconds(Long.MAX_VALUE)), "resolution (" + Duration.ofSeconds(Long.MAX_VALUE) + ")");
  }

  // ---------------------------------------------------------------- decisions

  @Test
  void decisionFactories() {
    Policy p = TokenBucket.of("t", 5, 1, S);
    refused(() -> Decision.allowed(null, 0, 0), "policy must not be null");
    refused(() -> Decision.allowed(p, -1, 0), "remaining (-1) must not be negative");
    refused(() -> Decision.allowed(p, 0, -1), "resetAfterNanos (-1) must not be negative");
    refused(() -> Decision.limited(null, 0, 1, 1), "policy must not be null");
    refused(() -> Decision.limited(p, Long.MIN_VALUE, 1, 1), "remaining (" + Long.MIN_VALUE + ") must not be negative");
    refused(() -> Decision.limited(p, 0, -1, 1), "retryAfterNanos (-1) must not be negative");
    refused(() -> Decision.limited(p, 0, 1, -2), "resetAfterNanos (-2) must not be negative");
    refused(() -> Decision.costExceedsLimit(null, 0, 0), "policy must not be null");
    refused(() -> Decision.costExceedsLimit(p, -3, 0), "remaining (-3) must not be negative");
    refused(() -> Decision.costExceedsLimit(p, 0, -4), "resetAfterNanos (-4) must not be negative");
    refused(() -> Decision.storeFull(null, 0), "policy must not be null");
    refused(() -> Decision.storeFull(p, -1), "retryAfterNanos (-1) must not be negative");
    refused(() -> Decision.reserved(null, 0, 1, 1), "policy must not be null");
    refused(() -> Decision.reserved(p, -1, 1, 1), "remaining (-1) must not be negative");
    // The wait is the decision's retryAfter, and the message names it so.
    refused(() -> Decision.reserved(p, 0, -5, 1), "retryAfterNanos (-5) must not be negative");
    refused(() -> Decision.reserved(p, 0, 1, -6), "resetAfterNanos (-6) must not be negative");
  }

  @Test
  void decisionRefusesRemainingAboveTheLimit() {
    Policy p = TokenBucket.of("t", 5, 1, S);
    refused(() -> Decision.allowed(p, 6, 0), "remaining (6)", "limit (5)");
    refused(() -> Decision.limited(p, 99, 1, 1), "remaining (99)", "limit (5)");
    refused(() -> Decision.costExceedsLimit(p, 6, 0), "remaining (6)", "limit (5)");
    refused(() -> Decision.reserved(p, 6, 1, 1), "remaining (6)", "limit (5)");
  }

  // ---------------------------------------------------------------- engine and limiters

  @Test
  void sluiceBuilder() {
    refused(() -> Sluice.builder().clock(null), "clock must not be null");
    refused(() -> Sluice.builder().store(null), "store must not be null");
    refused(() -> Sluice.builder().listener(null), "listener must not be null");
    // A refused setter keeps what was set before.
    ManualClock clock = new ManualClock(1_000L);
    AtomicInteger heard = new AtomicInteger();
    Sluice.Builder b = Sluice.builder().clock(clock).listener((op, k, c, d) -> heard.incrementAndGet());
    refused(() -> b.clock(null), "clock must not be null");
    refused(() -> b.listener(null), "listener must not be null");
    Sluice sluice = b.build();
    assertThat(sluice.clock()).isSameAs(clock);
    sluice.limiter(TokenBucket.of("t", 1, 1, S)).tryAcquire("k", 1);
    assertThat(heard).hasValue(1);
    refused(() -> sluice.limiter(null), "policy must not be null");
  }

  private static List<Policy> fivePolicies() {
    return List.of(
        TokenBucket.of("packed-bucket", 5, 1, S), // whole nanoseconds per token: one-long state
        TokenBucket.of("rational-bucket", 5, 3, S), // fractional nanoseconds per token
        FixedWindow.of("window", 5, Window.of(Duration.ofSeconds(10))),
        SlidingLog.of("log", 5, Duration.ofSeconds(10)),
        SlidingCounter.of("counter", 5, Duration.ofSeconds(10)));
  }

  @FunctionalInterface
  private interface KeyedCall {
    void call(String key) throws Exception;
  }

  @Test
  void chargeRecord() {
    Policy p = TokenBucket.of("t", 5, 1, S);
    refused(() -> new Charge(null, "k", 1), "policy must not be null");
    refused(() -> new Charge(p, null, 1), "key must not be null");
    refused(() -> new Charge(p, "", 1), "key ''", "(was 0)");
    refused(() -> new Charge(p, "y".repeat(600), 1), "key '" + "y".repeat(40) + "...'", "(was 600)");
    refused(() -> new Charge(p, "k", -1), "cost (-1) must not be negative");
    refused(() -> new Charge(p, "k", Long.MIN_VALUE), "cost (" + Long.MIN_VALUE + ") must not be negative");
    assertThat(new Charge(p, "7", 0).cost()).isZero();
  }
}
