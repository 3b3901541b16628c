package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.Policy;

/** One policy's keys in a {@link Store}. */
public interface Partition {

  Policy policy();

  /**
   * Applies {@code op} with {@code cost} to {@code key}'s state atomically, at the store's time.
   * Bad arguments are refused ({@link Args#apply}) before any state changes.
   *
   * @param arg for {@link Operation#RESERVE}: the longest wait the caller accepts; for the hold
   *     operations ({@link Operation#usesId()}): the hold's id; otherwise 0
   * @throws IllegalArgumentException for bad arguments or an operation the policy does not
   *     support ({@link Algorithm#supports}), before any state changes
   */
  Decision apply(String key, long cost, Operation op, long arg);
}
