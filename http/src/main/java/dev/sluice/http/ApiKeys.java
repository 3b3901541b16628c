package dev.sluice.http;

import dev.sluice.Keys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable table of API keys: client id to the SHA-256 hash of that client's key. Only hashes
 * are kept, so the table (and the configuration it came from) does not hold the keys themselves.
 *
 * <p>A hash is written {@code sha256:} followed by the 64 hex digits of SHA-256 over the key's
 * ASCII bytes, for instance from a shell: {@code echo "sha256:$(printf %s "$KEY" | sha256sum | cut
 * -d' ' -f1)"}. A key is 1 to {@value #MAX_KEY_LENGTH} characters of visible ASCII ({@code !} to
 * {@code ~}, no space), such as the output of {@code openssl rand -base64 32}.
 *
 * <p>{@link #clientId} hashes the presented key once and compares the hash with every entry with
 * {@link MessageDigest#isEqual}, with no early exit, so the time taken does not tell which entry
 * matched, nor whether one did. {@link #toString()} and error messages name client ids, never a
 * hash nor a key (a mistyped hash may be a key pasted in its place).
 */
public final class ApiKeys {

  /** Longest key accepted, in characters; a longer presented key matches nothing. */
  public static final int MAX_KEY_LENGTH = 256;

  private static final String PREFIX = "sha256:";
  private static final int HEX_DIGITS = 64;

  private final String[] ids;
  private final byte[][] hashes;

  private ApiKeys(List<String> ids, List<byte[]> hashes) {
    this.ids = ids.toArray(new String[0]);
    this.hashes = hashes.toArray(new byte[0][]);
  }

  /**
   * Starts an empty table.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The client whose key {@code presentedKey} is. A key that is null, empty, longer than
   * {@value #MAX_KEY_LENGTH} characters or holds a character outside visible ASCII matches
   * nothing, without being hashed.
   *
   * @param presentedKey the key a request presents; hostile input
   * @return the client id, or empty when no entry has this key
   */
  public Optional<String> clientId(String presentedKey) {
    if (!wellFormed(presentedKey)) {
      return Optional.empty();
    }
    byte[] hash = sha256(presentedKey);
    int found = -1;
    for (int i = 0; i < hashes.length; i++) {
      if (MessageDigest.isEqual(hashes[i], hash)) {
        found = i;
      }
    }
    return found < 0 ? Optional.empty() : Optional.of(ids[found]);
  }

  /**
   * The number of entries.
   *
   * @return how many clients have a key
   */
  public int size() {
    return ids.length;
  }

  /**
   * The client ids, in the order added; no hash.
   *
   * @return {@code ApiKeys[<n> keys: <id>, ...]}, or {@code ApiKeys[0 keys]}
   */
  @Override
  public String toString() {
    if (ids.length == 0) {
      return "ApiKeys[0 keys]";
    }
    return "ApiKeys[" + ids.length + (ids.length == 1 ? " key: " : " keys: ") + String.join(", ", ids) + "]";
  }

  /** Whether {@code key} could be a key: 1 to {@value #MAX_KEY_LENGTH} visible ASCII characters. */
  static boolean wellFormed(String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < '!' || c > '~') {
        return false;
      }
    }
    return true;
  }

  private static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e); // every Java platform has it
    }
  }

  /** Collects entries; refuses a bad id, a bad hash and duplicates as they are added. */
  public static final class Builder {
    private final List<String> ids = new ArrayList<>();
    private final List<byte[]> hashes = new ArrayList<>();
    private final Set<String> idSet = new HashSet<>();
    private final Map<String, String> idByHash = new HashMap<>();

    private Builder() {}

    /**
     * Adds a client's key by its hash.
     *
     * @param clientId the client id; 1 to {@link Identities#MAX_ID_LENGTH} characters of
     *     well-formed UTF-16
     * @param hash {@code sha256:} and 64 hex digits (either case): SHA-256 of the key
     * @return this builder
     * @throws IllegalArgumentException if {@code clientId} is invalid or already added, if
     *     {@code hash} is null or not of that form (the message names the client, not the text),
     *     or if another client has the same hash
     */
    public Builder add(String clientId, String hash) {
      ClientIds.check(clientId);
      return put(clientId, parse(clientId, hash));
    }

    /**
     * Adds a client's key from the key itself, which is hashed at once and not kept: for tests
     * and programmatic configuration.
     *
     * @param clientId the client id; 1 to {@link Identities#MAX_ID_LENGTH} characters of
     *     well-formed UTF-16
     * @param key the key; 1 to {@value #MAX_KEY_LENGTH} characters of visible ASCII
     * @return this builder
     * @throws IllegalArgumentException if {@code clientId} is invalid or already added, if
     *     {@code key} is not of that form (the message names the client, not the key), or if
     *     another client has the same key
     */
    public Builder addPlaintext(String clientId, String key) {
      ClientIds.check(clientId);
      if (!wellFormed(key)) {
        throw new IllegalArgumentException("API key of client '" + Keys.printable(clientId)
            + "' must be 1 to " + MAX_KEY_LENGTH + " characters of visible ASCII ('!' to '~')");
      }
      return put(clientId, sha256(key));
    }

    /**
     * The table of the entries added so far.
     *
     * @return an immutable table; later additions to this builder do not change it
     */
    public ApiKeys build() {
      return new ApiKeys(ids, hashes);
    }

    private Builder put(String clientId, byte[] hash) {
      if (idSet.contains(clientId)) {
        throw new IllegalArgumentException("client id '" + Keys.printable(clientId) + "' has two API keys");
      }
      String hex = HexFormat.of().formatHex(hash);
      String other = idByHash.get(hex);
      if (other != null) {
        throw new IllegalArgumentException("clients '" + Keys.printable(other) + "' and '"
            + Keys.printable(clientId) + "' have the same API key");
      }
      idSet.add(clientId);
      idByHash.put(hex, clientId);
      ids.add(clientId);
      hashes.add(hash);
      return this;
    }

    private static byte[] parse(String clientId, String hash) {
      String who = "API key hash of client '" + Keys.printable(clientId) + "'";
      if (hash == null) {
        throw new IllegalArgumentException(who + " must not be null");
      }
      if (!hash.startsWith(PREFIX)) {
        throw new IllegalArgumentException(who + " must start with '" + PREFIX + "'");
      }
      int digits = hash.length() - PREFIX.length();
      if (digits != HEX_DIGITS) {
        throw new IllegalArgumentException(who + " must have " + HEX_DIGITS + " hex digits after '"
            + PREFIX + "' (has " + digits + " characters)");
      }
      for (int i = PREFIX.length(); i < hash.length(); i++) {
        if (!HexFormat.isHexDigit(hash.charAt(i))) {
          throw new IllegalArgumentException(who + " has a character that is not a hex digit at index " + i);
        }
      }
      return HexFormat.of().parseHex(hash, PREFIX.length(), hash.length());
    }
  }
}
