package dev.sluice;

import java.time.Duration;

/**
 * What a policy decided for one key and cost: one immutable value that HTTP, gRPC and framework
 * layers map to {@code 429}, {@code Retry-After} and the IETF {@code RateLimit} headers without
 * re-deriving anything.
 *
 * <p>Times are relative to the instant of the decision, in nanoseconds; {@link Long#MAX_VALUE}
 * means never (a cost the policy can never admit).
 */
public final class Decision {

  /** Why a decision came out the way it did. */
  public enum Reason {
    /** The policy admitted the cost (and charged it, unless the operation was a peek). */
    ALLOWED,
    /** The policy has not enough left now; {@link #retryAfterNanos()} says when it will. */
    LIMITED,
    /** The cost exceeds what the policy can ever admit; nothing was consumed. */
    COST_EXCEEDS_LIMIT,
    /** The in-memory store holds its maximum number of keys and this key is new. */
    STORE_FULL,
    /**
     * A renewal found no hold under its id: it expired (its cost was given back), was released,
     * or was never granted.
     */
    NOT_HELD,
    /**
     * The store could not decide (unreachable, too slow, failing) and the policy's failure choice
     * is to deny (fail closed); {@link #retryAfterNanos()} says when the store will be tried again.
     */
    STORE_UNAVAILABLE,
    /**
     * The store could not decide (unreachable, too slow, failing) and the policy's failure choice
     * is to admit (fail open): {@link #allowed()} is true, but nothing was counted, so
     * {@link #remaining()} and {@link #used()} say nothing about the key.
     */
    FAILED_OPEN
  }

  /** Marks a time that never comes. */
  public static final long NEVER = Long.MAX_VALUE;

  private final Policy policy;
  private final Reason reason;
  private final long limit;
  private final long used;
  private final long remaining;
  private final long retryAfterNanos;
  private final long resetAfterNanos;
  /** Whether a fallback decided instead of the store (see {@link #storeDecided()}). */
  private final boolean fallback;

  private Decision(
      Policy policy, Reason reason, long limit, long used, long remaining, long retryAfterNanos,
      long resetAfterNanos) {
    this(policy, reason, limit, used, remaining, retryAfterNanos, resetAfterNanos,
        reason == Reason.FAILED_OPEN || reason == Reason.STORE_UNAVAILABLE);
  }

  private Decision(
      Policy policy, Reason reason, long limit, long used, long remaining, long retryAfterNanos,
      long resetAfterNanos, boolean fallback) {
    if ((used | remaining | retryAfterNanos | resetAfterNanos) < 0 || remaining > limit) {
      throw invalid(limit, used, remaining, retryAfterNanos, resetAfterNanos);
    }
    this.policy = policy;
    this.reason = reason;
    this.limit = limit;
    this.used = used;
    this.remaining = remaining;
    this.retryAfterNanos = retryAfterNanos;
    this.resetAfterNanos = resetAfterNanos;
    this.fallback = fallback;
  }

  private static IllegalArgumentException invalid(
      long limit, long used, long remaining, long retryAfterNanos, long resetAfterNanos) {
    if (remaining > limit) {
      return new IllegalArgumentException(
          "remaining (" + remaining + ") must not exceed the policy's limit (" + limit + ")");
    }
    String field = remaining < 0 ? "remaining" : used < 0 ? "used"
        : retryAfterNanos < 0 ? "retryAfterNanos" : "resetAfterNanos";
    long value = remaining < 0 ? remaining : used < 0 ? used
        : retryAfterNanos < 0 ? retryAfterNanos : resetAfterNanos;
    return new IllegalArgumentException(field + " (" + value + ") must not be negative");
  }

  private static long limitOf(Policy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    return policy.limit();
  }

  /**
   * An admitting decision: retryAfter 0, {@code used} is {@code limit - remaining}.
   *
   * @param policy the policy that decided; not null
   * @param remaining cost still admissible after this decision, 0 to the policy's limit
   * @param resetAfterNanos nanoseconds until the key is fully replenished, {@code >= 0}
   * @return the decision, {@link Reason#ALLOWED}
   * @throws IllegalArgumentException if {@code policy} is null, a count or time is negative, or
   *     {@code remaining} exceeds the policy's limit
   */
  public static Decision allowed(Policy policy, long remaining, long resetAfterNanos) {
    long limit = limitOf(policy);
    return new Decision(policy, Reason.ALLOWED, limit, limit - remaining, remaining, 0, resetAfterNanos);
  }

