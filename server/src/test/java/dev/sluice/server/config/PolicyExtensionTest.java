package dev.sluice.server.config;

import static dev.sluice.server.config.EnvoyCases.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sluice's extension of their format: {@code policy} or {@code policies} inside
 * {@code rate_limit}, in place of {@code unit} and {@code requests_per_unit}; the policies' names;
 * and every way of getting it wrong, each refused naming the file, the path and the reason.
 */
class PolicyExtensionTest {

  static RateLimitConfig load(String yaml) throws ConfigException {
    return ConfigLoader.load(List.of(new ConfigFile("f.yaml", yaml)), false);
  }

  private static String descriptor(String rateLimit) {
    return "domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n" + rateLimit.indent(6);
  }

  @Test
  void aPolicyTakesThePlaceOfUnitAndRequests() throws Exception {
    RateLimitConfig c = load("""
        domain: d
        descriptors:
          - key: api
            value: v1
            shadow_mode: true
            rate_limit:
              name: api
              replaces: [{name: old}]
              policy: "token-bucket capacity=20 rate=100/1m"
        """);
    RateLimitRule r = c.lookup("d", entries("api", "v1"));
    assertThat(r.policies()).containsExactly(PolicyText.parse("d.api_v1", "token-bucket capacity=20 rate=100/1m"));
    assertThat(r.policies().get(0).name()).isEqualTo("d.api_v1");
    assertThat(r.unit()).isNull();
    assertThat(r.requestsPerUnit()).isZero();
    assertThat(r.unlimited()).isFalse();
    assertThat(r.shadowMode()).isTrue();
    assertThat(r.name()).isEqualTo("api");
    assertThat(r.replaces()).containsExactly("old");
    assertThat(r.fullKey()).isEqualTo("d.api_v1");
  }

