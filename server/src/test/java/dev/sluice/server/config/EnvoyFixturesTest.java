package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * envoyproxy/ratelimit's own fixture files ({@code test/config/*.yaml}), which this repository
 * does not hold: each case of their {@code config_test.go} that loads files, on their files,
 * must give their outcome (and, for the accepted ones, the same lookups). Runs when the system
 * property or environment variable {@value #VARIABLE} names a directory holding them, e.g. after
 * {@code git -C <their repo> archive HEAD test/config | tar -x -C /tmp/envoy-fixtures}, with
 * {@code SLUICE_ENVOY_RATELIMIT_FIXTURES=/tmp/envoy-fixtures/test/config}.
 */
class EnvoyFixturesTest {

  static final String VARIABLE = "SLUICE_ENVOY_RATELIMIT_FIXTURES";

  static Path dir() {
    String value = System.getProperty(VARIABLE, System.getenv(VARIABLE));
    assumeTrue(value != null && !value.isBlank(),
        VARIABLE + " is not set: point it at a directory holding envoyproxy/ratelimit's test/config/*.yaml");
    Path dir = Path.of(value);
    assumeTrue(Files.isRegularFile(dir.resolve("basic_config.yaml")),
        VARIABLE + "=" + value + " holds no basic_config.yaml: not their test/config directory");
    return dir;
  }

  static Stream<EnvoyCases.Case> cases() {
    return EnvoyCases.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theirFilesGiveTheirOutcomes(EnvoyCases.Case c) throws Exception {
    List<ConfigFile> files = EnvoyCases.read(dir(), c.files());
    if (c.refusal() == null) {
      c.lookups().accept(ConfigLoader.load(files, c.merge()));
      return;
    }
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(files, c.merge()));
    assertThat(e).as("refused").isNotNull();
    assertThat(e.file()).isEqualTo(c.refusal().file());
    // their files differ from ours in layout (so a syntax error's line), not in kind
    assertThat(e.reason().replaceAll("line \\d+", "line N"))
        .isEqualTo(c.refusal().reason().replaceAll("line \\d+", "line N"));
  }

  /** Every file of theirs is covered by a case; a new one of theirs shows up here. */
  @Test
  void everyOneOfTheirFilesHasACase() throws IOException {
    Set<String> theirs = new TreeSet<>();
    try (Stream<Path> s = Files.list(dir())) {
      s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).forEach(theirs::add);
    }
    Set<String> covered = new TreeSet<>();
    EnvoyCases.all().forEach(c -> covered.addAll(c.files()));
    assertThat(covered).containsExactlyElementsOf(theirs);
  }
}
