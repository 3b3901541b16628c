package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-memory store's key bookkeeping: idle eviction and the key cap. */
class InMemoryStoreTest {

  private static final long S = 1_000_000_000L;
  private final ManualClock clock = new ManualClock(1_700_000_000L * S);

  private InMemoryStore store(long maxKeys) {
    return (InMemoryStore) InMemory.builder().clock(clock).maxKeys(maxKeys)
        .idleSweepInterval(Duration.ofMinutes(1)).fullSweepInterval(Duration.ofSeconds(1)).build();
  }

  @Test
  void idleKeysAreEvictedOnceFullyReplenished() {
    InMemoryStore store = store(100);
    Partition bucket = store.partition(TokenBucket.of("b", 2, 1, Duration.ofSeconds(1)));
    Partition window = store.partition(FixedWindow.of("w", 2, Window.of(Duration.ofSeconds(10))));
    bucket.apply("a", Command.acquire(2));
    window.apply("a", Command.acquire(1));
    assertThat(store.keyCount()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.sweep()).isZero(); // bucket refilled half, window still open
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.sweep()).isEqualTo(1); // bucket full: forgotten
    clock.advance(Duration.ofSeconds(10));
    assertThat(store.sweep()).isEqualTo(1);
    assertThat(store.keyCount()).isZero();
    // A forgotten key decides exactly like before: full.
    assertThat(bucket.apply("a", Command.acquire(2)).allowed()).isTrue();
  }

  /** Logs and counters too: kept while any usage could still count, forgotten once none can. */
  @Test
  void logsAndCountersAreEvictedOnlyWhenNothingCountsAnyMore() {
    InMemoryStore store = store(100);
    Partition log = store.partition(SlidingLog.of("l", 5, Duration.ofSeconds(10)));
    Partition counter = store.partition(dev.sluice.SlidingCounter.of("c", 5, Duration.ofSeconds(10)));
    log.apply("a", Command.acquire(2));
    counter.apply("a", Command.acquire(2));
    clock.advance(Duration.ofSeconds(9));
    assertThat(store.sweep()).isZero(); // the log entry still counts; so does the counter's window
    clock.advance(Duration.ofSeconds(1));
    assertThat(store.sweep()).isEqualTo(1); // the entry slid out: the log is forgotten
    // The counter's window may have ended, but its count still weighs on the next window.
    assertThat(counter.apply("a", Command.peek(0)).remaining()).isLessThan(5);
    clock.advance(Duration.ofSeconds(20));
    assertThat(store.sweep()).isEqualTo(1);
    assertThat(store.keyCount()).isZero();
    assertThat(log.apply("a", Command.acquire(5)).allowed()).isTrue();
    assertThat(counter.apply("a", Command.acquire(5)).allowed()).isTrue();
  }

  @Test
  void anInsertingCallerSweepsIdleKeysEveryInterval() {
    InMemoryStore store = store(100);
    Partition p = store.partition(TokenBucket.of("b", 1, 1, Duration.ofSeconds(1)));
    for (int i = 0; i < 10; i++) {
      p.apply("k" + i, Command.acquire(1));
    }
    assertThat(store.keyCount()).isEqualTo(10);
    clock.advance(Duration.ofMinutes(1));
    p.apply("new", Command.acquire(1));
    assertThat(store.keyCount()).isEqualTo(1);
  }

  @Test
  void aFullStoreDeniesNewKeysAndKeepsServingKnownOnes() {
    InMemoryStore store = store(3);
    Partition p = store.partition(TokenBucket.of("b", 5, 1, Duration.ofHours(1)));
    for (int i = 0; i < 3; i++) {
      assertThat(p.apply("k" + i, Command.acquire(1)).allowed()).isTrue();
    }
    Decision full = p.apply("k3", Command.acquire(1));
    assertThat(full.reason()).isEqualTo(Decision.Reason.STORE_FULL);
    assertThat(full.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.apply("k0", Command.acquire(1)).allowed()).isTrue();
    // Peeking at an unknown key needs no room.
    assertThat(p.apply("k3", Command.peek(1)).allowed()).isTrue();
    // record must not lose usage: it stores its key above the cap.
    assertThat(p.apply("k4", Command.record(1)).allowed()).isTrue();
    assertThat(store.keyCount()).isEqualTo(4);
    // Once keys are idle, a sweep (at most once per second) makes room again.
    clock.advance(Duration.ofHours(2));
    assertThat(p.apply("k5", Command.acquire(1)).allowed()).isTrue();
    assertThat(store.keyCount()).isEqualTo(1);
  }

  @Test
  void aFullStoreSweepsAtMostOncePerInterval() {
    InMemoryStore store = store(1);
    Partition p = store.partition(SlidingLog.of("l", 5, Duration.ofSeconds(10)));
    p.apply("a", Command.acquire(1));
    assertThat(p.apply("b", Command.acquire(1)).reason()).isEqualTo(Decision.Reason.STORE_FULL);
    clock.advance(Duration.ofSeconds(10)); // "a" idle now, and a sweep is due
    assertThat(p.apply("b", Command.acquire(1)).allowed()).isTrue();
    clock.advance(Duration.ofMillis(10_000));
    p.apply("b", Command.acquire(1));
    assertThat(p.apply("c", Command.acquire(1)).reason()).isEqualTo(Decision.Reason.STORE_FULL);
  }

  /** Regression guard: eviction racing updates must never drop consumption (an evicted key starts full). */
  @Test
  void evictionRacingUpdatesNeverForgetsUsage() throws Exception {
    InMemoryStore store = store(1_000_000);
    TokenBucket policy = TokenBucket.of("b", 100, 1, Duration.ofDays(1));
    Partition p = store.partition(policy);
    AtomicBoolean stop = new AtomicBoolean();
    Thread sweeper = new Thread(() -> {
      while (!stop.get()) {
        store.sweep();
      }
    });
    sweeper.start();
    long admitted = acquireFromThreads(p, 4, 20_000, 10);
    stop.set(true);
    sweeper.join();
    assertThat(admitted).isEqualTo(10 * 100);
  }

  /** Runs {@code threads} threads, each acquiring 1 {@code calls} times over {@code keys} keys; returns how many were admitted. */
  private static long acquireFromThreads(Partition p, int threads, int calls, int keys) throws InterruptedException {
    AtomicLong admitted = new AtomicLong();
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < calls; i++) {
          if (p.apply("k" + (i % keys), Command.acquire(1)).allowed()) {
            admitted.incrementAndGet();
          }
        }
      });
      started.add(th);
      th.start();
    }
    for (Thread th : started) {
      th.join();
    }
    return admitted.get();
  }

  /**
   * The same race on array states, which a decision rewrites in place: a sweep that found a key
   * idle (its window over) must not evict it after a decider has reused the array for the next
   * window, or the key starts that window again from zero. Each round ends every key's window
   * and races three deciders against the sweeper; a round admits exactly the limit per key.
   */
  @Test
  void evictionRacingInPlaceUpdatesNeverForgetsUsage() throws Exception {
    InMemoryStore store = store(1_000_000);
    Partition p = store.partition(FixedWindow.of("w", 50, Window.of(Duration.ofSeconds(1))));
    AtomicBoolean stop = new AtomicBoolean();
    Thread sweeper = new Thread(() -> {
      while (!stop.get()) {
        store.sweep();
      }
    });
    sweeper.start();
    try {
      for (int round = 0; round < 1000; round++) {
        clock.advance(Duration.ofSeconds(1));
        assertThat(acquireFromThreads(p, 3, 400, 5)).as("admitted in round %d", round).isEqualTo(5 * 50);
      }
    } finally {
      stop.set(true);
      sweeper.join();
    }
  }

  /** Regression: a calendar key evicted after its window ended found it open again when the wall clock stepped back. */
  @Test
  void anEvictedKeyDoesNotFindItsWindowOpenAgainWhenTheClockStepsBack() {
    InMemoryStore store = store(100);
    Partition day = store.partition(FixedWindow.of("day", 3, Window.day()));
    clock.set(java.time.Instant.parse("2026-03-10T23:59:00Z"));
    assertThat(day.apply("k", Command.acquire(3)).allowed()).isTrue();
    clock.set(java.time.Instant.parse("2026-03-11T00:00:30Z")); // a new day: the key is idle
    assertThat(store.sweep()).isEqualTo(1);
    clock.set(java.time.Instant.parse("2026-03-10T23:59:40Z")); // the wall clock steps back
    Decision d = day.apply("k", Command.acquire(1));
    // The store decides at the eviction: a new day, never the old day's empty window; and what it
    // answers is measured from the clock: the day ends in 24 h 20 s.
    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isEqualTo(2);
    assertThat(d.resetAfter()).isEqualTo(Duration.ofHours(24).plusSeconds(20));
    assertThat(day.apply("k", Command.acquire(2)).allowed()).isTrue();
    // retryAfter is the real wait, never the wait from the floor (which was 30 s shorter)
    assertThat(day.apply("k", Command.acquire(1)).retryAfter()).isEqualTo(Duration.ofHours(24).plusSeconds(20));
  }

  /**
   * Below the idle-sweep floor, retryAfter was measured from the floor: 1 s where the real wait was
   * a day, and a blocking acquire re-asked in a loop (70,892 times in 3 s on a manual clock).
   */
  @Test
  void belowTheFloorABlockingAcquireWaitsOnceAndNeverSpins() throws Exception {
    InMemoryStore store = store(100);
    Sluice sluice = Sluice.builder().store(store).build();
    Limiter l = sluice.limiter(SlidingLog.of("log", 1, Duration.ofSeconds(1)));
    Partition other = store.partition(SlidingLog.of("log", 1, Duration.ofSeconds(1)));
    clock.set(java.time.Instant.parse("2026-03-10T12:00:00Z"));
    assertThat(other.apply("old", Command.acquire(1)).allowed()).isTrue();
    clock.set(java.time.Instant.parse("2026-03-10T12:00:05Z"));
    assertThat(store.sweep()).isEqualTo(1); // the floor: 12:00:05
    clock.set(java.time.Instant.parse("2026-03-10T12:00:04.5Z")); // half a second back
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue(); // logged at the floor, 12:00:05
    Decision denied = l.tryAcquire("k", 1);
    assertThat(denied.retryAfter()).isEqualTo(Duration.ofMillis(1500)); // until 12:00:06
    int sleeps = clock.sleeps().size();
    Decision granted = l.acquire("k", 1, Duration.ofSeconds(10));
    assertThat(granted.allowed()).isTrue();
    assertThat(clock.sleeps().size() - sleeps).isEqualTo(1);
    assertThat(clock.instant()).isEqualTo(java.time.Instant.parse("2026-03-10T12:00:06Z"));
  }

  /**
   * A step back longer than the policy's period drops the floor: holding decisions at it would lock
   * every key out for the length of the step.
   */
  @Test
  void aStepBackLongerThanThePeriodDropsTheFloor() {
    InMemoryStore store = store(100);
    Partition day = store.partition(FixedWindow.of("day", 3, Window.day()));
    clock.set(java.time.Instant.parse("2026-03-10T23:59:00Z"));
    assertThat(day.apply("k", Command.acquire(3)).allowed()).isTrue();
    clock.set(java.time.Instant.parse("2026-03-11T00:00:30Z"));
    assertThat(store.sweep()).isEqualTo(1);
    clock.set(java.time.Instant.parse("2026-03-08T10:00:00Z")); // more than a (25-hour) day back
    Decision d = day.apply("k", Command.acquire(1));
    assertThat(d.allowed()).isTrue();
    assertThat(d.resetAfter()).isEqualTo(Duration.ofHours(14)); // the day the clock shows
  }
}
