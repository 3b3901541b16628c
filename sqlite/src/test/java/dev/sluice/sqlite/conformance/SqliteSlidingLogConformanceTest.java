package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.SlidingLogConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link SlidingLogConformance} on the SQLite store. */
class SqliteSlidingLogConformanceTest extends SlidingLogConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
