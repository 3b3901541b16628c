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
  /**
   * Validates the components.
   *
   * @param index the deciding charge's index, {@code >= 0}
   * @param decision its decision; not null
   * @throws IllegalArgumentException if {@code index} is negative or {@code decision} is null
   */
  public MultiDecision {
    if (index < 0) {
      throw new IllegalArgumentException("index (" + index + ") must not be negative");
    }
    if (decision == null) {
      throw new IllegalArgumentException("decision must not be null");
    }
  }

  /**
   * The decision of a multi-policy call from each charge's decision: the denying one with the
   * longest retryAfter, or, when all admit, the one with the least remaining (ties: the first).
   *
   * @param decisions each charge's decision, in the charges' order; at least one, no null
   * @return the most restrictive decision and its index
   */
  public static MultiDecision mostRestrictive(Decision[] decisions) {
    boolean allAllowed = true;
    for (Decision d : decisions) {
      allAllowed &= d.allowed();
    }
    int best = 0;
    for (int i = 1; i < decisions.length; i++) {
      Decision d = decisions[i];
      Decision b = decisions[best];
      if (allAllowed) {
        if (d.remaining() < b.remaining()) {
          best = i;
        }
      } else if (!d.allowed() && (b.allowed() || d.retryAfterNanos() > b.retryAfterNanos())) {
        best = i;
      }
    }
    return new MultiDecision(best, decisions[best]);
  }
}
