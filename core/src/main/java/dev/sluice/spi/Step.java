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
  /**
   * Validates the components.
   *
   * @param state the new state, or {@code null} for a fresh key; kept as given, not copied
   * @param decision the decision; not null
   * @param changed whether the state differs from the one given
   * @throws IllegalArgumentException if {@code decision} is null
   */
  public Step {
    if (decision == null) {
      throw new IllegalArgumentException("decision must not be null");
    }
  }

  /**
   * This step with its decision as seen {@code nanos} before the time it was made at
   * ({@link Decision#later}): for a store that stepped at a time later than its clock shows.
   *
   * @param nanos how much later than the clock the step was made, {@code >= 0}
   * @return this step if {@code nanos} is 0, else the same state with the later decision
   */
  public Step later(long nanos) {
    return nanos == 0 ? this : new Step(state, decision.later(nanos), changed);
  }
}
