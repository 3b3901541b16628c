package dev.sluice.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.server.config.ConfigFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files are config files: the ones envoyproxy/ratelimit's goruntime walk loads. */
class RuntimeSourceFilesTest {

  @TempDir
  Path tmp;

  private Path write(String relative, String content) throws IOException {
    Path p = tmp.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private RuntimeSource source(Path dir, boolean ignoreDotFiles) {
    return new RuntimeSource(dir, null, ignoreDotFiles, RuntimeSource.DEFAULT_POLL_INTERVAL);
  }

  @Test
  void everyRegularFileAtAnyDepthWhateverItsExtensionSorted() throws IOException {
    Path dir = tmp.resolve("config");
    write("config/b.yaml", "domain: b");
    write("config/a.yaml", "domain: a");
    write("config/limits.yml", "domain: yml");
    write("config/noext", "domain: noext");
    write("config/notes.txt", "not yaml at all");
    write("config/sub/deeper/c.yaml", "domain: c");
    write("elsewhere.yaml", "not under the config directory");
    // their loader (lyft/goruntime) walks the tree and loads every file: their "*.yaml" is no filter
    assertThat(source(dir, false).files()).containsExactly(dir.resolve("a.yaml"), dir.resolve("b.yaml"),
        dir.resolve("limits.yml"), dir.resolve("noext"), dir.resolve("notes.txt"), dir.resolve("sub/deeper/c.yaml"));
  }

  @Test
  void dotFilesAndDotDirectoriesAreSkippedOnlyWhenAsked() throws IOException {
    Path dir = tmp.resolve("config");
    write("config/a.yaml", "domain: a");
    write("config/.hidden.yaml", "domain: hidden");
    write("config/.git/x.yaml", "domain: x");
    write("config/sub/.swp", "editor");
    assertThat(source(dir, false).files()).containsExactly(dir.resolve(".git/x.yaml"), dir.resolve(".hidden.yaml"),
        dir.resolve("a.yaml"), dir.resolve("sub/.swp"));
    assertThat(source(dir, true).files()).containsExactly(dir.resolve("a.yaml"));
  }

  @Test
  void linksToFilesAreReadThroughLinksToDirectoriesAndToNothingAreSkipped() throws IOException {
    Path dir = tmp.resolve("config");
    Path target = write("shared/limits.yaml", "domain: shared");
    write("shared/more/m.yaml", "domain: m");
    write("config/a.yaml", "domain: a");
    Files.createSymbolicLink(dir.resolve("linked.yaml"), target);
    Files.createSymbolicLink(dir.resolve("linked-dir"), tmp.resolve("shared/more"));
    Files.createSymbolicLink(dir.resolve("dangling.yaml"), tmp.resolve("missing.yaml"));
    RuntimeSource s = source(dir, false);
    assertThat(s.files()).containsExactly(dir.resolve("a.yaml"), dir.resolve("linked.yaml"));
    assertThat(s.read()).containsExactly(new ConfigFile(dir.resolve("a.yaml").toString(), "domain: a"),
        new ConfigFile(dir.resolve("linked.yaml").toString(), "domain: shared"));
  }

  @Test
  void aKubernetesConfigMapIsReadTwiceUnlessDotFilesAreIgnoredAsInTheirs() throws IOException {
    Path dir = tmp.resolve("config");
    write("config/..2024_01_01_00_00_00.1/limits.yaml", "domain: k8s");
    Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2024_01_01_00_00_00.1"));
    Files.createSymbolicLink(dir.resolve("limits.yaml"), Path.of("..data/limits.yaml"));
    assertThat(source(dir, false).files())
        .containsExactly(dir.resolve("..2024_01_01_00_00_00.1/limits.yaml"), dir.resolve("limits.yaml"));
    assertThat(source(dir, true).files()).containsExactly(dir.resolve("limits.yaml"));
  }

  @Test
  void theConfigDirectoryMayBeALink() throws IOException {
    write("v1/config/a.yaml", "domain: a");
    Files.createSymbolicLink(tmp.resolve("current"), tmp.resolve("v1"));
    Path dir = tmp.resolve("current/config");
    assertThat(source(dir, false).read()).containsExactly(new ConfigFile(dir.resolve("a.yaml").toString(), "domain: a"));
    Files.createSymbolicLink(tmp.resolve("linked-config"), tmp.resolve("v1/config"));
    assertThat(source(tmp.resolve("linked-config"), false).files()).hasSize(1);
  }

  @Test
  void anEmptyDirectoryHasNoFiles() throws IOException {
    Files.createDirectories(tmp.resolve("config"));
    assertThat(source(tmp.resolve("config"), false).read()).isEmpty();
  }

  @Test
  void aMissingOrNonDirectoryConfigDirectoryIsNamed() throws IOException {
    Path missing = tmp.resolve("nope/config");
    assertThatThrownBy(() -> source(missing, false).files()).isInstanceOf(NoSuchFileException.class)
        .hasMessage(missing + ": the config directory does not exist");
    assertThatThrownBy(() -> source(missing, false).read()).isInstanceOf(NoSuchFileException.class);
    Path file = write("file", "x");
    assertThatThrownBy(() -> source(file, false).files()).isInstanceOf(NotDirectoryException.class)
        .hasMessage(file + " (the config directory is not a directory)");
  }

  @Test
  void readGivesEachFilesPathAndUtf8Text() throws IOException {
    Path dir = tmp.resolve("config");
    write("config/a.yaml", "domain: caf\u00e9\ndescriptors: []\n");
    write("config/sub/b.yaml", "");
    assertThat(source(dir, false).read()).containsExactly(
        new ConfigFile(dir.resolve("a.yaml").toString(), "domain: caf\u00e9\ndescriptors: []\n"),
        new ConfigFile(dir.resolve("sub/b.yaml").toString(), ""));
  }

  @Test
  void invalidUtf8IsRefusedNamingTheFileAndTheOffset() throws IOException {
    Path dir = tmp.resolve("config");
    write("config/a.yaml", "domain: a");
    Path bad = dir.resolve("latin1.yaml");
    Files.write(bad, "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> source(dir, false).read()).isInstanceOf(IOException.class)
        .hasMessage("config file " + bad + " is not valid UTF-8: 1 malformed byte(s) at byte offset 3");
  }

  @Test
  void thePollIntervalIsChecked() {
    assertThatThrownBy(() -> new RuntimeSource(tmp, null, false, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("pollInterval (PT0S) must be 10 ms to 1 hour");
    assertThatThrownBy(() -> new RuntimeSource(tmp, null, false, Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("pollInterval (PT2H) must be 10 ms to 1 hour");
    assertThatThrownBy(() -> new RuntimeSource(null, null, false, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class).hasMessage("configDir");
  }

  @Test
  void filesListsWithoutReading() throws IOException {
    Path dir = tmp.resolve("config");
    Path bad = dir.resolve("bad.yaml");
    Files.createDirectories(dir);
    Files.write(bad, new byte[] {(byte) 0xff});
    assertThat(source(dir, false).files()).isEqualTo(List.of(bad));
  }
}
