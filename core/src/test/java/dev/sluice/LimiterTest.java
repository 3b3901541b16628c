package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The engine around the limiter: listeners on blocking and async acquire, an interrupted acquire,
 * the system clock. What blocking and async acquire decide on each store is in
 * {@code dev.sluice.conformance.OperationsConformance}.
 */
class LimiterTest {

  private static final long S = 1_000_000_000L;
  private final ManualClock clock = new ManualClock(1_700_000_000L * S);

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
        "ACQUIRE k 1 ALLOWED", "ACQUIRE k 1 ALLOWED", "ACQUIRE k 1 LIMITED",
        "ACQUIRE k 1 ALLOWED", "ACQUIRE k 2 COST_EXCEEDS_LIMIT");
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
        "TRY_ACQUIRE k 1 true", "TRY_ACQUIRE k 1 false", "PEEK k 1 false", "RECORD k 2 true",
        "REFUND k 1 true", "RESET k 0 true", "TRY_ACQUIRE_ALL k 1 true");
    assertThat(sluice.listenerFailures()).isEqualTo(7);
  }
}
