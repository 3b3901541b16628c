package dev.sluice.spi;

import dev.sluice.Keys;

/**
 * Argument checks shared by the limiter API and every store, so a bad key, cost or wait is
 * refused with the same message wherever it enters, before any state changes. Messages name the
 * field and the value.
 */
public final class Args {
  private Args() {}

  /** Longest key accepted, in UTF-16 code units ({@code String.length()}): {@link Keys#MAX_LENGTH}. */
  public static final int MAX_KEY_LENGTH = Keys.MAX_LENGTH;

  /**
   * A key, as {@link Keys#check} checks it (the API's rule, so every store refuses what the
   * limiter refuses, with the same message).
   *
   * @param key the key to check
   * @return {@code key}, unchanged
   * @throws IllegalArgumentException if {@code key} is null, empty, longer than
   *     {@value #MAX_KEY_LENGTH} characters, or holds a lone surrogate
   */
  public static String key(String key) {
    return Keys.check(key);
  }

  /**
   * Refuses a lone surrogate in {@code value}, as {@link Keys#wellFormed} does.
   *
   * @param field the value's name, for the message
   * @param value the text to check; not null
   * @return {@code value}, unchanged
   * @throws IllegalArgumentException if {@code value} holds a lone surrogate
   */
  public static String wellFormed(String field, String value) {
    return Keys.wellFormed(field, value);
  }

  /**
   * A store builder's duration setting within {@code [min, max]}.
   *
   * @param field the setting's name, for the message
   * @param d the value given
   * @param min the least allowed
   * @param max the most allowed
   * @return {@code d}
   * @throws IllegalArgumentException naming the field, the value and the range, if {@code d} is
   *     null or outside it
   */
  public static java.time.Duration between(String field, java.time.Duration d, java.time.Duration min,
      java.time.Duration max) {
    if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(field + " (" + d + ") must be within [" + min + ", " + max + "]");
    }
    return d;
  }

  /**
   * A setting that must be given.
   *
   * @param field the setting's name, for the message
   * @param value the value given
   * @param <T> its type
   * @return {@code value}
   * @throws IllegalArgumentException naming the field, if {@code value} is null
   */
  public static <T> T notNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }

  /**
   * A whole-number setting within a range.
   *
   * @param field the setting's name, for the message
   * @param value the value given
   * @param min the least allowed
   * @param max the most allowed
   * @return {@code value}
   * @throws IllegalArgumentException naming the field, the value and the range, if {@code value}
   *     is outside it
   */
  public static int between(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(field + " (" + value + ") must be within [" + min + ", " + max + "]");
    }
    return value;
  }

  /**
   * A cost: {@code >= 0}.
   *
   * @param cost the cost to check
   * @return {@code cost}, unchanged
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public static long cost(long cost) {
    if (cost < 0) {
      throw new IllegalArgumentException("cost (" + cost + ") must not be negative");
    }
    return cost;
  }

  /**
   * An operation: not null.
   *
   * @param op the operation to check
   * @return {@code op}, unchanged
   * @throws IllegalArgumentException if {@code op} is null
   */
  public static Operation op(Operation op) {
    if (op == null) {
      throw new IllegalArgumentException("op must not be null");
    }
    return op;
  }

  /**
   * The longest wait a caller accepts: {@code >= 0}.
   *
   * @param maxWaitNanos the wait to check, in nanoseconds
   * @return {@code maxWaitNanos}, unchanged
   * @throws IllegalArgumentException if {@code maxWaitNanos} is negative
   */
  public static long maxWaitNanos(long maxWaitNanos) {
    if (maxWaitNanos < 0) {
      throw new IllegalArgumentException("maxWaitNanos (" + maxWaitNanos + ") must not be negative");
    }
    return maxWaitNanos;
  }

  /**
   * A time on a store's timeline: within {@code [0, Algorithm.MAX_NANOS]}.
   *
   * @param field the time's name, for the message
   * @param nanos the time to check, in nanoseconds since the epoch
   * @return {@code nanos}, unchanged
   * @throws IllegalArgumentException if {@code nanos} is outside {@code [0, 2^62]}
   */
  public static long time(String field, long nanos) {
    if (nanos < 0 || nanos > Algorithm.MAX_NANOS) {
      throw new IllegalArgumentException(field + " (" + nanos + ") must be within [0, 2^62]");
    }
    return nanos;
  }

  /**
   * A hold's id: positive.
   *
   * @param id the id to check
   * @return {@code id}, unchanged
   * @throws IllegalArgumentException if {@code id} is not positive
   */
  public static long id(long id) {
    if (id <= 0) {
      throw new IllegalArgumentException("id (" + id + ") must be positive");
    }
    return id;
  }

  /**
   * A command: not null (its own arguments were checked when it was made).
   *
   * @param command the command to check
   * @return {@code command}, unchanged
   * @throws IllegalArgumentException if {@code command} is null
   */
  public static Command command(Command command) {
    if (command == null) {
      throw new IllegalArgumentException("command must not be null");
    }
    return command;
  }

  /**
   * The arguments of {@link Partition#apply} and {@code applyAsync}, checked once, before any
   * state changes: a valid key ({@link #key}), a command, and an operation the policy supports
   * ({@link Algorithm#check}); the command's own arguments were checked when it was made.
   *
   * @param key the key to check
   * @param command the command to check
   * @param algorithm the partition's policy's algorithm
   * @return the command's operation
   * @throws IllegalArgumentException for the first argument that is invalid
   */
  public static Operation apply(String key, Command command, Algorithm algorithm) {
    key(key);
    return algorithm.check(command(command).operation());
  }

  /**
   * The arguments of {@link Store#applyAll}: at least one charge, no null, no (policy, key) pair
   * twice, and {@code op} {@link Operation#ACQUIRE} or {@link Operation#PEEK}.
   *
   * @param charges the charges to check
   * @param op the operation to check
   * @throws IllegalArgumentException if any of these does not hold
   */
  public static void charges(java.util.List<dev.sluice.Charge> charges, Operation op) {
    if (charges == null || charges.isEmpty()) {
      throw new IllegalArgumentException("charges must not be null or empty");
    }
    if (op != Operation.ACQUIRE && op != Operation.PEEK) {
      throw new IllegalArgumentException("op (" + op + ") must be ACQUIRE or PEEK");
    }
    if (charges.size() == 1) {
      if (charges.get(0) == null) {
        throw new IllegalArgumentException("charges must not contain null");
      }
      return; // nothing to name twice
    }
    java.util.Set<java.util.List<Object>> seen = new java.util.HashSet<>();
    for (dev.sluice.Charge c : charges) {
      if (c == null) {
        throw new IllegalArgumentException("charges must not contain null");
      }
      if (!seen.add(java.util.List.of(c.policy(), c.key()))) {
        throw new IllegalArgumentException(
            "charges name policy '" + c.policy().name() + "' and key '" + c.key() + "' twice");
      }
    }
  }
}
