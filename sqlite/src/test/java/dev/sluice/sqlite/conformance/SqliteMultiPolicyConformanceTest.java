package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.MultiPolicyConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link MultiPolicyConformance} on the SQLite store. */
class SqliteMultiPolicyConformanceTest extends MultiPolicyConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
