package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who a request's client is: the first source that yields an id wins, a header must have exactly
 * one valid line, an API key must be well-formed, under its scheme and in the table, and a
 * configuration is refused at build time when it is wrong.
 */
class IdentitiesTest {

  static final ApiKeys KEYS = ApiKeys.builder()
      .addPlaintext("alice", "alice-key")
      .addPlaintext("bob", "bob-key")
      .build();

  static final Identities ALL = Identities.builder()
      .principal()
      .header("X-Client-Id")
      .apiKey("Authorization", "Bearer", KEYS)
      .apiKey("X-Api-Key", KEYS)
      .build();

  static final String P = "principal=";
  static final String H = "header X-Client-Id=";
  static final String B = "API key Authorization: Bearer=";
  static final String K = "API key X-Api-Key=";

  /** Headers from name, value, name, value...; a name given twice is two lines. */
  static Map<String, List<String>> headers(String... nameValue) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.computeIfAbsent(nameValue[i], k -> new ArrayList<>()).add(nameValue[i + 1]);
    }
    return m;
  }

  static Arguments row(String principal, Map<String, List<String>> headers, String id, String... misses) {
    return Arguments.of(principal, headers, id, List.of(misses));
  }

  static Stream<Arguments> requests() {
    String longest = "x".repeat(Identities.MAX_ID_LENGTH);
    return Stream.of(
        // the first source that yields an id wins; later sources are not asked
        row("pat", headers("X-Client-Id", "c1", "Authorization", "Bearer alice-key"), "pat"),
        row(null, headers("X-Client-Id", "c1", "Authorization", "Bearer alice-key"), "c1", P + "ABSENT"),
        row(null, headers("Authorization", "Bearer alice-key", "X-Api-Key", "bob-key"), "alice",
            P + "ABSENT", H + "ABSENT"),
        row(null, headers("X-Api-Key", "bob-key"), "bob", P + "ABSENT", H + "ABSENT", B + "ABSENT"),
        row(null, headers(), null, P + "ABSENT", H + "ABSENT", B + "ABSENT", K + "ABSENT"),
        // principal: as it is, under the key rule
        row("", headers("X-Client-Id", "c1"), "c1", P + "INVALID"),
        row(" pat ", headers(), " pat "),
        row("x".repeat(Identities.MAX_ID_LENGTH + 1), headers("X-Client-Id", "c1"), "c1", P + "INVALID"),
        // header: matched in any case, trimmed of spaces and tabs, exactly one line, under the key rule
        row(null, headers("x-client-id", " \tc1\t "), "c1", P + "ABSENT"),
        row(null, headers("X-Client-Id", longest), longest, P + "ABSENT"),
        row(null, headers("X-Client-Id", longest + "x", "X-Api-Key", "bob-key"), "bob",
            P + "ABSENT", H + "INVALID", B + "ABSENT"),
        row(null, headers("X-Client-Id", " \t "), null, P + "ABSENT", H + "INVALID", B + "ABSENT", K + "ABSENT"),
        row(null, headers("X-Client-Id", "a\uD800"), null, P + "ABSENT", H + "INVALID", B + "ABSENT", K + "ABSENT"),
        row(null, headers("X-Client-Id", "c1", "X-Client-Id", "c2", "X-Api-Key", "bob-key"), "bob",
            P + "ABSENT", H + "MULTIPLE_VALUES", B + "ABSENT"),
        row(null, headers("X-Client-Id", "c1", "x-client-id", "c1"), null,
            P + "ABSENT", H + "MULTIPLE_VALUES", B + "ABSENT", K + "ABSENT"),
        row(null, headers("X-Client-Id", "c1, c2"), "c1, c2", P + "ABSENT"), // a joined line is one value
        // API key after a scheme: the scheme in any ASCII case, then spaces, then a key of the table
        row(null, headers("Authorization", "bearer   bob-key "), "bob", P + "ABSENT", H + "ABSENT"),
        row(null, headers("Authorization", "BEARER alice-key"), "alice", P + "ABSENT", H + "ABSENT"),
        row(null, headers("Authorization", "Basic alice-key"), null, P + "ABSENT", H + "ABSENT", B + "WRONG_SCHEME", K + "ABSENT"),
        row(null, headers("Authorization", "Beareralice-key"), null, P + "ABSENT", H + "ABSENT", B + "WRONG_SCHEME", K + "ABSENT"),
        row(null, headers("Authorization", "Bearer\talice-key"), null, P + "ABSENT", H + "ABSENT", B + "WRONG_SCHEME", K + "ABSENT"),
        row(null, headers("Authorization", "alice-key"), null, P + "ABSENT", H + "ABSENT", B + "WRONG_SCHEME", K + "ABSENT"),
        row(null, headers("Authorization", "Bearer"), null, P + "ABSENT", H + "ABSENT", B + "INVALID", K + "ABSENT"),
        row(null, headers("Authorization", "Bearer carol-key"), null, P + "ABSENT", H + "ABSENT", B + "UNKNOWN_KEY", K + "ABSENT"),
        row(null, headers("Authorization", "Bearer " + "k".repeat(257)), null, P + "ABSENT", H + "ABSENT", B + "INVALID", K + "ABSENT"),
        row(null, headers("Authorization", "Bearer alic\u00e9-key"), null, P + "ABSENT", H + "ABSENT", B + "INVALID", K + "ABSENT"),
        row(null, headers("Authorization", "Bearer alice-key", "Authorization", "Bearer bob-key"), null,
            P + "ABSENT", H + "ABSENT", B + "MULTIPLE_VALUES", K + "ABSENT"),
        row(null, headers("Authorization", "Bearer alice-key, Bearer bob-key"), null,
            P + "ABSENT", H + "ABSENT", B + "INVALID", K + "ABSENT"),
        // API key as the whole value
        row(null, headers("X-Api-Key", " alice-key "), "alice", P + "ABSENT", H + "ABSENT", B + "ABSENT"),
        row(null, headers("X-Api-Key", "Bearer alice-key"), null, P + "ABSENT", H + "ABSENT", B + "ABSENT", K + "INVALID"),
        row(null, headers("X-Api-Key", "alice-key,bob-key"), null, P + "ABSENT", H + "ABSENT", B + "ABSENT", K + "UNKNOWN_KEY"),
        row(null, headers("X-Api-Key", "ALICE-KEY"), null, P + "ABSENT", H + "ABSENT", B + "ABSENT", K + "UNKNOWN_KEY"));
  }

  @ParameterizedTest
  @MethodSource("requests")
  void theFirstSourceThatYieldsAnIdWins(String principal, Map<String, List<String>> headers, String id,
      List<String> misses) {
    IdentityView request = IdentityView.of(principal, headers);
    Optional<Client> expected = Optional.ofNullable(id).map(Client::authenticated);
    assertThat(ALL.identify(request)).isEqualTo(expected);
    Identities.Result result = ALL.explain(request);
    assertThat(result.client()).isEqualTo(expected);
    assertThat(result.misses()).map(m -> m.source() + "=" + m.reason()).isEqualTo(misses);
  }

  static Stream<Arguments> orders() {
    IdentityView request = IdentityView.of("pat", headers("X-Client-Id", "c1", "X-Api-Key", "bob-key"));
    return Stream.of(
        Arguments.of(Identities.builder().principal().header("X-Client-Id").apiKey("X-Api-Key", KEYS), request, "pat"),
        Arguments.of(Identities.builder().header("X-Client-Id").principal().apiKey("X-Api-Key", KEYS), request, "c1"),
        Arguments.of(Identities.builder().apiKey("X-Api-Key", KEYS).header("X-Client-Id").principal(), request, "bob"),
        Arguments.of(Identities.builder().header("X-Client-Id"), IdentityView.of("pat", Map.of()), null),
        Arguments.of(Identities.builder(), request, null));
  }

  @ParameterizedTest
  @MethodSource("orders")
  void sourcesAreAskedInTheOrderAdded(Identities.Builder builder, IdentityView request, String id) {
    assertThat(builder.build().identify(request)).isEqualTo(Optional.ofNullable(id).map(Client::authenticated));
  }

  @Test
  void aViewThatAnswersNullHasNoHeader() {
    IdentityView sloppy = new IdentityView() {
      @Override
      public String principalName() {
        return null;
      }

      @Override
      public List<String> headers(String name) {
        return name.equals("X-Client-Id") ? null : Arrays.asList((String) null);
      }
    };
    assertThat(ALL.explain(sloppy).misses()).map(m -> m.source() + "=" + m.reason())
        .containsExactly(P + "ABSENT", H + "ABSENT", B + "ABSENT", K + "ABSENT");
  }

  static Stream<Arguments> badConfigurations() {
    String token = "' must be an HTTP token: 1 or more letters, digits and !#$%&'*+-.^_`|~";
    ApiKeys empty = ApiKeys.builder().build();
    return Stream.of(
        bad(b -> b.header(null), "header name must not be null"),
        bad(b -> b.header(""), "header name '" + token),
        bad(b -> b.header("X Client"), "header name 'X Client" + token),
        bad(b -> b.header("X-Client-Id:"), "header name 'X-Client-Id:" + token),
        bad(b -> b.header("X-\u00c9"), "header name 'X-\u00c9" + token),
        bad(b -> b.header("authorization"),
            "header 'authorization' holds credentials and cannot be read as a client id: use an API key source"),
        bad(b -> b.header("Proxy-Authorization"),
            "header 'Proxy-Authorization' holds credentials and cannot be read as a client id: use an API key source"),
        bad(b -> b.apiKey("X Api", KEYS), "header name 'X Api" + token),
        bad(b -> b.apiKey("Authorization", "Bear er", KEYS), "scheme 'Bear er" + token),
        bad(b -> b.apiKey("Authorization", "", KEYS), "scheme '" + token),
        bad(b -> b.apiKey("X-Api-Key", empty), "API key source 'X-Api-Key' has an empty key table"),
        bad(b -> b.apiKey("Authorization", "Bearer", empty), "API key source 'Authorization' has an empty key table"),
        bad(b -> b.principal().principal().build(), "identity source 'principal' is added twice"),
        bad(b -> b.header("X-Client-Id").header("x-client-id").build(),
            "identity source 'header x-client-id' is added twice"),
        bad(b -> b.apiKey("Authorization", "Bearer", KEYS).apiKey("authorization", "bearer", KEYS).build(),
            "identity source 'API key authorization: bearer' is added twice"),
        bad(b -> b.header("X-Api-Key").apiKey("x-api-key", KEYS).build(),
            "header 'X-Api-Key' is read both as a client id and as an API key: the key would become the client id"),
        bad(b -> b.apiKey("X-Api-Key", "Key", KEYS).header("X-Api-Key").build(),
            "header 'X-Api-Key' is read both as a client id and as an API key: the key would become the client id"));
  }

  static Arguments bad(Consumer<Identities.Builder> configure, String message) {
    return Arguments.of(message, configure);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigurations")
  void aWrongConfigurationIsRefusedWithAMessageNamingIt(String message, Consumer<Identities.Builder> configure) {
    assertThatThrownBy(() -> configure.accept(Identities.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void twoSchemesOnOneHeaderAreTwoSources() {
    Identities ids = Identities.builder()
        .apiKey("Authorization", "Bearer", KEYS)
        .apiKey("Authorization", "ApiKey", KEYS)
        .build();
    assertThat(ids.identify(IdentityView.of(null, headers("Authorization", "apikey bob-key"))))
        .contains(Client.authenticated("bob"));
    assertThat(ids.explain(IdentityView.of(null, headers("Authorization", "apikey bob-key"))).misses())
        .containsExactly(new Identities.Miss("API key Authorization: Bearer", Identities.Reason.WRONG_SCHEME));
  }

  static Stream<Arguments> withoutSource() {
    return Stream.of(Arguments.of(Identities.none()), Arguments.of(Identities.builder().build()));
  }

  @ParameterizedTest
  @MethodSource("withoutSource")
  void perClientLimitsWithoutASourceFailAtStart(Identities none) {
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.identify(IdentityView.of("pat", headers("X-Client-Id", "c1")))).isEmpty();
    assertThatThrownBy(none::requireSource)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("per-client limits are enabled but no identity source is configured: "
            + "add a principal, header or API key source");
  }

  @Test
  void aListWithASourcePassesTheCheck() {
    assertThat(ALL.requireSource()).isSameAs(ALL);
    assertThat(ALL.isEmpty()).isFalse();
  }

  @Test
  void toStringNamesTheSourcesButNoKeyNorHash() {
    assertThat(ALL.sources()).containsExactly(
        "principal", "header X-Client-Id", "API key Authorization: Bearer", "API key X-Api-Key");
    assertThat(ALL).hasToString(
        "Identities[principal, header X-Client-Id, API key Authorization: Bearer, API key X-Api-Key]");
    assertThat(Identities.none()).hasToString("Identities[]");
  }

  @Test
  void theViewOverPlainValuesMatchesNamesInAnyCaseAndKeepsCopies() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("X-Client-Id", new ArrayList<>(List.of("c1")));
    m.put("x-client-id", List.of("c2"));
    IdentityView view = IdentityView.of("pat", m);
    m.get("X-Client-Id").add("c3");
    assertThat(view.headers("X-CLIENT-ID")).containsExactly("c1", "c2");
    assertThat(view.headers("X-Other")).isEmpty();
    assertThat(view.principalName()).isEqualTo("pat");
  }

  /** The example in docs/http.md ("Client identity"), with {@code abc} as the key whose hash it shows. */
  @Test
  void theDocumentedExampleWorksAsDescribed() {
    ApiKeys keys = ApiKeys.builder()
        .add("billing", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        .addPlaintext("ci", "ci-key")
        .build();
    Identities identities = Identities.builder()
        .principal()
        .header("X-Client-Id")
        .apiKey("Authorization", "Bearer", keys)
        .apiKey("X-Api-Key", keys)
        .build()
        .requireSource();
    assertThat(identities.identify(IdentityView.of(null, headers("Authorization", "Bearer abc"))))
        .contains(Client.authenticated("billing"));
    assertThat(identities.identify(IdentityView.of(null, headers("X-Api-Key", "ci-key"))))
        .contains(Client.authenticated("ci"));
    assertThat(keys).hasToString("ApiKeys[2 keys: billing, ci]");
  }
}
