package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.ValidationConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link ValidationConformance} on the SQLite store. */
class SqliteValidationConformanceTest extends ValidationConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
