package dev.sluice.conformance;

/** {@link ValidationConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondValidationConformanceTest extends ValidationConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