  /**
   * A denying decision: not enough now; retry after {@code retryAfterNanos}.
   *
   * @param policy the policy that decided; not null
   * @param remaining cost still admissible now, 0 to the policy's limit
   * @param retryAfterNanos nanoseconds until the same cost would be admitted, {@code >= 0};
   *     {@link #NEVER} if it never will
   * @param resetAfterNanos nanoseconds until the key is fully replenished, {@code >= 0}
   * @return the decision, {@link Reason#LIMITED}
   * @throws IllegalArgumentException if {@code policy} is null, a count or time is negative, or
   *     {@code remaining} exceeds the policy's limit
   */
  public static Decision limited(
      Policy policy, long remaining, long retryAfterNanos, long resetAfterNanos) {
    long limit = limitOf(policy);
    return new Decision(
        policy, Reason.LIMITED, limit, limit - remaining, remaining, retryAfterNanos, resetAfterNanos);
  }

  /**
   * A denying decision for a cost above what the policy can ever admit: retryAfter is
   * {@link #NEVER}.
   *
   * @param policy the policy that decided; not null
   * @param remaining cost still admissible now, 0 to the policy's limit
   * @param resetAfterNanos nanoseconds until the key is fully replenished, {@code >= 0}
   * @return the decision, {@link Reason#COST_EXCEEDS_LIMIT}
   * @throws IllegalArgumentException if {@code policy} is null, a count or time is negative, or
   *     {@code remaining} exceeds the policy's limit
   */
  public static Decision costExceedsLimit(Policy policy, long remaining, long resetAfterNanos) {
    long limit = limitOf(policy);
    return new Decision(
        policy, Reason.COST_EXCEEDS_LIMIT, limit, limit - remaining, remaining, NEVER, resetAfterNanos);
  }

  /**
   * A denying decision for a new key when the store is full: nothing used, nothing remaining.
   *
   * @param policy the policy that was asked; not null
   * @param retryAfterNanos nanoseconds until the store may have room again, {@code >= 0}
   * @return the decision, {@link Reason#STORE_FULL}
   * @throws IllegalArgumentException if {@code policy} is null or {@code retryAfterNanos} is
   *     negative
   */
  public static Decision storeFull(Policy policy, long retryAfterNanos) {
    return new Decision(policy, Reason.STORE_FULL, limitOf(policy), 0, 0, retryAfterNanos, 0);
  }

  /**
   * An admitting decision granted ahead of time: the caller must wait {@code waitNanos} before
   * acting on it. Used by blocking and asynchronous acquires.
   *
   * @param policy the policy that decided; not null
   * @param remaining cost still admissible after this grant, 0 to the policy's limit
   * @param waitNanos nanoseconds until the cost may be used, {@code >= 0}; the decision's
   *     retryAfter
   * @param resetAfterNanos nanoseconds until the key is fully replenished, {@code >= 0}
   * @return the decision, {@link Reason#ALLOWED}
   * @throws IllegalArgumentException if {@code policy} is null, a count or time is negative, or
   *     {@code remaining} exceeds the policy's limit
   */
  public static Decision reserved(
      Policy policy, long remaining, long waitNanos, long resetAfterNanos) {
    long limit = limitOf(policy);
    return new Decision(policy, Reason.ALLOWED, limit, limit - remaining, remaining, waitNanos, resetAfterNanos);
  }

  /**
   * The store could not decide and the policy fails open: admitted, nothing counted
   * ({@link Reason#FAILED_OPEN}).
   *
   * @param policy the policy whose store failed; not null
   * @return the decision: allowed, with used, remaining and both times 0
   * @throws IllegalArgumentException if {@code policy} is null
   */
  public static Decision failedOpen(Policy policy) {
    return new Decision(policy, Reason.FAILED_OPEN, limitOf(policy), 0, 0, 0, 0);
  }

