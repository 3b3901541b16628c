package dev.sluice.conformance;

/** {@link RedefinitionConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondRedefinitionConformanceTest extends RedefinitionConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
