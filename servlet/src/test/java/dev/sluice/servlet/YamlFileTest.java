package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.http.QuotaConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reading the {@code sluice:} tree of a YAML file: what the YAML gives QuotaConfig, and every YAML
 * refusal naming the file and, where the parser knows it, the line.
 */
class YamlFileTest {

  @TempDir
  static Path dir;

  private static Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void theTreeUnderSluiceIsWhatQuotaConfigReads() throws IOException {
    Path file = write("ok.yaml", """
        # comments are fine
        sluice:
          client-address:
            trusted-proxies: [10.0.0.0/8, "2001:db8::/32"]
            ipv6-prefix: 56
          policies:
            anon: &spec fixed-window limit=100 period=1d
            other: *spec
          rules:
            - path: /**
              anonymous: [anon, other]
              cost: 2
        """);
    Map<String, ?> tree = YamlFile.sluiceTree(file);
    QuotaConfig c = QuotaConfig.read(tree, file.toString());
    assertThat(c.addresses().ipv6Prefix()).isEqualTo(56);
    assertThat(c.addresses().trustedProxies()).hasSize(2);
    assertThat(c.policies()).containsOnlyKeys("anon", "other");
    assertThat(c.rules().rules().get(0).cost()).isEqualTo(2);
  }

  /** Every YAML block of docs/http.md's "Configuration file" reads, so that the page cannot drift from the code. */
  @Test
  void theDocumentsYamlReads() throws IOException {
    String page = Files.readString(Path.of("..", "docs", "http.md"));
    int start = page.indexOf("## Configuration file");
    String section = page.substring(start, page.indexOf("\n## ", start));
    List<String> blocks = new java.util.ArrayList<>();
    for (int at = section.indexOf("```yaml\n"); at >= 0; at = section.indexOf("```yaml\n", at + 1)) {
      blocks.add(section.substring(at + 8, section.indexOf("```", at + 8)));
    }
    assertThat(blocks).hasSize(2);
    QuotaConfig whole = QuotaConfig.read(YamlFile.sluiceTree(write("whole.yaml", blocks.get(0))), "whole.yaml");
    assertThat(whole.policies()).hasSize(4);
    assertThat(whole.rules().rules()).hasSize(3);
    assertThat(whole.addresses().trustedProxies()).hasSize(2);
    assertThat(whole.identities().sources()).containsExactly("header X-Client-Id", "API key Authorization: Bearer");
    QuotaConfig model = QuotaConfig.read(YamlFile.sluiceTree(write("model.yaml", blocks.get(1))), "model.yaml");
    assertThat(model.store().path()).contains("/var/lib/myapp/quotas.db");
    assertThat(model.rules().rules().get(1).authenticated()).extracting(p -> p.name()).containsExactly("client-daily");
  }

  @Test
  void sluiceWithNoValueIsAnEmptyTree() throws IOException {
    assertThat(YamlFile.sluiceTree(write("bare.yaml", "sluice:\n"))).isNull();
  }

  static Stream<Arguments> refusals() {
    StringBuilder bomb = new StringBuilder("sluice:\n  a: &a [x, x]\n");
    for (int i = 1; i <= 40; i++) {
      bomb.append("  k").append(i).append(": *a\n");
    }
    return Stream.of(
        Arguments.of("dup.yaml", "sluice:\n  headers: ietf\n  headers: none\n",
            ":3: found duplicate key headers (while constructing a mapping at line 2)"),
        Arguments.of("syntax.yaml", "sluice:\n  rules: [a\n  headers: none\n",
            ":3: expected ',' or ']', but got : (while parsing a flow sequence at line 2)"),
        Arguments.of("bomb.yaml", bomb.toString(),
            ":35: more than 32 aliases (*name); a configuration needs a few at most"),
        Arguments.of("tag.yaml", "sluice:\n  headers: !!java.lang.Runtime x\n",
            ":2: could not determine a constructor for the tag tag:yaml.org,2002:java.lang.Runtime"),
        Arguments.of("two.yaml", "sluice: {}\n---\nsluice: {}\n",
            ":2: but found another document (expected a single document in the stream at line 1)"),
        Arguments.of("empty.yaml", "# nothing\n", ": is empty; it holds the sluice: tree"),
        Arguments.of("list.yaml", "- sluice\n", ": must be a mapping with the one key sluice:, not a list"),
        Arguments.of("scalar.yaml", "sluice\n", ": must be a mapping with the one key sluice:, not a single value"),
        Arguments.of("typo.yaml", "sluce:\n  headers: ietf\n",
            ": unknown top-level key 'sluce'; the file holds the one key sluice:"),
        Arguments.of("extra.yaml", "sluice: {}\nserver: {port: 8080}\n",
            ": unknown top-level key 'server'; the file holds the one key sluice:"),
        Arguments.of("notmap.yaml", "sluice: [a]\n", ": sluice: must be a mapping of keys to values"));
  }

  @ParameterizedTest
  @MethodSource("refusals")
  void everyYamlErrorNamesTheFileAndTheLine(String name, String text, String message) throws IOException {
    Path file = write(name, text);
    assertThatThrownBy(() -> YamlFile.sluiceTree(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + message);
  }

  @Test
  void aMissingOrNonUtf8FileIsNamed() throws IOException {
    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> YamlFile.sluiceTree(missing)).hasMessage(missing + ": no such file");
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, "sluice:\n  headers: \u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> YamlFile.sluiceTree(latin1)).hasMessage(latin1 + ": not UTF-8 text");
  }

  @Test
  void aFileOverTheSizeLimitIsRefused() throws IOException {
    Path big = write("big.yaml", "sluice:\n" + "#".repeat(YamlFile.MAX_BYTES));
    assertThatThrownBy(() -> YamlFile.sluiceTree(big)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(big + ": is larger than 1048576 bytes; a configuration is a few kilobytes");
  }

  @Test
  void aConfigurationErrorNamesTheFileAndThePath() throws IOException {
    Path file = write("bad.yaml", "sluice:\n  identity:\n    header: Authorization\n");
    assertThatThrownBy(() -> ConfiguredFilter.fromYaml(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file + ": sluice.identity.header: header 'Authorization' holds credentials");
  }

  @Test
  void aStoreTypeWhoseArtifactIsMissingIsRefusedByName() {
    for (List<String> t : List.of(List.of("sqlite", "sluice-sqlite"), List.of("redis", "sluice-redis"))) {
      assertThatThrownBy(() -> Stores.require("q.yaml", t.get(0), "dev.sluice.absent.Store", t.get(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("q.yaml: sluice.store.type: " + t.get(0) + " needs the artifact dev.sluice:" + t.get(1)
              + " on the class path (an optional dependency of sluice-servlet): add it next to sluice-servlet, in"
              + " the same version");
    }
  }
}
