package dev.sluice.server.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.file.ServerFile.Origin;
import dev.sluice.server.settings.ServiceSettings;
import dev.sluice.server.settings.StoreSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ServerFile}: the format, the settings' precedence and typing, and every kind of refusal. */
class ServerFileTest {

  /** A store that needs no server, so that the settings load. */
  static final String MEMORY = "settings:\n  BACKEND_TYPE: memory\n";

  static ServerFile tryLoad(String yaml, Map<String, String> env) throws ServerFileException {
    return ServerFile.load(new ConfigFile("sluice.yaml", yaml), env);
  }

  static ServerFile load(String yaml) {
    try {
      return tryLoad(yaml, Map.of());
    } catch (ServerFileException e) {
      throw new AssertionError("refused: " + e.getMessage(), e);
    }
  }

  /** The problems' texts, one per problem. */
  static List<String> refused(String yaml, Map<String, String> env) {
    try {
      tryLoad(yaml, env);
    } catch (ServerFileException e) {
      return e.problems().stream().map(ServerFileException.Problem::toString).toList();
    }
    throw new AssertionError("loaded: " + yaml);
  }

  static List<String> refused(String yaml) {
    return refused(yaml, Map.of());
  }

  @Test
  void theThreeSections() {
    ServerFile f = load("""
        settings:
          BACKEND_TYPE: memory
          GRPC_PORT: 9001
          SHADOW_MODE: true
        policies:
          api: token-bucket capacity=20 rate=100/1m
          scans: budget limit=50GiB period=1d zone=Europe/Prague
        domains:
          - domain: example
            descriptors:
              - key: remote_address
                rate_limit: {unit: minute, requests_per_unit: 10}
        """);
    assertThat(f.name()).isEqualTo("sluice.yaml");
    assertThat(f.settings().store().backend()).isEqualTo(StoreSettings.Backend.MEMORY);
    assertThat(f.settings().listen().grpcPort()).isEqualTo(9001);
    assertThat(f.settings().service().shadowMode()).isTrue();
    assertThat(f.fileSettings()).containsExactly(Map.entry("BACKEND_TYPE", "memory"), Map.entry("GRPC_PORT", "9001"),
        Map.entry("SHADOW_MODE", "true"));
    assertThat(f.policies().keySet()).containsExactly("api", "scans");
    assertThat(f.policies().get("api")).isEqualTo(PolicyText.parse("api", "token-bucket capacity=20 rate=100/1m"));
    assertThat(f.policies().get("scans").kind()).isEqualTo(Policy.Kind.BUDGET);
    assertThat(f.config().domains()).containsExactly("example");
    assertThat(f.origins()).containsExactly(Map.entry("GRPC_PORT", Origin.FILE), Map.entry("BACKEND_TYPE", Origin.FILE),
        Map.entry("SHADOW_MODE", Origin.FILE));
  }

  @Test
  void everySectionIsOptional() {
    ServerFile f = load(MEMORY);
    assertThat(f.policies()).isEmpty();
    assertThat(f.config().isEmpty()).isTrue();
    ServerFile nothing = load("settings:\npolicies:\ndomains:\n", "BACKEND_TYPE", "memory");
    assertThat(nothing.fileSettings()).isEmpty();
    assertThat(load("", "BACKEND_TYPE", "memory").config().isEmpty()).isTrue();
  }

  private static ServerFile load(String yaml, String... env) {
    try {
      return tryLoad(yaml, Map.of(env[0], env[1]));
    } catch (ServerFileException e) {
      throw new AssertionError("refused: " + e.getMessage(), e);
    }
  }

  @Test
  void aSetEnvironmentVariableWinsOverTheFile() {
    ServerFile f = load(MEMORY + "  GRPC_PORT: 9001\n  LOG_LEVEL: info\n", "GRPC_PORT", "9002");
    assertThat(f.settings().listen().grpcPort()).isEqualTo(9002);
    assertThat(f.origins()).containsEntry("GRPC_PORT", Origin.ENVIRONMENT).containsEntry("LOG_LEVEL", Origin.FILE);
    assertThat(f.describeOrigins()).containsExactly(
        "settings from sluice.yaml: LOG_LEVEL, BACKEND_TYPE",
        "settings from the environment: GRPC_PORT (over the file's)");
    assertThat(f.notices()).contains(
        "GRPC_PORT is set both in sluice.yaml and in the environment: the environment's value is used");
    assertThat(f.variables()).containsEntry("GRPC_PORT", "9002").containsEntry("LOG_LEVEL", "info");
    // set to the empty string is set
    ServerFile empty = load(MEMORY + "  CACHE_KEY_PREFIX: files_\n", "CACHE_KEY_PREFIX", "");
    assertThat(empty.settings().service().cacheKeyPrefix()).isEmpty();
  }

