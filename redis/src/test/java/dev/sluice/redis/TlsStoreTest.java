package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisServer;
import dev.sluice.redis.testing.RedisTlsServer;
import dev.sluice.spi.FailurePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store over TLS against a real {@code redis-server} that speaks TLS only ({@link
 * RedisTlsServer}: certificates made by {@code openssl} at test time): trusting the CA of a PEM
 * file ({@link RedisStore.Builder#tlsCaFile}), presenting a client certificate when Redis asks for
 * one ({@link RedisStore.Builder#tlsClientCertificate}), and failing by the failure policy (closed
 * here: every decision denied, counted as a failure) when either is missing or wrong.
 */
class TlsStoreTest {

  /** A fixed window of 5 an hour: exactly 5 of 8 admitted, and Redis counted them. */
  private static void decidesExactly(RedisStore store) {
    try (Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter l = sluice.limiter(FixedWindow.of("tls", 5, Window.of(Duration.ofHours(1))));
      int admitted = 0;
      for (int i = 0; i < 8; i++) {
        if (l.tryAcquire("k", 1).allowed()) {
          admitted++;
        }
      }
      assertThat(admitted).isEqualTo(5);
      assertThat(store.failures().total()).as("no decision by the failure policy").isZero();
    }
  }

  /** Every decision answered by the failure policy (closed: denied), none by Redis. */
  private static void cannotDecide(RedisStore store) {
    try (Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter l = sluice.limiter(FixedWindow.of("tls", 5, Window.of(Duration.ofHours(1))));
      for (int i = 0; i < 3; i++) {
        assertThat(l.tryAcquire("k", 1).allowed()).as("decision %d, denied by the closed failure policy", i)
            .isFalse();
      }
      assertThat(store.failures().total()).as("decisions answered by the failure policy").isEqualTo(3);
    }
  }

  private static RedisStore.Builder builder(RedisTlsServer redis) {
    return RedisStore.standalone(redis.uri()).failure(FailurePolicy.closed()).connectTimeout(Duration.ofSeconds(5))
        .commandTimeout(Duration.ofSeconds(2));
  }

  @Test
  void decidesExactlyTrustingTheCaFile() {
    try (RedisTlsServer redis = RedisTlsServer.start(false)) {
      decidesExactly(builder(redis).tlsCaFile(redis.caFile()).build());
    }
  }

  @Test
  void cannotDecideWithoutTheCa() {
    try (RedisTlsServer redis = RedisTlsServer.start(false)) {
      // the JVM's trust store does not know the test CA
      cannotDecide(builder(redis).connectTimeout(Duration.ofSeconds(1)).build());
      // nor does another CA's file
      cannotDecide(builder(redis).connectTimeout(Duration.ofSeconds(1)).tlsCaFile(redis.otherCaFile()).build());
    }
  }

  @Test
  void mutualTlsDecidesWithTheClientCertificate() {
    try (RedisTlsServer redis = RedisTlsServer.start(true)) {
      decidesExactly(builder(redis).tlsCaFile(redis.caFile())
          .tlsClientCertificate(redis.clientCertFile(), redis.clientKeyFile()).build());
    }
  }

  @Test
  void mutualTlsCannotDecideWithoutATrustedClientCertificate() {
    try (RedisTlsServer redis = RedisTlsServer.start(true)) {
      cannotDecide(builder(redis).connectTimeout(Duration.ofSeconds(1)).tlsCaFile(redis.caFile()).build());
      cannotDecide(builder(redis).connectTimeout(Duration.ofSeconds(1)).tlsCaFile(redis.caFile())
          .tlsClientCertificate(redis.strangerCertFile(), redis.strangerKeyFile()).build());
    }
  }

  @Test
  void aMissingOrUnreadableFileIsABuildError(@TempDir Path tmp) throws Exception {
    Path missing = tmp.resolve("missing.pem");
    assertThatThrownBy(() -> RedisStore.standalone("rediss://127.0.0.1:1").tlsCaFile(missing).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsCaFile")
        .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
    Path cert = Files.writeString(tmp.resolve("cert.pem"), "x");
    assertThatThrownBy(() -> RedisStore.standalone("rediss://127.0.0.1:1").tlsClientCertificate(cert, missing)
        .build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsClientCertificate (key)")
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> RedisStore.standalone("rediss://127.0.0.1:1").tlsCaFile(tmp).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsCaFile")
        .hasMessageContaining("not a readable file");
    Path locked = Files.writeString(tmp.resolve("locked.pem"), "x");
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
    if (!Files.isReadable(locked)) { // root reads anything
      assertThatThrownBy(() -> RedisStore.standalone("rediss://127.0.0.1:1").tlsCaFile(locked).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(locked.toString())
          .hasMessageContaining("not a readable file");
    }
    // a file that is no PEM certificate fails the build too, rather than every connect
    assertThatThrownBy(() -> RedisStore.standalone("rediss://127.0.0.1:1").tlsCaFile(cert).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tlsCaFile " + cert);
  }

  /** Netty reads PKCS#8 keys only: a PKCS#1 one ({@code BEGIN RSA PRIVATE KEY}) fails the build, naming the files. */
  @Test
  void aKeyThatIsNotPkcs8IsABuildError() throws Exception {
    try (RedisTlsServer redis = RedisTlsServer.start(true)) {
      Path pkcs1 = redis.clientKeyFile().resolveSibling("client-key-pkcs1.pem");
      Process p = new ProcessBuilder("openssl", "rsa", "-traditional", "-in", redis.clientKeyFile().toString(),
          "-out", pkcs1.toString()).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      assertThat(p.waitFor()).isZero();
      assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
      assertThatThrownBy(() -> builder(redis).tlsCaFile(redis.caFile())
          .tlsClientCertificate(redis.clientCertFile(), pkcs1).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(pkcs1.toString())
          .hasMessageContaining("PKCS#8");
    }
  }

  @Test
  void tlsFilesNeedATlsUri() {
    try (RedisServer plain = RedisServer.start(); RedisTlsServer redis = RedisTlsServer.start(false)) {
      assertThatThrownBy(() -> RedisStore.standalone(plain.uri()).tlsCaFile(redis.caFile()).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
    }
  }
}
