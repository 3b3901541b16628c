package dev.sluice.spi;

/** What a store does with a (policy, key, cost). */
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
  RESET
}
