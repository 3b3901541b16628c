package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.BudgetsConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link BudgetsConformance} on the SQLite store. */
class SqliteBudgetsConformanceTest extends BudgetsConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
