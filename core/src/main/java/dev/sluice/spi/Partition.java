package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.Policy;
import java.util.concurrent.CompletableFuture;

/** One policy's keys in a {@link Store}. */
public interface Partition {

  /** {@return the policy whose keys these are} */
  Policy policy();

  /**
   * Applies {@code command} to {@code key}'s state atomically, at the store's time. A bad key, a
   * null command or an operation the policy does not support is refused before any state changes
   * (the command's own arguments were checked when it was made).
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param command the operation and its arguments; not null
   * @return the decision; a failure decision if the store could not decide
   * @throws IllegalArgumentException for a bad key, a null command or an operation the policy does
   *     not support ({@link Algorithm#supports}), before any state changes
   * @throws IllegalStateException if the store is closed (a store holding connections or a file:
   *     Redis, SQLite; the in-memory store keeps deciding)
   */
  Decision apply(String key, Command command);

  /**
   * {@link #apply} without blocking the calling thread: the future completes with the decision.
   * Bad arguments are refused by throwing, at once, as {@code apply} does. A store whose
   * {@code apply} can wait (on a network, on a commit) overrides this so that neither the caller
   * nor any event loop waits; the default, for stores that decide in memory, calls {@code apply}.
   * A store that cannot decide completes the future with its failure decision, as {@code apply}
   * returns one; a future still open when the store is closed completes the same way (never
   * exceptionally, never left open). Asked of a closed store it throws {@link
   * IllegalStateException} at once, as {@code apply} does.
   *
   * @param key the key, as for {@link #apply}
   * @param command the operation and its arguments, as for {@link #apply}
   * @return a future of the decision (a failure decision if the store cannot decide)
   * @throws IllegalArgumentException for bad arguments, as {@link #apply} throws it
   * @throws IllegalStateException if the store is closed, as {@link #apply} throws it
   */
  default CompletableFuture<Decision> applyAsync(String key, Command command) {
    return CompletableFuture.completedFuture(apply(key, command));
  }
}
