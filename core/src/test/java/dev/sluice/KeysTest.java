package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.Args;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The key rule lives in the API ({@link Keys}); the stores' {@code Args.key} is the same rule with
 * the same messages, so a key a limiter refuses is refused by every store alike.
 */
class KeysTest {

  @Test
  void badKeysAreRefusedNamingTheValueByTheApiAndTheStoresAlike() {
    List<String> bad = Arrays.asList(null, "", "k".repeat(Keys.MAX_LENGTH + 1), "ab\uDC00", "\uD800");
    for (String key : bad) {
      Throwable api = org.assertj.core.api.Assertions.catchThrowable(() -> Keys.check(key));
      assertThat(api).as("%s", key == null ? "null" : Keys.printable(key)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Args.key(key)).hasMessage(api.getMessage());
    }
    assertThatThrownBy(() -> Keys.check(null)).hasMessage("key must not be null");
    assertThatThrownBy(() -> Keys.check("")).hasMessage("key '' must be 1 to 512 characters (was 0)");
    assertThatThrownBy(() -> Keys.check("ab\uDC00"))
        .hasMessage("key 'ab\\uDC00' is not well-formed UTF-16: lone surrogate U+DC00 at index 2");
    String longest = "k".repeat(Keys.MAX_LENGTH);
    assertThat(Keys.check(longest)).isSameAs(longest);
    assertThat(Keys.check("\uD83D\uDE00")).isEqualTo("\uD83D\uDE00"); // a pair is well-formed
  }

  @Test
  void printableEscapesControlsAndLoneSurrogatesAndCutsLongText() {
    assertThat(Keys.printable("a\nb\uD800")).isEqualTo("a\\u000Ab\\uD800");
    assertThat(Keys.printable("x".repeat(50))).isEqualTo("x".repeat(40) + "...");
  }

  @Test
  void anyTextBecomesAValidKeyAndTwoTextsNeverShareOne() {
    String empty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; // SHA-256 of nothing
    assertThat(Keys.orDigest("")).isEqualTo(empty);
    for (String valid : new String[] {"alice", "ip:192.0.2.1", "k".repeat(Keys.MAX_LENGTH), "Praha-\uD83D\uDE00"}) {
      assertThat(Keys.orDigest(valid)).isSameAs(valid);
    }
    List<String> texts = List.of("", "k".repeat(Keys.MAX_LENGTH + 1), "a\uD800b", "a\uD801b", "\uDC00",
        "sha256:abc", empty, Keys.orDigest(empty));
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (String t : texts) {
      String key = Keys.orDigest(t);
      assertThat(Keys.check(key)).as(Keys.printable(t)).startsWith(Keys.DIGEST_PREFIX).hasSize(7 + 64);
      assertThat(keys.add(key)).as("a key of its own: %s", Keys.printable(t)).isTrue();
    }
    assertThatThrownBy(() -> Keys.orDigest(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("text must not be null");
  }
}
