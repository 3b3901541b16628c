package dev.sluice.conformance;

/** {@link BudgetsConformance} at one microsecond ({@link MicrosecondFixture}). */
class MicrosecondBudgetsConformanceTest extends BudgetsConformance {
  @Override
  protected StoreFixture fixture() {
    return new MicrosecondFixture();
  }
}
