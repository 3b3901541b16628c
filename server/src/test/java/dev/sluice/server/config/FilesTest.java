package dev.sluice.server.config;

import static dev.sluice.server.config.EnvoyCases.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files from disk: the encodings YAML allows, and what is not text. */
class FilesTest {

  private static final String YAML = "domain: d\ndescriptors:\n  - key: k\n    value: \u00e9t\u00e9\n"
      + "    rate_limit: {unit: second, requests_per_unit: 1}\n";

  private static byte[] withMark(byte[] mark, byte[] text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(mark);
    out.writeBytes(text);
    return out.toByteArray();
  }

  @Test
  void utf8WithOrWithoutAMarkAndUtf16WithOne(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("plain.yaml"), YAML.getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("marked.yaml"), withMark(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        YAML.replace("domain: d", "domain: e").getBytes(StandardCharsets.UTF_8)));
    Files.write(dir.resolve("le.yaml"), withMark(new byte[] {(byte) 0xFF, (byte) 0xFE},
        YAML.replace("domain: d", "domain: f").getBytes(StandardCharsets.UTF_16LE)));
    Files.write(dir.resolve("be.yaml"), withMark(new byte[] {(byte) 0xFE, (byte) 0xFF},
        YAML.replace("domain: d", "domain: g").getBytes(StandardCharsets.UTF_16BE)));
    RateLimitConfig c = ConfigLoader.loadFiles(List.of(dir.resolve("plain.yaml"), dir.resolve("marked.yaml"),
        dir.resolve("le.yaml"), dir.resolve("be.yaml")), false);
    for (String domain : List.of("d", "e", "f", "g")) {
      assertThat(c.lookup(domain, entries("k", "\u00e9t\u00e9"))).as(domain).isNotNull();
    }
  }

  @Test
  void bytesThatAreNotTextAreRefusedAndMissingFilesAreIoErrors(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("latin1.yaml");
    Files.write(bad, YAML.getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> ConfigLoader.loadFiles(List.of(bad), false))
        .isInstanceOfSatisfying(ConfigException.class, e -> {
          assertThat(e.file()).isEqualTo(bad.toString());
          assertThat(e.path()).isEmpty();
          assertThat(e.reason()).isEqualTo("error loading config file: yaml: invalid UTF-8 in the file");
        });
    assertThatThrownBy(() -> ConfigLoader.loadFiles(List.of(dir.resolve("missing.yaml")), false))
        .isInstanceOf(NoSuchFileException.class);
  }
}
