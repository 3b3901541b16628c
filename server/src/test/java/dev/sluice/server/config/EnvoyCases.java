package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The cases of envoyproxy/ratelimit's {@code test/config/config_test.go} that load files: which
 * files, whether domains merge, and the outcome — a refusal (file, path, reason) or a config
 * and the lookups their test makes on it. {@link EnvoyConfigTest} runs them on our fixtures,
 * {@link EnvoyFixturesTest} on their original files.
 */
final class EnvoyCases {
  private EnvoyCases() {}

  /** One case: their test's name, the files in load order, merge, and the outcome. */
  record Case(String test, List<String> files, boolean merge, Refusal refusal, Consumer<RateLimitConfig> lookups) {

    static Case accepts(String test, List<String> files, boolean merge, Consumer<RateLimitConfig> lookups) {
      return new Case(test, files, merge, null, lookups);
    }

    static Case refuses(String test, List<String> files, boolean merge, String file, String path, String reason) {
      return new Case(test, files, merge, new Refusal(file, path, reason), null);
    }

    @Override
    public String toString() {
      return test + " " + files;
    }
  }

  /** A refusal: the file, the path and the reason the message must name. */
  record Refusal(String file, String path, String reason) {}

  /** A descriptor's entries from {@code key, value, key, value, ...}. */
  static List<Map.Entry<String, String>> entries(String... keysAndValues) {
    List<Map.Entry<String, String>> list = new ArrayList<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      list.add(Map.entry(keysAndValues[i], keysAndValues[i + 1]));
    }
    return list;
  }

  /** The files of a case, read from {@code dir}, named by their file names as their test does. */
  static List<ConfigFile> read(Path dir, List<String> names) {
    List<ConfigFile> files = new ArrayList<>();
    for (String name : names) {
      try {
        files.add(new ConfigFile(name, Files.readString(dir.resolve(name), StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return files;
  }

  static final String D = "test-domain";
  private static final String KEY1 = "domain 'test-domain' > descriptor key 'key1' value 'value1'";

  static List<Case> all() {
    return List.of(
        Case.accepts("TestBasicConfig", List.of("basic_config.yaml"), false, EnvoyCases::basicConfig),
        Case.accepts("TestDomainMerge", List.of("merge_domain_key1.yaml", "merge_domain_key2.yaml"), true,
            EnvoyCases::domainMerge),
        Case.accepts("TestConfigLimitOverride", List.of("basic_config.yaml"), false, EnvoyCases::limitOverride),
        Case.refuses("TestEmptyDomain", List.of("empty_domain.yaml"), false,
            "empty_domain.yaml", "", "config file cannot have empty domain"),
        Case.refuses("TestDuplicateDomain", List.of("basic_config.yaml", "duplicate_domain.yaml"), false,
            "duplicate_domain.yaml", "", "duplicate domain 'test-domain' in config file"),
        Case.refuses("TestEmptyKey", List.of("empty_key.yaml"), false,
            "empty_key.yaml", "domain 'test-domain' > descriptor #1", "descriptor has empty key"),
        Case.refuses("TestDuplicateKey", List.of("duplicate_key.yaml"), false,
            "duplicate_key.yaml", KEY1, "duplicate descriptor composite key 'test-domain.key1_value1'"),
        Case.refuses("TestDuplicateKeyDomainMerge", List.of("merge_domain_key1.yaml", "merge_domain_key1.yaml"), true,
            "merge_domain_key1.yaml", KEY1, "duplicate descriptor composite key 'test-domain.key1_value1'"),
        Case.refuses("TestBadLimitUnit", List.of("bad_limit_unit.yaml"), false,
            "bad_limit_unit.yaml", KEY1 + " > rate_limit > unit", "invalid rate limit unit 'foo'"),
        Case.refuses("TestReplacesSelf", List.of("replaces_self.yaml"), false,
            "replaces_self.yaml", KEY1 + " > descriptor key 'subkey1' > rate_limit > replaces #1",
            "replaces should not contain name of same descriptor"),
        Case.refuses("TestReplacesEmpty", List.of("replaces_empty.yaml"), false,
            "replaces_empty.yaml", KEY1 + " > descriptor key 'subkey1' > rate_limit > replaces #1",
            "should not have an empty replaces entry"),
        Case.refuses("TestBadYaml", List.of("bad_yaml.yaml"), false,
            "bad_yaml.yaml", "", "error loading config file: yaml: line 3: found unexpected end of stream"),
        Case.refuses("TestMisspelledKey", List.of("misspelled_key.yaml"), false,
            "misspelled_key.yaml", KEY1, "config error, unknown key 'ratelimit'"),
        Case.refuses("TestMisspelledKey", List.of("misspelled_key2.yaml"), false,
            "misspelled_key2.yaml", KEY1 + " > rate_limit", "config error, unknown key 'requestsperunit'"),
        Case.refuses("TestNonStringKey", List.of("non_string_key.yaml"), false,
            "non_string_key.yaml", "", "config error, key is not of type string: 0.25"),
        Case.refuses("TestNonMapList", List.of("non_map_list.yaml"), false,
            "non_map_list.yaml", "domain 'test-domain' > descriptors",
            "config error, yaml file contains list of type other than map: a"),
        Case.refuses("TestUnlimitedWithRateLimitUnit", List.of("unlimited_with_unit.yaml"), false,
            "unlimited_with_unit.yaml", "domain 'test-domain' > descriptor key 'foo' > rate_limit > unit",
            "should not specify rate limit unit when unlimited"),
        Case.accepts("TestShadowModeConfig", List.of("shadowmode_config.yaml"), false, EnvoyCases::shadowMode),
        Case.accepts("TestWildcardConfig", List.of("wildcard.yaml"), false, EnvoyCases::wildcard),
        Case.accepts("TestShareThreshold", List.of("share_threshold.yaml"), false, EnvoyCases::shareThreshold),
        Case.accepts("TestMetadata", List.of("metadata.yaml"), false, EnvoyCases::metadata));
  }

  static void limit(RateLimitRule rl, long requestsPerUnit, Unit unit, String fullKey) {
    assertThat(rl).as(fullKey).isNotNull();
    assertThat(rl.requestsPerUnit()).as(fullKey).isEqualTo(requestsPerUnit);
    assertThat(rl.unit()).as(fullKey).isEqualTo(unit);
    assertThat(rl.fullKey()).isEqualTo(fullKey);
  }

  static void basicConfig(RateLimitConfig c) {
    assertThat(c.isEmpty()).isFalse();
    assertThat(c.lookup("foo_domain", entries())).isNull();
    assertThat(c.lookup(D, entries())).isNull();
    assertThat(c.lookup(D, entries("key1", "something"))).isNull();
    assertThat(c.lookup(D, entries("key1", "value1"))).isNull();
    assertThat(c.lookup(D, entries("key2", "value2", "subkey", "subvalue"))).isNull();
    assertThat(c.lookup(D, entries("key5", "value5", "subkey5", "subvalue"))).isNull();
    limit(c.lookup(D, entries("key1", "value1", "subkey1", "something")), 5, Unit.SECOND,
        "test-domain.key1_value1.subkey1");
    limit(c.lookup(D, entries("key1", "value1", "subkey1", "subvalue1")), 10, Unit.SECOND,
        "test-domain.key1_value1.subkey1_subvalue1");
    limit(c.lookup(D, entries("key2", "something")), 20, Unit.MINUTE, "test-domain.key2");
    limit(c.lookup(D, entries("key2", "value2")), 30, Unit.MINUTE, "test-domain.key2_value2");
    assertThat(c.lookup(D, entries("key2", "value3"))).isNull();
    RateLimitRule key3 = c.lookup(D, entries("key3", "foo"));
    limit(key3, 1, Unit.HOUR, "test-domain.key3");
    assertThat(key3.name()).isEmpty();
    RateLimitRule key4 = c.lookup(D, entries("key4", "foo"));
    limit(key4, 1, Unit.DAY, "test-domain.key4");
    assertThat(key4.name()).isEqualTo("key4_rate_limit");
    RateLimitRule key6 = c.lookup(D, entries("key6", "foo"));
    assertThat(key6.unlimited()).isTrue();
    assertThat(key6.fullKey()).isEqualTo("test-domain.key6");
    limit(c.lookup(D, entries("key7", "unspecified_value")), 70, Unit.MINUTE, "test-domain.key7_unspecified_value");
    limit(c.lookup(D, entries("key7", "another_value")), 70, Unit.MINUTE, "test-domain.key7_another_value");
  }

  static void domainMerge(RateLimitConfig c) {
    assertThat(c.lookup("foo_domain", entries())).isNull();
    assertThat(c.lookup(D, entries())).isNull();
    assertThat(c.lookup(D, entries("key1", "value1")).requestsPerUnit()).isEqualTo(10);
    assertThat(c.lookup(D, entries("key2", "value2")).requestsPerUnit()).isEqualTo(20);
  }

  static void limitOverride(RateLimitConfig c) {
    assertThat(c.override("foo_domain", entries(), 10, Unit.DAY)).isNull();
    RateLimitRule rl = c.override(D, entries("key1", "value1", "subkey1", "something"), 10, Unit.DAY);
    limit(rl, 10, Unit.DAY, "test-domain.key1_value1.subkey1_something");
    assertThat(rl.name()).isEmpty();
    assertThat(rl.shadowMode()).isFalse();
    limit(c.override(D, entries("key1", "value1", "subkey1", "something"), 42, Unit.HOUR), 42, Unit.HOUR,
        "test-domain.key1_value1.subkey1_something");
    limit(c.override(D, entries("key1", "value1", "subkey1", "something_else"), 42, Unit.HOUR), 42, Unit.HOUR,
        "test-domain.key1_value1.subkey1_something_else");
  }

  static void shadowMode(RateLimitConfig c) {
    RateLimitRule rl = c.lookup(D, entries("key1", "value1", "subkey1", "something"));
    limit(rl, 5, Unit.SECOND, "test-domain.key1_value1.subkey1");
    assertThat(rl.shadowMode()).isFalse();
    rl = c.lookup(D, entries("key1", "value1", "subkey1", "subvalue1"));
    limit(rl, 10, Unit.SECOND, "test-domain.key1_value1.subkey1_subvalue1");
    assertThat(rl.shadowMode()).isTrue();
    rl = c.lookup(D, entries("key2", "something"));
    limit(rl, 20, Unit.MINUTE, "test-domain.key2");
    assertThat(rl.shadowMode()).isTrue();
    rl = c.lookup(D, entries("key2", "value2"));
    limit(rl, 30, Unit.MINUTE, "test-domain.key2_value2");
    assertThat(rl.shadowMode()).isFalse();
  }

  static void wildcard(RateLimitConfig c) {
    RateLimitRule noVal1 = c.lookup(D, entries("noVal", "foo1"));
    assertThat(noVal1).isNotNull().isEqualTo(c.lookup(D, entries("noVal", "foo2")));
    assertThat(noVal1.fullKey()).isEqualTo("test-domain.noVal");

    RateLimitRule wild1 = c.lookup(D, entries("wild", "foo1"));
    assertThat(wild1).isNotNull().isEqualTo(c.lookup(D, entries("wild", "foo2")));
    assertThat(wild1.fullKey()).isEqualTo("test-domain.wild_foo*");
    assertThat(c.lookup(D, entries("nestedWild", "val1", "wild", "goo2")).fullKey())
        .isEqualTo("test-domain.nestedWild_val1.wild_goo*");
    assertThat(c.lookup(D, entries("wild", "bar"))).isNull();
    assertThat(c.lookup(D, entries("noWild", "foo1"))).isNull();

    RateLimitRule mid = c.lookup(D, entries("midWild", "barab"));
    assertThat(mid).isNotNull().isEqualTo(c.lookup(D, entries("midWild", "bar123b")));
    assertThat(mid.fullKey()).isEqualTo("test-domain.midWild_bar*b");
    assertThat(c.lookup(D, entries("midWild", "barb"))).as("* matches nothing too").isNotNull();
    assertThat(c.lookup(D, entries("midWild", "bara"))).isNull();
    assertThat(c.lookup(D, entries("midWild", "xbarb"))).isNull();

    RateLimitRule multi = c.lookup(D, entries("multiWild", "foo123bar456baz"));
    assertThat(multi).isNotNull().isEqualTo(c.lookup(D, entries("multiWild", "foobarbaz")));
    assertThat(multi.fullKey()).isEqualTo("test-domain.multiWild_foo*bar*baz");
    assertThat(c.lookup(D, entries("multiWild", "foo123baz"))).isNull();
    assertThat(c.lookup(D, entries("multiWild", "bar456baz"))).isNull();
  }

  private static void shares(RateLimitRule rl, long requestsPerUnit, String fullKey, String... patterns) {
    assertThat(rl).as(fullKey).isNotNull();
    assertThat(rl.requestsPerUnit()).as(fullKey).isEqualTo(requestsPerUnit);
    assertThat(rl.fullKey()).isEqualTo(fullKey);
    assertThat(rl.shareThresholdPatterns()).as(fullKey).containsExactly(patterns);
  }

  static void shareThreshold(RateLimitConfig c) {
    for (String v : List.of("files/a.pdf", "files/b.csv", "files/c.txt")) {
      shares(c.lookup(D, entries("files", v)), 100, "test-domain.files_files/*", "files/*");
    }
    shares(c.lookup(D, entries("route", "api/v1", "method", "GET")), 60,
        "test-domain.route_api/*.method", "api/*", "");
    RateLimitRule detailed = c.lookup(D, entries("service", "svc/user", "endpoint", "get"));
    shares(detailed, 80, "test-domain.service_svc/*.endpoint_get", "svc/*", "");
    assertThat(detailed.detailedMetric()).isTrue();

    shares(c.lookup(D, entries("nested", "parent", "files", "nested/file1.txt")), 200,
        "test-domain.nested_parent.files_nested/*", "", "nested/*");
    shares(c.lookup(D, entries("files", "top/file1.txt", "files", "nested/file1.txt")), 300,
        "test-domain.files_top/*.files_nested/*", "top/*", "nested/*");
    shares(c.lookup(D, entries("path", "path/foo", "file", "file/doc1", "type", "pdf")), 120,
        "test-domain.path_path/*.file_file/*.type", "path/*", "", "");
    shares(c.lookup(D, entries("user", "user/alice", "resource", "res/file1", "action", "read")), 150,
        "test-domain.user_user/*.resource_res/*.action", "user/*", "res/*", "");

    shares(c.lookup(D, entries("file", "test1")), 50, "test-domain.file_test1");
    for (String v : List.of("test2", "test23", "test123")) {
      shares(c.lookup(D, entries("file", v)), 100, "test-domain.file_test*", "test*");
    }

    for (String v : List.of("/api/v1", "/api-beta-v1", "/apiXYZv1")) {
      shares(c.lookup(D, entries("midpath", v)), 100, "test-domain.midpath_/api*v1", "/api*v1");
    }
    assertThat(c.lookup(D, entries("midpath", "/api/v2"))).isNull();
    for (String v : List.of("svcAepBrpc", "svcXXXepYYYrpc", "svceprpc")) {
      shares(c.lookup(D, entries("multiroute", v)), 50, "test-domain.multiroute_svc*ep*rpc", "svc*ep*rpc");
    }
    assertThat(c.lookup(D, entries("multiroute", "svcABCrpc"))).isNull();
    for (String v : List.of("/api/v2", "/api-beta-v2")) {
      shares(c.lookup(D, entries("midroute", v)), 80, "test-domain.midroute_/api*v2", "/api*v2");
    }
    shares(c.lookup(D, entries("tenant", "t1prod", "resource", "resAv2")), 60,
        "test-domain.tenant_t*prod.resource_res*v2", "t*prod", "res*v2");
    shares(c.lookup(D, entries("tenant", "t99prod", "resource", "resBBBv2")), 60,
        "test-domain.tenant_t*prod.resource_res*v2", "t*prod", "res*v2");
  }

  static void metadata(RateLimitConfig c) {
    assertThat(c.isEmpty()).isFalse();
    assertThat(c.lookup(D, entries())).isNull();
    RateLimitRule rl = c.lookup(D, entries("key1", "value1", "subkey1", "something"));
    limit(rl, 5, Unit.SECOND, "test-domain.key1_value1.subkey1");
    assertThat(rl.metadata()).containsEntry("name", "service_1");
    rl = c.lookup(D, entries("key2", "something"));
    limit(rl, 20, Unit.MINUTE, "test-domain.key2");
    assertThat(rl.metadata()).containsEntry("service_with_quota", Map.of("name", "service_2"));
  }
}