  @Test
  void aValueIsItsTextAsWrittenReadAsTheEnvironmentReadsIt() {
    assertThat(load(MEMORY + "  GRPC_PORT: 0x1F91\n").settings().listen().grpcPort()).isEqualTo(8081);
    assertThat(load(MEMORY + "  GRPC_PORT: '8081'\n").settings().listen().grpcPort()).isEqualTo(8081);
    assertThat(load(MEMORY + "  GRPC_PORT: 010\n").settings().listen().grpcPort()).isEqualTo(8); // Go: octal
    assertThat(load(MEMORY + "  SHADOW_MODE: True\n").settings().service().shadowMode()).isTrue();
    assertThat(load(MEMORY + "  SHADOW_MODE: 1\n").settings().service().shadowMode()).isTrue();
    assertThat(load(MEMORY + "  GRPC_MAX_CONNECTION_AGE: 1h30m\n").settings().listen().grpcMaxConnectionAge())
        .isEqualTo(Duration.ofMinutes(90));
    assertThat(load(MEMORY + "  NEAR_LIMIT_RATIO: .5\n").settings().service().nearLimitRatio()).isEqualTo(0.5f);
    assertThat(load(MEMORY + "  EXTRA_TAGS: a:1,b:2\n").settings().stats().extraTags())
        .containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    assertThat(load(MEMORY + "  FAILURE_MODE: Open\n").settings().service().failureMode())
        .isEqualTo(ServiceSettings.FailureMode.OPEN);
    // an empty value is the empty string, as NAME= in the environment
    for (String empty : List.of("", " ~", " null", " ''")) {
      ServerFile f = load(MEMORY + "  CACHE_KEY_PREFIX:" + empty + "\n");
      assertThat(f.fileSettings()).containsEntry("CACHE_KEY_PREFIX", "");
      assertThat(f.origins()).containsEntry("CACHE_KEY_PREFIX", Origin.FILE);
    }
    // YAML 1.1's yes is not Go's boolean: refused, as SHADOW_MODE=yes is
    assertThat(refused(MEMORY + "  SHADOW_MODE: yes\n")).containsExactly(
        "sluice.yaml:3: settings > SHADOW_MODE: SHADOW_MODE='yes': not a boolean; expected true or false (also 1, t,"
            + " T, TRUE, True, 0, f, F, FALSE, False)");
  }

  @Test
  void notUsedWithAFileTheRuntimeLayout() {
    ServerFile f = load(MEMORY + "  RUNTIME_ROOT: /srv\n", "FORCE_START_WITHOUT_INITIAL_CONFIG", "true");
    assertThat(f.notices()).contains("FORCE_START_WITHOUT_INITIAL_CONFIG, RUNTIME_ROOT have no effect with a server"
        + " file: the domains come from sluice.yaml, which must load for the server to start");
    assertThat(f.notices()).noneMatch(n -> n.startsWith("RUNTIME_SUBDIRECTORY is empty"));
  }

  @Test
  void mergeDomainConfigAppliesToTheDomains() {
    String two = """
        domains:
          - domain: a
            descriptors: [{key: k, rate_limit: {unit: second, requests_per_unit: 1}}]
          - domain: a
            descriptors: [{key: j, rate_limit: {unit: second, requests_per_unit: 2}}]
        """;
    assertThat(refused(MEMORY + two)).containsExactly("sluice.yaml:6: domains #2: duplicate domain 'a' in config file");
    assertThat(load(MEMORY + "  MERGE_DOMAIN_CONFIG: true\n" + two).config().domains()).containsExactly("a");
  }

  // ------------------------------------------------------------------ one refusal per kind of mistake

