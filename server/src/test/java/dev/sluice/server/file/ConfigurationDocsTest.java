package dev.sluice.server.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.sluice.PolicyText;
import dev.sluice.PolicyTextException;
import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.Unit;
import dev.sluice.server.settings.VariableInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.CoreSchema;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The committed schema ({@code docs/sluice-server.schema.json}) and page ({@code docs/configuration.md})
 * are what the code generates; the example file validates against the schema and loads; and the
 * schema's tables agree with the code that reads a file (the settings' parsing, the config
 * loader's keys and booleans, PolicyText's types, the units).
 *
 * <p>Run with {@code -Dsluice.regenerate=true} to rewrite the two files ({@link ConfigurationPage#REGENERATE}).
 */
class ConfigurationDocsTest {

  static final Path ROOT = root();
  static final Path SCHEMA_FILE = ROOT.resolve("docs/sluice-server.schema.json");
  static final Path PAGE_FILE = ROOT.resolve("docs/configuration.md");
  static final Path EXAMPLE_FILE = ROOT.resolve("examples/sluice.yaml");

  static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
      .getSchema(ServerFileSchema.json(), InputFormat.JSON);
  static final JsonMapper JSON = JsonMapper.builder().build();

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("docs"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no docs/ above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /** The schema's errors for a YAML text, read as YAML 1.2 (core schema), as editors read it. */
  static List<String> schemaErrors(String yaml) {
    Object value = new Load(LoadSettings.builder().setSchema(new CoreSchema()).build()).loadFromString(yaml);
    JsonNode node = JSON.valueToTree(value);
    return SCHEMA.validate(node).stream().map(Error::toString).toList();
  }

  static List<String> loaderErrors(String yaml) {
    try {
      ServerFile.load(new ConfigFile("f.yaml", yaml), Map.of());
      return List.of();
    } catch (ServerFileException e) {
      return e.problems().stream().map(ServerFileException.Problem::toString).toList();
    }
  }

  // ------------------------------------------------------------------------- generated files

  @Test
  void theCommittedSchemaAndPageAreTheGeneratedOnes() throws Exception {
    Map<Path, String> generated = new LinkedHashMap<>();
    generated.put(SCHEMA_FILE, ServerFileSchema.json());
    generated.put(PAGE_FILE, ConfigurationPage.markdown());
    boolean regenerate = Boolean.getBoolean("sluice.regenerate");
    List<String> stale = new ArrayList<>();
    for (Map.Entry<Path, String> e : generated.entrySet()) {
      String committed = Files.exists(e.getKey()) ? Files.readString(e.getKey(), StandardCharsets.UTF_8) : null;
      if (e.getValue().equals(committed)) {
        continue;
      }
      if (regenerate) {
        Files.writeString(e.getKey(), e.getValue(), StandardCharsets.UTF_8);
      } else {
        stale.add(ROOT.relativize(e.getKey()).toString());
      }
    }
    if (!stale.isEmpty()) {
      fail(String.join(" and ", stale) + " differ from what the code generates (the settings table, the domain keys,"
          + " the page's text). Regenerate them, review the diff and commit it:\n  " + ConfigurationPage.REGENERATE);
    }
  }

  @Test
  void theGenerationIsStable() {
    assertThat(ServerFileSchema.json()).isEqualTo(ServerFileSchema.json());
    assertThat(ConfigurationPage.markdown()).isEqualTo(ConfigurationPage.markdown());
    assertThat(JSON.readTree(ServerFileSchema.json()).get("$schema").asString())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }

  @Test
  void theSchemaIsAValidDraft202012Schema() {
    Schema meta = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    assertThat(meta.validate(JSON.readTree(ServerFileSchema.json()))).isEmpty();
    assertThat(meta.validate(JSON.readTree("{\"type\": 5, \"properties\": {\"a\": {\"minLength\": -1}}}")))
        .hasSizeGreaterThanOrEqualTo(2); // the meta-schema does check
  }

  @Test
  void thePageListsEverySettingAndEveryKey() {
    String page = ConfigurationPage.markdown();
    for (VariableInfo v : VariableInfo.all()) {
      assertThat(page).contains("| `" + v.name() + "` |");
    }
    for (Reference.Key k : Reference.KEYS) {
      assertThat(page).contains("| `" + k.name() + "`");
    }
    assertThat(page).contains(ConfigurationPage.REGENERATE);
  }

  // ------------------------------------------------------------------------- examples

  @Test
  void theExampleFileValidatesAndLoads() throws Exception {
    String yaml = Files.readString(EXAMPLE_FILE);
    assertThat(schemaErrors(yaml)).isEmpty();
    ServerFile f = ServerFile.read(EXAMPLE_FILE, Map.of());
    assertThat(f.config().domains()).containsExactly("example", "internal");
    assertThat(f.policies().keySet()).containsExactly("api", "scans", "reports", "jobs");
    assertThat(f.settings().store().sqlitePath()).isEqualTo(Path.of("data/sluice.db"));
    // the example uses every key of a domain, so that both checks see them all
    for (Reference.Key k : Reference.KEYS) {
      assertThat(yaml).as(k.name()).containsPattern("\\b" + k.name() + ":");
    }
  }

  @Test
  void thePagesExamplesValidateAndLoad() {
    assertThat(schemaErrors(ConfigurationPage.EXAMPLE)).isEmpty();
    assertThat(loaderErrors(ConfigurationPage.EXAMPLE)).isEmpty();
    assertThat(schemaErrors(ConfigurationPage.BAD_EXAMPLE)).isNotEmpty();
    assertThat(loaderErrors(ConfigurationPage.BAD_EXAMPLE)).hasSize(5);
  }

  /** One file per kind of mistake: the schema flags it and the server refuses it. */
  @Test
  void mistakesAreFlaggedByTheSchemaAndRefusedByTheServer() {
    String ok = "settings: {BACKEND_TYPE: memory}\n";
    List<String> mistakes = List.of(
        ok + "limits: {}\n",
        "settings: {BACKEND_TYPE: memory, GRPC_PROT: 8081}\n",
        "settings: {BACKEND_TYPE: memory, GRPC_PORT: eighty}\n",
        "settings: {BACKEND_TYPE: memory, SHADOW_MODE: yes}\n",
        "settings: {BACKEND_TYPE: memory, GRPC_MAX_CONNECTION_AGE: 1 day}\n",
        "settings: {BACKEND_TYPE: memory, NEAR_LIMIT_RATIO: high}\n",
        "settings: {BACKEND_TYPE: memory, EXTRA_TAGS: [a, b]}\n",
        "settings: {BACKEND_TYPE: memory, EXTRA_TAGS: 'a=1'}\n",
        ok + "policies: {api: token-buckets capacity=1 rate=1/s}\n",
        ok + "policies: {api: {type: token-bucket}}\n",
        ok + "domains: {domain: a}\n",
        ok + "domains: [{descriptors: []}]\n",
        ok + "domains: [{domain: a, descriptors: [{value: v}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limits: {unit: minute}}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limit: {unit: minutes, requests_per_unit: 1}}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limit: {requests_per_unit: 1}}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limit: {unit: second, requests_per_unit: -1}}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, shadow_mode: maybe}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, value: 1.5}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limit: {policy: concurrency slots=1 ttl=1m}}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limit: {policy: token-bucket capacity=1 rate=1/s,"
            + " unit: second}}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limit: {policies: []}}]}]\n",
        ok + "domains: [{domain: a, descriptors: [{key: k, rate_limit: {unit: second, replaces: [{}]}}]}]\n");
    for (String yaml : mistakes) {
      assertThat(schemaErrors(yaml)).as("schema on %s", yaml).isNotEmpty();
      assertThat(loaderErrors(yaml)).as("server on %s", yaml).isNotEmpty()
          .allSatisfy(p -> assertThat(p).matches("f\\.yaml:[1-9][0-9]*: .+: .+"));
    }
  }

  // ------------------------------------------------------------------------- the tables against the code

  @Test
  void everySettingsDefaultValidates() {
    for (VariableInfo v : VariableInfo.all()) {
      String value = switch (v.kind()) {
        case BOOL, INT, FLOAT32, FLOAT64 -> String.valueOf(ServerFileSchema.typedDefault(v));
        default -> "'" + v.defaultText().replace("'", "''") + "'";
      };
      assertThat(schemaErrors("settings:\n  " + v.name() + ": " + value + "\n")).as(v.name()).isEmpty();
    }
  }

  /**
   * A value the schema takes is one the server takes, and the other way round, for each kind of
   * setting (written as YAML would type it: 10 is a number, '10' text).
   */
  @Test
  void theSchemaAndTheServerAgreeOnSettingValues() {
    Map<String, List<String>> samples = new LinkedHashMap<>();
    samples.put("DISABLE_STATS", List.of("true", "false", "True", "FALSE", "'t'", "'F'", "1", "0", "'1'",
        "yes", "no", "on", "2", "'truth'", "''", "~"));
    samples.put("EXPIRATION_JITTER_MAX_SECONDS", List.of("10", "-10", "0x1F", "0o17", "017", "0b101", "'1_000'",
        "'0x_1F'", "'10'", "'+5'", "ten", "'1__0'", "'_1'", "1.5", "''", "'0x'", "'08'"));
    samples.put("XDS_CLIENT_BACKOFF_RANDOM_FACTOR", List.of("0.5", "1", "-2.5e3", "'.5'", "'5.'", "'1_0.5'",
        "'inf'", "'-Infinity'", "'NaN'", "x", "'1e'", "''", "'1..2'"));
    samples.put("STATS_FLUSH_INTERVAL", List.of("10s", "1h30m", "'1.5h'", "'-3ms'", "0", "'0'", "'500us'",
        "'5\u00b5s'", "10", "'10'", "1d", "''", "'s'", "'.5s'"));
    samples.put("EXTRA_TAGS", List.of("'a:1,b:2'", "'a:1'", "''", "~", "'a'", "'a:1:2'", "'a:1,'"));
    samples.put("CACHE_KEY_PREFIX", List.of("prefix", "10", "true", "''", "~", "1.5"));
    List<String> disagreements = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : samples.entrySet()) {
      for (String value : e.getValue()) {
        String yaml = "settings:\n  BACKEND_TYPE: memory\n  " + e.getKey() + ": " + value + "\n";
        boolean schema = schemaErrors(yaml).isEmpty();
        boolean server = loaderErrors(yaml).isEmpty();
        if (schema != server) {
          disagreements.add(e.getKey() + ": " + value + " (schema " + schema + ", server " + server + ")");
        }
      }
    }
    assertThat(disagreements).isEmpty();
  }

  @Test
  void thePolicyTypesArePolicyTexts() {
    try {
      PolicyText.parse("p", "no-such-type limit=1");
      fail("parsed");
    } catch (PolicyTextException e) {
      Matcher m = Pattern.compile("the types are (.*)$").matcher(e.getMessage());
      assertThat(m.find()).isTrue();
      assertThat(List.of(m.group(1).split(", "))).isEqualTo(Reference.POLICY_TYPES);
    }
    for (String type : Reference.POLICY_TYPES) {
      String yaml = "domains: [{domain: a, descriptors: [{key: k, rate_limit: {policy: " + type + " limit=1}}]}]\n";
      assertThat(schemaErrors(yaml).isEmpty()).as(type).isEqualTo(Reference.RATE_POLICY_TYPES.contains(type));
    }
    for (String spec : List.of("token-bucket capacity=1 rate=1/s", "fixed-window limit=1 period=1m",
        "sliding-log limit=1 window=1m", "sliding-counter limit=1 window=1m", "concurrency slots=1 ttl=1m",
        "budget limit=1 period=1d")) {
      String type = spec.substring(0, spec.indexOf(' '));
      String yaml = "domains: [{domain: a, descriptors: [{key: k, rate_limit: {policy: " + spec + "}}]}]\n";
      boolean loads;
      try {
        ConfigLoader.loadList(new ConfigFile("f.yaml", yaml), "domains", false);
        loads = true;
      } catch (ConfigException ex) {
        loads = false;
      }
      assertThat(loads).as(spec).isEqualTo(Reference.RATE_POLICY_TYPES.contains(type));
    }
  }

  @Test
  void theBooleanWordsAreYamlV2s() {
    List<String> words = new ArrayList<>(Reference.YAML11_BOOLEAN_WORDS);
    words.addAll(List.of("true", "True", "TRUE", "false", "False", "FALSE"));
    for (String w : words) {
      assertThat(domainLoads("{key: k, shadow_mode: " + w + "}")).as(w).isTrue();
      assertThat(schemaErrors("domains: [{domain: a, descriptors: [{key: k, shadow_mode: " + w + "}]}]\n")).as(w)
          .isEmpty();
    }
    for (String w : List.of("yES", "maybe", "1", "t")) {
      assertThat(domainLoads("{key: k, shadow_mode: " + w + "}")).as(w).isFalse();
    }
  }

  @Test
  void theUnitsAreTheLoadersAndEveryKeyIsOne() {
    for (String u : Reference.units()) {
      assertThat(domainLoads("{key: k, rate_limit: {unit: " + u + ", requests_per_unit: 1}}")).as(u).isTrue();
    }
    assertThat(Reference.units()).hasSize(2 * Unit.values().length);
    assertThat(domainLoads("{key: k, rate_limit: {unit: unknown, requests_per_unit: 1}}")).isFalse();
    assertThat(domainLoads("{key: k, no_such_key: 1}")).isFalse();
  }

  private static boolean domainLoads(String descriptor) {
    try {
      ConfigLoader.loadList(new ConfigFile("f.yaml", "domains: [{domain: a, descriptors: [" + descriptor + "]}]\n"),
          "domains", false);
      return true;
    } catch (ConfigException e) {
      return false;
    }
  }
}
