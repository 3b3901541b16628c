package dev.sluice;

/**
 * A limit, as an immutable and validated value: a name plus one algorithm and its parameters.
 *
 * <p>The name is part of the value: two policies with the same parameters but different names
 * keep separate state in a store. A policy applied to a key with a cost gives a {@link Decision}.
 */
public sealed interface Policy
    permits TokenBucket, FixedWindow, SlidingLog, SlidingCounter, Concurrency, Budget {

  /** The name used in decisions, metrics and store namespaces. */
  String name();

  /** The most cost one decision can ever admit; a larger cost is denied without consuming. */
  long limit();

  /**
   * Whether the policy's windows follow the wall clock (calendar days, weeks, months, years).
   * Stores read the wall clock for such policies and the monotonic clock for all others.
   */
  default boolean usesWallClock() {
    return false;
  }
}
