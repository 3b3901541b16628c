package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads on one frozen clock: every policy admits exactly its limit, never one more, on one
 * key and on many keys, and so does the multi-policy call.
 */
class ConcurrencyTest {

  private static final int THREADS = 8;
  private static final long LIMIT = 1_000;

  static Stream<Policy> policies() {
    return Stream.of(
        TokenBucket.of("bucket", LIMIT, 1, Duration.ofHours(1)),
        TokenBucket.of("bucket-fraction", LIMIT, 3, Duration.ofHours(1)), // rational interval: long[] state
        FixedWindow.of("window", LIMIT, Window.of(Duration.ofHours(1))),
        FixedWindow.of("day", LIMIT, Window.day()),
        SlidingLog.of("log", LIMIT, Duration.ofHours(1)),
        SlidingCounter.of("counter", LIMIT, Duration.ofHours(1)));
  }

  /** Runs {@code attempt} on THREADS threads, all released together, each until it returns 0 for a while. */
  static long hammer(int attemptsPerThread, LongSupplier attempt) throws Exception {
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
  void oneKeyAdmitsExactlyTheLimit(Policy policy) throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L);
    Limiter l = Sluice.builder().clock(clock).build().limiter(policy);
    long admitted = hammer(500, () -> l.tryAcquire("hot", 1).allowed() ? 1 : 0);
    assertThat(admitted).isEqualTo(LIMIT);
    assertThat(l.peek("hot", 1).allowed()).isFalse();
  }

  @ParameterizedTest
  @MethodSource("policies")
  void weightedCostsAdmitExactlyTheLimit(Policy policy) throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L);
    Limiter l = Sluice.builder().clock(clock).build().limiter(policy);
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
  void manyKeysEachAdmitExactlyTheirLimit(Policy base) throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L);
    Limiter l = Sluice.builder().clock(clock).build().limiter(base);
    int keys = 50;
    AtomicLong[] perKey = new AtomicLong[keys];
    for (int i = 0; i < keys; i++) {
      perKey[i] = new AtomicLong();
    }
    AtomicLong n = new AtomicLong();
    hammer(keys * (int) LIMIT / THREADS + 2_000, () -> {
      int k = (int) (n.getAndIncrement() % keys);
      if (l.tryAcquire((long) k, 1).allowed()) {
        perKey[k].incrementAndGet();
      }
      return 0;
    });
    for (int i = 0; i < keys; i++) {
      assertThat(perKey[i].get()).as("key " + i).isEqualTo(LIMIT);
    }
  }

  @org.junit.jupiter.api.Test
  void multiPolicyCallAdmitsExactlyTheTightestLimit() throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L);
    Sluice sluice = Sluice.builder().clock(clock).build();
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

  @org.junit.jupiter.api.Test
  void multiPolicyCallAloneAdmitsExactlyTheTightestLimit() throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L);
    Sluice sluice = Sluice.builder().clock(clock).build();
    Limiter a = sluice.limiter(TokenBucket.of("a", 800, 1, Duration.ofHours(1)));
    Limiter b = sluice.limiter(SlidingCounter.of("b", 600, Duration.ofHours(1)));
    Limiter c = sluice.limiter(FixedWindow.of("c", 1_000, Window.day()));
    long admitted = hammer(300, () ->
        sluice.tryAcquireAll(a.charge("k", 1), b.charge("k", 1), c.charge("k", 1)).allowed() ? 1 : 0);
    assertThat(admitted).isEqualTo(600);
    assertThat(a.peek("k", 0).remaining()).isEqualTo(200);
    assertThat(c.peek("k", 0).remaining()).isEqualTo(400);
  }

  static final int USERS = 50;

  /**
   * Per-user limits and one shared org limit, in either binding order: {per-user policy, org
   * policy}. With 50 users at 30 each (1 500) under an org limit of 1 000, the org binds; at 20
   * each (1 000) under an org limit of 5 000, the users do.
   */
  static Stream<Arguments> userAndOrgLimits() {
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
  void multiPolicyCallOverManyUsersAdmitsExactlyWhatTheBindingLimitAllows(Policy userPolicy,
      Policy orgPolicy) throws Exception {
    ManualClock clock = new ManualClock(1_700_000_000_000_000_000L);
    Sluice sluice = Sluice.builder().clock(clock).build();
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
}
