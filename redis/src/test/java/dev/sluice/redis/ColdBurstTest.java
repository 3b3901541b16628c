package dev.sluice.redis;

import dev.sluice.spi.FailureCounts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Policy;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The defaults decide on a healthy Redis under a cold burst. Regression: four freshly built stores
 * with default settings × 16 threads bursting on a healthy local Redis answered all 10,240
 * decisions fail-open (first-use work ran inside the 10 ms deadline, and the breaker counted the
 * time since construction as "no success" and opened at the third timeout); and a fresh store,
 * limit 30, 100 parallel requests from 8 threads admitted 32 to 57 in 7 of 9 runs.
 *
 * <p>Each scenario runs on a fresh {@code redis-server} (empty script cache) and fresh stores: the
 * coldest start there is. The latency distribution behind the default deadline comes from
 * {@link #measureColdBurst()} (opt-in, see docs/redis.md "The default deadline").
 */
class ColdBurstTest {
  static final int STORES = 4;
  static final int THREADS = 16;
  static final int DECISIONS = 10_240;
  static final int PER_THREAD = DECISIONS / (STORES * THREADS); // 160

  /** Limits 500, 700 and 5,000 on three kinds; none refills during the test. */
  static List<Policy> burstPolicies() {
    return List.of(
        TokenBucket.of("burst-tb", 500, 1, Duration.ofDays(1)),
        SlidingLog.of("burst-sl", 700, Duration.ofHours(1)),
        FixedWindow.of("burst-fw", 5_000, Window.of(Duration.ofDays(1))));
  }

  /** What one burst saw: admitted per policy, decisions not made by Redis, each decision's latency. */
  record Burst(long[] admitted, long[] attempts, int notStoreDecided, long[] latencyNanos, FailureCounts failures) {}

  /**
   * Builds {@link #STORES} fresh stores on {@code uri} (each its own client, as separate
   * application instances), then {@link #THREADS} threads per store decide at once, {@link
   * #PER_THREAD} decisions each, cycling through the policies on one key.
   */
  static Burst burst(String uri, Function<String, RedisStore.Builder> configure) throws InterruptedException {
    List<Policy> policies = burstPolicies();
    List<RedisStore> stores = new ArrayList<>();
    List<Sluice> engines = new ArrayList<>();
    AtomicInteger[] admitted = new AtomicInteger[policies.size()];
    AtomicInteger[] attempts = new AtomicInteger[policies.size()];
    for (int i = 0; i < admitted.length; i++) {
      admitted[i] = new AtomicInteger();
      attempts[i] = new AtomicInteger();
    }
    AtomicInteger notStoreDecided = new AtomicInteger();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    long[] latency = new long[DECISIONS];
    AtomicInteger slot = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    try {
      for (int s = 0; s < STORES; s++) {
        RedisStore store = configure.apply(uri).build();
        stores.add(store);
        Sluice sluice = Sluice.builder().store(store).build();
        engines.add(sluice);
        List<Limiter> limiters = new ArrayList<>();
        for (Policy p : policies) {
          limiters.add(sluice.limiter(p));
        }
        for (int t = 0; t < THREADS; t++) {
          int offset = t;
          threads.add(new Thread(() -> {
            try {
              go.await();
              for (int k = 0; k < PER_THREAD; k++) {
                int p = (offset + k) % limiters.size();
                long start = System.nanoTime();
                Decision d = limiters.get(p).tryAcquire("k", 1);
                latency[slot.getAndIncrement()] = System.nanoTime() - start;
                attempts[p].incrementAndGet();
                if (!d.storeDecided()) {
                  notStoreDecided.incrementAndGet();
                } else if (d.allowed()) {
                  admitted[p].incrementAndGet();
                }
              }
            } catch (Throwable e) {
              thrown.compareAndSet(null, e);
            }
          }, "burst-" + s + "-" + t));
        }
      }
      threads.forEach(Thread::start);
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(thrown.get()).as("thrown by a decision").isNull();
      long[] a = new long[policies.size()];
      long[] n = new long[policies.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = admitted[i].get();
        n[i] = attempts[i].get();
      }
      FailureCounts f = stores.get(0).failures();
      return new Burst(a, n, notStoreDecided.get(), latency, f);
    } finally {
      engines.forEach(Sluice::close);
      stores.forEach(RedisStore::close);
    }
  }

  @Test
  void aColdBurstOnFreshDefaultStoresIsDecidedByRedisExactly() throws InterruptedException {
    try (RedisServer server = RedisServer.start()) {
      Burst b = burst(server.uri(), RedisStore::standalone);
      assertThat(b.notStoreDecided()).as("decisions not made by Redis (failures of store 0: %s)", b.failures())
          .isZero();
      // thread t of each store starts its cycle through the three policies at policy t % 3
      assertThat(b.attempts()).containsExactly(3_416, 3_412, 3_412);
      assertThat(b.admitted()).containsExactly(500, 700, 3_412);
    }
  }

  /** The seed scenario: a fresh store, limit 30, 100 parallel requests from 8 threads, 10 times. */
  @Test
  void aFreshStoreAdmitsExactlyTheLimitOfAParallelBurst() throws InterruptedException {
    for (int round = 0; round < 10; round++) {
      try (RedisServer server = RedisServer.start();
          RedisStore store = RedisStore.standalone(server.uri()).build();
          Sluice sluice = Sluice.builder().store(store).build()) {
        Limiter limiter = sluice.limiter(TokenBucket.of("seed", 30, 1, Duration.ofDays(1)));
        AtomicInteger next = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger notStoreDecided = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          threads.add(new Thread(() -> {
            try {
              go.await();
            } catch (InterruptedException e) {
              return;
            }
            while (next.getAndIncrement() < 100) {
              Decision d = limiter.tryAcquire("client", 1);
              if (!d.storeDecided()) {
                notStoreDecided.incrementAndGet();
              } else if (d.allowed()) {
                admitted.incrementAndGet();
              }
            }
          }));
        }
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread t : threads) {
          t.join();
        }
        assertThat(notStoreDecided.get()).as("round %d: not decided by Redis (%s)", round, store.failures()).isZero();
        assertThat(admitted.get()).as("round %d: admitted", round).isEqualTo(30);
      }
    }
  }

  /**
   * Opt-in measurement behind the default deadline: {@code -Dsluice.redis.coldBurst.rounds=N}
   * runs the cold burst N times with a 10 s deadline (so nothing is cut off) and prints the
   * latency distribution of all decisions and of the slowest decision of each round. Asserts
   * nothing about time.
   */
  @Test
  @EnabledIfSystemProperty(named = "sluice.redis.coldBurst.rounds", matches = "\\d+")
  void measureColdBurst() throws InterruptedException {
    int rounds = Integer.getInteger("sluice.redis.coldBurst.rounds");
    List<long[]> all = new ArrayList<>();
    long[] worst = new long[rounds];
    for (int r = 0; r < rounds; r++) {
      try (RedisServer server = RedisServer.start()) {
        Burst b = burst(server.uri(), uri -> RedisStore.standalone(uri).commandTimeout(Duration.ofSeconds(10)));
        assertThat(b.notStoreDecided()).isZero();
        long[] l = b.latencyNanos().clone();
        Arrays.sort(l);
        worst[r] = l[l.length - 1];
        all.add(l);
        System.out.printf("cold burst round %d: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n", r,
            ms(l, 0.50), ms(l, 0.99), ms(l, 0.999), l[l.length - 1] / 1e6);
      }
    }
    long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    Arrays.sort(worst);
    System.out.printf("cold burst, %d rounds x %d decisions: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms,"
            + " p99.99 %.2f ms, max %.2f ms; slowest per round: median %.2f ms, max %.2f ms%n",
        rounds, DECISIONS, ms(merged, 0.50), ms(merged, 0.90), ms(merged, 0.99), ms(merged, 0.999),
        ms(merged, 0.9999), merged[merged.length - 1] / 1e6, worst[worst.length / 2] / 1e6,
        worst[worst.length - 1] / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
  }
}
