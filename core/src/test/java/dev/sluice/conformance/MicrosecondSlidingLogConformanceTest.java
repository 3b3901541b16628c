package dev.sluice.conformance;

/** {@link SlidingLogConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondSlidingLogConformanceTest extends SlidingLogConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
