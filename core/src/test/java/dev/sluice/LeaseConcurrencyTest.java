package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InMemory;
import dev.sluice.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real threads on one frozen {@link ManualClock} (nothing expires): leases never let more than the
 * limit hold at once, and budgets never let open reservations take more than the budget, whether
 * the threads go through one {@link Leases} / {@link Budgets} instance, several from one engine, or
 * several engines sharing one store. At the end every slot is free and the budget's usage is
 * exactly what was settled.
 *
 * <p>Holders are counted on the caller's side: incremented after a grant, decremented before the
 * release, so the count never exceeds what the store holds; if it ever passes the limit, the store
 * admitted too much.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LeaseConcurrencyTest {

  private static final int THREADS = 16;
  private static final long LIMIT = 5;
  private static final int ROUNDS = 2_000;
  private static final long NOW = 1_700_000_000_000_000_000L;
  private static final String KEY = "hot";

  /** Runs {@code body(thread)} on THREADS threads released together; rethrows the first failure. */
  static void onThreads(ThreadBody body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          body.run(thread);
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(50, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @FunctionalInterface
  interface ThreadBody {
    void run(int thread) throws Exception;
  }

  // ---------------------------------------------------------------- leases

  /** Counts holders (in slots) and the most seen at once. */
  static final class Holders {
    final AtomicInteger now = new AtomicInteger();
    final AtomicInteger max = new AtomicInteger();
    final AtomicLong granted = new AtomicLong();
    final AtomicLong denied = new AtomicLong();

    void enter(int slots) {
      int n = now.addAndGet(slots);
      max.accumulateAndGet(n, Math::max);
      granted.incrementAndGet();
    }

    void leave(int slots) {
      now.addAndGet(-slots);
    }
  }

  /**
   * THREADS threads take leases of {@code slots(thread)} slots on one key through {@code
   * views[thread % views.length]}, hold them briefly, sometimes renew, and release (twice, to be
   * sure the second is a no-op).
   */
  static Holders hammerLeases(Leases[] views, IntFunction<Long> slotsOf) throws Exception {
    Holders h = new Holders();
    onThreads(thread -> {
      Leases view = views[thread % views.length];
      SplittableRandom r = new SplittableRandom(thread);
      for (int i = 0; i < ROUNDS; i++) {
        long slots = slotsOf.apply(r.nextInt(1 << 20));
        Lease lease;
        if (slots == 1 && r.nextBoolean()) {
          Optional<Lease> o = view.tryAcquire(KEY);
          if (o.isEmpty()) {
            h.denied.incrementAndGet();
            continue;
          }
          lease = o.get();
        } else {
          try {
            lease = view.acquire(KEY, slots);
          } catch (QuotaExceededException e) {
            assertThat(e.quota().kind()).isEqualTo(QuotaExceeded.Kind.CONCURRENCY);
            assertThat(e.quota().current() + slots).isGreaterThan(LIMIT);
            h.denied.incrementAndGet();
            continue;
          }
        }
        h.enter((int) slots);
        if (r.nextInt(4) == 0) {
          Thread.yield();
        }
        if (r.nextInt(8) == 0) {
          assertThat(lease.renew()).as("a held lease renews").isTrue();
        }
        h.leave((int) slots);
        lease.release();
        lease.release();
        lease.close();
        assertThat(lease.renew()).as("a released lease does not renew").isFalse();
      }
    });
    return h;
  }

  static void assertLeases(Holders h, Leases... views) {
    assertThat((long) h.max.get()).as("slots held at once").isLessThanOrEqualTo(LIMIT).isPositive();
    assertThat(h.granted.get()).isPositive();
    // Denials prove the store was at its limit while others asked.
    assertThat(h.denied.get()).as("denials").isPositive();
    assertThat(h.now.get()).isZero();
    for (Leases v : views) {
      assertThat(v.held(KEY)).as("held at the end").isZero();
      assertThat(v.peek(KEY, LIMIT).allowed()).isTrue();
    }
  }

  @Test
  void fourEnginesOnOneStoreNeverHoldMoreThanTheLimit() throws Exception {
    ManualClock clock = new ManualClock(NOW);
    Store shared = InMemory.builder().clock(clock).build();
    Leases[] views = new Leases[4];
    for (int i = 0; i < views.length; i++) {
      // Each engine builds its own (equal) policy: state is keyed by the policy's value.
      Sluice engine = Sluice.builder().clock(clock).store(shared).build();
      views[i] = engine.leases(Concurrency.of("scans", LIMIT, Duration.ofMinutes(10)));
    }
    Holders h = hammerLeases(views, x -> 1L);
    assertLeases(h, views);
  }

  @Test
  void severalLeasesOfOneEngineNeverHoldMoreThanTheLimit() throws Exception {
    ManualClock clock = new ManualClock(NOW);
    Sluice sluice = Sluice.builder().clock(clock).build();
    Concurrency policy = Concurrency.of("scans", LIMIT, Duration.ofMinutes(10));
    Leases[] views = {
      sluice.leases(policy), sluice.leases(policy), sluice.leases(Concurrency.of("scans", LIMIT, Duration.ofMinutes(10))),
      sluice.leases(policy)
    };
    Holders h = hammerLeases(views, x -> 1L);
    assertLeases(h, views);
  }

  @Test
  void weightedLeasesNeverHoldMoreThanTheLimit() throws Exception {
    ManualClock clock = new ManualClock(NOW);
    Store shared = InMemory.builder().clock(clock).build();
    Leases[] views = new Leases[4];
    for (int i = 0; i < views.length; i++) {
      views[i] = Sluice.builder().clock(clock).store(shared).build()
          .leases(Concurrency.of("scans", LIMIT, Duration.ofMinutes(10)));
    }
    Holders h = hammerLeases(views, x -> 1L + x % 3);
    assertLeases(h, views);
  }

  /**
   * Leases passed between threads: any thread may renew or release a lease another took, and two
   * threads may release the same lease at once. The store never holds more than the limit, and
   * releasing everything frees everything.
   */
  @Test
  void leasesReleasedByOtherThreadsFreeEachSlotOnce() throws Exception {
    ManualClock clock = new ManualClock(NOW);
    Sluice sluice = Sluice.builder().clock(clock).build();
    Leases leases = sluice.leases(Concurrency.of("scans", LIMIT, Duration.ofMinutes(10)));
    AtomicReferenceArray<Lease> shelf = new AtomicReferenceArray<>(8);
    AtomicLong overLimit = new AtomicLong();
    AtomicLong doubleReleases = new AtomicLong();
    onThreads(thread -> {
      SplittableRandom r = new SplittableRandom(100 + thread);
      for (int i = 0; i < ROUNDS; i++) {
        int slot = r.nextInt(shelf.length());
        Lease l = shelf.get(slot);
        if (l == null) {
          Optional<Lease> o = leases.tryAcquire(KEY);
          if (o.isPresent() && !shelf.compareAndSet(slot, null, o.get())) {
            o.get().release(); // the slot was filled meanwhile
          }
        } else if (r.nextInt(4) == 0) {
          l.renew(); // true or false, depending on who released it first; never resurrects it
        } else {
          if (l.released()) {
            doubleReleases.incrementAndGet();
          }
          l.release(); // possibly at the same time as another thread
          shelf.compareAndSet(slot, l, null);
        }
        if (leases.held(KEY) > LIMIT) {
          overLimit.incrementAndGet();
        }
      }
    });
    assertThat(overLimit).hasValue(0);
    long onShelf = 0;
    for (int i = 0; i < shelf.length(); i++) {
      if (shelf.get(i) != null && !shelf.get(i).released()) {
        onShelf++;
      }
    }
    assertThat(leases.held(KEY)).as("held = leases still on the shelf").isEqualTo(onShelf);
    for (int i = 0; i < shelf.length(); i++) {
      if (shelf.get(i) != null) {
        shelf.get(i).release();
      }
    }
    assertThat(leases.held(KEY)).isZero();
    // All five slots come back, each exactly once.
    List<Lease> again = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      again.add(leases.acquire(KEY));
    }
    assertThat(leases.tryAcquire(KEY)).isEmpty();
    again.forEach(Lease::release);
    assertThat(leases.held(KEY)).isZero();
  }

  // ---------------------------------------------------------------- budgets

  private static final long BUDGET = 1_000;

  /**
   * THREADS threads reserve (estimates 10 to 150) on one key and then settle (usually for 0, now
   * and then for part of the estimate, within a spending allowance so the budget keeps room) or
   * cancel. Committed = open estimates + settled costs, counted on the callers' side without ever
   * over-counting the store: it never exceeds the budget, and at the end the usage is exactly the
   * settled sum.
   */
  static void hammerBudget(Budgets[] views) throws Exception {
    AtomicLong open = new AtomicLong();
    AtomicLong committed = new AtomicLong();
    AtomicLong settled = new AtomicLong();
    AtomicLong allowance = new AtomicLong(BUDGET / 2);
    AtomicLong maxOpen = new AtomicLong();
    AtomicLong granted = new AtomicLong();
    AtomicLong denied = new AtomicLong();
    AtomicInteger violations = new AtomicInteger();
    onThreads(thread -> {
      Budgets view = views[thread % views.length];
      SplittableRandom r = new SplittableRandom(1_000 + thread);
      for (int i = 0; i < ROUNDS; i++) {
        long estimate = 10 + r.nextInt(141);
        Reservation res;
        if (r.nextBoolean()) {
          Optional<Reservation> o = view.tryReserve(KEY, estimate);
          if (o.isEmpty()) {
            denied.incrementAndGet();
            continue;
          }
          res = o.get();
        } else {
          try {
            res = view.reserve(KEY, estimate);
          } catch (QuotaExceededException e) {
            assertThat(e.quota().kind()).isEqualTo(QuotaExceeded.Kind.BUDGET);
            denied.incrementAndGet();
            continue;
          }
        }
        granted.incrementAndGet();
        long o1 = open.addAndGet(estimate);
        long c1 = committed.addAndGet(estimate);
        maxOpen.accumulateAndGet(o1, Math::max);
        if (o1 > BUDGET || c1 > BUDGET) {
          violations.incrementAndGet();
        }
        if (r.nextInt(4) == 0) {
          Thread.yield();
        }
        open.addAndGet(-estimate);
        committed.addAndGet(-estimate);
        if (r.nextInt(3) == 0) {
          res.cancel();
          res.cancel();
        } else {
          long actual = 0;
          if (r.nextInt(10) == 0) {
            long want = 1 + r.nextInt((int) estimate);
            long before = allowance.getAndUpdate(a -> Math.max(0, a - want));
            actual = Math.min(want, before);
          }
          Decision d = res.settle(actual);
          assertThat(d.allowed()).isTrue();
          settled.addAndGet(actual);
          committed.addAndGet(actual);
          res.close(); // no-op after settle
        }
      }
    });
    assertThat(violations).as("open estimates or committed cost above the budget").hasValue(0);
    assertThat(maxOpen.get()).isLessThanOrEqualTo(BUDGET);
    assertThat(granted.get()).isPositive();
    assertThat(denied.get()).as("denials: the budget was full while others asked").isPositive();
    assertThat(settled.get()).as("some cost was settled").isPositive();
    for (Budgets v : views) {
      assertThat(v.usage(KEY).used()).as("usage = the settled costs, exactly").isEqualTo(settled.get());
    }
  }

  @Test
  void budgetReservationsOfFourEnginesOnOneStore() throws Exception {
    ManualClock clock = new ManualClock(NOW);
    Store shared = InMemory.builder().clock(clock).build();
    Budgets[] views = new Budgets[4];
    for (int i = 0; i < views.length; i++) {
      views[i] = Sluice.builder().clock(clock).store(shared).build()
          .budget(Budget.of("scanned", BUDGET, Window.of(Duration.ofDays(1))));
    }
    hammerBudget(views);
  }

  @Test
  void budgetReservationsOfOneEngine() throws Exception {
    ManualClock clock = new ManualClock(NOW);
    Sluice sluice = Sluice.builder().clock(clock).build();
    Budget policy = Budget.of("scanned", BUDGET, Window.day());
    Budgets[] views = {sluice.budget(policy), sluice.budget(policy), sluice.budget(policy), sluice.budget(policy)};
    hammerBudget(views);
  }

  /** Settle and cancel of one reservation racing: exactly one wins, and only a won settle charges. */
  @Test
  void settleRacingCancelChargesOnlyAWonSettle() throws Exception {
    ManualClock clock = new ManualClock(NOW);
    Sluice sluice = Sluice.builder().clock(clock).build();
    Budgets budgets = sluice.budget(Budget.of("scanned", 1_000_000, Window.of(Duration.ofDays(1))));
    int n = 1_000;
    Reservation[] rs = new Reservation[n];
    for (int i = 0; i < n; i++) {
      rs[i] = budgets.reserve(KEY, 100);
    }
    AtomicLong charged = new AtomicLong();
    AtomicLong settles = new AtomicLong();
    AtomicLong refusedSettles = new AtomicLong();
    onThreads(thread -> {
      // Even threads settle, odd threads cancel, walking the same reservations.
      for (int i = thread / 2; i < n; i += THREADS / 2) {
        Reservation res = rs[i];
        if (thread % 2 == 0) {
          try {
            res.settle(7);
            charged.addAndGet(7);
            settles.incrementAndGet();
          } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining("already cancelled");
            refusedSettles.incrementAndGet();
          }
        } else {
          res.cancel();
        }
      }
    });
    assertThat(settles.get() + refusedSettles.get()).isEqualTo(n);
    assertThat(budgets.usage(KEY).used()).isEqualTo(charged.get());
    for (Reservation res : rs) {
      assertThat(res.closed()).isTrue();
      assertThatThrownBy(() -> res.settle(1)).isInstanceOf(IllegalStateException.class);
    }
    assertThat(budgets.usage(KEY).used()).isEqualTo(charged.get());
  }
}
