package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ConfigLoader#loadList}: domains as the items of a list inside a larger file (the server
 * file's {@code domains}), each read exactly as a config file, faults named by file, line and path.
 */
class LoadListTest {

  private static RateLimitConfig load(String yaml, boolean merge) throws ConfigException {
    return ConfigLoader.loadList(new ConfigFile("sluice.yaml", yaml), "domains", merge);
  }

  private static ConfigException refused(String yaml) {
    try {
      load(yaml, false);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("loaded: " + yaml);
  }

  @Test
  void eachItemIsOneConfigFileAndTheRestOfTheFileIsNotLookedAt() throws Exception {
    RateLimitConfig c = load("""
        settings: {ANYTHING: [1, 2]}
        domains:
          - domain: a
            descriptors:
              - key: k
                rate_limit: {unit: minute, requests_per_unit: 10}
          - domain: b
            descriptors:
              - key: k
                value: v
                rate_limit: {policy: token-bucket capacity=5 rate=1/s}
        """, false);
    assertThat(c.domains()).containsExactly("a", "b");
    RateLimitRule a = c.lookup("a", List.of(Map.entry("k", "x")));
    assertThat(a.requestsPerUnit()).isEqualTo(10);
    assertThat(a.unit()).isEqualTo(Unit.MINUTE);
    assertThat(c.lookup("b", List.of(Map.entry("k", "v"))).policies()).hasSize(1);
  }

  @Test
  void theSameAsTheItemsLoadedAsFiles() throws Exception {
    String one = """
        domain: a
        descriptors:
          - key: k
            value: yes
            shadow_mode: on
            rate_limit: {unit: Hour, requests_per_unit: 010}
        """;
    RateLimitConfig asFile = ConfigLoader.load(List.of(new ConfigFile("a.yaml", one)), false);
    RateLimitConfig asItem = load("domains:\n  - " + one.strip().replace("\n", "\n    ") + "\n", false);
    assertThat(asItem.dump()).isEqualTo(asFile.dump());
  }

  @Test
  void noDomainsIsAnEmptyConfig() throws Exception {
    assertThat(load("settings: {}\n", false).isEmpty()).isTrue();
    assertThat(load("domains:\n", false).isEmpty()).isTrue();
    assertThat(load("domains: []\n", false).isEmpty()).isTrue();
    assertThat(load("", false).isEmpty()).isTrue();
  }

  @Test
  void anchorsAreSharedAcrossTheDocument() throws Exception {
    RateLimitConfig c = load("""
        common: &limit {unit: second, requests_per_unit: 3}
        domains:
          - domain: a
            descriptors:
              - key: k
                rate_limit: *limit
        """, false);
    assertThat(c.lookup("a", List.of(Map.entry("k", "x"))).requestsPerUnit()).isEqualTo(3);
  }

  @Test
  void aFaultNamesTheFileTheLineAndThePathFromTheItem() {
    ConfigException e = refused("""
        domains:
          - domain: a
            descriptors:
              - key: k
                rate_limit: {unit: minute, requests_per_unit: 1}
          - domain: b
            descriptors:
              - key: k
                value: v
                descriptors:
                  - key: inner
                    rate_limit:
                      requests_per_unit: 5
                      unit: minutes
        """);
    assertThat(e.file()).isEqualTo("sluice.yaml");
    assertThat(e.line()).isEqualTo(14);
    assertThat(e.path()).isEqualTo("domains #2 > domain 'b' > descriptor key 'k' value 'v' > descriptor key 'inner'"
        + " > rate_limit > unit");
    assertThat(e.reason()).isEqualTo("invalid rate limit unit 'minutes'");
    assertThat(e.getMessage()).isEqualTo("sluice.yaml:14: " + e.path() + ": " + e.reason());
  }

  @Test
  void theirKeyCheckAndTypedDecodeKeepTheirMessages() {
    ConfigException unknown = refused("""
        domains:
          - domain: a
            descriptors:
              - key: k
                rate_limits: {unit: minute}
        """);
    assertThat(unknown.reason()).isEqualTo("config error, unknown key 'rate_limits'");
    assertThat(unknown.path()).isEqualTo("domains #1 > domain 'a' > descriptor key 'k'");
    assertThat(unknown.line()).isEqualTo(4);

    ConfigException typed = refused("""
        domains:
          - domain: a
            descriptors:
              - key: k
                rate_limit: {unit: minute, requests_per_unit: lots}
        """);
    assertThat(typed.path()).isEqualTo("domains #1 > domain 'a' > descriptor key 'k' > rate_limit > requests_per_unit");
    assertThat(typed.line()).isEqualTo(5);
    assertThat(typed.reason()).contains("line 5: cannot read 'lots' as a whole number");
  }

  @Test
  void listEntriesAndSluicePoliciesAreFound() {
    ConfigException replaces = refused("""
        domains:
          - domain: a
            descriptors:
              - key: k
                rate_limit:
                  unit: minute
                  name: me
                  replaces:
                    - name: other
                    - name: me
        """);
    assertThat(replaces.path()).endsWith("rate_limit > replaces #2");
    assertThat(replaces.line()).isEqualTo(10);

    ConfigException policy = refused("""
        domains:
          - domain: a
            descriptors:
              - key: k
                rate_limit:
                  policies:
                    - token-bucket capacity=5 rate=1/s
                    - token-bucket capacity=0 rate=1/s
        """);
    assertThat(policy.path()).endsWith("rate_limit > policies #2");
    assertThat(policy.line()).isEqualTo(8);
    assertThat(policy.reason()).contains("capacity");
  }

  @Test
  void aDuplicateDomainIsTheSecondItemsFaultUnlessMerged() throws Exception {
    String yaml = """
        domains:
          - domain: a
            descriptors: [{key: k, rate_limit: {unit: second, requests_per_unit: 1}}]
          - domain: a
            descriptors: [{key: j, rate_limit: {unit: second, requests_per_unit: 2}}]
        """;
    ConfigException e = refused(yaml);
    assertThat(e.path()).isEqualTo("domains #2");
    assertThat(e.line()).isEqualTo(4);
    assertThat(e.reason()).isEqualTo("duplicate domain 'a' in config file");
    RateLimitConfig merged = load(yaml, true);
    assertThat(merged.lookup("a", List.of(Map.entry("j", "x"))).requestsPerUnit()).isEqualTo(2);
  }

  @Test
  void whatIsNotAListOfConfigsIsRefused() {
    assertThat(refused("domains: {domain: a}\n").getMessage())
        .isEqualTo("sluice.yaml:1: domains: must be a list of domains, each an envoyproxy/ratelimit config (domain,"
            + " descriptors)");
    assertThat(refused("- a\n- b\n").getMessage()).isEqualTo("sluice.yaml:1: the file is not a mapping of keys");
    assertThat(refused("domains:\n  - domain: ''\n").getMessage())
        .isEqualTo("sluice.yaml:2: domains #1: config file cannot have empty domain");
    assertThat(refused("domains: [\n").getMessage()).startsWith("sluice.yaml: error loading config file: yaml: line");
  }
}
