package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.Decision.Reason;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The limiter's operations on every policy a limiter takes: peek changes nothing and decides
 * what tryAcquire would; record may overshoot and denies until exactly retryAfter; refund and
 * reset; a cost above the limit is never admitted; a cost of 0 checks; blocking and async acquire
 * wait exactly as long as needed (on the manual clock a sleep is an advance).
 */
public abstract class OperationsConformance extends StoreConformance {

  /** Every policy a limiter takes, each with a limit of 5. */
  public static Stream<Policy> policies() {
    Duration ten = Duration.ofSeconds(10);
    return Stream.of(
        TokenBucket.of("bucket", 5, 1, Duration.ofSeconds(1)),            // whole ns per token
        TokenBucket.of("bucket-thirds", 5, 3, Duration.ofSeconds(1)),     // 1/3 s per token
        FixedWindow.of("window", 5, Window.of(ten)),
        FixedWindow.of("prague-day", 5, Window.day(ZoneId.of("Europe/Prague"))),
        SlidingLog.of("log", 5, ten),
        SlidingLog.bucketed("buckets", 5, ten, Duration.ofSeconds(1)),
        SlidingCounter.of("counter", 5, ten),
        Budget.of("budget", 5, Window.of(ten)));
  }

  @ParameterizedTest
  @MethodSource("policies")
  public void peekDecidesWhatTryAcquireWouldAndChangesNothing(Policy p) {
    Limiter l = sluice.limiter(p);
    long[] costs = {0, 1, 3, 4, 6, Long.MAX_VALUE};
    for (long cost : costs) {
      l.tryAcquire("k" + cost, 2);
    }
    l.tryAcquire("twin", 2); // the same state, never peeked
    clock.advance(Duration.ofMillis(500));
    for (long cost : costs) {
      String key = "k" + cost;
      String as = storeName() + " " + p + " cost " + cost;
      Decision peek = l.peek(key, cost);
      for (int i = 0; i < 3; i++) {
        assertThat(l.peek(key, cost)).as(as).isEqualTo(peek);
      }
      assertThat(l.peek(key, 0)).as(as).isEqualTo(l.peek("twin", 0));
      assertThat(l.peek(key, 3)).as(as).isEqualTo(l.peek("twin", 3));
      assertThat(l.tryAcquire(key, cost)).as(as + ": tryAcquire after the peeks").isEqualTo(peek);
    }
    // A peek of a fresh key leaves it fresh.
    Decision fresh = l.peek("fresh", 5);
    assertThat(fresh.allowed()).isTrue();
    assertThat(l.tryAcquire("fresh", 5)).isEqualTo(fresh);
  }

  @ParameterizedTest
  @MethodSource("policies")
  public void costZeroChecksWithoutConsuming(Policy p) {
    Limiter l = sluice.limiter(p);
    Decision d = l.tryAcquire("k", 0);
    assertThat(d.reason()).as(p.toString()).isEqualTo(Reason.ALLOWED);
    assertThat(d.remaining()).as(p.toString()).isEqualTo(5);
    // Nothing to replenish; a budget states its period's end instead (Budgets.usage shows it).
    assertThat(d.resetAfterNanos()).as(p.toString()).isEqualTo(p instanceof Budget ? 10 * S : 0);
    assertThat(l.peek("k", 0)).as(p.toString()).isEqualTo(d);
    assertThat(l.tryAcquire("k", 5).allowed()).as(p.toString()).isTrue();
    // Used up but not in debt: a check passes, with nothing left.
    Decision spent = l.tryAcquire("k", 0);
    assertThat(spent.reason()).as(p.toString()).isEqualTo(Reason.ALLOWED);
    assertThat(spent.remaining()).as(p.toString()).isZero();
    assertThat(l.tryAcquire("k", 1).reason()).as(p.toString()).isEqualTo(Reason.LIMITED);
  }

