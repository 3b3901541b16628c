package dev.sluice.redis.conformance;

import dev.sluice.conformance.OperationsConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link OperationsConformance} on the Redis store. */
class RedisOperationsConformanceTest extends OperationsConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
