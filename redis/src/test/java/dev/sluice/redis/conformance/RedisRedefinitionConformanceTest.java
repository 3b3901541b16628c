package dev.sluice.redis.conformance;

import dev.sluice.conformance.RedefinitionConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link RedefinitionConformance} on the Redis store (a redeploy: a second store on the same prefix). */
class RedisRedefinitionConformanceTest extends RedefinitionConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
