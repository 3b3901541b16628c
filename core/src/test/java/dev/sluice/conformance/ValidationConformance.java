package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.Charge;
import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.QuotaExceededException;
import dev.sluice.Reservation;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Command;
import dev.sluice.spi.Commands;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input, through the public API and through the store SPI ({@code Store.applyAll},
 * {@code Partition.apply}), is refused with an {@link IllegalArgumentException} whose message
 * names the field and the value, and changes nothing: a peek before and after gives the same
 * decision, no listener hears of it, and no cell is left locked. Legal input that can never be
 * admitted (a cost above the limit) is a denial, not a refusal.
 */
public abstract class ValidationConformance extends StoreConformance {

  private static final Duration S = Duration.ofSeconds(1);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final String TOO_LONG_KEY = "x".repeat(513);

  protected static void refused(ThrowingCallable call, String... fragments) {
    var a = assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
    for (String f : fragments) {
      a.hasMessageContaining(f);
    }
  }

  protected static void refusedAndCollected(List<ThrowingCallable> calls, ThrowingCallable call, String... fragments) {
    refused(call, fragments);
    calls.add(call);
  }

  /** An engine on the test's store and clock that counts what its listener hears. */
  protected final class Engine {
    public final ManualClock clock = ValidationConformance.this.clock;
    public final AtomicInteger heard = new AtomicInteger();
    public final Sluice sluice = engine(clock, store, (op, k, c, d) -> heard.incrementAndGet());
  }

  @FunctionalInterface
  protected interface KeyedCall {
    void call(String key) throws Exception;
  }

  /** Every policy a limiter takes, each with a limit of 5. */
  protected static List<Policy> fivePolicies() {
    Duration ten = Duration.ofSeconds(10);
    return List.of(
        TokenBucket.of("packed-bucket", 5, 1, S), // whole nanoseconds per token
        TokenBucket.of("rational-bucket", 5, 3, S), // fractional nanoseconds per token
        FixedWindow.of("window", 5, Window.of(ten)),
        FixedWindow.of("day", 5, Window.day(ZoneId.of("Europe/Prague"))),
        SlidingLog.of("log", 5, ten),
        SlidingLog.bucketed("buckets", 5, ten, S),
        SlidingCounter.of("counter", 5, ten),
        Budget.of("budget", 5, Window.of(ten)));
  }

  // ---------------------------------------------------------------- limiters and the engine

