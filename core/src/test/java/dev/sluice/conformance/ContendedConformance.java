package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.Limiter;
import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.QuotaExceededException;
import dev.sluice.Reservation;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contended path: real threads on one frozen {@link dev.sluice.ManualClock} (nothing refills,
 * nothing expires), so every count is exact.
 *
 * <ul>
 *   <li>Rate limits: 8 threads; every policy type admits exactly its limit, never one more, on
 *       one key, with weighted costs, on many keys; so does the multi-policy call, alone and
 *       racing single-key calls, whichever limit binds.
 *   <li>Leases: 16 threads never hold more than 5 slots, whether through one {@link Leases}, several
 *       of one engine, or several engines sharing the store; leases passed between threads free
 *       each slot once.
 *   <li>Budgets: concurrent reservations never take more than the budget; at the end the usage is
 *       exactly what was settled; settle racing cancel charges only a won settle.
 * </ul>
 *
 * <p>Holders are counted on the caller's side: incremented after a grant, decremented before the
 * release, so the count never exceeds what the store holds; if it ever passes the limit, the store
 * admitted too much.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class ContendedConformance extends StoreConformance {

  private static final int THREADS = 8;
  private static final long LIMIT = 1_000;

  // ---------------------------------------------------------------- rate limits

  public static Stream<Policy> policies() {
    return Stream.of(
        TokenBucket.of("bucket", LIMIT, 1, Duration.ofHours(1)),
        TokenBucket.of("bucket-fraction", LIMIT, 3, Duration.ofHours(1)), // rational interval: long[] state
        FixedWindow.of("window", LIMIT, Window.of(Duration.ofHours(1))),
        FixedWindow.of("day", LIMIT, Window.day()),
        SlidingLog.of("log", LIMIT, Duration.ofHours(1)),
        SlidingCounter.of("counter", LIMIT, Duration.ofHours(1)));
  }

  /** Runs {@code attempt} on THREADS threads, all released together, each until it returns 0 for a while. */
  protected static long hammer(int attemptsPerThread, LongSupplier attempt) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    AtomicLong admitted = new AtomicLong();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < attemptsPerThread; i++) {
          admitted.addAndGet(attempt.getAsLong());
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    return admitted.get();
  }

  @ParameterizedTest
  @MethodSource("policies")
  public void oneKeyAdmitsExactlyTheLimit(Policy policy) throws Exception {
    Limiter l = sluice.limiter(policy);
    long admitted = hammer(500, () -> l.tryAcquire("hot", 1).allowed() ? 1 : 0);
    assertThat(admitted).isEqualTo(LIMIT);
    assertThat(l.peek("hot", 1).allowed()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("policies")
  public void weightedCostsAdmitExactlyTheLimit(Policy policy) throws Exception {
    Limiter l = sluice.limiter(policy);
    // Costs 1..7: the total admitted can never pass the limit, and the limit is reached exactly
    // because cost 1 requests keep coming until nothing fits.
    AtomicLong n = new AtomicLong();
    long admitted = hammer(600, () -> {
      long cost = 1 + n.getAndIncrement() % 7;
      if (l.tryAcquire("hot", cost).allowed()) {
        return cost;
      }
      return l.tryAcquire("hot", 1).allowed() ? 1 : 0;
    });
    assertThat(admitted).isEqualTo(LIMIT);
  }

  @ParameterizedTest
  @MethodSource("policies")
  public void manyKeysEachAdmitExactlyTheirLimit(Policy base) throws Exception {
    Limiter l = sluice.limiter(base);
    int keys = 50;
    AtomicLong[] perKey = new AtomicLong[keys];
    for (int i = 0; i < keys; i++) {
      perKey[i] = new AtomicLong();
    }
    AtomicLong n = new AtomicLong();
    hammer(keys * (int) LIMIT / THREADS + 2_000, () -> {
      int k = (int) (n.getAndIncrement() % keys);
      if (l.tryAcquire(Integer.toString(k), 1).allowed()) {
        perKey[k].incrementAndGet();
      }
      return 0;
    });
    for (int i = 0; i < keys; i++) {
      assertThat(perKey[i].get()).as("key " + i).isEqualTo(LIMIT);
    }
  }

  @Test
  public void multiPolicyCallAdmitsExactlyTheTightestLimit() throws Exception {
    Limiter user = sluice.limiter(TokenBucket.of("user", 700, 1, Duration.ofHours(1)));
    Limiter org = sluice.limiter(SlidingLog.of("org", 500, Duration.ofHours(1)));
    Limiter all = sluice.limiter(FixedWindow.of("all", 900, Window.of(Duration.ofHours(1))));
    // Single-key traffic on "user" races the multi-policy calls.
    AtomicLong n = new AtomicLong();
    AtomicLong singles = new AtomicLong();
    long multi = hammer(400, () -> {
      if (n.getAndIncrement() % 4 == 0) {
        if (user.tryAcquire("u", 1).allowed()) {
          singles.incrementAndGet();
        }
        return 0;
      }
      return sluice.tryAcquireAll(user.charge("u", 1), org.charge("o", 1), all.charge("a", 1)).allowed() ? 1 : 0;
    });
    // "org" (500) is the tightest for the multi calls; "user" is shared with single calls.
    assertThat(multi + singles.get()).isLessThanOrEqualTo(700);
    assertThat(multi).isLessThanOrEqualTo(500);
    assertThat(user.peek("u", 0).remaining()).isEqualTo(700 - multi - singles.get());
    assertThat(org.peek("o", 0).remaining()).isEqualTo(500 - multi);
    assertThat(all.peek("a", 0).remaining()).isEqualTo(900 - multi);
    // Exactness: the first limit reached stops everyone.
    assertThat(multi == 500 || multi + singles.get() == 700).isTrue();
  }

  @Test
  public void multiPolicyCallAloneAdmitsExactlyTheTightestLimit() throws Exception {
    Limiter a = sluice.limiter(TokenBucket.of("a", 800, 1, Duration.ofHours(1)));
    Limiter b = sluice.limiter(SlidingCounter.of("b", 600, Duration.ofHours(1)));
    Limiter c = sluice.limiter(FixedWindow.of("c", 1_000, Window.day()));
    long admitted = hammer(300, () ->
        sluice.tryAcquireAll(a.charge("k", 1), b.charge("k", 1), c.charge("k", 1)).allowed() ? 1 : 0);
    assertThat(admitted).isEqualTo(600);
    assertThat(a.peek("k", 0).remaining()).isEqualTo(200);
    assertThat(c.peek("k", 0).remaining()).isEqualTo(400);
  }

  protected static final int USERS = 50;

  /**
   * Per-user limits and one shared org limit, in either binding order: {per-user policy, org
   * policy}. With 50 users at 30 each (1 500) under an org limit of 1 000, the org binds; at 20
   * each (1 000) under an org limit of 5 000, the users do.
   */
  public static Stream<Arguments> userAndOrgLimits() {
    Duration h = Duration.ofHours(1);
    return Stream.of(
        Arguments.of(TokenBucket.of("user", 30, 1, h), SlidingLog.of("org", 1_000, h)),
        Arguments.of(SlidingCounter.of("user", 30, h), FixedWindow.of("org", 1_000, Window.day())),
        Arguments.of(SlidingLog.of("user", 30, h), TokenBucket.of("org", 1_000, 3, h)),
        Arguments.of(TokenBucket.of("user", 20, 3, h), SlidingCounter.of("org", 5_000, h)),
        Arguments.of(FixedWindow.of("user", 20, Window.of(h)), SlidingLog.of("org", 5_000, h)),
        Arguments.of(SlidingLog.of("user", 20, h), TokenBucket.of("org", 5_000, 1, h)));
  }

  @ParameterizedTest
  @MethodSource("userAndOrgLimits")
  public void multiPolicyCallOverManyUsersAdmitsExactlyWhatTheBindingLimitAllows(Policy userPolicy,
      Policy orgPolicy) throws Exception {
    Limiter perUser = sluice.limiter(userPolicy);
    Limiter perOrg = sluice.limiter(orgPolicy);
    long userLimit = userPolicy.limit();
    long orgLimit = orgPolicy.limit();
    AtomicLongArray attempts = new AtomicLongArray(USERS);
    AtomicLongArray admitted = new AtomicLongArray(USERS);
    // A seeded stream of users per thread (so the attempts per user do not depend on the
    // interleaving); which call wins a race is up to the scheduler.
    AtomicLong seeds = new AtomicLong(0x5EED);
    ThreadLocal<SplittableRandom> random =
        ThreadLocal.withInitial(() -> new SplittableRandom(seeds.getAndIncrement()));
    long total = hammer(500, () -> {
      int u = random.get().nextInt(USERS);
      attempts.incrementAndGet(u);
      if (sluice.tryAcquireAll(perUser.charge("user-" + u, 1), perOrg.charge("acme", 1)).allowed()) {
        admitted.incrementAndGet(u);
        return 1;
      }
      return 0;
    });
    // A call is admitted iff its user and the org both have room: while the org has room, each
    // user gets min(limit, attempts); once it has none, nobody gets more.
    long wanted = 0;
    long sum = 0;
    for (int u = 0; u < USERS; u++) {
      long expected = Math.min(userLimit, attempts.get(u));
      wanted += expected;
      sum += admitted.get(u);
      assertThat(admitted.get(u)).as("user %d (%d attempts)", u, attempts.get(u))
          .isLessThanOrEqualTo(expected);
      // all or nothing: the user's limiter was charged for exactly the admitted calls
      assertThat(perUser.peek("user-" + u, 0).remaining()).as("user %d remaining", u)
          .isEqualTo(userLimit - admitted.get(u));
    }
    assertThat(sum).isEqualTo(total);
    assertThat(total).isEqualTo(Math.min(orgLimit, wanted));
    if (total < orgLimit) {
      for (int u = 0; u < USERS; u++) {
        assertThat(admitted.get(u)).as("user %d (%d attempts), org never full", u, attempts.get(u))
            .isEqualTo(Math.min(userLimit, attempts.get(u)));
      }
    }
    assertThat(perOrg.peek("acme", 0).remaining()).isEqualTo(orgLimit - total);
    if (orgLimit < USERS * userLimit) {
      // The schedule offers the org more than its limit: the org binds, exactly.
      assertThat(wanted).as("per-user admissible").isGreaterThan(orgLimit);
      assertThat(total).isEqualTo(orgLimit);
      assertThat(perOrg.peek("acme", 1).allowed()).isFalse();
    } else {
      // Every user is tried more than its limit: the users bind, exactly.
      for (int u = 0; u < USERS; u++) {
        assertThat(attempts.get(u)).as("user %d attempts", u).isGreaterThan(userLimit);
        assertThat(admitted.get(u)).as("user %d admitted", u).isEqualTo(userLimit);
      }
      assertThat(total).isEqualTo(USERS * userLimit);
    }
  }

  // ---------------------------------------------------------------- leases and budgets

  private static final int HOLDERS = 16;
  private static final long SLOTS = 5;
  private static final String KEY = "hot";

  /**
   * Attempts per thread in the lease and budget races (16 threads each); 2 000 by default. A
   * store whose every decision is a network round trip may lower it (keeping denials: the
   * assertions need the limit to be reached while others ask).
   */
  protected int rounds() {
    return 2_000;
  }

  /** Runs {@code body(thread)} on HOLDERS threads released together; rethrows the first failure. */
  protected static void onThreads(ThreadBody body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(HOLDERS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < HOLDERS; t++) {
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
  protected interface ThreadBody {
    void run(int thread) throws Exception;
  }

  // ---------------------------------------------------------------- leases

  /** Counts holders (in slots) and the most seen at once. */
  protected static final class Holders {
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
   * HOLDERS threads take leases of {@code slots(thread)} slots on one key through {@code
   * views[thread % views.length]}, hold them briefly, sometimes renew, and release (twice, to be
   * sure the second is a no-op).
   */
  protected Holders hammerLeases(Leases[] views, IntFunction<Long> slotsOf) throws Exception {
    Holders h = new Holders();
    onThreads(thread -> {
      Leases view = views[thread % views.length];
      SplittableRandom r = new SplittableRandom(thread);
      for (int i = 0; i < rounds(); i++) {
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
            assertThat(e.quota().kind()).isEqualTo(Policy.Kind.CONCURRENCY);
            assertThat(e.quota().current() + slots).isGreaterThan(SLOTS);
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

  protected static void assertLeases(Holders h, Leases... views) {
    assertThat((long) h.max.get()).as("slots held at once").isLessThanOrEqualTo(SLOTS).isPositive();
    assertThat(h.granted.get()).isPositive();
    // Denials prove the store was at its limit while others asked.
    assertThat(h.denied.get()).as("denials").isPositive();
    assertThat(h.now.get()).isZero();
    for (Leases v : views) {
      assertThat(v.held(KEY)).as("held at the end").isZero();
      assertThat(v.peek(KEY, SLOTS).allowed()).isTrue();
    }
  }

  @Test
  public void fourEnginesOnOneStoreNeverHoldMoreThanTheLimit() throws Exception {
    Leases[] views = new Leases[4];
    for (int i = 0; i < views.length; i++) {
      // Each engine builds its own (equal) policy: state is keyed by the policy's value.
      Sluice engine = engine(clock, store);
      views[i] = engine.leases(Concurrency.of("scans", SLOTS, Duration.ofMinutes(10)));
    }
    Holders h = hammerLeases(views, x -> 1L);
    assertLeases(h, views);
  }

  @Test
  public void severalLeasesOfOneEngineNeverHoldMoreThanTheLimit() throws Exception {
    Concurrency policy = Concurrency.of("scans", SLOTS, Duration.ofMinutes(10));
    Leases[] views = {
      sluice.leases(policy), sluice.leases(policy), sluice.leases(Concurrency.of("scans", SLOTS, Duration.ofMinutes(10))),
      sluice.leases(policy)
    };
    Holders h = hammerLeases(views, x -> 1L);
    assertLeases(h, views);
  }

  @Test
  public void weightedLeasesNeverHoldMoreThanTheLimit() throws Exception {
    Leases[] views = new Leases[4];
    for (int i = 0; i < views.length; i++) {
      views[i] = engine(clock, store)
          .leases(Concurrency.of("scans", SLOTS, Duration.ofMinutes(10)));
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
  public void leasesReleasedByOtherThreadsFreeEachSlotOnce() throws Exception {
    Leases leases = sluice.leases(Concurrency.of("scans", SLOTS, Duration.ofMinutes(10)));
    AtomicReferenceArray<Lease> shelf = new AtomicReferenceArray<>(8);
    AtomicLong overLimit = new AtomicLong();
    AtomicLong doubleReleases = new AtomicLong();
    onThreads(thread -> {
      SplittableRandom r = new SplittableRandom(100 + thread);
      for (int i = 0; i < rounds(); i++) {
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
        if (leases.held(KEY) > SLOTS) {
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
    for (int i = 0; i < SLOTS; i++) {
      again.add(leases.acquire(KEY));
    }
    assertThat(leases.tryAcquire(KEY)).isEmpty();
    again.forEach(Lease::release);
    assertThat(leases.held(KEY)).isZero();
  }

  // ---------------------------------------------------------------- budgets

  protected static final long BUDGET = 1_000;

  /**
   * HOLDERS threads reserve (estimates 10 to 150) on one key and then settle (usually for 0, now
   * and then for part of the estimate, within a spending allowance so the budget keeps room) or
   * cancel. Committed = open estimates + settled costs, counted on the callers' side without ever
   * over-counting the store: it never exceeds the budget, and at the end the usage is exactly the
   * settled sum.
   */
  protected void hammerBudget(Budgets[] views) throws Exception {
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
      for (int i = 0; i < rounds(); i++) {
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
            assertThat(e.quota().kind()).isEqualTo(Policy.Kind.BUDGET);
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
  public void budgetReservationsOfFourEnginesOnOneStore() throws Exception {
    Budgets[] views = new Budgets[4];
    for (int i = 0; i < views.length; i++) {
      views[i] = engine(clock, store)
          .budget(Budget.of("scanned", BUDGET, Window.of(Duration.ofDays(1))));
    }
    hammerBudget(views);
  }

  @Test
  public void budgetReservationsOfOneEngine() throws Exception {
    Budget policy = Budget.of("scanned", BUDGET, Window.day());
    Budgets[] views = {sluice.budget(policy), sluice.budget(policy), sluice.budget(policy), sluice.budget(policy)};
    hammerBudget(views);
  }

  /** Settle and cancel of one reservation racing: exactly one wins, and only a won settle charges. */
  @Test
  public void settleRacingCancelChargesOnlyAWonSettle() throws Exception {
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
      for (int i = thread / 2; i < n; i += HOLDERS / 2) {
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

  @Test
  public void sixteenThreadsNeverHoldMoreThanFiveSlots() throws Exception {
    Leases leases = sluice.leases(Concurrency.of("scans", 5, Duration.ofMinutes(10)));
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    AtomicLong granted = new AtomicLong();
    AtomicLong denied = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 2_000; i++) {
          var lease = leases.tryAcquire("alice");
          if (lease.isEmpty()) {
            denied.incrementAndGet();
            continue;
          }
          try (Lease l = lease.get()) {
            granted.incrementAndGet();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            assertThat(now).isLessThanOrEqualTo(5);
            Thread.onSpinWait();
            inFlight.decrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(maxInFlight.get()).isBetween(1, 5);
    assertThat(granted.get() + denied.get()).isEqualTo(32_000);
    assertThat(granted.get()).isPositive();
    assertThat(leases.held("alice")).isZero(); // every release restored its slot
    assertThat(leases.peek("alice", 5).allowed()).isTrue();
  }

  @Test
  public void oneSharedInstanceServesEveryEndpoint() throws Exception {
    Budgets shared = sluice.budget(Budget.daily("shared", 1_000));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> admitted = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      admitted.add(pool.submit(() -> {
        int ok = 0;
        for (int i = 0; i < 500; i++) {
          var r = shared.tryReserve("k", 1);
          if (r.isPresent()) {
            r.get().settle(1);
            ok++;
          }
        }
        return ok;
      }));
    }
    int total = 0;
    for (Future<Integer> f : admitted) {
      total += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(total).isEqualTo(1_000);
    assertThat(shared.usage("k").used()).isEqualTo(1_000);
  }
}
