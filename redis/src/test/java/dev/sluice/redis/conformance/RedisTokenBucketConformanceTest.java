package dev.sluice.redis.conformance;

import dev.sluice.conformance.TokenBucketConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link TokenBucketConformance} on the Redis store. */
class RedisTokenBucketConformanceTest extends TokenBucketConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
