package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.ContendedConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link ContendedConformance} on the SQLite store with one decision per transaction. */
class SqliteUnbatchedContendedConformanceTest extends ContendedConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(1);
  }

  /**
   * Fewer lease and budget race rounds: every decision is its own synced commit. 100 in the
   * default run (the suite keeps under 20 minutes on two cores; this class took 150-182 s with
   * 200 on a slower host), {@code -Dsluice.unbatched.rounds=N} for more.
   */
  @Override
  protected int rounds() {
    return Integer.getInteger("sluice.unbatched.rounds", 100);
  }
}