  @ParameterizedTest
  @MethodSource("policies")
  public void costAboveTheLimitIsNeverAdmittedAndConsumesNothing(Policy p) throws Exception {
    Limiter l = sluice.limiter(p);
    assertThat(l.tryAcquire("k", 2).allowed()).isTrue();
    Decision before = l.peek("k", 0);
    for (long cost : new long[] {6, 7, Long.MAX_VALUE}) {
      String as = storeName() + " " + p + " cost " + cost;
      for (Decision d : List.of(l.tryAcquire("k", cost), l.peek("k", cost),
          l.acquire("k", cost, Duration.ofDays(1)), l.acquireAsync("k", cost, Duration.ofDays(1)).join())) {
        assertThat(d.reason()).as(as + ": " + d).isEqualTo(Reason.COST_EXCEEDS_LIMIT);
        assertThat(d.allowed()).as(as).isFalse();
        assertThat(d.retryAfterNanos()).as(as).isEqualTo(NEVER);
        assertThat(d.remaining()).as(as).isEqualTo(3);
      }
      assertThat(l.tryAcquire("fresh" + cost, cost).remaining()).as(as).isEqualTo(5);
    }
    assertThat(clock.sleeps()).isEmpty();
    assertThat(clock.pendingTimers()).isZero();
    assertThat(l.peek("k", 0)).isEqualTo(before);
    assertThat(l.tryAcquire("k", 3).allowed()).isTrue();
    assertThat(l.tryAcquire("fresh6", 5).allowed()).isTrue();
  }

  /**
   * A record past the limit is allowed (the work is done) and denies, even a check, until
   * exactly retryAfter: one tick before it the wait is one tick, at it the cost is admitted.
   */
  @ParameterizedTest
  @MethodSource("policies")
  public void recordPastTheLimitDeniesUntilExactlyRetryAfter(Policy p) {
    Limiter l = sluice.limiter(p);
    assertThat(l.tryAcquire("k", 3).allowed()).isTrue();
    Decision rec = l.record("k", 4);
    assertThat(rec.reason()).as(p.toString()).isEqualTo(Reason.ALLOWED);
    assertThat(rec.remaining()).as(p.toString()).isZero();
    assertThat(rec.used()).as(p.toString()).isGreaterThanOrEqualTo(5);
    Decision check = l.peek("k", 0);
    assertThat(check.reason()).as(p + ": in debt, even a check is denied; " + check).isEqualTo(Reason.LIMITED);
    Decision denied = l.tryAcquire("k", 1);
    assertThat(denied.reason()).as(p + ": " + denied).isEqualTo(Reason.LIMITED);
    long wait = denied.retryAfterNanos();
    assertThat(wait).as(p.toString()).isGreaterThanOrEqualTo(check.retryAfterNanos()).isGreaterThanOrEqualTo(r);
    assertThat(wait % r).as(p + ": retryAfter on the store's ticks").isZero();
    assertThat(l.peek("k", 1)).as(p.toString()).isEqualTo(denied);
    clock.advanceNanos(wait - r);
    Decision almost = l.tryAcquire("k", 1);
    assertThat(almost.reason()).as(p + ": one tick before; " + almost).isEqualTo(Reason.LIMITED);
    assertThat(almost.retryAfterNanos()).as(p + ": one tick before; " + almost).isEqualTo(r);
    clock.advanceNanos(r);
    assertThat(l.tryAcquire("k", 1).allowed()).as(p + ": at retryAfter").isTrue();
  }