  @Test
  void notYaml() {
    assertThat(refused("settings:\n  BACKEND_TYPE: [memory\n"))
        .singleElement().asString().startsWith("sluice.yaml:3: not valid YAML: ");
  }

  @Test
  void notAMapping() {
    assertThat(refused("- settings\n")).containsExactly(
        "sluice.yaml:1: a server file is a mapping of settings, policies, domains (docs/configuration.md)");
  }

  @Test
  void unknownTopLevelKey() {
    assertThat(refused(MEMORY + "policy:\n  api: token-bucket capacity=1 rate=1/s\n")).containsExactly(
        "sluice.yaml:3: policy: unknown top-level key: the keys are settings, policies, domains; did you mean"
            + " policies?");
    assertThat(refused(MEMORY + "domain: example\ndescriptors: []\n")).containsExactly(
        "sluice.yaml:3: domain: unknown top-level key: the keys are settings, policies, domains; this looks like an"
            + " envoyproxy/ratelimit config file: make it an item of domains, or load it from the runtime layout",
        "sluice.yaml:4: descriptors: unknown top-level key: the keys are settings, policies, domains; this looks like"
            + " an envoyproxy/ratelimit config file: make it an item of domains, or load it from the runtime layout");
  }

  @Test
  void aTopLevelKeyTwice() {
    assertThat(refused(MEMORY + "policies: {}\npolicies: {}\n"))
        .containsExactly("sluice.yaml:4: policies: given twice (first on line 3)");
  }

  @Test
  void settingsNotAMapping() {
    assertThat(refused("settings: [BACKEND_TYPE=memory]\n", Map.of("BACKEND_TYPE", "memory"))).containsExactly(
        "sluice.yaml:1: settings: must be a mapping of setting names to values, e.g. GRPC_PORT: 8081");
  }

  @Test
  void unknownSettingName() {
    assertThat(refused(MEMORY + "  GRPC_PROT: 8081\n  grpc_port: 1\n  COLOUR: blue\n")).containsExactly(
        "sluice.yaml:3: settings > GRPC_PROT: unknown setting; did you mean GRPC_PORT? (`sluice-server settings`"
            + " lists them all)",
        "sluice.yaml:4: settings > grpc_port: unknown setting; did you mean GRPC_PORT? (`sluice-server settings`"
            + " lists them all)",
        "sluice.yaml:5: settings > COLOUR: unknown setting (`sluice-server settings` lists them all)");
  }

  @Test
  void settingNotAScalar() {
    assertThat(refused(MEMORY + "  EXTRA_TAGS:\n    a: 1\n")).containsExactly(
        "sluice.yaml:4: settings > EXTRA_TAGS: must be one value (text, a number or a boolean), as its environment"
            + " variable holds it; not a mapping");
  }

  @Test
  void settingTwice() {
    assertThat(refused(MEMORY + "  GRPC_PORT: 1\n  GRPC_PORT: 2\n"))
        .containsExactly("sluice.yaml:4: settings > GRPC_PORT: given twice (first on line 3)");
  }

  @Test
  void badSettingValues() {
    assertThat(refused(MEMORY + "  GRPC_PORT: 80a1\n  NEAR_LIMIT_RATIO: 2\n  BACKEND_TYPE_X: 1\n")).containsExactly(
        "sluice.yaml:3: settings > GRPC_PORT: GRPC_PORT='80a1': not a number; expected a whole number (Go syntax:"
            + " decimal, 0x hex, 0o or leading-0 octal, 0b binary)",
        "sluice.yaml:4: settings > NEAR_LIMIT_RATIO: NEAR_LIMIT_RATIO=2 is out of range: expected 0 to 1",
        "sluice.yaml:5: settings > BACKEND_TYPE_X: unknown setting; did you mean BACKEND_TYPE? (`sluice-server"
            + " settings` lists them all)");
  }

