package dev.sluice;

import dev.sluice.DecisionListener.Call;
import dev.sluice.spi.Command;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An estimate held against a budget until the real cost is known. Settle it once with the real
 * cost, or cancel it; one neither settled nor cancelled gives the estimate back when it expires.
 * {@link #close()} cancels an open reservation, so try-with-resources never leaks an estimate.
 * Thread-safe.
 */
public final class Reservation implements AutoCloseable {

  private static final int OPEN = 0;
  private static final int SETTLED = 1;
  private static final int CANCELLED = 2;

  private final Budgets budgets;
  private final String key;
  private final long id;
  private final long estimate;
  private final AtomicInteger state = new AtomicInteger(OPEN);

  Reservation(Budgets budgets, String key, long id, long estimate) {
    this.budgets = budgets;
    this.key = key;
    this.id = id;
    this.estimate = estimate;
  }

  /** {@return the reservation's id: random, positive, unique per key among open reservations} */
  public long id() {
    return id;
  }

  /** {@return the key the estimate is held on} */
  public String key() {
    return key;
  }

  /** {@return the cost held, {@code >= 1}} */
  public long estimate() {
    return estimate;
  }

  /**
   * Closes the reservation and charges {@code actual} instead of the estimate: less gives the
   * difference back, more charges it (and may overshoot the budget). Charged even if the
   * reservation had expired, since the work was done.
   *
   * @param actual the real cost, {@code >= 0}
   * @return the decision after the charge ({@code used()} is the new usage): allowed, unless the
   *     store cannot decide and the policy fails closed ({@link Decision.Reason#STORE_UNAVAILABLE},
   *     nothing charged)
   * @throws IllegalStateException if already settled or cancelled
   * @throws IllegalArgumentException if {@code actual} is negative (the reservation stays open)
   */
  public Decision settle(long actual) {
    Checks.nonNegative("actual", actual);
    int was = state.compareAndExchange(OPEN, SETTLED);
    if (was != OPEN) {
      throw new IllegalStateException("reservation " + id + " on key '" + key + "' is already "
          + (was == SETTLED ? "settled" : "cancelled"));
    }
    return budgets.apply(Call.SETTLE, key, Command.settle(id, actual));
  }

  /** Gives the estimate back. Idempotent; a no-op once settled or expired. */
  public void cancel() {
    if (state.compareAndSet(OPEN, CANCELLED)) {
      budgets.apply(Call.CANCEL, key, Command.release(id));
    }
  }

  /**
   * Extends the reservation by the budget's TTL from now.
   *
   * @return true if the store extended it; false if it is no longer held (settled, cancelled, or
   *     expired) or the store could not decide (nothing was extended)
   */
  public boolean renew() {
    if (state.get() != OPEN) {
      return false;
    }
    Decision d = budgets.apply(Call.RENEW_RESERVATION, key, Command.renew(id));
    return d.reason() == Decision.Reason.ALLOWED && d.storeDecided();
  }

  /** {@return whether settle or cancel has been called (closing cancels)} */
  public boolean closed() {
    return state.get() != OPEN;
  }

  /** Cancels the reservation unless it was settled. */
  @Override
  public void close() {
    cancel();
  }

  @Override
  public String toString() {
    int s = state.get();
    return "Reservation[" + budgets.policy().name() + ", key=" + key + ", id=" + id + ", estimate="
        + estimate + (s == OPEN ? "" : s == SETTLED ? ", settled" : ", cancelled") + "]";
  }
}
