package dev.sluice.conformance;

/** {@link BudgetsConformance} on the in-memory store. */
class InMemoryBudgetsConformanceTest extends BudgetsConformance {
  @Override
  protected StoreFixture fixture() {
    return new InMemoryFixture();
  }
}
