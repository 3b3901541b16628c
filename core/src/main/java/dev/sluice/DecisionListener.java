package dev.sluice;

/**
 * Told about every decision a {@link Sluice} makes (for metrics, audit logs). Called on the
 * deciding thread, after the decision; a listener that throws is logged and counted, and the
 * decision stands.
 *
 * <pre>{@code
 * Sluice sluice = Sluice.builder()
 *     .listener((call, key, cost, d) -> {
 *       if (!d.allowed()) {
 *         log.info("{} denied {} for {} ({})", d.policy().name(), call, key, d.reason());
 *       }
 *     })
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface DecisionListener {

  /** What the application asked for, by the method it called. */
  enum Call {
    /** {@link Limiter#tryAcquire}. */
    TRY_ACQUIRE,
    /** {@link Limiter#acquire} and {@link Limiter#acquireAsync}, once the wait is decided. */
    ACQUIRE,
    /** {@link Limiter#peek}. */
    PEEK,
    /** {@link Limiter#record} and {@link Budgets#record}. */
    RECORD,
    /** {@link Limiter#refund} and {@link Budgets#refund}. */
    REFUND,
    /** {@link Limiter#reset} and {@link Budgets#reset}. */
    RESET,
    /** {@link Sluice#tryAcquireAll}: the key and cost are the deciding charge's. */
    TRY_ACQUIRE_ALL,
    /** {@link Sluice#peekAll}: the key and cost are the deciding charge's. */
    PEEK_ALL,
    /** {@link Leases#acquire}. */
    ACQUIRE_LEASE,
    /** {@link Lease#renew}. */
    RENEW_LEASE,
    /** {@link Lease#release}. */
    RELEASE_LEASE,
    /** {@link Budgets#check} and {@link Budgets#denial}. */
    CHECK,
    /** {@link Budgets#reserve}. */
    RESERVE,
    /** {@link Reservation#settle}. */
    SETTLE,
    /** {@link Reservation#cancel}. */
    CANCEL,
    /** {@link Reservation#renew}. */
    RENEW_RESERVATION
  }

  /**
   * One decision, just made; the decision stands whatever this method does.
   *
   * @param call what was asked
   * @param key the key (for a multi-policy call: the key of the deciding charge)
   * @param cost the cost asked for (for a multi-policy call: the deciding charge's)
   * @param decision the decision
   */
  void onDecision(Call call, String key, long cost, Decision decision);

  /** The {@code storeNanos} of a decision whose store time is not measured (see below). */
  long UNTIMED = -1;

  /**
   * One decision, just made, with how long the store took to make it: the time of the one store
   * call behind the decision (for a multi-policy call, the one atomic call), measured on the
   * machine's monotonic clock by the engine, for metrics (a listener that does not care need not
   * override this: it calls {@link #onDecision(Call, String, long, Decision)}). {@link
   * Call#ACQUIRE} is {@link #UNTIMED}: it waits between its store calls.
   *
   * @param call what was asked
   * @param key the key (for a multi-policy call: the key of the deciding charge)
   * @param cost the cost asked for (for a multi-policy call: the deciding charge's)
   * @param decision the decision
   * @param storeNanos the store call's duration in nanoseconds, {@code >= 0}; or {@link #UNTIMED}
   */
  default void onDecision(Call call, String key, long cost, Decision decision, long storeNanos) {
    onDecision(call, key, cost, decision);
  }
}