  @ParameterizedTest
  @MethodSource("policies")
  public void refundGivesBackNeverBeyondTheLimitAndResetForgets(Policy p) {
    Limiter l = sluice.limiter(p);
    assertThat(l.tryAcquire("k", 5).allowed()).isTrue();
    Decision refunded = l.refund("k", 2);
    assertThat(refunded.reason()).as(p.toString()).isEqualTo(Reason.ALLOWED);
    assertThat(refunded.remaining()).as(p.toString()).isEqualTo(2);
    assertThat(l.tryAcquire("k", 3).reason()).as(p.toString()).isEqualTo(Reason.LIMITED);
    assertThat(l.tryAcquire("k", 2).allowed()).as(p.toString()).isTrue();
    assertThat(l.refund("k", Long.MAX_VALUE).remaining()).as(p.toString()).isEqualTo(5);
    assertThat(l.tryAcquire("k", 6).reason()).as(p.toString()).isEqualTo(Reason.COST_EXCEEDS_LIMIT);
    assertThat(l.tryAcquire("k", 5).allowed()).as(p.toString()).isTrue();
    assertThat(l.refund("never-used", 3).remaining()).as(p.toString()).isEqualTo(5);
    // Reset: the key decides exactly like one never used.
    l.record("k", 9);
    l.reset("k");
    assertThat(l.peek("k", 0)).as(p.toString()).isEqualTo(l.peek("never-used-2", 0));
    assertThat(l.peek("k", 5)).as(p.toString()).isEqualTo(l.peek("never-used-2", 5));
    assertThat(l.tryAcquire("k", 5).allowed()).as(p.toString()).isTrue();
    l.reset("never-used-3");
    assertThat(l.peek("never-used-3", 0).remaining()).isEqualTo(5);
  }

  /**
   * acquire sleeps exactly until the cost is admitted, when that is within maxWait; with a wait
   * one tick short it returns the denial at once, consuming nothing. acquireAsync completes at the
   * same instant, holding no thread.
   */
  @ParameterizedTest
  @MethodSource("policies")
  public void acquireWaitsExactlyAsLongAsNeeded(Policy p) throws Exception {
    Limiter l = sluice.limiter(p);
    assertThat(l.tryAcquire("k", 5).allowed()).isTrue();
    Decision due = l.peek("k", 1);
    long wait = due.retryAfterNanos();
    assertThat(wait).as(p.toString()).isPositive();
    long start = clock.nanos();
    Decision impatient = l.acquire("k", 1, Duration.ofNanos(wait - r));
    assertThat(impatient).as(p.toString()).isEqualTo(due);
    assertThat(clock.sleeps()).as(p.toString()).isEmpty();
    assertThat(l.acquireAsync("k", 1, Duration.ofNanos(wait - r)).join()).isEqualTo(due);
    assertThat(clock.pendingTimers()).isZero();
    assertThat(l.peek("k", 1)).as(p + ": nothing consumed").isEqualTo(due);

    Decision d = l.acquire("k", 1, Duration.ofNanos(wait));
    assertThat(d.reason()).as(p.toString()).isEqualTo(Reason.ALLOWED);
    assertThat(d.retryAfterNanos()).as(p.toString()).isZero();
    assertThat(clock.sleeps()).as(p + ": one sleep, exactly the wait").containsExactly(wait);
    assertThat(clock.nanos() - start).isEqualTo(wait);

    // Async: used up again, then a future that completes exactly when the cost is admitted.
    l.tryAcquire("k", l.peek("k", 0).remaining());
    long wait2 = l.peek("k", 1).retryAfterNanos();
    assertThat(wait2).as(p.toString()).isPositive();
    CompletableFuture<Decision> f = l.acquireAsync("k", 1, Duration.ofNanos(wait2));
    eventually(p + ": the async acquire's timer", () -> clock.pendingTimers() == 1);
    assertThat(f).as(p.toString()).isNotDone();
    clock.advanceNanos(wait2 - r);
    assertThat(f).as(p + ": one tick early").isNotDone();
    clock.advanceNanos(r);
    assertThat(f.join()).as(p.toString()).matches(x -> x.allowed() && x.retryAfterNanos() == 0);
    assertThat(clock.pendingTimers()).isZero();
  }

  // ---------------------------------------------------------------- per policy type

  @Test
  public void blockingAcquireSleepsExactlyTheDeficit() throws InterruptedException {
    Limiter l = sluice.limiter(TokenBucket.of("b", 2, 1, Duration.ofSeconds(1)));
    assertThat(l.tryAcquire("k", 2).allowed()).isTrue();
    long before = clock.nanos();
    Decision d = l.acquire("k", 1, Duration.ofSeconds(5));
    assertThat(d.allowed()).isTrue();
    assertThat(d.retryAfterNanos()).isZero();
    assertThat(clock.sleeps()).containsExactly(S);
    assertThat(clock.nanos() - before).isEqualTo(S);
  }

