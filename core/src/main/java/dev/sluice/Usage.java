package dev.sluice;

import java.time.Instant;

/**
 * A budget's usage on one key.
 *
 * @param used cost charged this period plus open reservations' estimates; may exceed the limit
 * @param limit the budget per period
 * @param periodEnd when the period ends and usage starts again from the open reservations
 */
public record Usage(long used, long limit, Instant periodEnd) {

  /**
   * Validates the components.
   *
   * @param used cost charged this period plus open reservations' estimates, {@code >= 0}
   * @param limit the budget per period, {@code >= 1}
   * @param periodEnd when the period ends; not null
   * @throws IllegalArgumentException if a component is null or out of range
   */
  public Usage {
    Checks.nonNegative("used", used);
    Checks.positive("limit", limit);
    Checks.notNull("periodEnd", periodEnd);
  }

  /** {@return what is left: {@code limit - used}, never negative} */
  public long remaining() {
    return Math.max(0, limit - used);
  }

  /** {@return whether the budget is spent ({@code used >= limit}: a check would be denied)} */
  public boolean exhausted() {
    return used >= limit;
  }
}
