package dev.sluice.redis.conformance;

import dev.sluice.conformance.ValidationConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link ValidationConformance} on the Redis store. */
class RedisValidationConformanceTest extends ValidationConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
