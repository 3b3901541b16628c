package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.SlidingCounterConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link SlidingCounterConformance} on the SQLite store. */
class SqliteSlidingCounterConformanceTest extends SlidingCounterConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
