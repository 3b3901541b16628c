package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Command;
import dev.sluice.spi.Commands;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Every public entry point of the leases and budgets API ({@link Concurrency}, {@link Budget},
 * {@link Leases}, {@link Lease}, {@link Budgets}, {@link Reservation}, {@link QuotaExceeded}, and
 * the hold operations of {@link Partition#apply}) refuses bad input with an exception whose message
 * names the field and the value, and a refused call changes nothing: no usage, no listener call, no
 * key taken in the in-memory store. The refusals every store shares (leases, budgets, reservations,
 * multi-policy calls with a lease policy) are in {@code dev.sluice.conformance.ValidationConformance}.
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

  // ---------------------------------------------------------------- leases

  // ---------------------------------------------------------------- budgets and reservations

  // ---------------------------------------------------------------- QuotaExceeded

  @Test
  void quotaExceededFields() {
    var kind = Policy.Kind.BUDGET;
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
    assertThat(q.retryAfterSeconds()).as("no Retry-After for a request above the limit").isEmpty();

    Policy p = Concurrency.of("c", 5, HOUR);
    Decision denial = Decision.of(p, Decision.Reason.LIMITED, 5, 0, 10, 10);
    refused(() -> QuotaExceeded.of(null, "k"), "decision must not be null");
    refused(() -> QuotaExceeded.of(denial, null), "key must not be null");
    Decision allowed = Decision.of(p, Decision.Reason.ALLOWED, 1, 4, 0, 10);
    refused(() -> QuotaExceeded.of(allowed, "k"), "decision " + allowed, "is not a denial");
    assertThat(QuotaExceeded.of(denial, "k").kind()).isEqualTo(Policy.Kind.CONCURRENCY);
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
      assertThat(filler.apply("a", Command.hold(1, 1)).allowed()).isTrue();
      for (int i = 0; i <= free; i++) {
        assertThat(filler.apply("idle" + i, Command.hold(2, 1)).allowed()).isTrue();
        filler.apply("idle" + i, Command.release(2)); // idle: a sweep forgets it
      }
      // Full: this new key sweeps the idle ones out (spending the sweep for a day) and takes a key.
      assertThat(filler.apply("d", Command.hold(4, 1)).allowed()).isTrue();
    }

    /** Exactly one key is free: one new key gets in, the next is turned away. */
    void assertExactlyOneKeyFree() {
      assertThat(filler.apply("e", Command.hold(5, 1)).reason()).as("one more key").isEqualTo(Decision.Reason.ALLOWED);
      assertThat(filler.apply("f", Command.hold(6, 1)).reason()).as("and no more").isEqualTo(Decision.Reason.STORE_FULL);
    }
  }

  @Test
  void theStoreFullProbeWorks() {
    Room room = new Room(1);
    room.store.partition(Concurrency.of("other", 1, HOUR)).apply("leaked", Command.reset()); // takes no key
    room.assertExactlyOneKeyFree();
    Room taken = new Room(1);
    taken.store.partition(Concurrency.of("other", 1, HOUR)).apply("leaked", Command.hold(9, 1)); // takes one
    assertThat(taken.filler.apply("e", Command.hold(5, 1)).reason()).isEqualTo(Decision.Reason.STORE_FULL);
  }

  @Test
  void partitionApplyRefusesBadHoldsAndUnsupportedOperationsAndChangesNothing() {
    Room room = new Room(3); // two for the holds below, one left
    Concurrency c = Concurrency.of("c", 5, HOUR);
    Budget b = Budget.of("b", 100, Window.of(HOUR));
    Partition pc = room.store.partition(c);
    Partition pb = room.store.partition(b);
    assertThat(pc.apply("d", Command.hold(11, 2)).allowed()).isTrue();
    assertThat(pb.apply("d", Command.hold(11, 30)).allowed()).isTrue();

    for (Partition p : List.of(pc, pb)) {
      for (String key : List.of("d", "new")) {
        // A hold holds something.
        refused(() -> p.apply(key, Command.hold(12, 0)), "cost (0) must be positive for a hold");
        // Ids are positive, for every operation that takes one.
        for (Operation op : List.of(Operation.HOLD, Operation.RENEW, Operation.RELEASE, Operation.SETTLE)) {
          refused(() -> p.apply(key, Commands.of(op, 1, 0)), "id (0) must be positive");
          refused(() -> p.apply(key, Commands.of(op, 1, -1)), "id (-1) must be positive");
          refused(() -> p.apply(key, Commands.of(op, 1, Long.MIN_VALUE)), "id (" + Long.MIN_VALUE + ") must be positive");
        }
        refused(() -> p.apply(key, Command.hold(12, -1)), "cost (-1) must not be negative");
      }
      // A HOLD of an id live on the key is refused.
      refused(() -> p.apply("d", Command.hold(11, 1)), "id (11) is already held on this key");
    }
    // Concurrency takes slots only by HOLD: the operations without an id (but PEEK and RESET),
    // and SETTLE, do not apply.
    for (Operation op : List.of(Operation.ACQUIRE, Operation.RESERVE, Operation.RECORD, Operation.REFUND)) {
      for (String key : List.of("d", "new")) {
        refused(() -> pc.apply(key, Commands.of(op, 1, 0)), "operation " + op + " does not apply to Concurrency policy 'c'");
      }
    }
    refused(() -> pc.apply("d", Command.settle(11, 1)), "operation SETTLE does not apply to Concurrency policy 'c'");
    refused(() -> pc.apply("new", Command.settle(11, 1)), "operation SETTLE does not apply");
    // Rate limits hold nothing under an id: packed and rational token buckets, windows, logs, counters.
    List<Policy> rates = List.of(
        TokenBucket.of("t", 5, 1, S), TokenBucket.of("t3", 5, 3, S), FixedWindow.of("w", 5, Window.of(S)),
        SlidingLog.of("l", 5, S), SlidingCounter.of("s", 5, S));
    for (Policy rate : rates) {
      Partition p = room.store.partition(rate);
      String type = rate.getClass().getSimpleName();
      for (Operation op : List.of(Operation.HOLD, Operation.RENEW, Operation.RELEASE, Operation.SETTLE)) {
        for (String key : List.of("d", "new")) {
          refused(() -> p.apply(key, Commands.of(op, 1, 1)), "operation " + op + " does not apply to " + type + " policy '" + rate.name() + "'");
        }
        refused(() -> Algorithm.of(rate).step(null, NOW, Commands.of(op, 1, 1)), "operation " + op + " does not apply to " + type);
      }
    }
    // The same refusals from the pure function.
    Algorithm ac = Algorithm.of(c);
    refused(() -> ac.step(null, NOW, Command.acquire(1)), "operation ACQUIRE does not apply to Concurrency policy 'c'");
    refused(() -> ac.step(null, NOW, Command.hold(1, 0)), "cost (0) must be positive for a hold");
    refused(() -> Algorithm.of(b).step(null, NOW, Command.hold(1, 0)), "cost (0) must be positive for a hold");

    // Nothing changed: the holds made before are as they were, no key was taken.
    assertThat(pc.apply("d", Command.peek(0)).used()).isEqualTo(2);
    assertThat(pb.apply("d", Command.peek(0)).used()).isEqualTo(30);
    assertThat(pc.apply("new", Command.peek(0)).used()).isZero();
    assertThat(pb.apply("new", Command.peek(0)).used()).isZero();
    for (Policy rate : rates) {
      assertThat(room.store.partition(rate).apply("d", Command.peek(0)).remaining()).as(rate.name()).isEqualTo(5);
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
    refused(() -> budgets.refund("new", -1), "cost (-1)");
    refused(() -> sluice.limiter(Concurrency.of("c", 5, HOUR)), "Sluice.leases(policy)");
    room.assertExactlyOneKeyFree();
  }

  // ---------------------------------------------------------------- multi-policy calls
}