  /**
   * The store could not decide and the policy fails closed: denied
   * ({@link Reason#STORE_UNAVAILABLE}); the store will be tried again after
   * {@code retryAfterNanos}.
   *
   * @param policy the policy whose store failed; not null
   * @param retryAfterNanos nanoseconds until the store will be tried again, {@code >= 0}
   * @return the decision: denied, with used, remaining and resetAfter 0
   * @throws IllegalArgumentException if {@code policy} is null or {@code retryAfterNanos} is
   *     negative
   */
  public static Decision storeUnavailable(Policy policy, long retryAfterNanos) {
    return new Decision(policy, Reason.STORE_UNAVAILABLE, limitOf(policy), 0, 0, retryAfterNanos, 0);
  }

  /**
   * {@code decision}, made by a fallback instead of the store (a local share of the limit while
   * the shared store is away), reported under {@code policy}: {@link #storeDecided()} is false.
   *
   * @param policy the policy to report under; not null. Its limit replaces the decision's, and
   *     remaining is capped at it
   * @param decision the fallback's decision (reason, usage and times are kept); not null
   * @return the decision under {@code policy}, marked as not decided by the store
   * @throws IllegalArgumentException if {@code policy} or {@code decision} is null
   */
  public static Decision fallback(Policy policy, Decision decision) {
    long limit = limitOf(policy);
    if (decision == null) {
      throw new IllegalArgumentException("decision must not be null");
    }
    return new Decision(policy, decision.reason, limit, decision.used, Math.min(decision.remaining, limit),
        decision.retryAfterNanos, decision.resetAfterNanos, true);
  }

  /**
   * Any decision, with the usage stated rather than derived: for policies whose usage can exceed
   * the limit (recorded or settled past it) or that hold cost under ids (leases, reservations).
   * The other factories derive {@code used} as {@code limit - remaining}.
   *
   * @param policy the policy that decided; not null
   * @param reason why; not null. {@link Reason#FAILED_OPEN} and {@link Reason#STORE_UNAVAILABLE}
   *     mark the decision as not decided by the store
   * @param used the cost counted against the limit after this decision; may exceed the limit
   * @param remaining cost still admissible after this decision, 0 to the policy's limit
   * @param retryAfterNanos for a denial, nanoseconds until the same cost would be admitted
   *     ({@link #NEVER} if never); for an admission, 0 or a reservation's wait
   * @param resetAfterNanos nanoseconds until the key is fully replenished, {@code >= 0}
   * @return the decision
   * @throws IllegalArgumentException if {@code policy} or {@code reason} is null, a count or time
   *     is negative, or {@code remaining} exceeds the policy's limit
   */
  public static Decision of(
      Policy policy, Reason reason, long used, long remaining, long retryAfterNanos,
      long resetAfterNanos) {
    long limit = limitOf(policy);
    if (reason == null) {
      throw new IllegalArgumentException("reason must not be null");
    }
    return new Decision(policy, reason, limit, used, remaining, retryAfterNanos, resetAfterNanos);
  }

  /**
   * {@return whether the cost was admitted (by the policy, or by a failure choice to fail open)}
   */
  public boolean allowed() {
    return reason == Reason.ALLOWED || reason == Reason.FAILED_OPEN;
  }

  /**
   * Whether the store decided. False when it could not and a fallback answered instead: the
   * policy's failure choice ({@link Reason#FAILED_OPEN}, {@link Reason#STORE_UNAVAILABLE}) or a
   * local share of the limit. Listeners, metrics and headers use it to tell such answers apart.
   *
   * @return true if the store decided; false for a failure choice or a fallback's decision
   */
  public boolean storeDecided() {
    return !fallback;
  }

  /** {@return why the decision came out the way it did} */
  public Reason reason() {
    return reason;
  }

  /** {@return the policy that decided (for a multi-policy call: the most restrictive one)} */
  public Policy policy() {
    return policy;
  }

  /** {@return the policy's limit: bucket capacity, cost per window or period, or slots} */
  public long limit() {
    return limit;
  }

