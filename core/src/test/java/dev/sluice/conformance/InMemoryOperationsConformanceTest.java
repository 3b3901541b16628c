package dev.sluice.conformance;

/** {@link OperationsConformance} on the in-memory store. */
class InMemoryOperationsConformanceTest extends OperationsConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
