package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.ContendedConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link ContendedConformance} on the SQLite store with one decision per transaction. */
class SqliteUnbatchedContendedConformanceTest extends ContendedConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(1);
  }

  /** Fewer lease and budget race rounds: every decision is its own synced commit. */
  @Override
  protected int rounds() {
    return 200;
  }
}
