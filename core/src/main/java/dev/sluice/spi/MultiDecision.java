package dev.sluice.spi;

import dev.sluice.Decision;

/**
 * What a store decided for a multi-policy call: the decision of the most restrictive charge and
 * that charge's position in the list, so callers can tell which key decided even when one policy
 * appears with several keys.
 *
 * @param index the deciding charge's index in the list given to {@link Store#applyAll}
 * @param decision its decision
 */
public record MultiDecision(int index, Decision decision) {
  public MultiDecision {
    if (index < 0) {
      throw new IllegalArgumentException("index (" + index + ") must not be negative");
    }
    if (decision == null) {
      throw new IllegalArgumentException("decision must not be null");
    }
  }
}
