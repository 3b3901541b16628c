package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.LeasesConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link LeasesConformance} on the SQLite store. */
class SqliteLeasesConformanceTest extends LeasesConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
