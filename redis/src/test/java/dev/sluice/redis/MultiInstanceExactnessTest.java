package dev.sluice.redis;

import dev.sluice.spi.FailurePolicy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.Lease;
import dev.sluice.Leases;
import java.util.Optional;
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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Four independent limiter instances (each its own store and Lettuce client, as four application
 * instances would be) with 16 threads each, on one key with limit L, on the Redis server's time:
 * exactly L are admitted, with and without coalescing.
 */
class MultiInstanceExactnessTest {
  static final int INSTANCES = 4;
  static final int THREADS = 16;
  static final int LIMIT = 300;
  static final int ATTEMPTS_PER_THREAD = 12; // 4 * 16 * 12 = 768 attempts

  static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static List<Policy> policies(String tag) {
    return List.of(
        TokenBucket.of("tb-" + tag, LIMIT, 1, Duration.ofHours(1)),
        FixedWindow.of("fw-" + tag, LIMIT, Window.of(Duration.ofHours(1))),
        SlidingLog.of("sl-" + tag, LIMIT, Duration.ofHours(1)));
  }

  /** Four application instances: each its own store and Lettuce client, and an engine on it. */
  static final class Instances implements AutoCloseable {
    final List<RedisStore> stores = new ArrayList<>();
    final List<Sluice> engines = new ArrayList<>();

    /** Instance {@code i} coalesces if {@code coalescing.test(i)}; failures are answered closed. */
    Instances(java.util.function.IntPredicate coalescing) {
      for (int i = 0; i < INSTANCES; i++) {
        RedisStore s = RedisStore.standalone(server.uri()).coalescing(coalescing.test(i))
            .failure(FailurePolicy.closed()).commandTimeout(Duration.ofSeconds(10)).build();
        stores.add(s);
        engines.add(Sluice.builder().store(s).build());
      }
    }

    long failures() {
      return stores.stream().mapToLong(s -> s.failures().total()).sum();
    }

    @Override
    public void close() {
      engines.forEach(Sluice::close); // each closes its store
    }
  }

  @ParameterizedTest(name = "coalescing={0}")
  @ValueSource(booleans = {false, true})
  void exactlyTheLimitIsAdmittedAcrossInstances(boolean coalescing) throws Exception {
    try (Instances instances = new Instances(i -> coalescing)) {
      List<Sluice> engines = instances.engines;
      for (Policy policy : policies("c" + coalescing)) {
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger denied = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (Sluice engine : engines) {
          Limiter limiter = engine.limiter(policy);
          for (int t = 0; t < THREADS; t++) {
            Thread th = new Thread(() -> {
              try {
                go.await();
                for (int a = 0; a < ATTEMPTS_PER_THREAD; a++) {
                  Decision d = limiter.tryAcquire("hot", 1);
                  if (d.allowed()) {
                    admitted.incrementAndGet();
                  } else {
                    assertThat(d.reason()).isEqualTo(Decision.Reason.LIMITED);
                    denied.incrementAndGet();
                  }
                }
              } catch (Throwable e) {
                error.compareAndSet(null, e);
              }
            });
            th.start();
            threads.add(th);
          }
        }
        go.countDown();
        for (Thread th : threads) {
          th.join();
        }
        assertThat(error.get()).as(policy.name()).isNull();
        assertThat(admitted.get()).as(policy.name()).isEqualTo(LIMIT);
        assertThat(denied.get()).as(policy.name()).isEqualTo(INSTANCES * THREADS * ATTEMPTS_PER_THREAD - LIMIT);
      }
      assertThat(instances.failures()).isZero();
    }
  }

  /**
   * Leases across four instances x 16 threads: never more than N held at once. Each thread holds
   * a lease for a moment, counting holders up after the grant and down before the release, so
   * the count never exceeds what Redis holds at that moment: seeing more than N would mean Redis
   * granted more.
   */
  @Test
  void leasesNeverExceedTheLimitAcrossInstances() throws Exception {
    int n = 5;
    Concurrency policy = Concurrency.of("leases-exact", n, Duration.ofMinutes(1));
    try (Instances instances = new Instances(i -> i % 2 == 0)) {
      List<Sluice> engines = instances.engines;
      AtomicInteger holding = new AtomicInteger();
      AtomicInteger most = new AtomicInteger();
      AtomicInteger granted = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      AtomicReference<Throwable> error = new AtomicReference<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (Sluice engine : engines) {
        Leases leases = engine.leases(policy);
        for (int t = 0; t < THREADS; t++) {
          Thread th = new Thread(() -> {
            try {
              go.await();
              for (int a = 0; a < 25; a++) {
                Optional<Lease> lease = leases.tryAcquire("shared");
                if (lease.isEmpty()) {
                  refused.incrementAndGet();
                  continue;
                }
                granted.incrementAndGet();
                most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                Thread.sleep(1);
                holding.decrementAndGet();
                lease.get().release();
              }
            } catch (Throwable e) {
              error.compareAndSet(null, e);
            }
          });
          th.start();
          threads.add(th);
        }
      }
      go.countDown();
      for (Thread th : threads) {
        th.join();
      }
      assertThat(error.get()).isNull();
      assertThat(most.get()).isBetween(1, n);
      assertThat(granted.get()).isGreaterThanOrEqualTo(n);
      assertThat(refused.get()).isPositive(); // 64 threads for 5 slots: there was contention
      assertThat(engines.get(0).leases(policy).held("shared")).isZero();
      assertThat(instances.failures()).isZero();
    }
  }
}
