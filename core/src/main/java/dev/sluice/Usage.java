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

  public Usage {
    Checks.nonNegative("used", used);
    Checks.positive("limit", limit);
    Checks.notNull("periodEnd", periodEnd);
  }

  /** What is left: {@code limit - used}, never negative. */
  public long remaining() {
    return Math.max(0, limit - used);
  }

  /** Whether the budget is spent (a check would be denied). */
  public boolean exhausted() {
    return used >= limit;
  }
}
