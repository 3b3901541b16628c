package dev.sluice.server.config;

import java.util.Optional;

/**
 * The time unit of an envoyproxy/ratelimit limit ({@code rate_limit.unit}): the window of its
 * fixed-window counter, as their {@code UnitToDivider} sizes it. A month is 30 days and a year 365
 * days, fixed lengths aligned to the Unix epoch, not calendar periods.
 */
public enum Unit {
  /** One second. */
  SECOND(1),
  /** 60 seconds. */
  MINUTE(60),
  /** 3600 seconds. */
  HOUR(3_600),
  /** 86,400 seconds. */
  DAY(86_400),
  /** 7 days: 604,800 seconds. */
  WEEK(604_800),
  /** 30 days: 2,592,000 seconds. */
  MONTH(2_592_000),
  /** 365 days: 31,536,000 seconds. */
  YEAR(31_536_000);

  private final long seconds;

  Unit(long seconds) {
    this.seconds = seconds;
  }

  /**
   * The unit's length.
   *
   * @return its length in seconds
   */
  public long seconds() {
    return seconds;
  }

  /**
   * The unit a config names, matched as theirs does: upper-cased character by character (Go's
   * {@code strings.ToUpper}, so {@code "Minute"} and {@code "mInUtE"} are {@link #MINUTE}). Their
   * {@code UNKNOWN} and anything else is no unit.
   *
   * @param text the config's text, e.g. {@code "minute"}; null is no unit
   * @return the unit, or empty for {@code "unknown"}, {@code ""}, null or any other text
   */
  public static Optional<Unit> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    StringBuilder upper = new StringBuilder(text.length());
    text.codePoints().forEach(c -> upper.appendCodePoint(Character.toUpperCase(c)));
    for (Unit u : values()) {
      if (u.name().contentEquals(upper)) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }
}
