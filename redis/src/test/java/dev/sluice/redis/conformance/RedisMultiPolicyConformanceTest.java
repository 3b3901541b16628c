package dev.sluice.redis.conformance;

import dev.sluice.conformance.MultiPolicyConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link MultiPolicyConformance} on the Redis store. */
class RedisMultiPolicyConformanceTest extends MultiPolicyConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
