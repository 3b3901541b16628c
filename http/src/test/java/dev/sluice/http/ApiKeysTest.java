package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The key table: hashes as {@code sha256sum} prints them, plaintext keys hashed on entry, lookups
 * that match only a well-formed key of an entry, and messages that name clients but never a hash.
 */
class ApiKeysTest {

  /** {@code printf %s abc | sha256sum}. */
  static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  /** {@code printf %s 'k3y!~' | sha256sum}. */
  static final String K3Y = "c7c077d4f7aa7d19bc873c6c79a40240dd97e74d9c41133efa4050b0b62fdf1a";

  static final ApiKeys TABLE = ApiKeys.builder()
      .add("alice", "sha256:" + ABC)
      .add("bob", "sha256:" + K3Y.toUpperCase())
      .addPlaintext("carol", "c".repeat(ApiKeys.MAX_KEY_LENGTH))
      .addPlaintext("dave", "dave-key")
      .build();

  static Stream<Arguments> lookups() {
    return Stream.of(
        Arguments.of("abc", "alice"), // the hash as sha256sum prints it
        Arguments.of("k3y!~", "bob"), // upper-case hex digits
        Arguments.of("c".repeat(ApiKeys.MAX_KEY_LENGTH), "carol"), // the longest key
        Arguments.of("dave-key", "dave"), // a plaintext key, hashed on entry
        Arguments.of("ABC", null), // keys are case-sensitive
        Arguments.of("abc ", null), // no trimming here
        Arguments.of("dave-key2", null),
        Arguments.of("c".repeat(ApiKeys.MAX_KEY_LENGTH + 1), null), // too long
        Arguments.of("", null),
        Arguments.of(null, null),
        Arguments.of("ab c", null), // a space is not visible ASCII
        Arguments.of("abc\u00e9", null), // nor is é
        Arguments.of("ab\u007f", null)); // nor DEL
  }

  @ParameterizedTest
  @MethodSource("lookups")
  void aKeyFindsTheClientWhoseHashItHas(String key, String client) {
    assertThat(TABLE.clientId(key)).isEqualTo(Optional.ofNullable(client));
  }

  static Stream<Arguments> badHashes() {
    String who = "API key hash of client 'alice' ";
    return Stream.of(
        Arguments.of(null, who + "must not be null"),
        Arguments.of(ABC, who + "must start with 'sha256:'"),
        Arguments.of("SHA256:" + ABC, who + "must start with 'sha256:'"),
        Arguments.of("sha256:" + ABC.substring(1), who + "must have 64 hex digits after 'sha256:' (has 63 characters)"),
        Arguments.of("sha256:" + ABC + " ", who + "must have 64 hex digits after 'sha256:' (has 65 characters)"),
        Arguments.of("sha256:", who + "must have 64 hex digits after 'sha256:' (has 0 characters)"),
        Arguments.of("sha256:" + ABC.substring(0, 63) + "g", who + "has a character that is not a hex digit at index 70"),
        Arguments.of("sha256:\uff10" + ABC.substring(1), who + "has a character that is not a hex digit at index 7"));
  }

  @ParameterizedTest
  @MethodSource("badHashes")
  void aBadHashIsRefusedNamingTheClientButNotTheText(String hash, String message) {
    assertThatThrownBy(() -> ApiKeys.builder().add("alice", hash))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  static Stream<Arguments> badEntries() {
    String tooLong = "x".repeat(Identities.MAX_ID_LENGTH + 1);
    return Stream.of(
        Arguments.of(null, "abc", "client id must not be null"),
        Arguments.of("", "abc", "client id '' must be 1 to 509 characters (was 0)"),
        Arguments.of(tooLong, "abc", "client id '" + "x".repeat(40) + "...' must be 1 to 509 characters (was 510)"),
        Arguments.of("a\uD800", "abc",
            "client id 'a\\uD800' is not well-formed UTF-16: lone surrogate U+D800 at index 1"),
        Arguments.of("alice", "", "API key of client 'alice' must be 1 to 256 characters of visible ASCII ('!' to '~')"),
        Arguments.of("alice", "a b", "API key of client 'alice' must be 1 to 256 characters of visible ASCII ('!' to '~')"),
        Arguments.of("alice", "k".repeat(257),
            "API key of client 'alice' must be 1 to 256 characters of visible ASCII ('!' to '~')"),
        Arguments.of("alice", null, "API key of client 'alice' must be 1 to 256 characters of visible ASCII ('!' to '~')"));
  }

  @ParameterizedTest
  @MethodSource("badEntries")
  void aBadClientIdOrPlaintextKeyIsRefused(String clientId, String key, String message) {
    assertThatThrownBy(() -> ApiKeys.builder().addPlaintext(clientId, key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void theLongestClientIdIsAccepted() {
    String id = "x".repeat(Identities.MAX_ID_LENGTH);
    assertThat(ApiKeys.builder().addPlaintext(id, "abc").build().clientId("abc")).contains(id);
  }

  static Stream<Arguments> duplicates() {
    return Stream.of(
        Arguments.of(ApiKeys.builder().addPlaintext("alice", "abc"), "bob", "abc",
            "clients 'alice' and 'bob' have the same API key"),
        Arguments.of(ApiKeys.builder().add("alice", "sha256:" + ABC), "bob", "abc",
            "clients 'alice' and 'bob' have the same API key"),
        Arguments.of(ApiKeys.builder().addPlaintext("alice", "abc"), "alice", "other",
            "client id 'alice' has two API keys"));
  }

  @ParameterizedTest
  @MethodSource("duplicates")
  void duplicateHashesAndDuplicateClientsAreRefused(ApiKeys.Builder builder, String id, String key, String message) {
    assertThatThrownBy(() -> builder.addPlaintext(id, key)).hasMessage(message);
    // the refused entry left nothing behind
    assertThat(builder.build().size()).isEqualTo(1);
    assertThatThrownBy(() -> builder.add(id, "sha256:" + (key.equals("abc") ? ABC : hex("other"))))
        .hasMessage(message);
  }

  @Test
  void aRefusedEntryLeavesTheBuilderAsItWas() {
    ApiKeys.Builder b = ApiKeys.builder().addPlaintext("alice", "abc");
    assertThatThrownBy(() -> b.addPlaintext("bob", "abc")).isInstanceOf(IllegalArgumentException.class);
    ApiKeys keys = b.addPlaintext("bob", "bob-key").build();
    assertThat(keys.clientId("bob-key")).contains("bob");
    assertThat(keys.size()).isEqualTo(2);
  }

  @Test
  void toStringNamesClientsButNoHashNorKey() {
    assertThat(TABLE).hasToString("ApiKeys[4 keys: alice, bob, carol, dave]");
    assertThat(TABLE.toString()).doesNotContainIgnoringCase(ABC.substring(0, 8)).doesNotContain("dave-key");
    assertThat(ApiKeys.builder().addPlaintext("alice", "abc").build()).hasToString("ApiKeys[1 key: alice]");
    assertThat(ApiKeys.builder().build()).hasToString("ApiKeys[0 keys]");
  }

  @Test
  void aBuiltTableDoesNotSeeLaterAdditions() {
    ApiKeys.Builder b = ApiKeys.builder().addPlaintext("alice", "abc");
    ApiKeys first = b.build();
    b.addPlaintext("bob", "bob-key");
    assertThat(first.clientId("bob-key")).isEmpty();
    assertThat(first.size()).isEqualTo(1);
    assertThat(b.build().clientId("bob-key")).contains("bob");
  }

  static String hex(String key) {
    try {
      return java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
