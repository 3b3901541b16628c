package dev.sluice.conformance;

/** {@link KeysConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondKeysConformanceTest extends KeysConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
