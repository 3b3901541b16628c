package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Concurrency leases under contention; the single-threaded cases are in LeasesConformance. */
class LeasesTest {

  private static final long S = 1_000_000_000L;
  private final ManualClock clock = new ManualClock(1_700_000_000L * S);
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final Concurrency scans = Concurrency.of("scans", 5, Duration.ofMinutes(10));

  @Test
  void sixteenThreadsNeverHoldMoreThanFiveSlots() throws Exception {
    Leases leases = sluice.leases(scans);
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
}
