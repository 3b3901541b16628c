package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.KeysConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link KeysConformance} on the SQLite store. */
class SqliteKeysConformanceTest extends KeysConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
