package dev.sluice;

import java.time.Duration;

/** Argument checks whose messages name the field and the value. */
final class Checks {
  private Checks() {}

  /** Largest name length a policy accepts; longer names are refused. */
  static final int MAX_NAME_LENGTH = 128;

  /** Largest duration a policy accepts, in nanoseconds: 2^62 ns, about 146 years. */
  static final long MAX_DURATION_NANOS = 1L << 62;

  static String name(String name) {
    if (name == null) {
      throw new IllegalArgumentException("name must not be null");
    }
    if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "name '" + name + "' must be 1 to " + MAX_NAME_LENGTH + " characters and not blank");
    }
    return name;
  }

  static long positive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " (" + value + ") must be positive");
    }
    return value;
  }

  static long nonNegative(String field, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " (" + value + ") must not be negative");
    }
    return value;
  }

  /** Returns the duration in nanoseconds, refusing null, zero, negative and over-long values. */
  static long durationNanos(String field, Duration duration) {
    if (duration == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(field + " (" + duration + ") must be positive");
    }
    if (duration.compareTo(Duration.ofNanos(MAX_DURATION_NANOS)) > 0) {
      throw new IllegalArgumentException(
          field + " (" + duration + ") exceeds the maximum of " + Duration.ofNanos(MAX_DURATION_NANOS)
              + " (2^62 ns)");
    }
    return duration.toNanos();
  }

  static Duration nonNegative(String field, Duration duration) {
    if (duration == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    if (duration.isNegative()) {
      throw new IllegalArgumentException(field + " (" + duration + ") must not be negative");
    }
    return duration;
  }

  static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }

  /** Validates a limiter key: any non-null value; strings are 1 to 512 characters. */
  static Object key(Object key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    // String is final: an exact class check, cheaper than an interface instanceof on every call.
    if (key instanceof String s && (s.length() == 0 || s.length() > 512)) {
      throw new IllegalArgumentException(
          "key '" + abbreviate(s) + "' must be 1 to 512 characters (was " + s.length() + ")");
    }
    return key;
  }

  static long cost(long cost) {
    if (cost < 0) {
      throw new IllegalArgumentException("cost (" + cost + ") must not be negative");
    }
    return cost;
  }

  private static String abbreviate(CharSequence s) {
    return s.length() <= 40 ? s.toString() : s.subSequence(0, 40) + "...";
  }
}
