package dev.sluice.conformance;

/** {@link FixedWindowConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondFixedWindowConformanceTest extends FixedWindowConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
