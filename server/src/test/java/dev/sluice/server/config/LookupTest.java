package dev.sluice.server.config;

import static dev.sluice.server.config.EnvoyCases.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Descriptor matching beyond their tests: precedence, depth, wildcard corners, merged domains,
 * request-level overrides, and their quirks kept for exactness (each named after the behaviour
 * it pins).
 */
class LookupTest {

  static RateLimitConfig load(String yaml) throws ConfigException {
    return ConfigLoader.load(List.of(new ConfigFile("f.yaml", yaml)), false);
  }

  private static final String PRECEDENCE = """
      domain: d
      descriptors:
        - key: k
          rate_limit: {unit: second, requests_per_unit: 1}
        - key: k
          value: a*
          rate_limit: {unit: second, requests_per_unit: 2}
        - key: k
          value: ab*
          rate_limit: {unit: second, requests_per_unit: 3}
        - key: k
          value: abc
          rate_limit: {unit: second, requests_per_unit: 4}
      """;

  @Test
  void exactValueBeforeWildcardsInConfigOrderBeforeTheDefault() throws Exception {
    RateLimitConfig c = load(PRECEDENCE);
    assertThat(c.lookup("d", entries("k", "abc")).requestsPerUnit()).isEqualTo(4);
    // "ab*" matches too, but "a*" comes first in the file
    assertThat(c.lookup("d", entries("k", "abd")).requestsPerUnit()).isEqualTo(2);
    assertThat(c.lookup("d", entries("k", "xyz")).requestsPerUnit()).isEqualTo(1);
    // a request value that is the pattern itself matches it exactly
    assertThat(c.lookup("d", entries("k", "a*")).fullKey()).isEqualTo("d.k_a*");
  }

  @Test
  void depthMustMatchAndUnknownsGiveNoLimit() throws Exception {
    RateLimitConfig c = load("""
        domain: d
        descriptors:
          - key: a
            rate_limit: {unit: second, requests_per_unit: 1}
            descriptors:
              - key: b
                rate_limit: {unit: second, requests_per_unit: 2}
          - key: leaf
            rate_limit: {unit: second, requests_per_unit: 3}
        """);
    assertThat(c.lookup("d", entries("a", "x")).requestsPerUnit()).isEqualTo(1);
    assertThat(c.lookup("d", entries("a", "x", "b", "y")).requestsPerUnit()).isEqualTo(2);
    assertThat(c.lookup("d", entries("a", "x", "b", "y", "c", "z"))).as("deeper than the config").isNull();
    assertThat(c.lookup("d", entries("leaf", "x", "more", "y"))).as("past a leaf").isNull();
    assertThat(c.lookup("d", entries("a", "x", "nope", "y"))).as("no match at the second level").isNull();
    assertThat(c.lookup("d", entries())).isNull();
    assertThat(c.lookup("other", entries("a", "x"))).isNull();
    assertThat(RateLimitConfig.empty().lookup("d", entries("a", "x"))).isNull();
    assertThat(RateLimitConfig.empty().isEmpty()).isTrue();
    assertThat(RateLimitConfig.empty().domains()).isEmpty();
  }

  @Test
  void wildcardCorners() throws Exception {
    RateLimitConfig c = load("""
        domain: d
        descriptors:
          - key: any
            value: "*"
            rate_limit: {unit: second, requests_per_unit: 1}
          - key: twice
            value: a**b
            rate_limit: {unit: second, requests_per_unit: 2}
          - key: overlap
            value: aa*aa
            rate_limit: {unit: second, requests_per_unit: 3}
          - key: fi*
            rate_limit: {unit: second, requests_per_unit: 4}
        """);
    assertThat(c.lookup("d", entries("any", "")).fullKey()).isEqualTo("d.any_*");
    assertThat(c.lookup("d", entries("any", "whatever")).fullKey()).isEqualTo("d.any_*");
    assertThat(c.lookup("d", entries("twice", "ab"))).isNotNull();
    assertThat(c.lookup("d", entries("twice", "aXYb"))).isNotNull();
    assertThat(c.lookup("d", entries("overlap", "aaa"))).as("prefix and suffix must not overlap").isNull();
    assertThat(c.lookup("d", entries("overlap", "aaaa"))).isNotNull();
    // their quirk, kept: a key-only pattern is matched against "key_value", so "file_x" matches "fi*"
    RateLimitRule keyOnly = c.lookup("d", entries("file", "x"));
    assertThat(keyOnly.requestsPerUnit()).isEqualTo(4);
    assertThat(keyOnly.fullKey()).isEqualTo("d.file_fi*");
  }

