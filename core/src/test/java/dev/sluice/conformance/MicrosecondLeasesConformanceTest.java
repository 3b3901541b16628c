package dev.sluice.conformance;

/** {@link LeasesConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondLeasesConformanceTest extends LeasesConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
