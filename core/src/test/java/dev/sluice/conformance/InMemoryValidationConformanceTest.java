package dev.sluice.conformance;

/** {@link ValidationConformance} on the in-memory store. */
class InMemoryValidationConformanceTest extends ValidationConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
