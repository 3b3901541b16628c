package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.Limiter;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A policy redefined under its name (a reload with a new limit in one process, or a redeploy whose
 * instances share Redis or a SQLite file) decides on the state the old definition left: usage is
 * never forgotten, and the new definition's parameters apply to it. The same rule on every store;
 * what carries over is documented per kind in docs/architecture.md ("Policy names and
 * redefinition"). A redeploy that changes a policy's kind starts its keys fresh.
 */
public abstract class RedefinitionConformance extends StoreConformance {

  private static final Duration HOUR = Duration.ofHours(1);

  @Test
  public void aRaisedWindowLimitLetsSpentKeysSpendOnlyTheDifference() {
    Limiter old = sluice.limiter(FixedWindow.of("fw", 100, Window.of(HOUR)));
    assertThat(old.tryAcquire("k", 60).allowed()).isTrue();
    Limiter raised = sluice.limiter(FixedWindow.of("fw", 120, Window.of(HOUR)));
    assertThat(raised.peek("k", 0).remaining()).isEqualTo(60);
    assertThat(raised.tryAcquire("k", 61).allowed()).isFalse();
    assertThat(raised.tryAcquire("k", 60).allowed()).isTrue();
    Limiter lowered = sluice.limiter(FixedWindow.of("fw", 80, Window.of(HOUR)));
    Decision d = lowered.tryAcquire("k", 1);
    assertThat(d.allowed()).isFalse();
    assertThat(d.used()).isEqualTo(120); // over the lowered limit: denied until the window ends
    assertThat(old.tryAcquire("k", 1).allowed()).isFalse();
  }

  @Test
  public void aRedefinedBudgetKeepsItsUsageAndReservations() {
    Budgets old = sluice.budget(Budget.daily("budget", 100));
    old.record("k", 60);
    assertThat(old.tryReserve("k", 30)).isPresent();
    Budgets lowered = sluice.budget(Budget.daily("budget", 80));
    assertThat(lowered.usage("k").used()).isEqualTo(90);
    assertThat(lowered.tryReserve("k", 1)).isEmpty();
    Budgets raised = sluice.budget(Budget.daily("budget", 150));
    assertThat(raised.tryReserve("k", 60)).isPresent();
    assertThat(raised.tryReserve("k", 1)).isEmpty();
  }

  @Test
  public void aRedefinedTokenBucketKeepsItsDebt() {
    long t = clock.nanos();
    // 10 tokens, one a second: drained, the debt is 10 s
    Limiter old = sluice.limiter(TokenBucket.of("tb", 10, 1, Duration.ofSeconds(1)));
    assertThat(old.tryAcquire("k", 10).allowed()).isTrue();
    // twice the capacity, the same rate: 10 of 20 left
    Limiter bigger = sluice.limiter(TokenBucket.of("tb", 20, 1, Duration.ofSeconds(1)));
    assertThat(bigger.peek("k", 0).remaining()).isEqualTo(10);
    assertThat(bigger.tryAcquire("k", 10).allowed()).isTrue(); // the debt is 20 s
    // twice the rate, 10 tokens (a full bucket is 5 s): one token once the debt is 4.5 s
    Limiter faster = sluice.limiter(TokenBucket.of("tb", 10, 2, Duration.ofSeconds(1)));
    assertThat(faster.tryAcquire("k", 1).retryAfterNanos()).isEqualTo(up(15_500 * MS));
    clock.set(t + 15_500 * MS);
    assertThat(faster.tryAcquire("k", 1).allowed()).isTrue(); // the debt is 5 s
    // the first definition reads the same debt: 5 of its 10 tokens
    assertThat(old.peek("k", 0).remaining()).isEqualTo(5);
  }

  @Test
  public void lowerConcurrencyCountsTheLeasesHeldUnderTheHigherOne() {
    Leases old = sluice.leases(Concurrency.of("slots", 5, HOUR));
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(old.acquire("k"));
    }
    Leases lowered = sluice.leases(Concurrency.of("slots", 3, HOUR));
    assertThat(lowered.held("k")).isEqualTo(5);
    assertThat(lowered.peek("k", 1).remaining()).isZero();
    assertThat(lowered.tryAcquire("k")).isEmpty();
    held.remove(0).close();
    held.remove(0).close();
    assertThat(lowered.tryAcquire("k")).isEmpty(); // 3 held: the lowered limit
    held.remove(0).close();
    Optional<Lease> one = lowered.tryAcquire("k");
    assertThat(one).isPresent();
    assertThat(old.held("k")).isEqualTo(3);
  }

  @Test
  public void aLoweredLogLimitCountsEveryEntryAndKeepsTheLogBounded() {
    Limiter old = sluice.limiter(SlidingLog.of("log", 10, Duration.ofSeconds(10)));
    for (int i = 0; i < 10; i++) {
      clock.set(clock.nanos() + 100 * MS);
      assertThat(old.tryAcquire("k", 1).allowed()).isTrue();
    }
    Limiter lowered = sluice.limiter(SlidingLog.of("log", 3, Duration.ofSeconds(10)));
    assertThat(lowered.peek("k", 0).used()).isEqualTo(10);
    assertThat(lowered.tryAcquire("k", 1).allowed()).isFalse();
    // a record still counts (merged into the newest entry: the log keeps at most 10 entries)
    assertThat(lowered.record("k", 2).used()).isEqualTo(12);
    clock.set(clock.nanos() + 10 * S);
    assertThat(lowered.tryAcquire("k", 3).allowed()).isTrue();
  }

  @Test
  public void aCounterMovesToTheNewWindowLength() {
    long t = clock.nanos() - Math.floorMod(clock.nanos(), 20 * S); // on both grids
    clock.set(t);
    Limiter old = sluice.limiter(SlidingCounter.of("sc", 10, Duration.ofSeconds(10)));
    assertThat(old.tryAcquire("k", 10).allowed()).isTrue();
    Limiter longer = sluice.limiter(SlidingCounter.of("sc", 10, Duration.ofSeconds(20)));
    assertThat(longer.tryAcquire("k", 1).allowed()).isFalse(); // the 10 count in [t, t + 20 s)
    clock.set(t + 20 * S);
    // the next window: the 10 weigh fully at its start, then less
    assertThat(longer.tryAcquire("k", 1).allowed()).isFalse();
    clock.set(t + 22 * S);
    assertThat(longer.tryAcquire("k", 1).allowed()).isTrue();
  }

  /** Across a redeploy (another store on the same backend) the same rule holds. */
  @Test
  public void aRedeployKeepsUsageUnderTheNewLimit() {
    Limiter first = sluice.limiter(FixedWindow.of("fw", 100, Window.of(HOUR)));
    assertThat(first.tryAcquire("k", 70).allowed()).isTrue();
    Store second = reopen(store, clock);
    assumeTrue(second != null, "the store keeps nothing beyond its process");
    Sluice redeployed = engine(clock, second);
    Limiter raised = redeployed.limiter(FixedWindow.of("fw", 120, Window.of(HOUR)));
    assertThat(raised.peek("k", 0).remaining()).isEqualTo(50);
    assertThat(raised.tryAcquire("k", 51).allowed()).isFalse();
    assertThat(raised.tryAcquire("k", 50).allowed()).isTrue();
  }

  /** A redeploy that changes a policy's kind starts its keys fresh, and never fails on the old state. */
  @Test
  public void aRedeployThatChangesTheKindStartsFresh() {
    Limiter first = sluice.limiter(FixedWindow.of("api", 3, Window.of(HOUR)));
    assertThat(first.tryAcquire("k", 3).allowed()).isTrue();
    Store second = reopen(store, clock);
    assumeTrue(second != null, "the store keeps nothing beyond its process");
    Sluice redeployed = engine(clock, second);
    for (Limiter l : List.of(
        redeployed.limiter(SlidingCounter.of("api", 3, HOUR)))) {
      Decision d = l.tryAcquire("k", 3);
      assertThat(d.storeDecided()).isTrue();
      assertThat(d.allowed()).isTrue();
      assertThat(l.tryAcquire("k", 1).allowed()).isFalse();
    }
  }
}