  @Test
  void aKeyWithAnUnderscoreCollidesWithKeyAndValue() {
    // key "a_b" and key "a" value "b" have the same composite key, as theirs sees it
    assertThatThrownBy(() -> load("""
        domain: d
        descriptors:
          - key: a_b
          - key: a
            value: b
        """)).isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.path()).isEqualTo("domain 'd' > descriptor key 'a' value 'b'");
          assertThat(e.reason()).isEqualTo("duplicate descriptor composite key 'd.a_b'");
        });
  }

  @Test
  void shareThresholdNeedsAStarInTheCompositeKey() throws Exception {
    assertThatThrownBy(() -> load("""
        domain: d
        descriptors:
          - key: a
            value: b
            share_threshold: true
        """)).isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.path()).isEqualTo("domain 'd' > descriptor key 'a' value 'b' > share_threshold");
          assertThat(e.reason()).isEqualTo(
              "share_threshold can only be used with wildcard values (containing '*'), but found key 'a_b'");
        });
    // a star in the key is enough, as theirs checks the composite key
    RateLimitRule r = load("""
        domain: d
        descriptors:
          - key: a*
            share_threshold: true
            rate_limit: {unit: second, requests_per_unit: 1}
        """).lookup("d", entries("ab", "x"));
    assertThat(r.shareThresholdPatterns()).containsExactly("a*");
    assertThat(r.fullKey()).isEqualTo("d.ab_a*");
  }

  @Test
  void mergedDomainsGrowOneTreeAndSiblingsStillMustDiffer() throws Exception {
    ConfigFile one = new ConfigFile("one.yaml", """
        domain: d
        descriptors:
          - key: a
            descriptors:
              - key: b
                rate_limit: {unit: second, requests_per_unit: 1}
        """);
    ConfigFile two = new ConfigFile("two.yaml", """
        domain: d
        descriptors:
          - key: c
            rate_limit: {unit: minute, requests_per_unit: 2}
        """);
    ConfigFile other = new ConfigFile("other.yaml", "domain: e\n");
    RateLimitConfig c = ConfigLoader.load(List.of(one, other, two), true);
    assertThat(c.domains()).containsExactly("d", "e");
    assertThat(c.lookup("d", entries("a", "x", "b", "y")).requestsPerUnit()).isEqualTo(1);
    assertThat(c.lookup("d", entries("c", "x")).requestsPerUnit()).isEqualTo(2);
    assertThatThrownBy(() -> ConfigLoader.load(List.of(one, two), false))
        .hasMessage("two.yaml: duplicate domain 'd' in config file");
    // merging adds at the top level only: a second "a" is a duplicate, not a merge of subtrees
    assertThatThrownBy(() -> ConfigLoader.load(List.of(one, one), true))
        .hasMessage("one.yaml: domain 'd' > descriptor key 'a': duplicate descriptor composite key 'd.a'");
  }

  @Test
  void anOverrideAppliesInAKnownDomainWhateverTheEntriesMatch() throws Exception {
    RateLimitConfig c = load(PRECEDENCE);
    RateLimitRule r = c.override("d", entries("nothing", "configured", "k", ""), 7, Unit.WEEK);
    assertThat(r).isEqualTo(new RateLimitRule("d.nothing_configured.k", 7, Unit.WEEK, false, "", List.of(),
        false, false, false, List.of(), List.of(), Map.of()));
    assertThat(c.override("unknown", entries("k", "abc"), 7, Unit.WEEK)).isNull();
    // their descriptorKey adds no "." while the key is still empty
    assertThat(c.override("d", entries("", "", "k", "v"), 1, Unit.SECOND).fullKey()).isEqualTo("d.k_v");
    assertThat(c.override("d", entries(), 1, Unit.SECOND).fullKey()).isEqualTo("d.");
    assertThatThrownBy(() -> c.override("d", entries("k", "v"), 1L << 32, Unit.SECOND))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4294967295");
    assertThatThrownBy(() -> c.override("d", entries("k", "v"), 1, null)).isInstanceOf(NullPointerException.class);
  }

  /** Their GetLimit rebuilds the rule for a detailed_metric leaf, and the rebuilt rule has no metadata. */
  @Test
  void metadataIsDroppedWhereTheirLookupRebuildsTheRule() throws Exception {
    RateLimitConfig c = load("""
        domain: d
        descriptors:
          - key: leaf
            detailed_metric: true
            metadata: {m: 1}
            rate_limit: {unit: second, requests_per_unit: 1}
          - key: parent
            detailed_metric: true
            metadata: {m: 2}
            rate_limit: {unit: second, requests_per_unit: 2}
            descriptors:
              - key: child
                rate_limit: {unit: second, requests_per_unit: 3}
          - key: byvalue
            value_to_metric: true
            metadata: {m: 3}
            rate_limit: {unit: second, requests_per_unit: 4}
          - key: plain
            metadata: {m: 4}
            rate_limit: {unit: second, requests_per_unit: 5}
        """);
    assertThat(c.lookup("d", entries("leaf", "x")).metadata()).as("detailed leaf: rebuilt").isEmpty();
    assertThat(c.lookup("d", entries("parent", "x")).metadata()).as("detailed, has children: kept")
        .isEqualTo(Map.of("m", 2.0));
    assertThat(c.lookup("d", entries("parent", "x")).fullKey()).isEqualTo("d.parent_x");
    assertThat(c.lookup("d", entries("byvalue", "x")).metadata()).as("by-value key differs: rebuilt").isEmpty();
    assertThat(c.lookup("d", entries("byvalue", "x")).fullKey()).isEqualTo("d.byvalue_x");
    assertThat(c.lookup("d", entries("plain", "x")).metadata()).isEqualTo(Map.of("m", 4.0));
  }

  @Test
  void rulesAreImmutable() throws Exception {
    RateLimitRule r = load(PRECEDENCE).lookup("d", entries("k", "x"));
    assertThatThrownBy(() -> r.replaces().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.metadata().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new RateLimitRule("k", 1, null, false, "", List.of(), false, false, false, List.of(),
        List.of(), Map.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a unit");
    assertThatThrownBy(() -> new RateLimitRule("k", -1, Unit.SECOND, false, "", List.of(), false, false, false,
        List.of(), List.of(), Map.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateLimitRule("k", 1, Unit.SECOND, true, "", List.of(), false, false, false,
        List.of(), List.of(), Map.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
