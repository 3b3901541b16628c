package dev.sluice.conformance;

/** {@link MultiPolicyConformance} on the in-memory store. */
class InMemoryMultiPolicyConformanceTest extends MultiPolicyConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
