package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.ContendedConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link ContendedConformance} on the SQLite store. */
class SqliteContendedConformanceTest extends ContendedConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
