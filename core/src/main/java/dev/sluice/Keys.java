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
    int i = loneSurrogate(value);
    if (i >= 0) {
      throw new IllegalArgumentException(field + " '" + printable(value) + "' is not well-formed UTF-16: lone surrogate "
          + String.format("U+%04X", (int) value.charAt(i)) + " at index " + i);
    }
    return value;
  }

  /** The index of the first lone surrogate in {@code value}; -1 if it is well-formed UTF-16. */
  private static int loneSurrogate(String value) {
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        return i;
      }
    }
    return -1;
  }


  /** The prefix of a key {@link #orDigest} made from text that is not a key as it is. */
  public static final String DIGEST_PREFIX = "sha256:";

  /**
   * The key of text that comes from outside and must be counted whatever it is (a gateway
   * resolver's id, a SpEL expression's value): the text itself when it is a valid
   * {@linkplain #check key} that does not start with {@value #DIGEST_PREFIX}, else that prefix and
   * the SHA-256 (lower-case hex) of its UTF-16 code units. Two different texts never share a key
   * (up to SHA-256 collisions), and no text is refused: an empty, overlong or malformed one is
   * counted under its digest instead of failing the request.
   *
   * @param text the text; not null
   * @return a valid key
   * @throws IllegalArgumentException if {@code text} is null
   */
  public static String orDigest(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text must not be null");
    }
    if (!text.isEmpty() && text.length() <= MAX_LENGTH && !text.startsWith(DIGEST_PREFIX)
        && loneSurrogate(text) < 0) {
      return text;
    }
    // the code units themselves: an encoder would replace lone surrogates and merge texts
    byte[] units = new byte[text.length() * 2];
    for (int i = 0; i < text.length(); i++) {
      units[2 * i] = (byte) (text.charAt(i) >>> 8);
      units[2 * i + 1] = (byte) text.charAt(i);
    }
    try {
      return DIGEST_PREFIX + java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(units));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
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
