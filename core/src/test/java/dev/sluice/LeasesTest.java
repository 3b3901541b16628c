package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** Concurrency leases: "at most 5 scans in flight per user". */
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

  @Test
  void aRejectionCarriesKindCurrentLimitAndTheEarliestExpiry() {
    Leases leases = sluice.leases(scans);
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(leases.acquire("alice"));
      clock.advance(Duration.ofMinutes(1)); // leases expire at +10, +11, ... +14 min
    }
    assertThatThrownBy(() -> leases.acquire("alice"))
        .isInstanceOf(QuotaExceededException.class)
        .satisfies(e -> {
          QuotaExceeded q = ((QuotaExceededException) e).quota();
          assertThat(q.kind()).isEqualTo(QuotaExceeded.Kind.CONCURRENCY);
          assertThat(q.policy()).isEqualTo("scans");
          assertThat(q.key()).isEqualTo("alice");
          assertThat(q.current()).isEqualTo(5);
          assertThat(q.limit()).isEqualTo(5);
          // now = +5 min; the first lease expires at +10 min
          assertThat(q.retryAfter()).isEqualTo(Duration.ofMinutes(5));
        })
        .hasMessageContaining("concurrency quota 'scans' exceeded for key 'alice': 5 of 5 used");
    assertThat(leases.tryAcquire("alice")).isEmpty();
    assertThat(leases.tryAcquire("bob")).isPresent(); // keys are separate
    held.get(2).release();
    try (Lease again = leases.acquire("alice")) {
      assertThat(again.id()).isNotIn(held.stream().map(Lease::id).toList());
    }
  }

  @Test
  void anAbandonedLeaseFreesItsSlotExactlyAtItsExpiry() {
    Leases leases = sluice.leases(Concurrency.of("one", 1, Duration.ofSeconds(30)));
    Lease abandoned = leases.acquire("k"); // its holder "dies": never released
    assertThat(abandoned.expiry()).isEqualTo(clock.instant().plusSeconds(30));
    clock.advanceNanos(30 * S - 1);
    assertThat(leases.tryAcquire("k")).isEmpty();
    clock.advanceNanos(1);
    Lease next = leases.acquire("k");
    assertThat(leases.held("k")).isEqualTo(1);
    // The dead holder wakes up: its renew fails, its release does not free the new holder's slot.
    assertThat(abandoned.renew()).isFalse();
    abandoned.release();
    abandoned.release();
    assertThat(leases.held("k")).isEqualTo(1);
    assertThat(leases.tryAcquire("k")).isEmpty();
    next.close();
    assertThat(leases.held("k")).isZero();
  }

  @Test
  void releaseIsIdempotentAndNeverDrivesTheCountNegative() {
    Leases leases = sluice.leases(scans);
    Lease a = leases.acquire("k");
    Lease b = leases.acquire("k");
    a.release();
    a.release();
    a.close();
    assertThat(a.released()).isTrue();
    assertThat(leases.held("k")).isEqualTo(1);
    b.close();
    b.release();
    assertThat(leases.held("k")).isZero();
    assertThat(leases.peek("k", 5).remaining()).isZero(); // 5 - (0 held + 5 asked)
    assertThat(leases.peek("k", 0).remaining()).isEqualTo(5);
  }

  @Test
  void renewExtendsTheLeaseByItsTtlFromNow() {
    Leases leases = sluice.leases(Concurrency.of("one", 1, Duration.ofSeconds(30)));
    Lease lease = leases.acquire("k");
    clock.advance(Duration.ofSeconds(20));
    assertThat(lease.renew()).isTrue();
    assertThat(lease.expiry()).isEqualTo(clock.instant().plusSeconds(30));
    clock.advance(Duration.ofSeconds(29));
    assertThat(leases.tryAcquire("k")).isEmpty(); // would have expired at +30 s without the renewal
    clock.advance(Duration.ofSeconds(1));
    assertThat(leases.tryAcquire("k")).isPresent();
    assertThat(lease.renew()).isFalse();
  }

  @Test
  void weightedLeasesAndTheLimiterRefusal() {
    Leases leases = sluice.leases(scans);
    Lease big = leases.acquire("k", 4);
    assertThat(leases.tryAcquire("k")).isPresent();
    assertThatThrownBy(() -> leases.acquire("k", 1)).isInstanceOf(QuotaExceededException.class);
    big.release();
    assertThat(leases.held("k")).isEqualTo(1);
    assertThatThrownBy(() -> leases.acquire("k", 6))
        .isInstanceOf(QuotaExceededException.class)
        .satisfies(e -> assertThat(((QuotaExceededException) e).quota().retryAfterNanos())
            .isEqualTo(Decision.NEVER));
    assertThatThrownBy(() -> sluice.limiter(scans))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use Sluice.leases(policy)");
    try (Lease viaEngine = sluice.acquireLease(scans, "other")) {
      assertThat(viaEngine.policy()).isEqualTo(scans);
    }
  }

  @Test
  void listenersSeeLeaseDecisions() {
    List<String> seen = new ArrayList<>();
    Sluice s = Sluice.builder().clock(clock)
        .listener((op, key, cost, d) -> seen.add(op + ":" + key + ":" + d.reason()))
        .build();
    Leases leases = s.leases(Concurrency.of("one", 1, Duration.ofSeconds(30)));
    try (Lease l = leases.acquire("k")) {
      leases.tryAcquire("k");
      l.renew();
    }
    assertThat(seen).containsExactly("acquireLease:k:ALLOWED", "acquireLease:k:LIMITED",
        "renewLease:k:ALLOWED", "releaseLease:k:ALLOWED");
  }
}
