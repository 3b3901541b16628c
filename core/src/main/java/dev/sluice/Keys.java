package dev.sluice;

/**
 * The rule for keys, which come from users and are hostile input: what every entry point (the
 * limiter API, every store's {@code Partition}) refuses, with one message naming the value. Also
 * the rule that text stored beside keys (policy names) is well-formed UTF-16.
 */
public final class Keys {
  private Keys() {}

  /** Longest key accepted, in UTF-16 code units ({@code String.length()}). */
  public static final int MAX_LENGTH = 512;

  /**
   * A key: a String of 1 to {@value #MAX_LENGTH} characters of well-formed UTF-16 (no lone
   * surrogate). Keys come from users, so every store gives the same String the same meaning and
   * two different Strings never share state; a lone surrogate is refused because text encodings
   * (Redis, SQLite) cannot represent it without merging it with other keys.
   *
   * @param key the key to check
   * @return {@code key}, unchanged
   * @throws IllegalArgumentException if {@code key} is null, empty, longer than
   *     {@value #MAX_LENGTH} characters, or holds a lone surrogate
   */
  public static String check(String key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    int n = key.length();
    if (n == 0 || n > MAX_LENGTH) {
      throw new IllegalArgumentException("key '" + printable(key)
          + "' must be 1 to " + MAX_LENGTH + " characters (was " + n + ")");
    }
    wellFormed("key", key);
    return key;
  }

  /**
   * Refuses a lone surrogate in {@code value}: text encodings (Redis, SQLite) cannot represent it
   * without merging the value with others. The message names {@code field}.
   *
   * @param field the value's name, for the message
   * @param value the text to check; not null
   * @return {@code value}, unchanged
   * @throws IllegalArgumentException if {@code value} holds a lone surrogate
   */
  public static String wellFormed(String field, String value) {
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new IllegalArgumentException(field + " '" + printable(value) + "' is not well-formed UTF-16: lone surrogate "
            + String.format("U+%04X", (int) c) + " at index " + i);
      }
    }
    return value;
  }

  /**
   * Text for a message: at most 40 characters, lone surrogates and controls escaped.
   *
   * @param key the text
   * @return it as a message shows it
   */
  public static String printable(String key) {
    String s = key.length() <= 40 ? key : key.substring(0, 40);
    StringBuilder b = new StringBuilder(s.length() + 3);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      if (pair) {
        b.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c) || Character.isISOControl(c)) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    return key.length() <= 40 ? b.toString() : b + "...";
  }
}
