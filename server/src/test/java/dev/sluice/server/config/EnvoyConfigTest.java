package dev.sluice.server.config;

import static dev.sluice.server.config.EnvoyCases.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * envoyproxy/ratelimit's {@code config_test.go}, case for case, on our own fixtures (one file per
 * case, in {@code src/test/resources/config}, of the same structure as theirs): the same files
 * accepted and refused, the same lookups giving the same limits and full keys. Their cases built
 * in Go code ({@code TestDetailedMetric}, {@code TestValueToMetric_*},
 * {@code TestWildcardStatsBehavior}) have a fixture file each here.
 */
class EnvoyConfigTest {

  static final Path DIR = Path.of("src/test/resources/config");

  static Stream<EnvoyCases.Case> cases() {
    return EnvoyCases.all().stream();
  }

  static RateLimitConfig load(boolean merge, String... files) throws ConfigException {
    return ConfigLoader.load(EnvoyCases.read(DIR, List.of(files)), merge);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theirFileCasesGiveTheirOutcomes(EnvoyCases.Case c) throws Exception {
    List<ConfigFile> files = EnvoyCases.read(DIR, c.files());
    if (c.refusal() == null) {
      c.lookups().accept(ConfigLoader.load(files, c.merge()));
      return;
    }
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(files, c.merge()));
    assertThat(e).as("refused").isNotNull();
    EnvoyCases.Refusal r = c.refusal();
    assertThat(e.file()).isEqualTo(r.file());
    assertThat(e.path()).isEqualTo(r.path());
    assertThat(e.reason()).isEqualTo(r.reason());
    assertThat(e.getMessage())
        .isEqualTo(r.path().isEmpty() ? r.file() + ": " + r.reason() : r.file() + ": " + r.path() + ": " + r.reason());
  }

  @Test
  void detailedMetricKeysAsTheirTestDetailedMetric() throws Exception {
    // merge on, as their table runs
    assertThat(load(true, "detailed_metric_top_level.yaml").lookup("nested", entries("key-1", "value-1")).fullKey())
        .isEqualTo("nested.key-1_value-1");
    assertThat(load(true, "detailed_metric_top_level_off.yaml").lookup("nested", entries("key-1", "value-1")).fullKey())
        .isEqualTo("nested.key-1");
    assertThat(load(true, "detailed_metric_nested.yaml")
        .lookup("nested", entries("key-1", "value-1", "key-2", "value-2")).fullKey())
        .isEqualTo("nested.key-1_value-1.key-2_value-2");
    assertThat(load(true, "detailed_metric_nested_off.yaml")
        .lookup("nested", entries("key-1", "value-1", "key-2", "value-2")).fullKey())
        .isEqualTo("nested.key-1.key-2");
    RateLimitConfig realistic = load(true, "detailed_metric_realistic.yaml");
    assertThat(realistic.lookup("nested", entries("key_1", "value-for-key-1")).fullKey())
        .isEqualTo("nested.key_1_value-for-key-1");
    assertThat(realistic.lookup("nested", entries("key_2", "key-2-value")).fullKey())
        .isEqualTo("nested.key_2_key-2-value");
    assertThat(realistic.lookup("nested", entries("key_2", "key-2-value", "key_3", "requested-key3-value")).fullKey())
        .isEqualTo("nested.key_2_key-2-value.key_3_requested-key3-value");
  }

