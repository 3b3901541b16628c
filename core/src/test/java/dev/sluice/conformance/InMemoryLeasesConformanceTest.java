package dev.sluice.conformance;

/** {@link LeasesConformance} on the in-memory store. */
class InMemoryLeasesConformanceTest extends LeasesConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