  @Test
  void aRefusedSettingFromTheEnvironmentOrADefaultIsNamedSo() {
    assertThat(refused(MEMORY, Map.of("GRPC_PORT", "x"))).containsExactly(
        "sluice.yaml: settings > GRPC_PORT (from the environment): GRPC_PORT='x': not a number; expected a whole"
            + " number (Go syntax: decimal, 0x hex, 0o or leading-0 octal, 0b binary)");
    // the Redis default is a unix socket, which Sluice refuses: the file must say what to use
    assertThat(refused("settings:\n  LOG_LEVEL: info\n")).singleElement().asString()
        .startsWith("sluice.yaml:1: settings > REDIS_SOCKET_TYPE (its default): REDIS_SOCKET_TYPE=unix (the default"
            + " when unset) is not supported");
  }

  @Test
  void secretsStayMaskedInRefusals() {
    List<String> problems = refused("settings:\n  REDIS_SOCKET_TYPE: tcp\n  REDIS_URL: redis://u:hunter2@h:x/0\n");
    assertThat(String.join("\n", problems)).doesNotContain("hunter2").contains("settings > REDIS_URL");
  }

  @Test
  void badPolicyText() {
    assertThat(refused(MEMORY + """
        policies:
          api: token-bucket capacity=20 rate=100/0s
          scans: budgets limit=1 period=1d
          ok: fixed-window limit=1 period=1m
        """)).containsExactly(
        "sluice.yaml:4: policies > api: rate '100/0s' must have a positive period",
        "sluice.yaml:5: policies > scans: type 'budgets' is not a policy type; the types are token-bucket,"
            + " fixed-window, sliding-log, sliding-counter, concurrency, budget");
  }

  @Test
  void policyNotText() {
    assertThat(refused(MEMORY + "policies:\n  api: {type: token-bucket}\n  none:\n")).containsExactly(
        "sluice.yaml:4: policies > api: must be a policy in text form, e.g. token-bucket capacity=20 rate=100/1m"
            + " (docs/policies.md)",
        "sluice.yaml:5: policies > none: must be a policy in text form, e.g. token-bucket capacity=20 rate=100/1m"
            + " (docs/policies.md)");
    assertThat(refused(MEMORY + "policies: [api]\n")).containsExactly("sluice.yaml:3: policies: must be a mapping of"
        + " policy names to policy texts, e.g. api: token-bucket capacity=20 rate=100/1m");
  }

  @Test
  void badPolicyName() {
    String name = "n".repeat(129);
    assertThat(refused(MEMORY + "policies:\n  " + name + ": token-bucket capacity=1 rate=1/s\n")).containsExactly(
        "sluice.yaml:4: policies > " + name + ": not a policy name: name '" + name + "' must be 1 to 128 characters"
            + " and not blank");
  }

  @Test
  void aDescriptorTakesANamedPolicyByName() {
    ServerFile f = load(MEMORY + """
        policies:
          api: token-bucket capacity=20 rate=100/1m
          hourly: sliding-log limit=1000 window=1h
        domains:
          - domain: example
            descriptors:
              - key: api_key
                rate_limit: {policy: api}
              - key: user
                rate_limit: {policies: [hourly, "fixed-window limit=5 period=1s"]}
        """);
    // the definition is the named policy's; the name (the identity of the counts) is the leaf's own
    assertThat(f.config().lookup("example", List.of(Map.entry("api_key", "k1"))).policies())
        .containsExactly(PolicyText.parse("example.api_key", "token-bucket capacity=20 rate=100/1m"));
    assertThat(f.config().lookup("example", List.of(Map.entry("user", "u"))).policies())
        .containsExactly(PolicyText.parse("example.user#1", "sliding-log limit=1000 window=1h"),
            PolicyText.parse("example.user#2", "fixed-window limit=5 period=1s"));
  }

  @Test
  void aNameThatIsNoPolicyOfTheFileOrNoRatePolicyIsRefused() {
    String policies = "policies:\n  api: token-bucket capacity=20 rate=100/1m\n  scans: budget limit=1GiB period=1d\n";
    assertThat(refused(MEMORY + policies + """
        domains:
          - domain: example
            descriptors:
              - key: api_key
                rate_limit: {policy: apii}
        """)).containsExactly("sluice.yaml:10: domains #1 > domain 'example' > descriptor key 'api_key' > rate_limit"
        + " > policy: 'apii' is neither a policy text (a type and its fields, docs/policies.md) nor the name of one"
        + " of the file's policies (api, scans)");
    assertThat(refused(MEMORY + policies + """
        domains:
          - domain: example
            descriptors:
              - key: api_key
                rate_limit: {policies: [api, scans]}
        """)).containsExactly("sluice.yaml:10: domains #1 > domain 'example' > descriptor key 'api_key' > rate_limit"
        + " > policies #2: 'scans' is a budget policy; a descriptor takes rate policies only (token-bucket,"
        + " fixed-window, sliding-log, sliding-counter)");
  }

