package dev.sluice.conformance;

/** {@link MultiPolicyConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondMultiPolicyConformanceTest extends MultiPolicyConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
