package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.Policy;
import java.util.concurrent.CompletableFuture;

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

  /**
   * {@link #apply} without blocking the calling thread: the future completes with the decision.
   * Bad arguments are refused by throwing, at once, as {@code apply} does. A store whose
   * {@code apply} can wait (on a network, on a commit) overrides this so that neither the caller
   * nor any event loop waits; the default, for stores that decide in memory, calls {@code apply}.
   * A store that cannot decide completes the future with its failure decision, as {@code apply}
   * returns one; a future still open when the store is closed completes the same way (never
   * exceptionally, never left open). Asked of a closed store it throws {@link
   * IllegalStateException} at once, as {@code apply} does.
   */
  default CompletableFuture<Decision> applyAsync(String key, long cost, Operation op, long arg) {
    return CompletableFuture.completedFuture(apply(key, cost, op, arg));
  }
}