  @Test
  void domainsNotAList() {
    assertThat(refused(MEMORY + "domains:\n  domain: a\n")).containsExactly(
        "sluice.yaml:4: domains: must be a list of domains, each an envoyproxy/ratelimit config (domain, descriptors)");
  }

  @Test
  void domainErrorsComeFromTheirLoaderWithTheDomainsPath() {
    assertThat(refused(MEMORY + """
        domains:
          - domain: example
            descriptors:
              - key: remote_address
                rate_limit: {unit: minutes, requests_per_unit: 10}
              - key: api_key
                rate_limit: {policy: sliding-log limit=0 window=1h}
        """)).containsExactly("sluice.yaml:7: domains #1 > domain 'example' > descriptor key 'remote_address' >"
        + " rate_limit > unit: invalid rate limit unit 'minutes'");
    assertThat(refused(MEMORY + """
        domains:
          - domain: example
            descriptors:
              - key: api_key
                rate_limit: {policy: concurrency slots=1 ttl=1m}
        """)).containsExactly("sluice.yaml:7: domains #1 > domain 'example' > descriptor key 'api_key' > rate_limit >"
        + " policy: 'concurrency slots=1 ttl=1m' is a concurrency policy; a descriptor takes rate policies only"
        + " (token-bucket, fixed-window, sliding-log, sliding-counter)");
  }

  @Test
  void notUtf8(@TempDir Path dir) throws Exception {
    Path p = dir.resolve("sluice.yaml");
    Files.write(p, new byte[] {'s', ':', ' ', (byte) 0xC3, '\n'});
    try {
      ServerFile.read(p, Map.of());
      throw new AssertionError("read");
    } catch (ServerFileException e) {
      assertThat(e.getMessage()).isEqualTo(p + ": not valid UTF-8 (a server file is UTF-8 text)");
    }
    Files.write(p, ("\uFEFF" + MEMORY).getBytes(StandardCharsets.UTF_8));
    assertThat(ServerFile.read(p, Map.of()).fileSettings()).containsEntry("BACKEND_TYPE", "memory");
  }

  @Test
  void everyProblemAtOnceInTheOrderOfTheFile() {
    assertThat(refused("""
        domains:
          - domain: a
            descriptors: [{key: k, rate_limit: {unit: fortnight}}]
        settings:
          BACKEND_TYPE: memory
          GRPC_PORT: -1
          COLOUR: blue
        policies:
          api: token-bucket
        extra: 1
        """)).containsExactly(
        "sluice.yaml:3: domains #1 > domain 'a' > descriptor key 'k' > rate_limit > unit: invalid rate limit unit"
            + " 'fortnight'",
        "sluice.yaml:6: settings > GRPC_PORT: GRPC_PORT=-1 is out of range: expected 0 to 65535",
        "sluice.yaml:7: settings > COLOUR: unknown setting (`sluice-server settings` lists them all)",
        "sluice.yaml:9: policies > api: capacity is missing; token-bucket needs capacity and rate",
        "sluice.yaml:10: extra: unknown top-level key: the keys are settings, policies, domains");
  }

  @Test
  void looksLikeAServerFileByItsTopLevelKeys() {
    assertThat(ServerFile.looksLike("settings: {}\n")).isTrue();
    assertThat(ServerFile.looksLike("domains: []\n")).isTrue();
    assertThat(ServerFile.looksLike("policies:\n  a: b\nextra: 1\n")).isTrue();
    assertThat(ServerFile.looksLike("domain: a\ndescriptors: []\n")).isFalse();
    assertThat(ServerFile.looksLike("domain: a\nsettings: {}\n")).isFalse();
    assertThat(ServerFile.looksLike("- a\n")).isFalse();
    assertThat(ServerFile.looksLike("")).isFalse();
    assertThat(ServerFile.looksLike("settings: [\n")).isFalse();
  }
}
