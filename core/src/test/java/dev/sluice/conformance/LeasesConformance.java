package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.QuotaExceededException;
import dev.sluice.Sluice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Concurrency leases, "at most 5 scans in flight per user", on one thread: acquire, release,
 * renew, expiry at the exact instant (one tick before it the slot is still held), idempotent
 * release that never frees another holder's slot, weighted leases. The races are in
 * {@link ContendedConformance}.
 */
public abstract class LeasesConformance extends StoreConformance {

  protected final Concurrency scans = Concurrency.of("scans", 5, Duration.ofMinutes(10));

  @Test
  public void aRejectionCarriesKindCurrentLimitAndTheEarliestExpiry() {
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
          assertThat(q.kind()).isEqualTo(Policy.Kind.CONCURRENCY);
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

  /**
   * A clock stepping back a little keeps every lease longer; a step back longer than the TTL never
   * holds a slot for more than twice the TTL (it held 7 of 10 slots for the length of the step).
   */
  @Test
  public void aStepBackNeverHoldsALeaseForMoreThanTwoTtls() {
    Leases leases = sluice.leases(scans); // 5 slots, 10 minutes
    long t = clock.nanos();
    for (int i = 0; i < 5; i++) {
      leases.acquire("alice"); // abandoned: they expire at t + 10 min
    }
    // back 5 minutes: the leases count until t + 10 min, 15 minutes from now
    clock.set(t - 5 * MIN);
    assertThat(leases.peek("alice", 1).retryAfterNanos()).isEqualTo(15 * MIN);
    // back a day: brought back to now + 10 min, and written so
    clock.set(t - DAY);
    assertThat(leases.peek("alice", 1).retryAfterNanos()).isEqualTo(10 * MIN);
    assertThat(leases.tryAcquire("alice")).isEmpty();
    clock.set(t - DAY + 10 * MIN - r);
    assertThat(leases.held("alice")).isEqualTo(5);
    clock.set(t - DAY + 10 * MIN);
    assertThat(leases.held("alice")).isZero();
    assertThat(leases.tryAcquire("alice")).isPresent();
  }

  @Test
  public void anAbandonedLeaseFreesItsSlotExactlyAtItsExpiry() {
    Leases leases = sluice.leases(Concurrency.of("one", 1, Duration.ofSeconds(30)));
    Lease abandoned = leases.acquire("k"); // its holder "dies": never released
    assertThat(abandoned.expiry()).isEqualTo(clock.instant().plusSeconds(30));
    clock.advanceNanos(30 * S - r);
    assertThat(leases.tryAcquire("k")).isEmpty();
    clock.advanceNanos(r);
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
  public void releaseIsIdempotentAndNeverDrivesTheCountNegative() {
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
  public void renewExtendsTheLeaseByItsTtlFromNow() {
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
  public void weightedLeasesAndTheLimiterRefusal() {
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
  public void listenersSeeLeaseDecisions() {
    List<String> seen = new ArrayList<>();
    Sluice s = engine(clock, store, (op, key, cost, d) -> seen.add(op + ":" + key + ":" + d.reason()));
    Leases leases = s.leases(Concurrency.of("one", 1, Duration.ofSeconds(30)));
    try (Lease l = leases.acquire("k")) {
      leases.tryAcquire("k");
      l.renew();
    }
    assertThat(seen).containsExactly("ACQUIRE_LEASE:k:ALLOWED", "ACQUIRE_LEASE:k:LIMITED",
        "RENEW_LEASE:k:ALLOWED", "RELEASE_LEASE:k:ALLOWED");
  }

  @Test
  public void aRenewalOneTickBeforeTheDeadlineKeepsTheLeaseAtTheDeadlineItIsGone() {
    Leases leases = sluice.leases(Concurrency.of("one", 1, Duration.ofSeconds(30)));
    Lease lease = leases.acquire("k");
    clock.advanceNanos(30 * S - r);
    assertThat(lease.renew()).isTrue(); // now held until 60 s - r
    assertThat(lease.expiresAtNanos()).isEqualTo(clock.nanos() + 30 * S);
    clock.advanceNanos(30 * S - r);
    assertThat(leases.held("k")).isEqualTo(1);
    assertThat(leases.peek("k", 1).retryAfterNanos()).isEqualTo(r);
    clock.advanceNanos(r);
    assertThat(leases.held("k")).isZero();
    assertThat(lease.renew()).as("renewed at its deadline: gone").isFalse();
    assertThat(leases.tryAcquire("k")).isPresent();
  }

  @Test
  public void heldAndPeekReportTheSlotsAndTheEarliestExpiry() {
    Leases leases = sluice.leases(scans);
    Lease two = leases.acquire("k", 2);
    clock.advance(Duration.ofMinutes(3));
    Lease three = leases.acquire("k", 3);
    assertThat(leases.held("k")).isEqualTo(5);
    Decision d = leases.peek("k", 1);
    assertThat(d.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(d.used()).isEqualTo(5);
    assertThat(d.remaining()).isZero();
    assertThat(d.retryAfter()).isEqualTo(Duration.ofMinutes(7)); // the 2 slots expire first
    Decision four = leases.peek("k", 4);
    assertThat(four.retryAfter()).isEqualTo(Duration.ofMinutes(10)); // both must go
    assertThat(leases.peek("k", 6).reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_LIMIT);
    assertThat(leases.held("k")).isEqualTo(5);
    three.release();
    assertThat(leases.peek("k", 3).allowed()).isTrue();
    assertThat(leases.peek("k", 4).retryAfter()).isEqualTo(Duration.ofMinutes(7));
    two.release();
    assertThat(leases.peek("k", 0).used()).isZero();
  }

  @Test
  public void resetDropsEveryLeaseAndOldLeasesStayGone() {
    Leases leases = sluice.leases(scans);
    Lease a = leases.acquire("k", 2);
    Lease b = leases.acquire("k", 3);
    leases.reset("k");
    assertThat(leases.held("k")).isZero();
    Lease c = leases.acquire("k", 5);
    // The dropped leases neither renew nor free what the new holder took.
    assertThat(a.renew()).isFalse();
    b.release();
    assertThat(leases.held("k")).isEqualTo(5);
    assertThat(leases.tryAcquire("k")).isEmpty();
    c.release();
    assertThat(leases.held("k")).isZero();
    leases.reset("never-used");
    assertThat(leases.held("never-used")).isZero();
  }
}
