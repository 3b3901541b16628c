package dev.sluice.conformance;

/** {@link SlidingCounterConformance} on the in-memory store. */
class InMemorySlidingCounterConformanceTest extends SlidingCounterConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
