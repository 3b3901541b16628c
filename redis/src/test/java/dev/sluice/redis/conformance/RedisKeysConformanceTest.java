package dev.sluice.redis.conformance;

import dev.sluice.conformance.KeysConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link KeysConformance} on the Redis store. */
class RedisKeysConformanceTest extends KeysConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
