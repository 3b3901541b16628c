package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.RedefinitionConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link RedefinitionConformance} on the SQLite store (a redeploy: the same file reopened). */
class SqliteRedefinitionConformanceTest extends RedefinitionConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
