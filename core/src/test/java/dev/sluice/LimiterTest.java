package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The limiter's operations beyond tryAcquire: blocking and async acquire, listeners. */
class LimiterTest {

  private static final long S = 1_000_000_000L;
  private final ManualClock clock = new ManualClock(1_700_000_000L * S);

  @Test
  void blockingAcquireSleepsExactlyTheDeficit() throws InterruptedException {
    Sluice sluice = Sluice.builder().clock(clock).build();
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
  void blockingAcquireReservesFirstComeFirstServed() throws InterruptedException {
    Sluice sluice = Sluice.builder().clock(clock).build();
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofSeconds(1)));
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    // An async acquire reserves the token due at +1 s; a later caller waits for the one at +2 s.
    CompletableFuture<Decision> first = l.acquireAsync("k", 1, Duration.ofSeconds(10));
    assertThat(first).isNotDone();
    assertThat(l.tryAcquire("k", 1).retryAfter()).isEqualTo(Duration.ofSeconds(2));
    clock.advance(Duration.ofMillis(999));
    assertThat(first).isNotDone();
    clock.advance(Duration.ofMillis(1));
    assertThat(first).isCompleted();
    assertThat(first.join().allowed()).isTrue();
    assertThat(clock.pendingTimers()).isZero();
  }

  @Test
  void acquireThatCannotBeServedInTimeReturnsAtOnceWithoutConsuming() throws InterruptedException {
    Sluice sluice = Sluice.builder().clock(clock).build();
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofSeconds(10)));
    l.tryAcquire("k", 1);
    Decision d = l.acquire("k", 1, Duration.ofSeconds(9));
    assertThat(d.allowed()).isFalse();
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(clock.sleeps()).isEmpty();
    // Nothing was consumed: the token is still due at +10 s.
    assertThat(l.peek("k", 1).retryAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(l.acquireAsync("k", 1, Duration.ofSeconds(9))).isCompletedWithValueMatching(x -> !x.allowed());
    assertThat(l.acquire("k", 2, Duration.ofDays(1)).reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_LIMIT);
  }

  @Test
  void blockingAcquireOnAWindowSleepsUntilTheWindowEnds() throws InterruptedException {
    clock.set(1_700_000_000L * S - 1_700_000_000L * S % (60 * S)); // a minute boundary
    Sluice sluice = Sluice.builder().clock(clock).build();
    Limiter l = sluice.limiter(FixedWindow.of("w", 2, Window.of(Duration.ofMinutes(1))));
    clock.advance(Duration.ofSeconds(20));
    l.tryAcquire("k", 2);
    Decision d = l.acquire("k", 1, Duration.ofMinutes(1));
    assertThat(d.allowed()).isTrue();
    assertThat(clock.sleeps()).containsExactly(40 * S);
    CompletableFuture<Decision> f = l.acquireAsync("k", 2, Duration.ofMinutes(2));
    assertThat(f).isNotDone();
    clock.advance(Duration.ofSeconds(60));
    assertThat(f).isCompletedWithValueMatching(Decision::allowed);
  }

  @Test
  void blockingAcquireOnASlidingLogSleepsUntilTheOldestEntriesExpire() throws InterruptedException {
    Sluice sluice = Sluice.builder().clock(clock).build();
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
  void blockingAcquireOnASlidingCounterSleepsUntilTheWeightedEstimateAdmits()
      throws InterruptedException {
    clock.set(1_700_000_000L * S); // a multiple of 10 s: a window starts here
    long s0 = clock.nanos();
    Sluice sluice = Sluice.builder().clock(clock).build();
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
  void asyncAcquireOnATokenBucketThatCannotBeServedInTimeCompletesDeniedWithoutConsuming() {
    Sluice sluice = Sluice.builder().clock(clock).build();
    Limiter l = sluice.limiter(TokenBucket.of("b", 2, 1, Duration.ofSeconds(10)));
    assertThat(l.tryAcquire("k", 2).allowed()).isTrue();
    // The first caller reserves the token due at +10 s; the next one would be due at +20 s.
    CompletableFuture<Decision> first = l.acquireAsync("k", 1, Duration.ofSeconds(15));
    assertThat(first).isNotDone();
    CompletableFuture<Decision> late = l.acquireAsync("k", 1, Duration.ofSeconds(15));
    assertThat(late).isCompleted();
    Decision d = late.join();
    assertThat(d.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(clock.pendingTimers()).isEqualTo(1);
    // Two tokens at once would take 30 s: denied too.
    assertThat(l.acquireAsync("k", 2, Duration.ofSeconds(29)))
        .isCompletedWithValueMatching(x -> x.reason() == Decision.Reason.LIMITED
            && x.retryAfterNanos() == 30 * S);
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
  void asyncAcquireOnAFixedWindowThatCannotBeServedInTimeCompletesDeniedWithoutConsuming() {
    clock.set(1_700_000_000L * S - 1_700_000_000L * S % (60 * S)); // a minute boundary
    Sluice sluice = Sluice.builder().clock(clock).build();
    Limiter l = sluice.limiter(FixedWindow.of("w", 3, Window.of(Duration.ofMinutes(1))));
    clock.advance(Duration.ofSeconds(20));
    assertThat(l.tryAcquire("k", 3).allowed()).isTrue();
    // The window ends in 40 s: a 39 s wait is not enough; the denial comes at once.
    CompletableFuture<Decision> impatient = l.acquireAsync("k", 1, Duration.ofSeconds(39));
    assertThat(impatient).isCompletedWithValueMatching(d -> d.reason() == Decision.Reason.LIMITED
        && d.retryAfterNanos() == 40 * S);
    assertThat(clock.pendingTimers()).isZero();
    // Two callers wait for the window's end; the first takes 2 of 3, and the second, who needs
    // 2, would have to wait for the window after: beyond its deadline, so it is denied then.
    CompletableFuture<Decision> a = l.acquireAsync("k", 2, Duration.ofSeconds(50));
    CompletableFuture<Decision> b = l.acquireAsync("k", 2, Duration.ofSeconds(50));
    assertThat(a).isNotDone();
    assertThat(b).isNotDone();
    clock.advance(Duration.ofSeconds(40));
    assertThat(a).isCompletedWithValueMatching(d -> d.allowed() && d.remaining() == 1);
    assertThat(b).isCompleted();
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

  @Test
  void aThrowingListenerBreaksNeitherBlockingNorAsyncAcquire() throws Exception {
    List<String> seen = new ArrayList<>();
    Sluice sluice = Sluice.builder().clock(clock)
        .listener((op, key, cost, d) -> { throw new IllegalStateException("boom"); })
        .listener((op, key, cost, d) -> seen.add(op + " " + key + " " + cost + " " + d.reason()))
        .build();
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofSeconds(1)));
    Decision now = l.acquire("k", 1, Duration.ofSeconds(5));
    assertThat(now.allowed()).isTrue();
    assertThat(sluice.listenerFailures()).isEqualTo(1);
    Decision waited = l.acquire("k", 1, Duration.ofSeconds(5));
    assertThat(waited.allowed()).isTrue();
    assertThat(waited.retryAfterNanos()).isZero();
    assertThat(clock.sleeps()).containsExactly(S);
    assertThat(sluice.listenerFailures()).isEqualTo(2);
    Decision tooLong = l.acquire("k", 1, Duration.ofMillis(999));
    assertThat(tooLong.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(sluice.listenerFailures()).isEqualTo(3);

    CompletableFuture<Decision> async = l.acquireAsync("k", 1, Duration.ofSeconds(5));
    assertThat(async).isNotDone();
    assertThat(sluice.listenerFailures()).isEqualTo(3); // told when the decision is delivered
    clock.advance(Duration.ofSeconds(1));
    assertThat(async).isCompletedWithValueMatching(Decision::allowed);
    assertThat(sluice.listenerFailures()).isEqualTo(4);
    assertThat(l.acquireAsync("k", 2, Duration.ofSeconds(5)))
        .isCompletedWithValueMatching(d -> d.reason() == Decision.Reason.COST_EXCEEDS_LIMIT);
    assertThat(sluice.listenerFailures()).isEqualTo(5);
    assertThat(seen).containsExactly(
        "acquire k 1 ALLOWED", "acquire k 1 ALLOWED", "acquire k 1 LIMITED",
        "acquire k 1 ALLOWED", "acquire k 2 COST_EXCEEDS_LIMIT");
  }

  @Test
  void interruptedAcquireRefundsItsReservation() {
    Sluice sluice = Sluice.builder().build(); // system clock: this one really blocks
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofHours(1)));
    l.tryAcquire("k", 1);
    Thread.currentThread().interrupt();
    boolean interrupted = false;
    try {
      l.acquire("k", 1, Duration.ofHours(2));
    } catch (InterruptedException e) {
      interrupted = true;
    }
    assertThat(interrupted).isTrue();
    // The reservation for +1 h was given back: the next token is again due in about an hour.
    assertThat(l.peek("k", 1).retryAfter()).isLessThanOrEqualTo(Duration.ofHours(1));
  }

  @Test
  void asyncAcquireOnTheSystemClockCompletesAfterTheComputedWait() throws Exception {
    Limiter l = Sluice.inMemory().limiter(TokenBucket.of("b", 1, 1, Duration.ofMillis(300)));
    l.tryAcquire("k", 1);
    long start = System.nanoTime();
    Decision due = l.peek("k", 1);
    CompletableFuture<Decision> f = l.acquireAsync("k", 1, Duration.ofSeconds(5));
    Decision d = f.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(d.allowed()).isTrue();
    // Not before the token was due (correctness, not speed: no upper bound is asserted).
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(due.retryAfterNanos() - 1_000_000);
  }

  @Test
  void listenersSeeEveryDecisionAndCannotBreakOne() {
    List<String> seen = new ArrayList<>();
    Sluice sluice = Sluice.builder().clock(clock)
        .listener((op, key, cost, d) -> { throw new IllegalStateException("boom"); })
        .listener((op, key, cost, d) -> seen.add(op + " " + key + " " + cost + " " + d.allowed()))
        .build();
    Limiter l = sluice.limiter(TokenBucket.of("b", 1, 1, Duration.ofSeconds(1)));
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
    l.peek("k", 1);
    l.record("k", 2);
    l.refund("k", 1);
    l.reset("k");
    sluice.tryAcquireAll(l.charge("k", 1));
    assertThat(seen).containsExactly(
        "tryAcquire k 1 true", "tryAcquire k 1 false", "peek k 1 false", "record k 2 true",
        "refund k 1 true", "reset k 0 true", "tryAcquireAll k 1 true");
    assertThat(sluice.listenerFailures()).isEqualTo(7);
  }
}
