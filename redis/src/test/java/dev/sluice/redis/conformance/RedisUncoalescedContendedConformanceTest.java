package dev.sluice.redis.conformance;

import dev.sluice.conformance.ContendedConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link ContendedConformance} on the Redis store, one script call per decision. */
class RedisUncoalescedContendedConformanceTest extends ContendedConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(false);
  }

  /** Fewer lease and budget race rounds than in memory: each is a network round trip. */
  @Override
  protected int rounds() {
    return 500;
  }
}
