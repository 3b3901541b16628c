package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Algorithm;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every public entry point of the leases and budgets API ({@link Concurrency}, {@link Budget},
 * {@link Leases}, {@link Lease}, {@link Budgets}, {@link Reservation}, {@link QuotaExceeded}, and
 * the hold operations of {@link Partition#apply}) refuses bad input with an exception whose message
 * names the field and the value, and a refused call changes nothing: no usage, no listener call, no
 * key taken in the store.
 */
class QuotaValidationTest {

  private static final long MAX = 1L << 62;
  private static final long NOW = 1_700_000_000_000_000_000L;
  private static final Duration S = Duration.ofSeconds(1);
  private static final Duration HOUR = Duration.ofHours(1);
  /** One nanosecond more than the longest duration a policy accepts. */
  private static final Duration TOO_LONG = Duration.ofNanos(MAX + 1);
  private static final String TOO_LONG_KEY = "x".repeat(513);

  private static void refused(ThrowingCallable call, String... fragments) {
    var a = assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
    for (String f : fragments) {
      a.hasMessageContaining(f);
    }
  }

  private static void refusedAndCollected(List<ThrowingCallable> calls, ThrowingCallable call, String... fragments) {
    refused(call, fragments);
    calls.add(call);
  }

  /** An engine on a manual clock that counts what its listener hears. */
  private static final class Engine {
    final ManualClock clock = new ManualClock(NOW);
    final AtomicInteger heard = new AtomicInteger();
    final Sluice sluice = Sluice.builder().clock(clock).listener((op, k, c, d) -> heard.incrementAndGet()).build();
  }

  // ---------------------------------------------------------------- policies

  @Test
  void concurrencyPolicy() {
    List<ConcurrencyFactory> factories = List.of(Concurrency::new, Concurrency::of);
    for (ConcurrencyFactory f : factories) {
      refused(() -> f.make(null, 1, S), "name must not be null");
      refused(() -> f.make("", 1, S), "name ''", "1 to 128 characters");
      refused(() -> f.make(" ", 1, S), "name ' '", "not blank");
      refused(() -> f.make("x".repeat(129), 1, S), "name '" + "x".repeat(129) + "'", "128 characters");
      refused(() -> f.make("c", 0, S), "limit (0) must be positive");
      refused(() -> f.make("c", -1, S), "limit (-1) must be positive");
      refused(() -> f.make("c", Long.MIN_VALUE, S), "limit (" + Long.MIN_VALUE + ") must be positive");
      refused(() -> f.make("c", Concurrency.MAX_LIMIT + 1, S), "limit (10001) must not exceed 10000");
      refused(() -> f.make("c", Long.MAX_VALUE, S), "limit (" + Long.MAX_VALUE + ") must not exceed 10000");
      refused(() -> f.make("c", 1, null), "leaseTtl must not be null");
      refused(() -> f.make("c", 1, Duration.ZERO), "leaseTtl (PT0S) must be positive");
      refused(() -> f.make("c", 1, Duration.ofSeconds(-1)), "leaseTtl (PT-1S) must be positive");
      refused(() -> f.make("c", 1, Duration.ofNanos(-1)), "leaseTtl (PT-0.000000001S) must be positive");
      refused(() -> f.make("c", 1, TOO_LONG), "leaseTtl (" + TOO_LONG + ") exceeds the maximum", "2^62");
      // The bounds themselves are accepted.
      assertThat(f.make("x".repeat(128), Concurrency.MAX_LIMIT, Duration.ofNanos(MAX)).limit())
          .isEqualTo(Concurrency.MAX_LIMIT);
      assertThat(f.make("c", 1, Duration.ofNanos(1)).leaseTtl()).isEqualTo(Duration.ofNanos(1));
    }
  }

  @FunctionalInterface
  private interface ConcurrencyFactory {
    Concurrency make(String name, long limit, Duration leaseTtl);
  }

  @Test
  void budgetPolicy() {
    Window day = Window.day();
    refused(() -> new Budget(null, 1, day, HOUR, 1), "name must not be null");
    refused(() -> new Budget("", 1, day, HOUR, 1), "name ''", "1 to 128 characters");
    refused(() -> new Budget("\t", 1, day, HOUR, 1), "name '\t'", "not blank");
    refused(() -> new Budget("b", 0, day, HOUR, 1), "limit (0) must be positive");
    refused(() -> new Budget("b", -1, day, HOUR, 1), "limit (-1) must be positive");
    refused(() -> new Budget("b", Long.MIN_VALUE, day, HOUR, 1), "limit (" + Long.MIN_VALUE + ") must be positive");
    refused(() -> new Budget("b", 1, null, HOUR, 1), "period must not be null");
    refused(() -> new Budget("b", 1, day, null, 1), "reservationTtl must not be null");
    refused(() -> new Budget("b", 1, day, Duration.ZERO, 1), "reservationTtl (PT0S) must be positive");
    refused(() -> new Budget("b", 1, day, Duration.ofMinutes(-5), 1), "reservationTtl (PT-5M) must be positive");
    refused(() -> new Budget("b", 1, day, TOO_LONG, 1), "reservationTtl (" + TOO_LONG + ") exceeds the maximum");
    refused(() -> new Budget("b", 1, day, HOUR, 0), "maxReservations (0) must be within [1, 10000]");
    refused(() -> new Budget("b", 1, day, HOUR, -1), "maxReservations (-1) must be within [1, 10000]");
    refused(() -> new Budget("b", 1, day, HOUR, Integer.MIN_VALUE), "maxReservations (" + Integer.MIN_VALUE + ")");
    refused(() -> new Budget("b", 1, day, HOUR, Budget.MAX_RESERVATIONS + 1), "maxReservations (10001) must be within [1, 10000]");
    refused(() -> new Budget("b", 1, day, HOUR, Integer.MAX_VALUE), "maxReservations (" + Integer.MAX_VALUE + ")");
    // The factories check the same.
    refused(() -> Budget.of(null, 1, day), "name must not be null");
    refused(() -> Budget.of("b", 0, day), "limit (0) must be positive");
    refused(() -> Budget.of("b", 1, null), "period must not be null");
    refused(() -> Budget.daily("b", -3), "limit (-3) must be positive");
    refused(() -> Budget.daily(" ", 1), "name ' '");
    // The copies refuse too, and leave the original alone.
    Budget b = Budget.of("b", 10, Window.day(ZoneId.of("Europe/Prague")));
    refused(() -> b.withReservationTtl(null), "reservationTtl must not be null");
    refused(() -> b.withReservationTtl(Duration.ofSeconds(-1)), "reservationTtl (PT-1S) must be positive");
    refused(() -> b.withMaxReservations(0), "maxReservations (0) must be within [1, 10000]");
    refused(() -> b.withMaxReservations(10_001), "maxReservations (10001)");
    assertThat(b.reservationTtl()).isEqualTo(Budget.DEFAULT_RESERVATION_TTL);
    assertThat(b.maxReservations()).isEqualTo(Budget.DEFAULT_MAX_RESERVATIONS);
    // The bounds themselves are accepted.
    assertThat(new Budget("b", Long.MAX_VALUE, day, Duration.ofNanos(MAX), Budget.MAX_RESERVATIONS).maxReservations())
        .isEqualTo(Budget.MAX_RESERVATIONS);
    assertThat(new Budget("b", 1, day, Duration.ofNanos(1), 1).maxReservations()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- engine

  @Test
  void sluiceEntryPoints() {
    Engine e = new Engine();
    Concurrency c = Concurrency.of("scans", 5, HOUR);
    refused(() -> e.sluice.leases(null), "policy must not be null");
    refused(() -> e.sluice.budget(null), "policy must not be null");
    refused(() -> e.sluice.acquireLease(null, "k"), "policy must not be null");
    refused(() -> e.sluice.acquireLease(c, null), "key must not be null");
    refused(() -> e.sluice.acquireLease(c, ""), "key ''", "(was 0)");
    // A Concurrency policy has no limiter: its slots must be given back, which leases do.
    refused(() -> e.sluice.limiter(c), "Concurrency policy 'scans'", "leases", "Sluice.leases(policy)");
    assertThat(e.heard).hasValue(0);
    assertThat(e.sluice.leases(c).held("k")).isZero();
    // The refused limiter() did not stand in the way of leases on the same policy.
    try (Lease lease = e.sluice.acquireLease(c, "k")) {
      assertThat(e.sluice.leases(c).held("k")).isEqualTo(1);
    }
    assertThat(e.sluice.leases(c).held("k")).isZero();
  }

  // ---------------------------------------------------------------- leases

  @Test
  void leasesRefuseBadInputAndChangeNothing() {
    Engine e = new Engine();
    Leases leases = e.sluice.leases(Concurrency.of("scans", 5, HOUR));
    Lease held = leases.acquire("k", 2);
    int before = e.heard.get();
    List<ThrowingCallable> calls = new ArrayList<>();
    for (Object key : new Object[] {"k", "new-key"}) {
      for (long bad : new long[] {0, -1, Long.MIN_VALUE}) {
        refusedAndCollected(calls, () -> leases.acquire(key, bad), "slots (" + bad + ") must be positive");
      }
      refusedAndCollected(calls, () -> leases.peek(key, -1), "cost (-1) must not be negative");
    }
    for (Object key : new Object[] {null, "", TOO_LONG_KEY}) {
      String msg = key == null ? "key must not be null" : "key '";
      refusedAndCollected(calls, () -> leases.acquire(key), msg);
      refusedAndCollected(calls, () -> leases.acquire(key, 1), msg);
      refusedAndCollected(calls, () -> leases.tryAcquire(key), msg);
      refusedAndCollected(calls, () -> leases.peek(key, 1), msg);
      refusedAndCollected(calls, () -> leases.held(key), msg);
      refusedAndCollected(calls, () -> leases.reset(key), msg);
    }
    // A bad key wins over bad slots.
    refusedAndCollected(calls, () -> leases.acquire(null, 0), "key must not be null");
    refusedAndCollected(calls, () -> leases.acquire("", -1), "key ''");
    for (ThrowingCallable c : calls) {
      assertThatThrownBy(c).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(leases.held("k")).isEqualTo(2);
    assertThat(leases.held("new-key")).isZero();
    assertThat(e.heard.get() - before).as("listener calls for refused calls").isZero();
    // The lease held before is unaffected: it renews and releases as usual.
    assertThat(held.renew()).isTrue();
    held.release();
    assertThat(leases.held("k")).isZero();
  }

  @Test
  void aLeaseBiggerThanTheLimitIsDeniedNotRefused() {
    // slots > limit is legal input that can never be admitted: a denial saying never, not an
    // IllegalArgumentException, and nothing held.
    Engine e = new Engine();
    Leases leases = e.sluice.leases(Concurrency.of("scans", 5, HOUR));
    assertThatThrownBy(() -> leases.acquire("k", 6))
        .isInstanceOfSatisfying(QuotaExceededException.class, ex -> {
          assertThat(ex.quota().kind()).isEqualTo(QuotaExceeded.Kind.CONCURRENCY);
          assertThat(ex.quota().retryAfterNanos()).isEqualTo(Decision.NEVER);
          assertThat(ex.quota().limit()).isEqualTo(5);
        });
    assertThat(leases.held("k")).isZero();
  }

  @Test
  void releasingTwiceAndRenewingAfterReleaseChangeNothing() {
    Engine e = new Engine();
    Leases leases = e.sluice.leases(Concurrency.of("scans", 2, HOUR));
    Lease a = leases.acquire("k");
    Lease b = leases.acquire("k");
    a.release();
    a.release();
    a.close();
    assertThat(leases.held("k")).isEqualTo(1); // b's slot is still held: a freed only its own
    assertThat(a.renew()).isFalse();
    assertThat(a.released()).isTrue();
    assertThat(leases.held("k")).isEqualTo(1);
    b.close();
    assertThat(leases.held("k")).isZero();
  }

  // ---------------------------------------------------------------- budgets and reservations

  @Test
  void budgetsRefuseBadInputAndChangeNothing() {
    Engine e = new Engine();
    Budgets budgets = e.sluice.budget(Budget.of("bytes", 100, Window.of(HOUR)));
    budgets.record("k", 10);
    Reservation open = budgets.reserve("k", 20);
    int before = e.heard.get();
    List<ThrowingCallable> calls = new ArrayList<>();
    for (Object key : new Object[] {"k", "new-key"}) {
      for (long bad : new long[] {0, -1, Long.MIN_VALUE}) {
        refusedAndCollected(calls, () -> budgets.reserve(key, bad), "estimate (" + bad + ") must be positive");
        refusedAndCollected(calls, () -> budgets.tryReserve(key, bad), "estimate (" + bad + ") must be positive");
      }
      for (long bad : new long[] {-1, Long.MIN_VALUE}) {
        refusedAndCollected(calls, () -> budgets.record(key, bad), "cost (" + bad + ") must not be negative");
        refusedAndCollected(calls, () -> budgets.refund(key, bad), "cost (" + bad + ") must not be negative");
      }
    }
    for (Object key : new Object[] {null, "", TOO_LONG_KEY}) {
      String msg = key == null ? "key must not be null" : "key '";
      refusedAndCollected(calls, () -> budgets.check(key), msg);
      refusedAndCollected(calls, () -> budgets.denial(key), msg);
      refusedAndCollected(calls, () -> budgets.record(key, 1), msg);
      refusedAndCollected(calls, () -> budgets.reserve(key, 1), msg);
      refusedAndCollected(calls, () -> budgets.tryReserve(key, 1), msg);
      refusedAndCollected(calls, () -> budgets.usage(key), msg);
      refusedAndCollected(calls, () -> budgets.refund(key, 1), msg);
      refusedAndCollected(calls, () -> budgets.reset(key), msg);
    }
    refusedAndCollected(calls, () -> budgets.reserve(null, 0), "key must not be null");
    for (ThrowingCallable c : calls) {
      assertThatThrownBy(c).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(budgets.usage("k").used()).isEqualTo(30);
    assertThat(budgets.usage("new-key").used()).isZero();
    assertThat(e.heard.get() - before).as("listener calls for refused calls").isZero();
    assertThat(open.closed()).isFalse();
    assertThat(open.settle(5).used()).isEqualTo(15);
  }

  @Test
  void reservationSettleAndCancel() {
    Engine e = new Engine();
    Budgets budgets = e.sluice.budget(Budget.of("bytes", 100, Window.of(HOUR)));
    Reservation r = budgets.reserve("k", 40);
    assertThat(budgets.usage("k").used()).isEqualTo(40);

    // A negative actual is refused and leaves the reservation open, its estimate held.
    refused(() -> r.settle(-1), "actual (-1) must not be negative");
    refused(() -> r.settle(Long.MIN_VALUE), "actual (" + Long.MIN_VALUE + ") must not be negative");
    assertThat(r.closed()).isFalse();
    assertThat(budgets.usage("k").used()).isEqualTo(40);

    // Settled once: the real cost replaces the estimate.
    assertThat(r.settle(25).used()).isEqualTo(25);
    assertThat(r.closed()).isTrue();
    int heard = e.heard.get();

    // Twice: refused, naming the reservation's state; nothing charged again.
    assertThatThrownBy(() -> r.settle(25)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reservation " + r.id()).hasMessageContaining("key 'k'")
        .hasMessageContaining("already settled");
    assertThatThrownBy(() -> r.settle(0)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already settled");
    // A bad actual after settling is refused for the actual, before the state is looked at.
    refused(() -> r.settle(-5), "actual (-5) must not be negative");
    // Cancel, close and renew after settle: no-ops.
    r.cancel();
    r.close();
    assertThat(r.renew()).isFalse();
    assertThat(budgets.usage("k").used()).isEqualTo(25);
    assertThat(e.heard.get()).as("settled: cancel/close/renew reach no store").isEqualTo(heard);

    // Cancelled first: the estimate comes back once; settle is refused naming "cancelled".
    Reservation c = budgets.reserve("k", 30);
    assertThat(budgets.usage("k").used()).isEqualTo(55);
    c.cancel();
    c.cancel();
    c.close();
    assertThat(budgets.usage("k").used()).isEqualTo(25);
    assertThatThrownBy(() -> c.settle(1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already cancelled");
    assertThat(budgets.usage("k").used()).isEqualTo(25);
  }

  @Test
  void aReservationAboveTheLimitIsDeniedNotRefused() {
    Engine e = new Engine();
    Budgets budgets = e.sluice.budget(Budget.of("bytes", 100, Window.of(HOUR)));
    assertThatThrownBy(() -> budgets.reserve("k", 101))
        .isInstanceOfSatisfying(QuotaExceededException.class, ex -> {
          assertThat(ex.quota().kind()).isEqualTo(QuotaExceeded.Kind.BUDGET);
          assertThat(ex.quota().retryAfterNanos()).isEqualTo(Decision.NEVER);
        });
    assertThat(budgets.tryReserve("k", 101)).isEmpty();
    assertThat(budgets.usage("k").used()).isZero();
  }

  // ---------------------------------------------------------------- QuotaExceeded

  @Test
  void quotaExceededFields() {
    var kind = QuotaExceeded.Kind.BUDGET;
    refused(() -> new QuotaExceeded(null, "p", "k", 0, 1, 0), "kind must not be null");
    refused(() -> new QuotaExceeded(kind, null, "k", 0, 1, 0), "policy must not be null");
    refused(() -> new QuotaExceeded(kind, "p", null, 0, 1, 0), "key must not be null");
    refused(() -> new QuotaExceeded(kind, "p", "k", -1, 1, 0), "current (-1) must not be negative");
    refused(() -> new QuotaExceeded(kind, "p", "k", Long.MIN_VALUE, 1, 0), "current (" + Long.MIN_VALUE + ")");
    refused(() -> new QuotaExceeded(kind, "p", "k", 0, 0, 0), "limit (0) must be positive");
    refused(() -> new QuotaExceeded(kind, "p", "k", 0, -1, 0), "limit (-1) must be positive");
    refused(() -> new QuotaExceeded(kind, "p", "k", 0, 1, -1), "retryAfterNanos (-1) must not be negative");
    refused(() -> new QuotaExceeded(kind, "p", "k", 0, 1, Long.MIN_VALUE), "retryAfterNanos (" + Long.MIN_VALUE + ")");
    // current may exceed the limit (a budget's overshoot), and retryAfter may be never.
    QuotaExceeded q = new QuotaExceeded(kind, "p", "k", 7, 5, Decision.NEVER);
    assertThat(q.current()).isEqualTo(7);
    assertThat(q.retryAfterSeconds()).isEqualTo(Long.MAX_VALUE / 1_000_000_000L);

    Policy p = Concurrency.of("c", 5, HOUR);
    Decision denial = Decision.of(p, Decision.Reason.LIMITED, 5, 0, 10, 10);
    refused(() -> QuotaExceeded.of(null, "k"), "decision must not be null");
    refused(() -> QuotaExceeded.of(denial, null), "key must not be null");
    Decision allowed = Decision.of(p, Decision.Reason.ALLOWED, 1, 4, 0, 10);
    refused(() -> QuotaExceeded.of(allowed, "k"), "decision " + allowed, "is not a denial");
    assertThat(QuotaExceeded.of(denial, "k").kind()).isEqualTo(QuotaExceeded.Kind.CONCURRENCY);
    assertThatThrownBy(() -> new QuotaExceededException(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("quota must not be null");
  }

  // ---------------------------------------------------------------- the store: hold operations

  /**
   * A store with room for exactly {@code free} more keys (over all policies) and its full-store
   * sweep already spent, so a refused call that took a key (even an empty one) leaves one room
   * less than expected.
   */
  private static final class Room {
    final ManualClock clock = new ManualClock(NOW);
    final Store store;
    final Concurrency fill = Concurrency.of("fill", 10, Duration.ofDays(1));
    final Partition filler;

    Room(int free) {
      store = InMemory.builder().clock(clock).maxKeys(2 + free).idleSweepInterval(Duration.ofDays(1))
          .fullSweepInterval(Duration.ofDays(1)).build();
      filler = store.partition(fill);
      assertThat(filler.apply("a", 1, Operation.HOLD, 1).allowed()).isTrue();
      for (int i = 0; i <= free; i++) {
        assertThat(filler.apply("idle" + i, 1, Operation.HOLD, 2).allowed()).isTrue();
        filler.apply("idle" + i, 0, Operation.RELEASE, 2); // idle: a sweep forgets it
      }
      // Full: this new key sweeps the idle ones out (spending the sweep for a day) and takes a key.
      assertThat(filler.apply("d", 1, Operation.HOLD, 4).allowed()).isTrue();
    }

    /** Exactly one key is free: one new key gets in, the next is turned away. */
    void assertExactlyOneKeyFree() {
      assertThat(filler.apply("e", 1, Operation.HOLD, 5).reason()).as("one more key").isEqualTo(Decision.Reason.ALLOWED);
      assertThat(filler.apply("f", 1, Operation.HOLD, 6).reason()).as("and no more").isEqualTo(Decision.Reason.STORE_FULL);
    }
  }

  @Test
  void theStoreFullProbeWorks() {
    Room room = new Room(1);
    room.store.partition(Concurrency.of("other", 1, HOUR)).apply("leaked", 0, Operation.RESET, 0); // takes no key
    room.assertExactlyOneKeyFree();
    Room taken = new Room(1);
    taken.store.partition(Concurrency.of("other", 1, HOUR)).apply("leaked", 1, Operation.HOLD, 9); // takes one
    assertThat(taken.filler.apply("e", 1, Operation.HOLD, 5).reason()).isEqualTo(Decision.Reason.STORE_FULL);
  }

  @Test
  void partitionApplyRefusesBadHoldsAndUnsupportedOperationsAndChangesNothing() {
    Room room = new Room(3); // two for the holds below, one left
    Concurrency c = Concurrency.of("c", 5, HOUR);
    Budget b = Budget.of("b", 100, Window.of(HOUR));
    Partition pc = room.store.partition(c);
    Partition pb = room.store.partition(b);
    assertThat(pc.apply("d", 2, Operation.HOLD, 11).allowed()).isTrue();
    assertThat(pb.apply("d", 30, Operation.HOLD, 11).allowed()).isTrue();

    for (Partition p : List.of(pc, pb)) {
      for (String key : List.of("d", "new")) {
        // A hold holds something.
        refused(() -> p.apply(key, 0, Operation.HOLD, 12), "cost (0) must be positive for a hold");
        // Ids are positive, for every operation that takes one.
        for (Operation op : List.of(Operation.HOLD, Operation.RENEW, Operation.RELEASE, Operation.SETTLE)) {
          refused(() -> p.apply(key, 1, op, 0), "id (0) must be positive");
          refused(() -> p.apply(key, 1, op, -1), "id (-1) must be positive");
          refused(() -> p.apply(key, 1, op, Long.MIN_VALUE), "id (" + Long.MIN_VALUE + ") must be positive");
        }
        refused(() -> p.apply(key, -1, Operation.HOLD, 12), "cost (-1) must not be negative");
      }
      // A HOLD of an id live on the key is refused.
      refused(() -> p.apply("d", 1, Operation.HOLD, 11), "id (11) is already held on this key");
    }
    // Concurrency takes slots only by HOLD: the operations without an id (but PEEK and RESET),
    // and SETTLE, do not apply.
    for (Operation op : List.of(Operation.ACQUIRE, Operation.RESERVE, Operation.RECORD, Operation.REFUND)) {
      for (String key : List.of("d", "new")) {
        refused(() -> pc.apply(key, 1, op, 0), "operation " + op + " does not apply to Concurrency policy 'c'");
      }
    }
    refused(() -> pc.apply("d", 1, Operation.SETTLE, 11), "operation SETTLE does not apply to Concurrency policy 'c'");
    refused(() -> pc.apply("new", 1, Operation.SETTLE, 11), "operation SETTLE does not apply");
    // Rate limits hold nothing under an id: packed and rational token buckets, windows, logs, counters.
    List<Policy> rates = List.of(
        TokenBucket.of("t", 5, 1, S), TokenBucket.of("t3", 5, 3, S), FixedWindow.of("w", 5, Window.of(S)),
        SlidingLog.of("l", 5, S), SlidingCounter.of("s", 5, S));
    for (Policy rate : rates) {
      Partition p = room.store.partition(rate);
      String type = rate.getClass().getSimpleName();
      for (Operation op : List.of(Operation.HOLD, Operation.RENEW, Operation.RELEASE, Operation.SETTLE)) {
        for (String key : List.of("d", "new")) {
          refused(() -> p.apply(key, 1, op, 1), "operation " + op + " does not apply to " + type + " policy '" + rate.name() + "'");
        }
        refused(() -> Algorithm.of(rate).step(null, NOW, 1, op, 1), "operation " + op + " does not apply to " + type);
      }
    }
    // The same refusals from the pure function.
    Algorithm ac = Algorithm.of(c);
    refused(() -> ac.step(null, NOW, 1, Operation.ACQUIRE, 0), "operation ACQUIRE does not apply to Concurrency policy 'c'");
    refused(() -> ac.step(null, NOW, 0, Operation.HOLD, 1), "cost (0) must be positive for a hold");
    refused(() -> Algorithm.of(b).step(null, NOW, 0, Operation.HOLD, 1), "cost (0) must be positive for a hold");

    // Nothing changed: the holds made before are as they were, no key was taken.
    assertThat(pc.apply("d", 0, Operation.PEEK, 0).used()).isEqualTo(2);
    assertThat(pb.apply("d", 0, Operation.PEEK, 0).used()).isEqualTo(30);
    assertThat(pc.apply("new", 0, Operation.PEEK, 0).used()).isZero();
    assertThat(pb.apply("new", 0, Operation.PEEK, 0).used()).isZero();
    for (Policy rate : rates) {
      assertThat(room.store.partition(rate).apply("d", 0, Operation.PEEK, 0).remaining()).as(rate.name()).isEqualTo(5);
    }
    room.assertExactlyOneKeyFree();
  }

  @Test
  void apiRefusalsTakeNoKey() {
    Room room = new Room(1);
    Sluice sluice = Sluice.builder().clock(room.clock).store(room.store).build();
    Leases leases = sluice.leases(Concurrency.of("c", 5, HOUR));
    Budgets budgets = sluice.budget(Budget.of("b", 100, Window.of(HOUR)));
    refused(() -> leases.acquire("new", 0), "slots (0)");
    refused(() -> leases.acquire("new", -1), "slots (-1)");
    refused(() -> budgets.reserve("new", 0), "estimate (0)");
    refused(() -> budgets.tryReserve("new", -1), "estimate (-1)");
    refused(() -> budgets.record("new", -1), "cost (-1)");
    refused(() -> budgets.refund("new", -1), "cost (-1)");
    refused(() -> sluice.limiter(Concurrency.of("c", 5, HOUR)), "Sluice.leases(policy)");
    room.assertExactlyOneKeyFree();
  }

  // ---------------------------------------------------------------- multi-policy calls

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void tryAcquireAllRefusesAConcurrencyChargeAndLeavesNoCellLocked() {
    Engine e = new Engine();
    Concurrency c = Concurrency.of("c", 5, HOUR);
    Policy bucket = TokenBucket.of("t", 5, 1, HOUR); // one-long state
    Policy window = FixedWindow.of("w", 5, Window.of(HOUR)); // long[] state
    Budget budget = Budget.of("b", 5, Window.of(HOUR));
    Limiter lb = e.sluice.limiter(bucket);
    Limiter lw = e.sluice.limiter(window);
    Leases leases = e.sluice.leases(c);
    Budgets budgets = e.sluice.budget(budget);
    // Every key already has a cell, so a call that locked cells before refusing would leave them locked.
    lb.tryAcquire("k", 1);
    lw.tryAcquire("k", 1);
    budgets.record("k", 1);
    Lease lease = leases.acquire("k");
    int heard = e.heard.get();

    String msg = "operation ACQUIRE does not apply to Concurrency policy 'c'";
    refused(() -> e.sluice.tryAcquireAll(new Charge(c, "k", 1)), msg);
    refused(() -> e.sluice.tryAcquireAll(lb.charge("k", 1), lw.charge("k", 1), new Charge(c, "k", 1)), msg);
    refused(() -> e.sluice.tryAcquireAll(new Charge(c, "k", 1), lb.charge("k", 1)), msg);
    refused(() -> e.sluice.tryAcquireAll(List.of(new Charge(budget, "k", 1), lw.charge("k", 1), new Charge(c, "k", 1))), msg);
    refused(() -> e.sluice.tryAcquireAll(lb.charge("fresh", 1), new Charge(c, "fresh", 1)), msg);

    // Nothing charged, nobody told, and every cell still answers (a locked one would spin forever).
    assertThat(e.heard.get()).isEqualTo(heard);
    assertThat(lb.peek("k", 0).remaining()).isEqualTo(4);
    assertThat(lw.peek("k", 0).remaining()).isEqualTo(4);
    assertThat(budgets.usage("k").used()).isEqualTo(1);
    assertThat(leases.held("k")).isEqualTo(1);
    assertThat(lb.tryAcquire("k", 1).allowed()).isTrue();
    assertThat(lw.tryAcquire("k", 1).allowed()).isTrue();
    assertThat(lb.tryAcquire("fresh", 1).allowed()).isTrue();
    try (Lease second = leases.acquire("k")) {
      assertThat(leases.held("k")).isEqualTo(2);
    }
    lease.release();
    assertThat(leases.held("k")).isZero();
    assertThat(e.sluice.tryAcquireAll(lb.charge("k", 1), lw.charge("k", 1), new Charge(budget, "k", 1)).allowed()).isTrue();
    assertThat(lb.peek("k", 0).remaining()).isEqualTo(2);
    assertThat(budgets.usage("k").used()).isEqualTo(2);
  }
}
