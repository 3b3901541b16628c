package dev.sluice.spi;

/**
 * What a store does with a (policy, key, cost). A {@link Command} carries one operation with the
 * arguments it takes: the longest wait for {@link #RESERVE}, a hold's id for the hold operations
 * ({@link #HOLD}, {@link #RENEW}, {@link #RELEASE}, {@link #SETTLE}).
 *
 * <p>Not every policy supports every operation: holds exist only where something is held (leases
 * of a {@code Concurrency} policy, reservations of a {@code Budget}); an unsupported operation is
 * refused before any state changes ({@link Algorithm#supports}).
 */
public enum Operation {
  /** Admit and charge the cost if the policy allows it now; otherwise change nothing. */
  ACQUIRE,
  /** Decide as {@link #ACQUIRE} would, without changing anything. */
  PEEK,
  /**
   * Admit and charge the cost if the policy allows it within the given maximum wait, granting it
   * ahead of time; the decision's retryAfter is the wait. Policies that cannot grant ahead of
   * time (windows and logs) answer as {@link #ACQUIRE}.
   */
  RESERVE,
  /** Charge the cost unconditionally (post-hoc usage); the key may go into debt. */
  RECORD,
  /** Give back up to the cost (never beyond a full bucket or an empty window). */
  REFUND,
  /** Forget the key: it is fresh again. */
  RESET,
  /**
   * Admit the cost as {@link #ACQUIRE} would, and keep it under the given id until the policy's
   * time-to-live passes, unless released, renewed or settled first: a lease's slots, a budget's
   * reservation. An expired hold gives its cost back by itself.
   */
  HOLD,
  /** Extend the hold with the given id by the policy's time-to-live from now; NOT_HELD if gone. */
  RENEW,
  /** Give back the hold with the given id; a hold already gone is a no-op (idempotent). */
  RELEASE,
  /**
   * End the hold with the given id and charge the cost unconditionally instead (a reservation's
   * real cost, which may overshoot); charged even if the hold has expired, since the work was done.
   */
  SETTLE;

  /**
   * {@return whether the operation acts on a hold named by its id ({@link Command#holdId()}): true for
   * {@link #HOLD}, {@link #RENEW}, {@link #RELEASE} and {@link #SETTLE}}
   */
  public boolean usesId() {
    return this == HOLD || this == RENEW || this == RELEASE || this == SETTLE;
  }

  /**
   * {@return whether the operation can create state for a fresh key (so a store must make room
   * for it): true for {@link #ACQUIRE}, {@link #RESERVE}, {@link #RECORD}, {@link #HOLD} and
   * {@link #SETTLE}}
   */
  public boolean createsState() {
    return this == ACQUIRE || this == RESERVE || this == RECORD || this == HOLD || this == SETTLE;
  }

  /**
   * {@return whether the operation charges unconditionally (usage that must never be lost to a
   * key cap): true for {@link #RECORD} and {@link #SETTLE}}
   */
  public boolean charges() {
    return this == RECORD || this == SETTLE;
  }
}
