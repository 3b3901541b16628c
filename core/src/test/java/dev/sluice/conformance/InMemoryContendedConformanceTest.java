package dev.sluice.conformance;

/** {@link ContendedConformance} on the in-memory store. */
class InMemoryContendedConformanceTest extends ContendedConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