  @Test
  public void limiterOperationsRefuseBadInputAndChangeNothing() {
    Engine e = new Engine();
    Sluice sluice = e.sluice;
    AtomicInteger heard = e.heard;
    long t = clock.nanos();
    String tooLong = "x".repeat(513);
    for (Policy policy : fivePolicies()) {
      Limiter l = sluice.limiter(policy);
      l.tryAcquire("k", 2);
      Decision peekUsed = l.peek("k", 1);
      Decision peekNew = l.peek("new-key", 1);
      int before = heard.get();
      List<ThrowingCallable> calls = new ArrayList<>();
      // Keys: null, empty and over 512 characters, on every operation that takes a key.
      List<KeyedCall> keyed = List.of(
          k -> l.tryAcquire(k, 1), k -> l.peek(k, 1), k -> l.record(k, 1), k -> l.refund(k, 1),
          k -> l.reset(k), k -> l.acquire(k, 1, Duration.ZERO), k -> l.acquireAsync(k, 1, Duration.ZERO),
          k -> l.charge(k, 1));
      for (KeyedCall c : keyed) {
        refusedAndCollected(calls, () -> c.call(null), "key must not be null");
        refusedAndCollected(calls, () -> c.call(""), "key ''", "1 to 512 characters", "(was 0)");
        refusedAndCollected(calls, () -> c.call(tooLong), "key '" + "x".repeat(40) + "...'", "1 to 512 characters",
            "(was 513)");
        // Malformed UTF-16: text encodings (Redis, SQLite) would merge these with '?' or each other.
        refusedAndCollected(calls, () -> c.call("\uD800"), "key '\\uD800'", "lone surrogate U+D800 at index 0");
        refusedAndCollected(calls, () -> c.call("\uDBFF"), "lone surrogate U+DBFF at index 0");
        refusedAndCollected(calls, () -> c.call("ab\uDC00"), "key 'ab\\uDC00'", "lone surrogate U+DC00 at index 2");
        refusedAndCollected(calls, () -> c.call("\uDC00\uD83D"), "lone surrogate U+DC00 at index 0");
        refusedAndCollected(calls, () -> c.call("x\uD83D"), "lone surrogate U+D83D at index 1");
      }
      // Costs: negative, on every operation that takes a cost.
      for (long bad : new long[] {-1, -7, Long.MIN_VALUE}) {
        String msg = "cost (" + bad + ") must not be negative";
        refusedAndCollected(calls, () -> l.tryAcquire("k", bad), msg);
        refusedAndCollected(calls, () -> l.peek("k", bad), msg);
        refusedAndCollected(calls, () -> l.record("k", bad), msg);
        refusedAndCollected(calls, () -> l.refund("k", bad), msg);
        refusedAndCollected(calls, () -> l.acquire("k", bad, Duration.ZERO), msg);
        refusedAndCollected(calls, () -> l.acquireAsync("k", bad, Duration.ZERO), msg);
        refusedAndCollected(calls, () -> l.charge("k", bad), msg);
        refusedAndCollected(calls, () -> l.tryAcquire("new-key", bad), msg);
        refusedAndCollected(calls, () -> l.record("new-key", bad), msg);
      }
      // Waits: null and negative.
      refusedAndCollected(calls, () -> l.acquire("k", 1, null), "maxWait must not be null");
      refusedAndCollected(calls, () -> l.acquire("k", 1, Duration.ofSeconds(-2)), "maxWait (PT-2S) must not be negative");
      refusedAndCollected(calls, () -> l.acquire("k", 1, Duration.ofNanos(-1)), "maxWait (PT-0.000000001S)");
      refusedAndCollected(calls, () -> l.acquireAsync("k", 1, null), "maxWait must not be null");
      refusedAndCollected(calls, () -> l.acquireAsync("k", 1, Duration.ofMillis(-1)), "maxWait (PT-0.001S) must not be negative");
      refusedAndCollected(calls, () -> l.acquire("new-key", 1, Duration.ofSeconds(-1)), "maxWait (PT-1S)");
      // A bad key wins over a bad cost, a bad cost over a bad wait; all are refused either way.
      refusedAndCollected(calls, () -> l.acquire(null, -1, null), "key must not be null");
      refusedAndCollected(calls, () -> l.acquire("k", -1, null), "cost (-1)");
      // Each refused again, to be sure repetition changes nothing either.
      for (ThrowingCallable c : calls) {
        assertThatThrownBy(c).isInstanceOf(IllegalArgumentException.class);
      }
      assertThat(heard.get() - before).as("listener calls for refused calls, " + policy.name()).isZero();
      assertThat(l.peek("k", 1)).as(policy.name()).isEqualTo(peekUsed);
      assertThat(l.peek("new-key", 1)).as(policy.name()).isEqualTo(peekNew);
      assertThat(l.peek("k", 0).remaining()).as(policy.name()).isEqualTo(3);
      assertThat(l.peek("new-key", 0).remaining()).as(policy.name()).isEqualTo(5);
    }
    assertThat(clock.sleeps()).isEmpty();
    assertThat(clock.pendingTimers()).isZero();
    assertThat(clock.nanos()).isEqualTo(t);
    assertThat(sluice.listenerFailures()).isZero();
  }

  @Test
  public void messagesNameTheValue() {
    Limiter l = sluice.limiter(TokenBucket.of("t", 5, 1, S));
    refused(() -> l.tryAcquire("k", -7), "cost (-7) must not be negative");
    refused(() -> l.tryAcquire(null, 1), "key must not be null");
    refused(() -> l.tryAcquire("", 1), "key ''", "1 to 512 characters");
    refused(() -> l.acquire("k", 1, Duration.ofSeconds(-2)), "maxWait (PT-2S) must not be negative");
    // 512 characters is the bound, inclusive.
    assertThat(l.tryAcquire("x".repeat(512), 1).allowed()).isTrue();
  }

