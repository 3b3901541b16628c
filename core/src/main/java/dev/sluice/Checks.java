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
    return Keys.wellFormed("name", name);
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

  /** Refuses a time outside the clocks' range, [0, 2^62] ns since the epoch (until 2116). */
  static long time(String field, long nanos) {
    if (nanos < 0 || nanos > MAX_DURATION_NANOS) {
      throw new IllegalArgumentException(field + " (" + nanos + ") must be within [0, 2^62]");
    }
    return nanos;
  }

  /**
   * {@link Policy#share}: empty when {@code limit / instances} is 0, {@code policy} itself for one
   * instance, else {@code withLimit} applied to that share.
   */
  static java.util.Optional<Policy> share(Policy policy, int instances,
      java.util.function.LongFunction<Policy> withLimit) {
    if (instances < 1) {
      throw new IllegalArgumentException("instances (" + instances + ") must be at least 1");
    }
    long share = policy.limit() / instances;
    if (share == 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(instances == 1 ? policy : withLimit.apply(share));
  }

  static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }

  /** Validates a key: 1 to 512 characters of well-formed UTF-16. */
  static String key(String key) {
    return Keys.check(key);
  }

  /** A cost: {@code >= 0} (the rule and message of {@code spi.Args.cost}, which stores use). */
  static long cost(long cost) {
    if (cost < 0) {
      throw new IllegalArgumentException("cost (" + cost + ") must not be negative");
    }
    return cost;
  }
}
