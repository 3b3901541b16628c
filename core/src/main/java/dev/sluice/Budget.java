package dev.sluice;

import java.time.Duration;

/**
 * A cost budget per period: "50 GiB of scanned bytes per user per day, reset at UTC midnight".
 * Used through {@link Budgets}: a pre-flight {@code check}, a post-hoc {@code record} that always
 * succeeds (even past the budget: the work is done, later checks see the overshoot), and
 * {@code reserve}/{@code settle} for work whose cost is known only afterwards.
 *
 * <p>A reservation holds its estimate against the budget until it is settled, cancelled, or
 * {@code reservationTtl} passes, when the estimate comes back by itself. Open reservations are
 * work in flight: they carry over into the next period and are charged where they settle. A key
 * holds at most {@code maxReservations} open reservations (its state lists them).
 *
 * @param name the policy's name
 * @param limit the cost allowed per period
 * @param period how periods are laid on the timeline: {@link Window#day()} (UTC midnight),
 *     {@link Window#day(java.time.ZoneId)}, {@link Window#week}, {@link Window#month}, or a fixed
 *     length {@link Window#of(Duration)}
 * @param reservationTtl how long an unsettled reservation holds its estimate
 * @param maxReservations the most open reservations per key
 */
public record Budget(
    String name, long limit, Window period, Duration reservationTtl, int maxReservations)
    implements Policy {

  /** Reservation time-to-live unless given: one hour. */
  public static final Duration DEFAULT_RESERVATION_TTL = Duration.ofHours(1);

  /** Open reservations per key unless given. */
  public static final int DEFAULT_MAX_RESERVATIONS = 1_000;

  /** The largest {@code maxReservations}. */
  public static final int MAX_RESERVATIONS = 10_000;

  /**
   * Validates the components.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the cost allowed per period, {@code >= 1}
   * @param period how periods are laid on the timeline; not null
   * @param reservationTtl how long an unsettled reservation holds its estimate: positive, at most
   *     2^62 ns
   * @param maxReservations the most open reservations per key, 1 to {@value #MAX_RESERVATIONS}
   * @throws IllegalArgumentException if a component is null or out of range
   */
  public Budget {
    Checks.name(name);
    Checks.positive("limit", limit);
    Checks.notNull("period", period);
    Checks.durationNanos("reservationTtl", reservationTtl);
    if (maxReservations < 1 || maxReservations > MAX_RESERVATIONS) {
      throw new IllegalArgumentException("maxReservations (" + maxReservations
          + ") must be within [1, " + MAX_RESERVATIONS + "]");
    }
  }

  /** {@link Policy.Kind#BUDGET}. */
  @Override
  public Kind kind() {
    return Kind.BUDGET;
  }

  /** The same period and reservations with {@code limit / instances}. */
  @Override
  public java.util.Optional<Policy> share(int instances) {
    return Checks.share(this, instances,
        l -> new Budget(name, l, period, reservationTtl, maxReservations));
  }

  /**
   * {@code limit} per {@code period}, with the default reservation TTL and count
   * ({@link #DEFAULT_RESERVATION_TTL}, {@link #DEFAULT_MAX_RESERVATIONS}).
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the cost allowed per period, {@code >= 1}
   * @param period how periods are laid on the timeline; not null
   * @return the policy
   * @throws IllegalArgumentException if an argument is null or out of range
   */
  public static Budget of(String name, long limit, Window period) {
    return new Budget(name, limit, period, DEFAULT_RESERVATION_TTL, DEFAULT_MAX_RESERVATIONS);
  }

  /**
   * {@code limit} per day from UTC midnight, with the default reservation TTL and count.
   *
   * @param name the policy's name: 1 to 128 characters, not blank, well-formed UTF-16
   * @param limit the cost allowed per day, {@code >= 1}
   * @return the policy
   * @throws IllegalArgumentException if an argument is out of range
   */
  public static Budget daily(String name, long limit) {
    return of(name, limit, Window.day());
  }

  /**
   * This budget with another reservation TTL.
   *
   * @param ttl how long an unsettled reservation holds its estimate: positive, at most 2^62 ns
   * @return a new budget; this one is unchanged
   * @throws IllegalArgumentException if {@code ttl} is null, not positive or too long
   */
  public Budget withReservationTtl(Duration ttl) {
    return new Budget(name, limit, period, ttl, maxReservations);
  }

  /**
   * This budget with another cap on open reservations per key.
   *
   * @param max the most open reservations per key, 1 to {@value #MAX_RESERVATIONS}
   * @return a new budget; this one is unchanged
   * @throws IllegalArgumentException if {@code max} is out of range
   */
  public Budget withMaxReservations(int max) {
    return new Budget(name, limit, period, reservationTtl, max);
  }

  /** The period's length; a calendar period's nominal length ({@link Window#nominalLength()}). */
  @Override
  public Duration quotaWindow() {
    return period.nominalLength();
  }

  @Override
  public boolean usesWallClock() {
    return period.calendar();
  }
}