  @Test
  void outsideAServerFileANameIsNoPolicy() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(descriptor("policy: api\n")));
    assertThat(e.getMessage()).isEqualTo("f.yaml: domain 'd' > descriptor key 'k' > rate_limit > policy: 'api' is"
        + " neither a policy text (a type and its fields, docs/policies.md) nor the name of a policy: names refer to"
        + " the policies of a server file (serve --config), and there are none here");
  }

  @Test
  void severalPoliciesAreNumberedInOrder() throws Exception {
    RateLimitConfig c = load(descriptor("""
        policies:
          - fixed-window limit=10 period=1m
          - sliding-log limit=100 window=1h
        """) + "  - key: one\n    rate_limit:\n      policies: [\"sliding-counter limit=5 window=10s\"]\n");
    List<Policy> p = c.lookup("d", entries("k", "x")).policies();
    assertThat(p).extracting(Policy::name).containsExactly("d.k#1", "d.k#2");
    assertThat(p).extracting(PolicyText::format)
        .containsExactly("fixed-window limit=10 period=1m", "sliding-log limit=100 window=1h");
    assertThat(c.lookup("d", entries("one", "x")).policies()).extracting(Policy::name).containsExactly("d.one");
  }

  @Test
  void policiesSurviveTheirLookupsRebuilds() throws Exception {
    RateLimitConfig c = load("""
        domain: d
        descriptors:
          - key: path
            value: /api/*
            share_threshold: true
            detailed_metric: true
            rate_limit: {policy: "fixed-window limit=10 period=1m"}
        """);
    RateLimitRule r = c.lookup("d", entries("path", "/api/users"));
    assertThat(r.fullKey()).isEqualTo("d.path_/api/*");
    assertThat(r.shareThresholdPatterns()).containsExactly("/api/*");
    assertThat(r.policies()).extracting(Policy::name).containsExactly("d.path_/api/*");
  }

  record Refused(String name, String yaml, String path, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Refused> refused() {
    String k = "domain 'd' > descriptor key 'k'";
    String rl = k + " > rate_limit";
    return Stream.of(
        new Refused("with unit", descriptor("policy: fixed-window limit=1 period=1s\nunit: second\n"), rl,
            "policy cannot be combined with unit: a Sluice policy takes the place of unit and requests_per_unit"),
        new Refused("with both", descriptor("policies: [fixed-window limit=1 period=1s]\nunit: second\n"
            + "requests_per_unit: 5\n"), rl, "policies cannot be combined with unit or requests_per_unit:"
            + " a Sluice policy takes the place of unit and requests_per_unit"),
        new Refused("with an empty requests_per_unit", descriptor("policy: fixed-window limit=1 period=1s\n"
            + "requests_per_unit:\n"), rl, "policy cannot be combined with requests_per_unit:"
            + " a Sluice policy takes the place of unit and requests_per_unit"),
        new Refused("policy and policies", descriptor("policy: fixed-window limit=1 period=1s\n"
            + "policies: [fixed-window limit=1 period=1s]\n"), rl, "give either policy or policies, not both"),
        new Refused("with unlimited", descriptor("policy: fixed-window limit=1 period=1s\nunlimited: true\n"), rl,
            "policy cannot be combined with unlimited: true"),
        new Refused("no policies", descriptor("policies: []\n"), rl + " > policies", "must list at least one policy"),
        new Refused("a bad spec", descriptor("policy: token-bucket capacity=20 rate=100/0s\n"), rl + " > policy",
            "rate '100/0s' must have a positive period"),
        new Refused("an unknown field", descriptor("policies: [fixed-window limit=1 period=1s, "
            + "\"token-bucket capacity=2 rate=1/s burst=4\"]\n"), rl + " > policies #2",
            "burst '4' is not a field of token-bucket; its fields are capacity, rate"),
        new Refused("a concurrency policy", descriptor("policy: concurrency slots=5 ttl=10m\n"), rl + " > policy",
            "'concurrency slots=5 ttl=10m' is a concurrency policy; a descriptor takes rate policies only"
                + " (token-bucket, fixed-window, sliding-log, sliding-counter)"),
        new Refused("a budget", descriptor("policy: budget limit=1000 period=1d\n"), rl + " > policy",
            "'budget limit=1000 period=1d' is a budget policy; a descriptor takes rate policies only"
                + " (token-bucket, fixed-window, sliding-log, sliding-counter)"),
        new Refused("a null policy", descriptor("policy: ~\n"), rl + " > policy",
            "must be a policy text, e.g. \"fixed-window limit=10 period=1m\""),
        new Refused("policies as text", descriptor("policies: fixed-window limit=1 period=1s\n"), rl + " > policies",
            "must be a list of policy texts"),
        new Refused("a mapping among policies", descriptor("policies: [{a: b}]\n"), rl + " > policies #1",
            "must be a policy text, e.g. \"fixed-window limit=10 period=1m\", not map[a:b]"),
        new Refused("a policy outside rate_limit", "domain: d\ndescriptors:\n  - key: k\n"
            + "    policy: fixed-window limit=1 period=1s\n", k + " > policy", "policy is valid only inside rate_limit"),
        new Refused("policies at the top", "domain: d\npolicies: [fixed-window limit=1 period=1s]\n",
            "domain 'd' > policies", "policies is valid only inside rate_limit"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void mistakesAreRefusedNamingFilePathAndReason(Refused c) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(c.yaml()));
    assertThat(e).as("refused").isNotNull();
    assertThat(e.file()).isEqualTo("f.yaml");
    assertThat(e.path()).isEqualTo(c.path());
    assertThat(e.reason()).isEqualTo(c.reason());
    assertThat(e.getMessage()).isEqualTo("f.yaml: " + c.path() + ": " + c.reason());
  }

  private static List<String> names(RateLimitConfig c, String domain, List<List<String>> requests) {
    List<String> names = new ArrayList<>();
    for (List<String> kv : requests) {
      for (Policy p : c.lookup(domain, entries(kv.toArray(String[]::new))).policies()) {
        names.add(p.name());
      }
    }
    return names;
  }

  @Test
  void namesLongerThan128CharsAreCutAndHashedStablyAndDistinctly() throws Exception {
    String longA = "a".repeat(150);
    String longB = "a".repeat(149) + "b";
    ConfigFile first = new ConfigFile("first.yaml", "domain: d\ndescriptors:\n  - key: " + longA
        + "\n    rate_limit: {policy: fixed-window limit=1 period=1s}\n");
    ConfigFile second = new ConfigFile("second.yaml", "domain: d\ndescriptors:\n  - key: " + longB
        + "\n    rate_limit: {policy: fixed-window limit=1 period=1s}\n");
    List<List<String>> requests = List.of(List.of(longA, "x"), List.of(longB, "x"));
    List<String> names = names(ConfigLoader.load(List.of(first, second), true), "d", requests);
    assertThat(names).hasSize(2).doesNotHaveDuplicates()
        .allSatisfy(n -> assertThat(n).hasSizeLessThanOrEqualTo(128).startsWith("d." + "a".repeat(113) + "~")
            .matches(".*~[0-9a-f]{12}"));
    // the same names whatever the order of the files
    assertThat(names(ConfigLoader.load(List.of(second, first), true), "d", requests)).isEqualTo(names);
  }

  @Test
  void namesThatWouldBeAmbiguousAreHashedTheOthersStayReadable() throws Exception {
    RateLimitConfig c = load("""
        domain: d
        descriptors:
          - key: a.b
            rate_limit: {policy: fixed-window limit=1 period=1s}
          - key: a
            descriptors:
              - key: b
                rate_limit: {policy: fixed-window limit=2 period=1s}
          - key: plain
            rate_limit: {policy: fixed-window limit=3 period=1s}
        """);
    String dotted = c.lookup("d", entries("a.b", "x")).policies().get(0).name();
    String nested = c.lookup("d", entries("a", "x", "b", "y")).policies().get(0).name();
    assertThat(dotted).matches("d\\.a\\.b~[0-9a-f]{12}");
    assertThat(nested).matches("d\\.a\\.b~[0-9a-f]{12}").isNotEqualTo(dotted);
    assertThat(c.lookup("d", entries("plain", "x")).policies().get(0).name()).isEqualTo("d.plain");
  }
}