  @Test
  public void multiPolicyCallsRefuseBadListsAndChangeNothing() {
    Engine e = new Engine();
    Sluice sluice = e.sluice;
    AtomicInteger heard = e.heard;
    Limiter a = sluice.limiter(TokenBucket.of("a", 5, 1, S));
    Limiter b = sluice.limiter(FixedWindow.of("b", 5, Window.of(Duration.ofSeconds(10))));
    Charge ca = a.charge("k", 1);
    Charge cb = b.charge("k", 1);

    refused(() -> sluice.tryAcquireAll((List<Charge>) null), "charges must not be null");
    refused(() -> sluice.tryAcquireAll((Charge[]) null), "charges must not be null");
    refused(() -> sluice.peekAll(null), "charges must not be null");
    refused(() -> sluice.tryAcquireAll(List.of()), "charges must not be empty");
    refused(() -> sluice.tryAcquireAll(), "charges must not be empty");
    refused(() -> sluice.tryAcquireAll(new Charge[0]), "charges must not be empty");
    refused(() -> sluice.peekAll(List.of()), "charges must not be empty");
    // A null element, via the List and the varargs overloads, is named by its index.
    refused(() -> sluice.tryAcquireAll(Arrays.asList(ca, null)), "charges[1] must not be null");
    refused(() -> sluice.tryAcquireAll(ca, null), "charges[1] must not be null");
    refused(() -> sluice.tryAcquireAll(ca, cb, null), "charges[2] must not be null");
    refused(() -> sluice.tryAcquireAll((Charge) null), "charges[0] must not be null");
    refused(() -> sluice.tryAcquireAll(new ArrayList<>(Arrays.asList(null, ca))), "charges[0] must not be null");
    refused(() -> sluice.peekAll(Arrays.asList(ca, cb, null)), "charges[2] must not be null");
    // The same (policy, key) twice.
    refused(() -> sluice.tryAcquireAll(ca, cb, a.charge("k", 2)), "policy 'a'", "key 'k'", "twice");
    refused(() -> sluice.tryAcquireAll(List.of(cb, cb)), "policy 'b'", "key 'k'", "twice");
    refused(() -> sluice.peekAll(List.of(ca, ca)), "policy 'a'", "key 'k'", "twice");

    // Nothing was charged and no listener heard of it.
    assertThat(a.peek("k", 0).remaining()).isEqualTo(5);
    assertThat(b.peek("k", 0).remaining()).isEqualTo(5);
    assertThat(heard.get()).isEqualTo(2); // the two peeks just above
    assertThat(sluice.tryAcquireAll(ca, cb).allowed()).isTrue();
    assertThat(a.peek("k", 0).remaining()).isEqualTo(4);
  }

  // ---------------------------------------------------------------- leases and budgets

