package dev.sluice.sqlite.conformance;

import dev.sluice.conformance.TokenBucketConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link TokenBucketConformance} on the SQLite store. */
class SqliteTokenBucketConformanceTest extends TokenBucketConformance {
  @Override
  protected StoreFixture fixture() {
    return new SqliteFixture(256);
  }
}
