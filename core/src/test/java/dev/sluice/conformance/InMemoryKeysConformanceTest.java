package dev.sluice.conformance;

/** {@link KeysConformance} on the in-memory store. */
class InMemoryKeysConformanceTest extends KeysConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
