package dev.sluice.conformance;

/** {@link OperationsConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondOperationsConformanceTest extends OperationsConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
