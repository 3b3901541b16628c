package dev.sluice;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;

/**
 * How a fixed window is laid on the timeline: either a fixed length aligned to the epoch, or a
 * calendar unit (day, ISO week, month, year) starting at local midnight in a time zone.
 *
 * <p>Calendar windows have their true lengths: a Europe/Prague day is 23 hours on the day summer
 * time starts and 25 on the day it ends; a month is 28 to 31 days.
 */
public sealed interface Window permits Window.Epoch, Window.Calendar {

  /**
   * A window of fixed length, aligned to the epoch (so every key's windows start together).
   *
   * @param length the window's length: positive, at most 2^62 ns
   * @return the window
   * @throws IllegalArgumentException if {@code length} is null, not positive or too long
   */
  static Window of(Duration length) {
    return new Epoch(length);
  }

  /** {@return a calendar day from UTC midnight} */
  static Window day() {
    return new Calendar(CalendarUnit.DAY, ZoneOffset.UTC);
  }

  /**
   * A calendar day from local midnight in {@code zone}.
   *
   * @param zone the zone whose midnight starts the day; not null
   * @return the window
   * @throws IllegalArgumentException if {@code zone} is null
   */
  static Window day(ZoneId zone) {
    return new Calendar(CalendarUnit.DAY, zone);
  }

  /**
   * An ISO week, Monday 00:00 to Monday 00:00, in {@code zone}.
   *
   * @param zone the zone whose Monday midnight starts the week; not null
   * @return the window
   * @throws IllegalArgumentException if {@code zone} is null
   */
  static Window week(ZoneId zone) {
    return new Calendar(CalendarUnit.WEEK, zone);
  }

  /**
   * A calendar month from the first day's midnight in {@code zone}.
   *
   * @param zone the zone whose midnight starts the month; not null
   * @return the window
   * @throws IllegalArgumentException if {@code zone} is null
   */
  static Window month(ZoneId zone) {
    return new Calendar(CalendarUnit.MONTH, zone);
  }

  /**
   * A calendar year from January 1st's midnight in {@code zone}.
   *
   * @param zone the zone whose midnight starts the year; not null
   * @return the window
   * @throws IllegalArgumentException if {@code zone} is null
   */
  static Window year(ZoneId zone) {
    return new Calendar(CalendarUnit.YEAR, zone);
  }

  /**
   * The start, in epoch nanoseconds, of the window that contains {@code nowNanos}.
   *
   * @param nowNanos a time in epoch nanoseconds, within {@code [0, 2^62]}
   * @return the window's start, {@code <= nowNanos}
   * @throws IllegalArgumentException if {@code nowNanos} is outside {@code [0, 2^62]}
   */
  long startNanos(long nowNanos);

  /**
   * The end (exclusive), in epoch nanoseconds, of the window that contains {@code nowNanos}.
   *
   * @param nowNanos a time in epoch nanoseconds, within {@code [0, 2^62]}
   * @return the window's end, {@code > nowNanos} ({@link Long#MAX_VALUE} if it lies beyond)
   * @throws IllegalArgumentException if {@code nowNanos} is outside {@code [0, 2^62]}
   */
  long endNanos(long nowNanos);

  /** {@return whether this window follows the wall clock: true for a calendar window} */
  boolean calendar();

  /**
   * The window's length; for a calendar window its nominal length, whatever the actual one
   * (a day 24 h, a week 7 days, a month and a year their average Gregorian lengths, as
   * {@link java.time.temporal.ChronoUnit#getDuration()} estimates them).
   *
   * @return the length, positive
   */
  Duration nominalLength();

  /** Calendar units for {@link Calendar} windows. */
  enum CalendarUnit {
    /** A day, from local midnight. */
    DAY,
    /** An ISO week, from Monday's midnight. */
    WEEK,
    /** A month, from the first day's midnight. */
    MONTH,
    /** A year, from January 1st's midnight. */
    YEAR
  }

  /**
   * A fixed-length window aligned to the epoch.
   *
   * @param length the window's length, at most 2^62 ns
   */
  record Epoch(Duration length) implements Window {
    /**
     * Validates the length.
     *
     * @param length the window's length: positive, at most 2^62 ns
     * @throws IllegalArgumentException if {@code length} is null, not positive or too long
     */
    public Epoch {
      Checks.durationNanos("length", length);
    }

    @Override
    public long startNanos(long nowNanos) {
      Checks.time("nowNanos", nowNanos);
      long n = length.toNanos();
      return Math.floorDiv(nowNanos, n) * n;
    }

    @Override
    public long endNanos(long nowNanos) {
      long start = startNanos(nowNanos);
      long n = length.toNanos();
      return start > Long.MAX_VALUE - n ? Long.MAX_VALUE : start + n;
    }

    @Override
    public boolean calendar() {
      return false;
    }

    @Override
    public Duration nominalLength() {
      return length;
    }
  }

  /**
   * A calendar window starting at local midnight in a zone.
   *
   * @param unit day, ISO week, month or year
   * @param zone the zone whose midnight starts the window
   */
  record Calendar(CalendarUnit unit, ZoneId zone) implements Window {
    /**
     * Validates the components.
     *
     * @param unit day, ISO week, month or year; not null
     * @param zone the zone whose midnight starts the window; not null
     * @throws IllegalArgumentException if a component is null
     */
    public Calendar {
      Checks.notNull("unit", unit);
      Checks.notNull("zone", zone);
    }

    @Override
    public long startNanos(long nowNanos) {
      return toNanos(firstDay(localDate(Checks.time("nowNanos", nowNanos))));
    }

    @Override
    public long endNanos(long nowNanos) {
      LocalDate first = firstDay(localDate(Checks.time("nowNanos", nowNanos)));
      LocalDate next = switch (unit) {
        case DAY -> first.plusDays(1);
        case WEEK -> first.plusWeeks(1);
        case MONTH -> first.plusMonths(1);
        case YEAR -> first.plusYears(1);
      };
      return toNanos(next);
    }

    @Override
    public boolean calendar() {
      return true;
    }

    @Override
    public Duration nominalLength() {
      return switch (unit) {
        case DAY -> java.time.temporal.ChronoUnit.DAYS.getDuration();
        case WEEK -> java.time.temporal.ChronoUnit.WEEKS.getDuration();
        case MONTH -> java.time.temporal.ChronoUnit.MONTHS.getDuration();
        case YEAR -> java.time.temporal.ChronoUnit.YEARS.getDuration();
      };
    }

    private LocalDate localDate(long nowNanos) {
      Instant instant = Instant.ofEpochSecond(
          Math.floorDiv(nowNanos, 1_000_000_000L), Math.floorMod(nowNanos, 1_000_000_000L));
      return instant.atZone(zone).toLocalDate();
    }

    private LocalDate firstDay(LocalDate date) {
      return switch (unit) {
        case DAY -> date;
        case WEEK -> date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        case MONTH -> date.withDayOfMonth(1);
        case YEAR -> date.withDayOfYear(1);
      };
    }

    private long toNanos(LocalDate date) {
      // atStartOfDay(zone) gives the first valid instant of the day, also where midnight is
      // skipped by a DST gap.
      Instant start = date.atStartOfDay(zone).toInstant();
      return Math.addExact(Math.multiplyExact(start.getEpochSecond(), 1_000_000_000L), start.getNano());
    }
  }
}
