package dev.sluice;

import dev.sluice.DecisionListener.Call;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import java.time.Instant;
import java.util.Optional;

/**
 * A {@link Budget} applied to keys: "50 GiB of scanned bytes per user per day". Obtained from
 * {@link Sluice#budget(Budget)}; thread-safe, stateless, cheap to keep: one instance serves every
 * endpoint of an application.
 *
 * <pre>{@code
 * Budgets scanned = sluice.budget(Budget.daily("scanned-bytes", 50L << 30));
 * scanned.check(user);                     // QuotaExceededException once the day's budget is spent
 * long bytes = runQuery();
 * scanned.record(user, bytes);             // always succeeds, may overshoot
 *
 * try (Reservation r = scanned.reserve(user, estimate)) {   // holds the estimate
 *   r.settle(runQuery());                  // charges the real cost instead
 * }                                        // not settled: cancelled, the estimate comes back
 * }</pre>
 */
public final class Budgets {

  private final Sluice sluice;
  private final Partition partition;
  private final Budget policy;

  Budgets(Sluice sluice, Partition partition) {
    this.sluice = sluice;
    this.partition = partition;
    this.policy = (Budget) partition.policy();
  }

  /** {@return the budget these keys are charged against} */
  public Budget policy() {
    return policy;
  }

  /**
   * Pre-flight: passes while the key's usage is below the budget.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @throws QuotaExceededException (kind {@code BUDGET}) once usage has reached the budget, with
   *     retryAfter until the period ends (or reservations expire, if that makes room first); also
   *     when the store cannot decide and the policy fails closed (the default for budgets)
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public void check(String key) {
    Decision d = apply(Call.CHECK, key, Command.peek(1));
    if (!d.allowed()) {
      throw QuotaExceeded.of(d, key).toException();
    }
  }

  /**
   * {@link #check} as data: the denial, or empty while usage is below the budget.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @return the denial {@code check} would throw, or empty if it would pass
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public Optional<QuotaExceeded> denial(String key) {
    Decision d = apply(Call.CHECK, key, Command.peek(1));
    return d.allowed() ? Optional.empty() : Optional.of(QuotaExceeded.of(d, key));
  }

  /**
   * Post-hoc: charges {@code cost} unconditionally (the work is done). Never fails for being over
   * the budget; later checks see the overshoot until the period ends.
   *
   * <p>Never throws for a value a meter can produce: a {@code cost} of zero or below charges
   * nothing (a query that scanned no bytes, a meter that went backwards) and returns the key's
   * state as it is, as a {@link #check} would see it. To give usage back, {@link #refund} it.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost used; {@code <= 0} charges nothing
   * @return the decision after the charge, allowed (even past the budget) unless the store cannot
   *     decide and the policy fails closed ({@link Decision.Reason#STORE_UNAVAILABLE}); for a
   *     {@code cost <= 0}, what a check would decide
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public Decision record(String key, long cost) {
    if (cost <= 0) {
      Checks.key(key);
      return apply(Call.RECORD, key, Command.peek(0));
    }
    return apply(Call.RECORD, key, Command.record(cost));
  }

  /**
   * Holds {@code estimate} against the budget until the reservation is settled, cancelled, or
   * expires ({@link Budget#reservationTtl()}).
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param estimate the cost to hold, {@code >= 1}
   * @return the reservation; settle or cancel it (closing it cancels it unless settled)
   * @throws QuotaExceededException (kind {@code BUDGET}) when the estimate does not fit in what is
   *     left, the key holds {@link Budget#maxReservations()} already, or the store cannot decide
   *     and the policy fails closed
   * @throws IllegalArgumentException if {@code key} is invalid or {@code estimate} is not positive
   */
  public Reservation reserve(String key, long estimate) {
    Object[] denied = new Object[1];
    Reservation r = attempt(key, estimate, denied);
    if (r == null) {
      throw ((QuotaExceeded) denied[0]).toException();
    }
    return r;
  }

  /**
   * {@link #reserve}, or empty when the estimate does not fit.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param estimate the cost to hold, {@code >= 1}
   * @return the reservation, or empty where {@link #reserve} would throw
   *     {@link QuotaExceededException}
   * @throws IllegalArgumentException if {@code key} is invalid or {@code estimate} is not positive
   */
  public Optional<Reservation> tryReserve(String key, long estimate) {
    return Optional.ofNullable(attempt(key, estimate, null));
  }

  private Reservation attempt(String key, long estimate, Object[] denied) {
    Checks.key(key);
    Checks.positive("estimate", estimate);
    long id = Leases.newId();
    Decision d = apply(Call.RESERVE, key, Command.hold(id, estimate));
    if (!d.allowed()) {
      if (denied != null) {
        denied[0] = QuotaExceeded.of(d, key);
      }
      return null;
    }
    return new Reservation(this, key, id, estimate);
  }

  /**
   * The key's usage now: used (with open reservations), the limit, the period's end. For a
   * calendar period the end is the boundary itself (midnight, not a few microseconds before it:
   * the store reads its clock a moment after this method does); for a period of the monotonic
   * clock it is that clock's boundary placed on the wall clock.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @return the usage; nothing is charged and no listener is told
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public Usage usage(String key) {
    Checks.key(key);
    Clock clock = sluice.clock();
    long before = policy.usesWallClock() ? clock.wallNanos() : clock.nanos();
    Decision d = partition.apply(key, Command.peek(0));
    long untilEnd = d.resetAfterNanos();
    long end;
    if (policy.usesWallClock()) {
      // the store decided at a time between before and after: the period's end lies in
      // [before + untilEnd, after + untilEnd], an interval far shorter than any period, so the
      // one boundary in it is the end
      long low = saturatedAdd(before, untilEnd);
      long high = saturatedAdd(clock.wallNanos(), untilEnd);
      long boundary = high > Checks.MAX_DURATION_NANOS ? low : policy.period().startNanos(high);
      end = boundary >= low ? boundary : low;
    } else {
      end = saturatedAdd(clock.wallNanos(), untilEnd);
    }
    return new Usage(d.used(), d.limit(), Instant.ofEpochSecond(0, end));
  }

  private static long saturatedAdd(long a, long b) {
    return b > Long.MAX_VALUE - a ? Long.MAX_VALUE : a + b;
  }

  /**
   * Gives back up to {@code cost} of this period's usage (reservations stay).
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the most cost to give back, {@code >= 0}
   * @return the decision after the refund
   * @throws IllegalArgumentException if {@code key} is invalid or {@code cost} is negative
   */
  public Decision refund(String key, long cost) {
    return apply(Call.REFUND, key, Command.refund(cost));
  }

  /**
   * Forgets {@code key}: usage and open reservations.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public void reset(String key) {
    apply(Call.RESET, key, Command.reset());
  }

  Decision apply(Call call, String key, Command command) {
    long started = sluice.startTimer();
    Decision d = partition.apply(key, command);
    return sluice.notify(call, key, command.cost(), d, started);
  }

  @Override
  public String toString() {
    return "Budgets[" + policy + "]";
  }
}
