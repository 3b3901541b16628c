package dev.sluice.conformance;

/** {@link FixedWindowConformance} on the in-memory store. */
class InMemoryFixedWindowConformanceTest extends FixedWindowConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
