package dev.sluice.redis.conformance;

import dev.sluice.conformance.BudgetsConformance;
import dev.sluice.conformance.StoreFixture;

/** {@link BudgetsConformance} on the Redis store. */
class RedisBudgetsConformanceTest extends BudgetsConformance {
  @Override
  protected StoreFixture fixture() {
    return new RedisFixture(true);
  }
}
