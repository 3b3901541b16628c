package dev.sluice.conformance;

/** {@link TokenBucketConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondTokenBucketConformanceTest extends TokenBucketConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