  @Test
  public void sluiceEntryPoints() {
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

  @Test
  public void leasesRefuseBadInputAndChangeNothing() {
    Engine e = new Engine();
    Leases leases = e.sluice.leases(Concurrency.of("scans", 5, HOUR));
    Lease held = leases.acquire("k", 2);
    Decision peekHeld = leases.peek("k", 1);
    Decision peekNew = leases.peek("new-key", 1);
    int before = e.heard.get();
    List<ThrowingCallable> calls = new ArrayList<>();
    for (String key : new String[] {"k", "new-key"}) {
      for (long bad : new long[] {0, -1, Long.MIN_VALUE}) {
        refusedAndCollected(calls, () -> leases.acquire(key, bad), "slots (" + bad + ") must be positive");
      }
      refusedAndCollected(calls, () -> leases.peek(key, -1), "cost (-1) must not be negative");
    }
    for (String key : new String[] {null, "", TOO_LONG_KEY}) {
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
    assertThat(leases.peek("k", 1)).isEqualTo(peekHeld);
    assertThat(leases.peek("new-key", 1)).isEqualTo(peekNew);
    assertThat(leases.held("k")).isEqualTo(2);
    assertThat(leases.held("new-key")).isZero();
    assertThat(e.heard.get() - before).as("listener calls for refused calls").isZero();
    // The lease held before is unaffected: it renews and releases as usual.
    assertThat(held.renew()).isTrue();
    held.release();
    assertThat(leases.held("k")).isZero();
  }

  @Test
  public void aLeaseBiggerThanTheLimitIsDeniedNotRefused() {
    // slots > limit is legal input that can never be admitted: a denial saying never, not an
    // IllegalArgumentException, and nothing held.
    Engine e = new Engine();
    Leases leases = e.sluice.leases(Concurrency.of("scans", 5, HOUR));
    assertThatThrownBy(() -> leases.acquire("k", 6))
        .isInstanceOfSatisfying(QuotaExceededException.class, ex -> {
          assertThat(ex.quota().kind()).isEqualTo(Policy.Kind.CONCURRENCY);
          assertThat(ex.quota().retryAfterNanos()).isEqualTo(Decision.NEVER);
          assertThat(ex.quota().limit()).isEqualTo(5);
        });
    assertThat(leases.held("k")).isZero();
  }

  @Test
  public void releasingTwiceAndRenewingAfterReleaseChangeNothing() {
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

  @Test
  public void budgetsRefuseBadInputAndChangeNothing() {
    Engine e = new Engine();
    Budgets budgets = e.sluice.budget(Budget.of("bytes", 100, Window.of(HOUR)));
    budgets.record("k", 10);
    Reservation open = budgets.reserve("k", 20);
    Decision peekUsed = sluice.limiter(budgets.policy()).peek("k", 1);
    Decision peekNew = sluice.limiter(budgets.policy()).peek("new-key", 1);
    int before = e.heard.get();
    List<ThrowingCallable> calls = new ArrayList<>();
    for (String key : new String[] {"k", "new-key"}) {
      for (long bad : new long[] {0, -1, Long.MIN_VALUE}) {
        refusedAndCollected(calls, () -> budgets.reserve(key, bad), "estimate (" + bad + ") must be positive");
        refusedAndCollected(calls, () -> budgets.tryReserve(key, bad), "estimate (" + bad + ") must be positive");
      }
      for (long bad : new long[] {-1, Long.MIN_VALUE}) {
        refusedAndCollected(calls, () -> budgets.refund(key, bad), "cost (" + bad + ") must not be negative");
      }
    }
    for (String key : new String[] {null, "", TOO_LONG_KEY}) {
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
    assertThat(e.heard.get() - before).as("listener calls for refused calls").isZero();
    assertThat(sluice.limiter(budgets.policy()).peek("k", 1)).isEqualTo(peekUsed);
    assertThat(sluice.limiter(budgets.policy()).peek("new-key", 1)).isEqualTo(peekNew);
    assertThat(budgets.usage("k").used()).isEqualTo(30);
    assertThat(budgets.usage("new-key").used()).isZero();
    assertThat(open.closed()).isFalse();
    assertThat(open.settle(5).used()).isEqualTo(15);
  }

  @Test
  public void reservationSettleAndCancel() {
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
  public void aReservationAboveTheLimitIsDeniedNotRefused() {
    Engine e = new Engine();
    Budgets budgets = e.sluice.budget(Budget.of("bytes", 100, Window.of(HOUR)));
    assertThatThrownBy(() -> budgets.reserve("k", 101))
        .isInstanceOfSatisfying(QuotaExceededException.class, ex -> {
          assertThat(ex.quota().kind()).isEqualTo(Policy.Kind.BUDGET);
          assertThat(ex.quota().retryAfterNanos()).isEqualTo(Decision.NEVER);
        });
    assertThat(budgets.tryReserve("k", 101)).isEmpty();
    assertThat(budgets.usage("k").used()).isZero();
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  public void tryAcquireAllRefusesAConcurrencyChargeAndLeavesNoCellLocked() {
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

  // ---------------------------------------------------------------- the store SPI

  /** Every policy, and a key of each with some use, so refusals meet both used and fresh keys. */
  private List<Partition> usedPartitions() {
    List<Policy> policies = new ArrayList<>(fivePolicies());
    policies.add(Concurrency.of("leases", 5, HOUR));
    List<Partition> parts = new ArrayList<>();
    for (Policy p : policies) {
      Partition part = store.partition(p);
      assertThat(part.policy()).isEqualTo(p);
      Operation take = p instanceof Concurrency ? Operation.HOLD : Operation.ACQUIRE;
      assertThat(part.apply("k", Commands.of(take, 2, 11)).allowed()).as(p.name()).isTrue();
      if (p instanceof Budget) {
        assertThat(part.apply("k", Command.hold(11, 1)).allowed()).isTrue();
      }
      parts.add(part);
    }
    return parts;
  }

  private static List<Decision> peeks(List<Partition> parts) {
    List<Decision> out = new ArrayList<>();
    for (Partition p : parts) {
      for (String key : List.of("k", "new")) {
        out.add(p.apply(key, Command.peek(0)));
        out.add(p.apply(key, Command.peek(1)));
      }
    }
    return out;
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  public void partitionApplyRefusesBadInputAndChangesNothing() {
    List<Partition> parts = usedPartitions();
    List<Decision> before = peeks(parts);
    for (Partition part : parts) {
      Policy p = part.policy();
      String type = p.getClass().getSimpleName();
      for (Operation op : Operation.values()) {
        refused(() -> part.apply(null, Commands.of(op, 1, 1)), "key must not be null");
        refused(() -> part.apply("", Commands.of(op, 1, 1)), "key ''", "(was 0)");
        refused(() -> part.apply(TOO_LONG_KEY, Commands.of(op, 1, 1)), "(was 513)");
        for (String key : List.of("k", "new")) {
          boolean supported = !(p instanceof Concurrency)
              ? p instanceof Budget || !op.usesId()
              : List.of(Operation.PEEK, Operation.HOLD, Operation.RENEW, Operation.RELEASE, Operation.RESET).contains(op);
          if (!supported) {
            refused(() -> part.apply(key, Commands.of(op, 1, op.usesId() ? 7 : 0)),
                "operation " + op + " does not apply to " + type + " policy '" + p.name() + "'");
          }
        }
      }
      refused(() -> part.apply("k", null), "command must not be null");
      refused(() -> part.apply("new", null), "command must not be null");
      if (p instanceof Concurrency || p instanceof Budget) {
        // A HOLD of an id live on the key is refused.
        refused(() -> part.apply("k", Command.hold(11, 1)), "id (11) is already held on this key");
      }
    }
    assertThat(peeks(parts)).isEqualTo(before);
    // Nothing is left locked or half-written: every key still takes what it had room for.
    for (Partition part : parts) {
      Operation take = part.policy() instanceof Concurrency ? Operation.HOLD : Operation.ACQUIRE;
      assertThat(part.apply("k", Commands.of(take, part.policy() instanceof Budget ? 2 : 3, 21)).allowed())
          .as(part.policy().name()).isTrue();
      assertThat(part.apply("new", Commands.of(take, 5, 22)).allowed()).as(part.policy().name()).isTrue();
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  public void storeApplyAllRefusesBadInputAndChangesNothing() {
    Policy a = TokenBucket.of("a", 5, 1, S);
    Policy b = FixedWindow.of("b", 5, Window.of(Duration.ofSeconds(10)));
    Partition pa = store.partition(a);
    Partition pb = store.partition(b);
    pa.apply("k", Command.acquire(2));
    pb.apply("k", Command.acquire(2));
    Charge ca = new Charge(a, "k", 1);
    Charge cb = new Charge(b, "k", 1);
    Charge fresh = new Charge(b, "fresh", 1);
    List<Decision> before = peeks(List.of(pa, pb));

    refused(() -> store.applyAll(null, Operation.ACQUIRE), "charges");
    refused(() -> store.applyAll(List.of(), Operation.ACQUIRE), "charges", "empty");
    refused(() -> store.applyAll(new ArrayList<>(), Operation.PEEK), "charges", "empty");
    refused(() -> store.applyAll(Arrays.asList(ca, null), Operation.ACQUIRE), "charges", "null");
    refused(() -> store.applyAll(Arrays.asList(fresh, ca, null), Operation.ACQUIRE), "charges", "null");
    refused(() -> store.applyAll(List.of(ca, cb), null), "op (null)");
    for (Operation op : Operation.values()) {
      if (op != Operation.ACQUIRE && op != Operation.PEEK) {
        refused(() -> store.applyAll(List.of(ca, cb, fresh), op), "op (" + op + ")");
      }
    }
    refused(() -> store.applyAll(List.of(fresh, ca, cb, new Charge(a, "k", 3)), Operation.ACQUIRE),
        "policy 'a'", "key 'k'", "twice");
    refused(() -> store.applyAll(List.of(cb, cb), Operation.PEEK), "policy 'b'", "key 'k'", "twice");
    Concurrency c = Concurrency.of("c", 5, HOUR);
    refused(() -> store.applyAll(List.of(ca, new Charge(c, "k", 1)), Operation.ACQUIRE),
        "operation ACQUIRE does not apply to Concurrency policy 'c'");
    refused(() -> store.applyAll(List.of(new Charge(c, "k", 1), fresh), Operation.ACQUIRE),
        "operation ACQUIRE does not apply to Concurrency policy 'c'");
    // A policy the store has never seen, refused: it works as usual afterwards.
    Policy unseen = SlidingLog.of("unseen", 5, Duration.ofSeconds(10));
    refused(() -> store.applyAll(List.of(new Charge(unseen, "k", 1), fresh), Operation.RESET), "op (RESET)");

    assertThat(peeks(List.of(pa, pb))).isEqualTo(before);
    assertThat(pb.apply("fresh", Command.peek(0)).remaining()).isEqualTo(5);
    assertThat(store.partition(unseen).apply("k", Command.peek(0)).remaining()).isEqualTo(5);
    assertThat(store.applyAll(List.of(ca, cb, fresh), Operation.ACQUIRE).decision().allowed()).isTrue();
    assertThat(pa.apply("k", Command.peek(0)).remaining()).isEqualTo(2);
  }
}
