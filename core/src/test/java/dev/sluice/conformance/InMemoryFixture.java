package dev.sluice.conformance;

import dev.sluice.ManualClock;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.Store;

/** The in-memory store as the conformance suite's store under test: nanosecond resolution. */
public final class InMemoryFixture implements StoreFixture {

  @Override
  public Store create(ManualClock clock) {
    return InMemory.builder().clock(clock).build();
  }

  @Override
  public long resolutionNanos() {
    return 1;
  }

  @Override
  public String name() {
    return "in-memory";
  }
}
