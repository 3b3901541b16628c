package dev.sluice.spi;

import dev.sluice.Decision;

/**
 * One step of an algorithm: the decision, and the key's new state.
 *
 * @param state the new state; {@code null} means the key is fresh (nothing to keep)
 * @param decision the decision
 * @param changed whether the state differs from the one given (a store skips the write if not)
 */
public record Step(long[] state, Decision decision, boolean changed) {
  public Step {
    if (decision == null) {
      throw new IllegalArgumentException("decision must not be null");
    }
  }
}