  /**
   * The cost counted against the limit after this decision: tokens spent from a full bucket, cost
   * in the window or log, slots held by leases, a budget's usage plus its open reservations. It
   * may exceed the limit after {@code record} or {@code settle} (the budget's overshoot). For
   * token buckets and sliding counters it is {@code limit - remaining}.
   *
   * @return the cost counted, {@code >= 0}; 0 for {@link Reason#STORE_FULL} and the failure
   *     choices ({@link Reason#FAILED_OPEN}, {@link Reason#STORE_UNAVAILABLE})
   */
  public long used() {
    return used;
  }

  /**
   * {@return cost still admissible right now after this decision, 0 to the limit (0 while in
   * debt)}
   */
  public long remaining() {
    return remaining;
  }

  /**
   * For a denial: how long until the same cost would be admitted ({@link #NEVER} for a cost above
   * the limit). For an allowed decision: 0, or for a reservation the wait before acting on it.
   *
   * @return the wait in nanoseconds, {@code >= 0}; {@link #NEVER} if the cost is never admitted
   */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /**
   * {@return {@link #retryAfterNanos()} as a duration; for {@link #NEVER}, {@code Long.MAX_VALUE}
   * nanoseconds (about 292 years)}
   */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }

  /**
   * {@return nanoseconds until the key is fully replenished (bucket full, window ended, log empty),
   * {@code >= 0}}
   */
  public long resetAfterNanos() {
    return resetAfterNanos;
  }

  /** {@return {@link #resetAfterNanos()} as a duration} */
  public Duration resetAfter() {
    return Duration.ofNanos(resetAfterNanos);
  }

  /**
   * This decision as seen {@code nanos} before the instant it was made at: a store that decided at
   * a later time than its clock shows (an idle-sweep floor) adds the difference to a denial's
   * retryAfter and to resetAfter, so waiting retryAfter always suffices and a blocking acquire
   * never re-asks too early. {@link #NEVER} stays; an admission's retryAfter stays.
   *
   * @param nanos how much later the store decided, in nanoseconds, {@code >= 0}
   * @return the adjusted decision (this one for 0); times saturate at {@link #NEVER}
   * @throws IllegalArgumentException if {@code nanos} is negative
   */
  public Decision later(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("nanos (" + nanos + ") must not be negative");
    }
    if (nanos == 0) {
      return this;
    }
    long retry = allowed() || retryAfterNanos == NEVER ? retryAfterNanos : sat(retryAfterNanos, nanos);
    long reset = resetAfterNanos == 0 ? 0 : sat(resetAfterNanos, nanos);
    return new Decision(policy, reason, limit, used, remaining, retry, reset, fallback);
  }

  private static long sat(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }

  /**
   * This decision with its wait spent: a grant made ahead of time ({@link #reserved}) as its
   * holder sees it once it has waited, retryAfter 0. A denial, or a decision with no wait, is
   * returned as it is.
   *
   * @return this decision with retryAfter 0 if it is an admission with a wait, else this
   */
  public Decision afterWait() {
    return retryAfterNanos == 0 || !allowed()
        ? this
        : new Decision(policy, reason, limit, used, remaining, 0, resetAfterNanos, fallback);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Decision d
        && policy.equals(d.policy)
        && reason == d.reason
        && limit == d.limit
        && used == d.used
        && remaining == d.remaining
        && retryAfterNanos == d.retryAfterNanos
        && resetAfterNanos == d.resetAfterNanos
        && fallback == d.fallback;
  }

  @Override
  public int hashCode() {
    int h = policy.hashCode();
    h = 31 * h + reason.hashCode();
    h = 31 * h + Long.hashCode(used);
    h = 31 * h + Long.hashCode(remaining);
    h = 31 * h + Long.hashCode(retryAfterNanos);
    return 31 * h + Long.hashCode(resetAfterNanos);
  }

  @Override
  public String toString() {
    return "Decision[" + reason + (fallback && reason != Reason.FAILED_OPEN && reason != Reason.STORE_UNAVAILABLE
        ? " (fallback)" : "") + ", policy=" + policy.name() + ", limit=" + limit + ", used=" + used + ", remaining="
        + remaining + ", retryAfterNanos=" + (retryAfterNanos == NEVER ? "NEVER" : retryAfterNanos)
        + ", resetAfterNanos=" + resetAfterNanos + "]";
  }
}
