package dev.sluice.redis.conformance;

import dev.sluice.conformance.SlidingCounterConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link SlidingCounterConformance} on the Redis store. */
class RedisSlidingCounterConformanceTest extends SlidingCounterConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
