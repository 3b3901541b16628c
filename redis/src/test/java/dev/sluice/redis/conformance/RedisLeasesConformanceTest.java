package dev.sluice.redis.conformance;

import dev.sluice.conformance.LeasesConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link LeasesConformance} on the Redis store. */
class RedisLeasesConformanceTest extends LeasesConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
