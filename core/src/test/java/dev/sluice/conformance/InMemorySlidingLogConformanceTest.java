package dev.sluice.conformance;

/** {@link SlidingLogConformance} on the in-memory store. */
class InMemorySlidingLogConformanceTest extends SlidingLogConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
