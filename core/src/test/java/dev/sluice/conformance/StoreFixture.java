package dev.sluice.conformance;

import dev.sluice.ManualClock;
import dev.sluice.spi.Store;

/**
 * How the conformance suite gets a store under test. Each store module (in-memory here, Redis,
 * SQLite) implements this once and extends every {@code *Conformance} class with a
 * {@code fixture()} returning it, so every store runs the same test classes.
 *
 * <p>The suite calls {@link #create} one or more times per test (a test that shares one store
 * between several engines creates it once) and {@link #close} once after each test, after the
 * stores and engines it created are closed.
 */
public interface StoreFixture {

  /**
   * A fresh, empty store whose time is {@code clock}: both timelines ({@code nanos()} and
   * {@code wallNanos()}, which a {@link ManualClock} shows as one) come from it, so the suite
   * moves the store's time by moving the clock. Stores that sit on a remote time (Redis's
   * {@code TIME}) must use their "caller time" option here.
   */
  Store create(ManualClock clock);

  /**
   * The store's time resolution in nanoseconds: 1 for the in-memory store; 1000 for a store whose
   * timeline is whole microseconds. Every time, duration and clock move in the suite is a multiple
   * of it, and where a test is about "one tick before" an instant it steps back by exactly this
   * much. A store on a coarser timeline answers durations rounded up to its resolution (never a
   * shorter wait); the suite's expectations are rounded up the same way.
   */
  long resolutionNanos();

  /**
   * The largest policy limit the store accepts: {@link Long#MAX_VALUE} for the in-memory store;
   * 2^53 - 1 for a store that computes in doubles (Redis's Lua). The tables that probe overflow at
   * the top of the range use it as their limit.
   */
  default long maxLimit() {
    return Long.MAX_VALUE;
  }

  /**
   * Another store on the backend of {@code previous}, a store this fixture created: what a redeploy
   * or a second instance sees (Redis: a store on the same server with the same key prefix; SQLite:
   * the same file, opened after {@code previous} is closed, which this method does). {@code null}
   * (the default) for a store that keeps nothing beyond its process; the suite then skips the tests
   * that need it.
   */
  default Store reopen(Store previous, ManualClock clock) {
    return null;
  }

  /** Releases what the fixture holds (connections, files); called once after each test. */
  default void close() {}

  /** A short name for messages, e.g. {@code "in-memory"} or {@code "redis"}. */
  String name();
}
