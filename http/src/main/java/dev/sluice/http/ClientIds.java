package dev.sluice.http;

import dev.sluice.Keys;

/**
 * The rule for an authenticated client's id: its store key, {@code id:<id>} ({@link Client#key()}),
 * must pass core's key rule ({@link Keys}), so an id is 1 to {@link Identities#MAX_ID_LENGTH}
 * characters of well-formed UTF-16.
 */
final class ClientIds {
  private ClientIds() {}

  /** Whether {@code id} may name a client; never throws, for values read from requests. */
  static boolean valid(String id) {
    if (id == null || id.isEmpty() || id.length() > Identities.MAX_ID_LENGTH) {
      return false;
    }
    try {
      Keys.wellFormed("client id", id);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Returns {@code id}, refusing one that cannot name a client with a message naming it. */
  static String check(String id) {
    if (id == null) {
      throw new IllegalArgumentException("client id must not be null");
    }
    if (id.isEmpty() || id.length() > Identities.MAX_ID_LENGTH) {
      throw new IllegalArgumentException("client id '" + Keys.printable(id) + "' must be 1 to "
          + Identities.MAX_ID_LENGTH + " characters (was " + id.length() + ")");
    }
    return Keys.wellFormed("client id", id);
  }
}