  @Test
  public void blockingAcquireReservesFirstComeFirstServed() throws InterruptedException {
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofSeconds(1)));
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    // An async acquire reserves the token due at +1 s; a later caller waits for the one at +2 s.
    CompletableFuture<Decision> first = l.acquireAsync("k", 1, Duration.ofSeconds(10));
    eventually("the async acquire's reservation", () -> clock.pendingTimers() == 1);
    assertThat(first).isNotDone();
    assertThat(l.tryAcquire("k", 1).retryAfter()).isEqualTo(Duration.ofSeconds(2));
    clock.advance(Duration.ofMillis(999));
    assertThat(first).isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertThat(first).isCompleted();
    assertThat(first.join().allowed()).isTrue();
    assertThat(clock.pendingTimers()).isZero();
  }

  /**
   * Cancelling an async acquire's future before it completes gives the reservation back, as the
   * blocking acquire does when interrupted: the token reserved for +1 s is the next caller's.
   */
  @Test
  public void cancellingAnAsyncAcquireGivesItsReservationBack() {
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofSeconds(1)));
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    CompletableFuture<Decision> f = l.acquireAsync("k", 1, Duration.ofSeconds(10));
    eventually("the async acquire's reservation", () -> clock.pendingTimers() == 1);
    assertThat(l.peek("k", 1).retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(f.cancel(false)).isTrue();
    eventually("the refund after the cancel",
        () -> l.peek("k", 1).retryAfter().equals(Duration.ofSeconds(1)));
    assertThat(clock.pendingTimers()).isZero();
    clock.advance(Duration.ofSeconds(1));
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
  }

  /** Cancelled while waiting to ask again (nothing reserved): nothing is given back or taken. */
  @Test
  public void cancellingAnAsyncAcquireThatWaitsForAWindowTakesNothing() {
    ManualClock clock = new ManualClock(T0 - T0 % (60 * S));
    Sluice sluice = engine(clock);
    Limiter l = sluice.limiter(FixedWindow.of("w", 2, Window.of(Duration.ofMinutes(1))));
    assertThat(l.tryAcquire("k", 2).allowed()).isTrue();
    CompletableFuture<Decision> f = l.acquireAsync("k", 1, Duration.ofMinutes(2));
    eventually("the async acquire's wait for the window", () -> clock.pendingTimers() == 1);
    assertThat(f.cancel(false)).isTrue();
    assertThat(clock.pendingTimers()).isZero();
    clock.advance(Duration.ofMinutes(1));
    assertThat(l.peek("k", 0).used()).isZero();
    assertThat(l.tryAcquire("k", 2).allowed()).isTrue();
  }

  @Test
  public void acquireThatCannotBeServedInTimeReturnsAtOnceWithoutConsuming() throws InterruptedException {
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofSeconds(10)));
    l.tryAcquire("k", 1);
    Decision d = l.acquire("k", 1, Duration.ofSeconds(9));
    assertThat(d.allowed()).isFalse();
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(clock.sleeps()).isEmpty();
    // Nothing was consumed: the token is still due at +10 s.
    assertThat(l.peek("k", 1).retryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(l.acquireAsync("k", 1, Duration.ofSeconds(9)).join().allowed()).isFalse();
    assertThat(l.acquire("k", 2, Duration.ofDays(1)).reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_LIMIT);
  }

  @Test
  public void blockingAcquireOnAWindowSleepsUntilTheWindowEnds() throws InterruptedException {
    ManualClock clock = new ManualClock(T0 - T0 % (60 * S)); // a minute boundary
    Sluice sluice = engine(clock);
    Limiter l = sluice.limiter(FixedWindow.of("w", 2, Window.of(Duration.ofMinutes(1))));
    clock.advance(Duration.ofSeconds(20));
    l.tryAcquire("k", 2);
    Decision d = l.acquire("k", 1, Duration.ofMinutes(1));
    assertThat(d.allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(40 * S);
    CompletableFuture<Decision> f = l.acquireAsync("k", 2, Duration.ofMinutes(2));
    eventually("the async acquire's wait for the window", () -> clock.pendingTimers() == 1);
    assertThat(f).isNotDone();
    clock.advance(Duration.ofSeconds(60));
    assertThat(f.join().allowed()).isTrue();
  }

  @Test
  public void blockingAcquireOnASlidingLogSleepsUntilTheOldestEntriesExpire() throws InterruptedException {
    Limiter l = sluice.limiter(SlidingLog.of("log", 3, Duration.ofSeconds(10)));
    long t0 = clock.nanos();
    l.tryAcquire("k", 1);                 // expires at t0 + 10 s
    clock.advance(Duration.ofSeconds(3));
    l.tryAcquire("k", 2);                 // expires at t0 + 13 s
    clock.advance(Duration.ofSeconds(2));
    // Full at t0 + 5 s. One more fits once the entry of t0 expires: a wait of exactly 5 s.
    Decision d = l.acquire("k", 1, Duration.ofSeconds(5));
    assertThat(d.reason()).isEqualTo(Decision.Reason.ALLOWED);
    assertThat(d.retryAfterNanos()).isZero();
    assertThat(d.remaining()).isZero();
    assertThat(d.resetAfterNanos()).isEqualTo(10 * S); // logged at t0 + 10 s
    assertThat(clock.sleeps()).containsExactly(5 * S);
    assertThat(clock.nanos()).isEqualTo(t0 + 10 * S);
    // Two need the entry of t0 + 3 s gone too: 3 s more, beyond a 2 s wait. Denied at once,
    // with the exact retry instant, and nothing logged.
    Decision denied = l.acquire("k", 2, Duration.ofSeconds(2));
    assertThat(denied.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(denied.retryAfterNanos()).isEqualTo(3 * S);
    assertThat(clock.sleeps()).containsExactly(5 * S);
    assertThat(clock.nanos()).isEqualTo(t0 + 10 * S);
    assertThat(l.peek("k", 2).retryAfterNanos()).isEqualTo(3 * S);
    assertThat(l.peek("k", 0).resetAfterNanos()).isEqualTo(10 * S);
    // A wait of exactly the retry instant is accepted.
    assertThat(l.acquire("k", 2, Duration.ofSeconds(3)).allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(5 * S, 3 * S);
    assertThat(l.peek("k", 0).remaining()).isZero();
  }

  @Test
  public void blockingAcquireOnASlidingCounterSleepsUntilTheWeightedEstimateAdmits()
      throws InterruptedException {
    // The clock starts at T0, a multiple of 10 s: a window starts here.
    long s0 = clock.nanos();
    Limiter l = sluice.limiter(SlidingCounter.of("counter", 10, Duration.ofSeconds(10)));
    assertThat(l.tryAcquire("k", 10).allowed()).isTrue();
    clock.advance(Duration.ofSeconds(5));
    // The next window weighs these 10 by (W - x) / W: one more fits once 10 * (10 s - x) <= 9 *
    // 10 s, at x = 1 s into the next window, s0 + 11 s: 6 s from now.
    Decision d = l.acquire("k", 1, Duration.ofSeconds(6));
    assertThat(d.reason()).isEqualTo(Decision.Reason.ALLOWED);
    assertThat(d.retryAfterNanos()).isZero();
    assertThat(d.remaining()).isZero();                 // 10 - 1 - ceil(10 * 9 / 10)
    assertThat(d.resetAfterNanos()).isEqualTo(19 * S); // the end of the window after this one
    assertThat(clock.sleeps()).containsExactly(6 * S);
    assertThat(clock.nanos()).isEqualTo(s0 + 11 * S);
    // Another fits once 10 * (10 s - x) <= 8 * 10 s, at x = 2 s: 1 s away, beyond 999 ms.
    Decision denied = l.acquire("k", 1, Duration.ofMillis(999));
    assertThat(denied.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(denied.retryAfterNanos()).isEqualTo(S);
    assertThat(clock.sleeps()).containsExactly(6 * S);
    // Nothing was counted: at x = 2 s exactly one fits, and then no more.
    assertThat(l.peek("k", 1).retryAfterNanos()).isEqualTo(S);
    clock.advance(Duration.ofSeconds(1));
    assertThat(l.peek("k", 0).remaining()).isEqualTo(1);
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
  }

  @Test
  public void asyncAcquireOnATokenBucketThatCannotBeServedInTimeCompletesDeniedWithoutConsuming() {
    Limiter l = sluice.limiter(TokenBucket.of("b", 2, 1, Duration.ofSeconds(10)));
    assertThat(l.tryAcquire("k", 2).allowed()).isTrue();
    // The first caller reserves the token due at +10 s; the next one would be due at +20 s.
    CompletableFuture<Decision> first = l.acquireAsync("k", 1, Duration.ofSeconds(15));
    eventually("the first caller's reservation", () -> clock.pendingTimers() == 1);
    assertThat(first).isNotDone();
    CompletableFuture<Decision> late = l.acquireAsync("k", 1, Duration.ofSeconds(15));
    Decision d = late.join();
    assertThat(d.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(clock.pendingTimers()).isEqualTo(1);
    // Two tokens at once would take 30 s: denied too.
    assertThat(l.acquireAsync("k", 2, Duration.ofSeconds(29)).join())
        .matches(x -> x.reason() == Decision.Reason.LIMITED && x.retryAfterNanos() == 30 * S);
    clock.advance(Duration.ofSeconds(10));
    assertThat(first).isCompletedWithValueMatching(Decision::allowed);
    assertThat(clock.pendingTimers()).isZero();
    // Only the reservation was charged: the next token is due at +20 s, and the bucket is full
    // again at +30 s.
    assertThat(l.peek("k", 1).retryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(l.peek("k", 0).resetAfter()).isEqualTo(Duration.ofSeconds(20));
    clock.advance(Duration.ofSeconds(20));
    assertThat(l.peek("k", 0).remaining()).isEqualTo(2);
  }

  @Test
  public void asyncAcquireOnAFixedWindowThatCannotBeServedInTimeCompletesDeniedWithoutConsuming() {
    ManualClock clock = new ManualClock(T0 - T0 % (60 * S)); // a minute boundary
    Sluice sluice = engine(clock);
    Limiter l = sluice.limiter(FixedWindow.of("w", 3, Window.of(Duration.ofMinutes(1))));
    clock.advance(Duration.ofSeconds(20));
    assertThat(l.tryAcquire("k", 3).allowed()).isTrue();
    // The window ends in 40 s: a 39 s wait is not enough; the denial comes at once.
    CompletableFuture<Decision> impatient = l.acquireAsync("k", 1, Duration.ofSeconds(39));
    assertThat(impatient.join()).matches(d -> d.reason() == Decision.Reason.LIMITED
        && d.retryAfterNanos() == 40 * S);
    assertThat(clock.pendingTimers()).isZero();
    // Two callers wait for the window's end; the first takes 2 of 3, and the second, who needs
    // 2, would have to wait for the window after: beyond its deadline, so it is denied then.
    CompletableFuture<Decision> a = l.acquireAsync("k", 2, Duration.ofSeconds(50));
    eventually("the first caller's wait", () -> clock.pendingTimers() == 1);
    CompletableFuture<Decision> b = l.acquireAsync("k", 2, Duration.ofSeconds(50));
    eventually("the second caller's wait", () -> clock.pendingTimers() == 2);
    assertThat(a).isNotDone();
    assertThat(b).isNotDone();
    // the timers fire in order, and the store decides asynchronous calls in the order they came
    clock.advance(Duration.ofSeconds(40));
    assertThat(a.join()).matches(d -> d.allowed() && d.remaining() == 1);
    Decision denied = b.join();
    assertThat(denied.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(denied.remaining()).isEqualTo(1);
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(60));
    assertThat(clock.pendingTimers()).isZero();
    // Neither denied caller took anything: one is left in this window.
    assertThat(l.peek("k", 0).remaining()).isEqualTo(1);
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
  }
}
