package dev.sluice.conformance;

/** {@link SlidingCounterConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondSlidingCounterConformanceTest extends SlidingCounterConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