  @Test
  void valueToMetricKeysAsTheirTestValueToMetric() throws Exception {
    assertThat(load(false, "value_to_metric_runtime_values.yaml")
        .lookup("domain", entries("route", "draw", "http_method", "GET", "subject_id", "123")).fullKey())
        .isEqualTo("domain.route_draw.http_method_GET.subject_id");
    assertThat(load(false, "value_to_metric_default_key.yaml").lookup("d", entries("k1", "A", "k2", "foo")).fullKey())
        .isEqualTo("d.k1_A.k2");
    assertThat(load(false, "value_to_metric_mid_level.yaml")
        .lookup("d", entries("k1", "X", "k2", "Y", "k3", "Z")).fullKey())
        .isEqualTo("d.k1.k2_Y.k3");
    assertThat(load(false, "value_to_metric_no_flag.yaml").lookup("d", entries("k1", "X", "k2", "Y")).fullKey())
        .isEqualTo("d.k1.k2");
    assertThat(load(false, "value_to_metric_detailed_leaf.yaml")
        .lookup("domain", entries("route", "draw", "http_method", "GET", "subject_id", "123")).fullKey())
        .isEqualTo("domain.route_draw.http_method_GET.subject_id_123");

    RateLimitConfig configured = load(false, "value_to_metric_configured_values.yaml");
    RateLimitRule get = configured.lookup("test-domain",
        entries("route", "api", "http_method", "GET", "subject_id", "user123"));
    assertThat(get.requestsPerUnit()).isEqualTo(60);
    assertThat(get.fullKey()).isEqualTo("test-domain.route_api.http_method_GET.subject_id");
    RateLimitRule post = configured.lookup("test-domain",
        entries("route", "api", "http_method", "POST", "subject_id", "user456"));
    assertThat(post.requestsPerUnit()).isEqualTo(30);
    assertThat(post.fullKey()).isEqualTo("test-domain.route_api.http_method_POST.subject_id");

    RateLimitConfig wildcard = load(false, "value_to_metric_wildcard.yaml");
    RateLimitRule alice = wildcard.lookup("domain", entries("user", "alice", "action", "readfile", "resource", "documents"));
    assertThat(alice.requestsPerUnit()).isEqualTo(100);
    assertThat(alice.fullKey()).isEqualTo("domain.user_alice.action_readfile.resource");
    assertThat(wildcard.lookup("domain", entries("user", "bob", "action", "readdata", "resource", "database")).fullKey())
        .isEqualTo("domain.user_bob.action_readdata.resource");

    RateLimitConfig empty = load(false, "value_to_metric_empty_value.yaml");
    assertThat(empty.lookup("domain", entries("route", "", "http_method", "GET", "subject_id", "123")).fullKey())
        .isEqualTo("domain.route.http_method_GET.subject_id");
    assertThat(empty.lookup("domain", entries("route", "draw", "http_method", "", "subject_id", "123")).fullKey())
        .isEqualTo("domain.route_draw.http_method.subject_id");
    assertThat(empty.lookup("domain", entries("route", "", "http_method", "", "subject_id", "123")).fullKey())
        .isEqualTo("domain.route.http_method.subject_id");
  }

  @Test
  void fullKeysAsTheirTestValueToMetricFullKeyMatchesStatsKey() throws Exception {
    RateLimitConfig c = load(false, "full_key_value_to_metric.yaml", "full_key_plain.yaml", "full_key_detailed.yaml");
    var request = entries("route", "api", "http_method", "GET", "subject_id", "user123");
    assertThat(c.lookup("test-domain", request).fullKey()).isEqualTo("test-domain.route_api.http_method_GET.subject_id");
    assertThat(c.lookup("test-domain-2", request).fullKey()).isEqualTo("test-domain-2.route.http_method.subject_id");
    assertThat(c.lookup("test-domain-3", request).fullKey())
        .isEqualTo("test-domain-3.route_api.http_method_GET.subject_id_user123");
  }

  @Test
  void wildcardStatsKeysAsTheirTestWildcardStatsBehavior() throws Exception {
    var foo1 = entries("wild", "foo1");
    assertThat(load(false, "wildcard_stats_no_flags.yaml").lookup("test-domain", foo1).fullKey())
        .isEqualTo("test-domain.wild_foo*");
    assertThat(load(false, "wildcard_stats_value_to_metric.yaml").lookup("test-domain", foo1).fullKey())
        .isEqualTo("test-domain.wild_foo1");
    assertThat(load(false, "wildcard_stats_share_threshold.yaml").lookup("test-domain", foo1).fullKey())
        .isEqualTo("test-domain.wild_foo*");
    assertThat(load(false, "wildcard_stats_share_threshold_value_to_metric.yaml").lookup("test-domain", foo1).fullKey())
        .isEqualTo("test-domain.wild_foo*");
    assertThat(load(false, "wildcard_stats_other_value_to_metric.yaml")
        .lookup("test-domain", entries("wild", "foo1", "other", "bar", "limit", "X")).fullKey())
        .isEqualTo("test-domain.wild_foo*.other_bar.limit");
    RateLimitConfig middle = load(false, "wildcard_stats_middle_no_flags.yaml");
    RateLimitRule a = middle.lookup("test-domain", entries("wild", "foo123bar456"));
    assertThat(a.fullKey()).isEqualTo("test-domain.wild_foo*bar*");
    assertThat(middle.lookup("test-domain", entries("wild", "fooXbarY"))).isEqualTo(a);
    assertThat(load(false, "wildcard_stats_middle_value_to_metric.yaml")
        .lookup("test-domain", entries("wild", "foo123bar456")).fullKey())
        .isEqualTo("test-domain.wild_foo123bar456");
  }

  @Test
  void loadFilesNamesFilesByTheirPaths() throws Exception {
    Path bad = DIR.resolve("bad_limit_unit.yaml");
    assertThatThrownBy(() -> ConfigLoader.loadFiles(List.of(DIR.resolve("value_to_metric_no_flag.yaml"), bad), false))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.file()).isEqualTo(bad.toString()))
        .hasMessageStartingWith(bad + ": domain 'test-domain' > ");
    assertThat(ConfigLoader.loadFiles(List.of(DIR.resolve("basic_config.yaml")), false).domains())
        .containsExactly("test-domain");
  }
}
