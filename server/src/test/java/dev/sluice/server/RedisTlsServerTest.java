package dev.sluice.server;

import static dev.sluice.server.TestServer.d;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.redis.testing.RedisTlsServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a Redis that speaks TLS only ({@link RedisTlsServer}, certificates made by
 * {@code openssl} at test time), set up as envoyproxy/ratelimit is: {@code REDIS_TLS=true},
 * {@code REDIS_TLS_CACERT} the CA's PEM file, and for mutual TLS ({@code tls-auth-clients yes})
 * {@code REDIS_TLS_CLIENT_CERT} and {@code REDIS_TLS_CLIENT_KEY}.
 */
class RedisTlsServerTest {

  static final String HOUR = """
      domain: tls
      descriptors:
        - key: key1
          rate_limit:
            unit: hour
            requests_per_unit: 20
      """;

  static Map<String, String> env(RedisTlsServer redis) {
    Map<String, String> env = new HashMap<>();
    env.put("BACKEND_TYPE", "redis");
    env.put("REDIS_SOCKET_TYPE", "tcp");
    env.put("REDIS_TLS", "true");
    env.put("REDIS_URL", "127.0.0.1:" + redis.port());
    env.put("REDIS_TLS_CACERT", redis.caFile().toString());
    env.put("REDIS_TIMEOUT", "2s");
    env.put("CACHE_KEY_PREFIX", "t" + System.nanoTime() + ":");
    return env;
  }

  /** 25 calls on a limit of 20 an hour: exactly 20 OK, counting down, then OVER_LIMIT; the counter is in Redis. */
  private static void answersExactly(TestServer s) throws Exception {
    EnvoyScenariosTest.awayFromBoundary(3600, 45);
    for (int i = 0; i < 25; i++) {
      RateLimitResponse r = s.call("tls", 1, d("key1", "v"));
      Code code = i >= 20 ? Code.OVER_LIMIT : Code.OK;
      int remaining = i >= 20 ? 0 : 20 - (i + 1);
      assertThat(r).as("call %d", i).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(code)
          .addStatuses(EnvoyScenariosTest.status(code, 20, Unit.HOUR, remaining, r.getStatuses(0))).build());
    }
    assertThat(s.server.metrics().rule("tls.key1").totalHits()).isEqualTo(25);
  }

  @Test
  void answersExactlyTrustingRedisTlsCacert(@TempDir Path tmp) throws Exception {
    try (RedisTlsServer redis = RedisTlsServer.start(false);
        TestServer s = TestServer.start(tmp, env(redis), Map.of("tls.yaml", HOUR))) {
      answersExactly(s);
    }
  }

  @Test
  void answersExactlyWithAClientCertificate(@TempDir Path tmp) throws Exception {
    try (RedisTlsServer redis = RedisTlsServer.start(true)) {
      Map<String, String> env = env(redis);
      env.put("REDIS_TLS_CLIENT_CERT", redis.clientCertFile().toString());
      env.put("REDIS_TLS_CLIENT_KEY", redis.clientKeyFile().toString());
      try (TestServer s = TestServer.start(tmp, env, Map.of("tls.yaml", HOUR))) {
        answersExactly(s);
      }
    }
  }

  /** Redis asks for a client certificate the server does not have: no decision, UNAVAILABLE (FAILURE_MODE's default). */
  @Test
  void withoutTheClientCertificateRedisCannotDecide(@TempDir Path tmp) throws Exception {
    try (RedisTlsServer redis = RedisTlsServer.start(true);
        TestServer s = TestServer.start(tmp, env(redis), Map.of("tls.yaml", HOUR))) {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> s.call("tls", 1, d("key1", "v"))).isInstanceOf(StatusRuntimeException.class)
            .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      }
    }
  }

  /** A CA file that is not PEM stops the start, naming the variable and the file. */
  @Test
  void aCaFileThatIsNotPemStopsTheStart(@TempDir Path tmp) throws Exception {
    try (RedisTlsServer redis = RedisTlsServer.start(false)) {
      Path bad = Files.writeString(tmp.resolve("ca.pem"), "not a certificate\n");
      Map<String, String> env = env(redis);
      env.put("REDIS_TLS_CACERT", bad.toString());
      assertThatThrownBy(() -> TestServer.start(tmp, env, Map.of("tls.yaml", HOUR)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("REDIS_TLS_CACERT=" + bad);
    }
  }
}
