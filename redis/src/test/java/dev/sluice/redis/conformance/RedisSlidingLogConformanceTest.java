package dev.sluice.redis.conformance;

import dev.sluice.conformance.SlidingLogConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link SlidingLogConformance} on the Redis store. */
class RedisSlidingLogConformanceTest extends SlidingLogConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
