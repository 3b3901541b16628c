package dev.sluice.server.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code REDIS_TLS_CACERT}, {@code REDIS_TLS_CLIENT_CERT} and {@code REDIS_TLS_CLIENT_KEY}: read
 * when a Redis uses TLS, shared by the per-second twin, checked at start (each file readable, the
 * certificate with its key), and given to each Redis reached with TLS.
 */
class SettingsTlsTest {

  @TempDir
  Path tmp;

  private Path file(String name) throws Exception {
    return Files.writeString(tmp.resolve(name), "-----BEGIN CERTIFICATE-----\n");
  }

  @Test
  void theFilesGoToTheRedisReachedWithTls() throws Exception {
    Path ca = file("ca.pem");
    Path cert = file("c.pem");
    Path key = file("k.pem");
    RedisSettings.TlsFiles all = new RedisSettings.TlsFiles(Optional.of(ca), Optional.of(cert), Optional.of(key));
    Settings s = Env.read("REDIS_TLS", "true", "REDIS_TLS_CACERT", ca.toString(), "REDIS_TLS_CLIENT_CERT",
        cert.toString(), "REDIS_TLS_CLIENT_KEY", key.toString());
    assertThat(s.store().redis().get()).isEqualTo(new RedisSettings(RedisSettings.Type.SINGLE,
        List.of("rediss://localhost:6379"), Duration.ofSeconds(10), false, "", "", all));

    RedisSettings.TlsFiles caOnly = new RedisSettings.TlsFiles(Optional.of(ca), Optional.empty(), Optional.empty());
    assertThat(Env.read("REDIS_TLS", "true", "REDIS_TLS_CACERT", ca.toString()).store().redis().get().tls())
        .isEqualTo(caOnly);
  }

  @Test
  void thePerSecondTwinSharesThemWhenItUsesTls() throws Exception {
    Path ca = file("ca.pem");
    RedisSettings.TlsFiles caOnly = new RedisSettings.TlsFiles(Optional.of(ca), Optional.empty(), Optional.empty());
    Settings s = Env.read("REDIS_PERSECOND", "true", "REDIS_PERSECOND_SOCKET_TYPE", "tcp", "REDIS_PERSECOND_URL",
        "ps:6379", "REDIS_PERSECOND_TLS", "true", "REDIS_TLS_CACERT", ca.toString());
    assertThat(s.store().redis().get().tls()).as("the main Redis without TLS").isEqualTo(RedisSettings.TlsFiles.NONE);
    assertThat(s.store().redisPerSecond().get().tls()).isEqualTo(caOnly);
    assertThat(s.store().redisPerSecond().get().uris()).containsExactly("rediss://ps:6379");

    s = Env.read("REDIS_TLS", "true", "REDIS_PERSECOND", "true", "REDIS_PERSECOND_SOCKET_TYPE", "tcp",
        "REDIS_PERSECOND_URL", "ps:6379", "REDIS_TLS_CACERT", ca.toString());
    assertThat(s.store().redis().get().tls()).isEqualTo(caOnly);
    assertThat(s.store().redisPerSecond().get().tls()).as("the per-second Redis without TLS")
        .isEqualTo(RedisSettings.TlsFiles.NONE);
  }

  @Test
  void withoutTlsTheyAreUnusedAsTheirs() {
    Settings s = Env.read("REDIS_TLS_CACERT", "/no/ca.pem", "REDIS_TLS_CLIENT_CERT", "/no/c.pem");
    assertThat(s.store().redis().get().tls()).isEqualTo(RedisSettings.TlsFiles.NONE);
  }

  @Test
  void aCertificateWithoutItsKeyOrAKeyWithoutItsCertificateStopsTheStart() throws Exception {
    Path cert = file("c.pem");
    assertThat(Env.refused("REDIS_TLS", "true", "REDIS_TLS_CLIENT_CERT", cert.toString()).problems())
        .containsExactly("REDIS_TLS_CLIENT_CERT=" + cert + " and REDIS_TLS_CLIENT_KEY=: a client certificate for"
            + " Redis needs both its certificate and its key; set both, or unset both");
    assertThat(Env.refused("REDIS_TLS", "true", "REDIS_TLS_CLIENT_KEY", cert.toString()).problems())
        .containsExactly("REDIS_TLS_CLIENT_CERT= and REDIS_TLS_CLIENT_KEY=" + cert + ": a client certificate for"
            + " Redis needs both its certificate and its key; set both, or unset both");
  }

  @Test
  void aMissingOrUnreadableFileStopsTheStartNamingTheVariableAndThePath() throws Exception {
    Path cert = file("c.pem");
    Path missing = tmp.resolve("missing.pem");
    assertThat(Env.refused("REDIS_TLS", "true", "REDIS_TLS_CACERT", missing.toString(), "REDIS_TLS_CLIENT_CERT",
        cert.toString(), "REDIS_TLS_CLIENT_KEY", tmp.toString()).problems()).containsExactly(
            "REDIS_TLS_CACERT=" + missing + ": no such file",
            "REDIS_TLS_CLIENT_KEY=" + tmp + ": not a readable file");
    Path locked = file("locked.pem");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    if (!Files.isReadable(locked)) { // root reads anything
      assertThat(Env.refused("REDIS_PERSECOND", "true", "REDIS_PERSECOND_SOCKET_TYPE", "tcp", "REDIS_PERSECOND_URL",
          "ps:6379", "REDIS_PERSECOND_TLS", "true", "REDIS_TLS_CLIENT_CERT", locked.toString(),
          "REDIS_TLS_CLIENT_KEY", cert.toString()).problems())
          .containsExactly("REDIS_TLS_CLIENT_CERT=" + locked + ": not a readable file");
    }
  }
}
