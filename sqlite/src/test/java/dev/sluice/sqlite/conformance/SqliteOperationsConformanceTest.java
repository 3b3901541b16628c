package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.OperationsConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link OperationsConformance} on the SQLite store. */
class SqliteOperationsConformanceTest extends OperationsConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
