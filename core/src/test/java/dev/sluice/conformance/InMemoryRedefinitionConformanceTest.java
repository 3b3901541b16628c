package dev.sluice.conformance;

/** {@link RedefinitionConformance} on the in-memory store. */
class InMemoryRedefinitionConformanceTest extends RedefinitionConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
