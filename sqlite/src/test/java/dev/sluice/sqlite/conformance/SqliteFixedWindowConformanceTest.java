package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.FixedWindowConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link FixedWindowConformance} on the SQLite store. */
class SqliteFixedWindowConformanceTest extends FixedWindowConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
