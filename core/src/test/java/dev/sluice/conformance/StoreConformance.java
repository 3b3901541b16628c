package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.Decision.Reason;
import dev.sluice.DecisionListener;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.Sluice;
import dev.sluice.spi.Store;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every conformance class: a fresh store from {@link #fixture()} per test, on a
 * {@link ManualClock}, behind a {@link Sluice} engine, all closed after the test; helpers for the
 * store's time resolution; and the timeline runner ({@link #check}).
 *
 * <p>Everything goes through the public API ({@link Sluice}, {@link Limiter}, leases, budgets) or
 * the store SPI ({@link Store}, {@code Partition}); nothing here needs a package-private class, so
 * a store module extends these classes from core's test-jar.
 *
 * <p>Resolution: every time and clock move is a multiple of {@link #resolution()} ({@code r}); a
 * test about "the last instant before" a boundary steps back by {@code r}. Expected durations in
 * the timelines are the exact values rounded up to whole nanoseconds, and {@link #check} rounds
 * them up to {@code r} ({@link #up}): a store on a coarser timeline never promises a shorter
 * wait. With {@code r = 1} the tables are exactly the nanosecond tables they were written as.
 */
public abstract class StoreConformance {

  protected static final long S = 1_000_000_000L;
  protected static final long MS = 1_000_000L;
  protected static final long US = 1_000L;
  protected static final long MIN = 60 * S;
  protected static final long H = 60 * MIN;
  protected static final long DAY = 24 * H;
  protected static final long NEVER = Decision.NEVER;
  /** 2023-11-14T22:13:20Z: a multiple of 10 s (and of 1 s), 800 s past an hour, 6 s past a 7 s window. */
  protected static final long T0 = 1_700_000_000L * S;
  /** The last instant a store's timeline holds: 2^62 ns (2116). */
  protected static final long MAX_TIME = 1L << 62;
  /** In a {@link Row}: do not check this value. */
  protected static final long UNCHECKED = Long.MIN_VALUE;

  /** The store under test. Called once per test, before the test's first store is created. */
  protected abstract StoreFixture fixture();

  private StoreFixture fixture;
  /**
   * The store's time resolution in nanoseconds ({@link StoreFixture#resolutionNanos()}), set
   * before each test; tables write "one tick" as {@code r}.
   */
  protected long r;
  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private final List<String> misaligned = Collections.synchronizedList(new ArrayList<>());

  /** The test's clock, at {@link #start()} unless the test moves it. */
  protected ManualClock clock;
  /** The test's store, fresh from the fixture, on {@link #clock}. */
  protected Store store;
  /** An engine on {@link #store} and {@link #clock}. */
  protected Sluice sluice;

  @BeforeEach
  public final void openConformanceStore() {
    fixture = fixture();
    assertThat(fixture).as("fixture()").isNotNull();
    r = fixture.resolutionNanos();
    assertThat(r).as(fixture.name() + ": resolutionNanos() must divide a second").isPositive();
    assertThat(S % r).as(fixture.name() + ": resolutionNanos() must divide a second").isZero();
    clock = new ManualClock(start());
    store = newStore(clock);
    sluice = engine(clock, store);
  }

  @AfterEach
  public final void closeConformanceStores() throws Exception {
    Exception first = null;
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (fixture != null) {
      fixture.close();
    }
    if (first != null) {
      throw first;
    }
    assertThat(misaligned).as("suite bug: decisions at times that are not whole multiples of the"
        + " store's resolution (" + r + " ns)").isEmpty();
  }

  /**
   * Waits (real time, up to 20 s) until {@code condition} holds: for what a store does off the
   * caller's thread (an async decision, a refund after a cancel). Fails naming {@code what}.
   */
  protected static void eventually(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + 20 * S;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within 20 s: " + what);
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what);
      }
    }
  }

  /** Where {@link #clock} starts; a whole multiple of the resolution. */
  protected long start() {
    return T0;
  }

  /** The store's time resolution, in nanoseconds ({@link StoreFixture#resolutionNanos()}). */
  protected final long resolution() {
    return r;
  }

  /** The largest policy limit the store accepts ({@link StoreFixture#maxLimit()}). */
  protected final long maxLimit() {
    return fixture.maxLimit();
  }

  /** The fixture's name, for messages. */
  protected final String storeName() {
    return fixture.name();
  }

  /**
   * A fresh store from the fixture on {@code clock} (at a whole multiple of the resolution),
   * closed after the test. For several engines sharing one store: build them with
   * {@link #engine(ManualClock, Store, DecisionListener...)}.
   */
  protected final Store newStore(ManualClock clock) {
    aligned(clock.nanos());
    Store s = fixture.create(clock);
    assertThat(s).as(fixture.name() + ": create()").isNotNull();
    toClose.push(s);
    return s;
  }

  /**
   * Another store on the backend of {@code previous} ({@link StoreFixture#reopen}), closed after the
   * test; null where the store keeps nothing beyond its process.
   */
  protected final Store reopen(Store previous, ManualClock clock) {
    aligned(clock.nanos());
    Store s = fixture.reopen(previous, clock);
    if (s != null) {
      toClose.push(s);
    }
    return s;
  }

  /** An engine on a fresh store on {@code clock}; both closed after the test. */
  protected final Sluice engine(ManualClock clock, DecisionListener... listeners) {
    return engine(clock, newStore(clock), listeners);
  }

  /**
   * An engine on {@code store} (from {@link #newStore}, closed after the test; the engine's own
   * close would only close the store again). On a store coarser than a nanosecond, the engine
   * also checks that every decision happens at a whole multiple of the resolution.
   */
  protected final Sluice engine(ManualClock clock, Store store, DecisionListener... listeners) {
    Sluice.Builder b = Sluice.builder().clock(clock).store(store);
    for (DecisionListener l : listeners) {
      b.listener(l);
    }
    if (r > 1) {
      b.listener((op, key, cost, d) -> {
        long now = clock.nanos();
        if (now % r != 0) {
          misaligned.add(op + " of " + key + " at " + now);
        }
      });
    }
    return b.build();
  }

  /** {@code nanos} rounded up to a whole multiple of the resolution; {@link #NEVER} stays. */
  protected final long up(long nanos) {
    if (nanos == NEVER || nanos % r == 0) {
      return nanos;
    }
    long q = nanos / r + 1;
    return q > Long.MAX_VALUE / r ? Long.MAX_VALUE : q * r;
  }

  /** {@code nanos} rounded down to a whole multiple of the resolution. */
  protected final long down(long nanos) {
    return nanos - Math.floorMod(nanos, r);
  }

  /** {@code nanos}, refused (a bug in the suite) unless a whole multiple of the resolution. */
  protected final long aligned(long nanos) {
    assertThat(Math.floorMod(nanos, r))
        .as("suite bug: %d ns is not a whole multiple of %s's resolution (%d ns)", nanos, fixture.name(), r)
        .isZero();
    return nanos;
  }

  /** Epoch nanoseconds of an ISO offset date-time such as {@code 2024-03-31T03:00:00+02:00}. */
  protected static long at(String offsetDateTime) {
    Instant i = OffsetDateTime.parse(offsetDateTime).toInstant();
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), S), i.getNano());
  }

  // ------------------------------------------------------------------------------- timelines

  /**
   * One step of a timeline: at (ns after the table's base), operation ("try", "peek", "record",
   * "refund", "reset"), key, cost; the expected reason, remaining, retryAfter and resetAfter (ns;
   * {@link #UNCHECKED} to skip resetAfter).
   */
  protected record Row(long at, String op, String key, long cost, Reason reason, long remaining,
      long retryAfter, long resetAfter) {

    /** This row, also checking resetAfter. */
    public Row expectReset(long nanos) {
      return new Row(at, op, key, cost, reason, remaining, retryAfter, nanos);
    }

    /** This row on another key. */
    public Row onKey(String k) {
      return new Row(at, op, k, cost, reason, remaining, retryAfter, resetAfter);
    }
  }

  private static Reason implied(boolean allowed, long retryAfter) {
    return allowed ? Reason.ALLOWED : retryAfter == NEVER ? Reason.COST_EXCEEDS_LIMIT : Reason.LIMITED;
  }

  /**
   * A tryAcquire on key "k". The reason is implied: allowed, COST_EXCEEDS_LIMIT when retryAfter is
   * NEVER, LIMITED otherwise.
   */
  protected static Row row(long at, long cost, boolean allowed, long remaining, long retryAfter) {
    return new Row(at, "try", "k", cost, implied(allowed, retryAfter), remaining, retryAfter, UNCHECKED);
  }

  /** Another operation on key "k"; the reason implied as in {@link #row(long, long, boolean, long, long)}. */
  protected static Row op(long at, String op, long cost, boolean allowed, long remaining, long retryAfter) {
    return new Row(at, op, "k", cost, implied(allowed, retryAfter), remaining, retryAfter, UNCHECKED);
  }

  /** A tryAcquire on key "k" with every value stated. */
  protected static Row row(long at, long cost, Reason reason, long remaining, long retryAfter, long resetAfter) {
    return new Row(at, "try", "k", cost, reason, remaining, retryAfter, resetAfter);
  }

  /** Another operation on key "k" with every value stated. */
  protected static Row op(long at, String op, long cost, Reason reason, long remaining, long retryAfter,
      long resetAfter) {
    return new Row(at, op, "k", cost, reason, remaining, retryAfter, resetAfter);
  }

  /** A reset of key "k" (nothing to check but that it is accepted). */
  protected static Row reset(long at) {
    return new Row(at, "reset", "k", 0, Reason.ALLOWED, 0, 0, UNCHECKED);
  }

  /** {@link #check(Policy, long, List)}. */
  protected final void check(Policy policy, long base, Row... rows) {
    check(policy, base, List.of(rows));
  }

  /**
   * Runs {@code rows} in order on a fresh store and engine whose clock starts at the first row's
   * time: before each row the clock is set to {@code base + at} (forwards or backwards), then the
   * row's operation runs through a {@link Limiter} and its decision is compared with the row.
   */
  protected final void check(Policy policy, long base, List<Row> rows) {
    ManualClock c = new ManualClock(aligned(base + (rows.isEmpty() ? 0 : rows.get(0).at())));
    Limiter limiter = engine(c).limiter(policy);
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      c.set(aligned(base + row.at()));
      String at = storeName() + ": " + policy + " row " + i + " " + row + " at " + c.instant();
      Decision d;
      switch (row.op()) {
        case "try" -> d = limiter.tryAcquire(row.key(), row.cost());
        case "peek" -> d = limiter.peek(row.key(), row.cost());
        case "record" -> d = limiter.record(row.key(), row.cost());
        case "refund" -> d = limiter.refund(row.key(), row.cost());
        case "reset" -> {
          limiter.reset(row.key());
          continue;
        }
        default -> throw new AssertionError(row.op());
      }
      assertThat(d.allowed()).as(at + ": allowed; got " + d).isEqualTo(row.reason() == Reason.ALLOWED);
      assertThat(d.reason()).as(at + ": reason; got " + d).isEqualTo(row.reason());
      assertThat(d.remaining()).as(at + ": remaining; got " + d).isEqualTo(row.remaining());
      assertThat(d.retryAfterNanos()).as(at + ": retryAfter; got " + d).isEqualTo(up(row.retryAfter()));
      if (row.resetAfter() != UNCHECKED) {
        assertThat(d.resetAfterNanos()).as(at + ": resetAfter; got " + d).isEqualTo(up(row.resetAfter()));
      }
      assertThat(d.limit()).as(at + ": limit").isEqualTo(policy.limit());
      assertThat(d.policy()).as(at + ": policy").isEqualTo(policy);
    }
  }
}
