package dev.sluice.redis.conformance;

import dev.sluice.conformance.FixedWindowConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link FixedWindowConformance} on the Redis store. */
class RedisFixedWindowConformanceTest extends FixedWindowConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
