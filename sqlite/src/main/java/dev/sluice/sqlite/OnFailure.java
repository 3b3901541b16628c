package dev.sluice.sqlite;

/**
 * What a policy's decisions are while the database cannot commit (disk full, an I/O error, the
 * file locked by another writer, no answer within the decision timeout): the operator's choice,
 * per policy. Nothing is acknowledged as admitted-and-recorded without a commit; these answers
 * are the exception the operator chose, counted and logged.
 */
public enum OnFailure {
  /** Admit (remaining reads 0). Nothing is charged. The default for rate limits. */
  OPEN,
  /**
   * Deny with {@link dev.sluice.Decision.Reason#STORE_UNAVAILABLE}. The default for budgets and
   * concurrency limits, whose whole point is that they are never exceeded.
   */
  CLOSED
}
