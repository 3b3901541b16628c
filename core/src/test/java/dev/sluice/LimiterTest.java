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
