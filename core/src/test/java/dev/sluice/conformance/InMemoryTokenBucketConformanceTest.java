package dev.sluice.conformance;

/** {@link TokenBucketConformance} on the in-memory store. */
class InMemoryTokenBucketConformanceTest extends TokenBucketConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
