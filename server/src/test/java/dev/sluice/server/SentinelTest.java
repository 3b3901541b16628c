package dev.sluice.server;

import static dev.sluice.server.TestServer.d;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.testing.RedisSentinel;
import dev.sluice.redis.testing.RedisServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on Redis Sentinel, as envoyproxy/ratelimit is set up for it ({@code REDIS_TYPE=SENTINEL},
 * {@code REDIS_URL=mastername,sentinel,...}, {@code REDIS_AUTH} for the master and
 * {@code REDIS_SENTINEL_AUTH} for the sentinels), against real processes: a master, its replica
 * and a Sentinel ({@link RedisSentinel}), on free loopback ports, stopped by PID.
 */
class SentinelTest {

  static final String MINUTE = """
      domain: sentinel
      descriptors:
        - key: key2
          rate_limit:
            unit: minute
            requests_per_unit: 20
      """;

  static final String HOUR = """
      domain: failover
      descriptors:
        - key: key3
          rate_limit:
            unit: hour
            requests_per_unit: 20
      """;

  static Map<String, String> env(RedisSentinel redis, String sentinels) {
    Map<String, String> env = new HashMap<>();
    env.put("BACKEND_TYPE", "redis");
    env.put("REDIS_SOCKET_TYPE", "tcp");
    env.put("REDIS_TYPE", "SENTINEL");
    env.put("REDIS_URL", RedisSentinel.MASTER_NAME + "," + sentinels);
    env.put("CACHE_KEY_PREFIX", "t" + System.nanoTime() + ":");
    return env;
  }

  /** Their basic scenario's minute limit, through a dead sentinel and a live one, each password to its place. */
  @Test
  void answersExactlyThroughTheSentinel(@TempDir Path tmp) throws Exception {
    try (RedisSentinel redis = RedisSentinel.start("m-secret", "s-secret")) {
      Map<String, String> env = env(redis, "127.0.0.1:" + unusedPort() + ",127.0.0.1:" + redis.sentinelPort());
      env.put("REDIS_AUTH", "m-secret");
      env.put("REDIS_SENTINEL_AUTH", "s-secret");
      try (TestServer s = TestServer.start(tmp, env, Map.of("sentinel.yaml", MINUTE))) {
        EnvoyScenariosTest.awayFromBoundary(60, 15);
        for (int i = 0; i < 25; i++) {
          RateLimitResponse r = s.call("sentinel", 1, d("key2", "v"));
          Code code = i >= 20 ? Code.OVER_LIMIT : Code.OK;
          int remaining = i >= 20 ? 0 : 20 - (i + 1);
          assertThat(r).as("call %d", i).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(code)
              .addStatuses(EnvoyScenariosTest.status(code, 20, Unit.MINUTE, remaining, r.getStatuses(0))).build());
          EnvoyScenariosTest.assertReset(r.getStatuses(0), 60);
        }
        RedisServer master = redis.master();
        assertThat(master).isSameAs(redis.dataNodes().get(0));
        assertThat((Long) redis.command(master, "DBSIZE")).as("the counters are on the master").isPositive();
        assertThat(s.server.metrics().rule("sentinel.key2").totalHits()).isEqualTo(25);
      }
    }
  }

  /**
   * SIGKILL the master after 10 of 20 admissions reached the replica: while Sentinel promotes the
   * replica every request is answered within its deadline (UNAVAILABLE, FAILURE_MODE's default,
   * while no master answers); then the server decides on the new master and exactly the other 10
   * are admitted, limit_remaining counting on from where it was.
   */
  @Test
  void followsAFailover(@TempDir Path tmp) throws Exception {
    try (RedisSentinel redis = RedisSentinel.start()) {
      try (TestServer s = TestServer.start(tmp, env(redis, "127.0.0.1:" + redis.sentinelPort()),
          Map.of("failover.yaml", HOUR))) {
        EnvoyScenariosTest.awayFromBoundary(3600, 45);
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
          assertOk(s.call("failover", 1, d("key3", "v")), ++admitted);
        }
        redis.awaitReplicated();
        RedisServer replica = redis.replica();

        redis.master().kill();
        long killed = System.nanoTime();
        Map<String, Integer> during = new TreeMap<>();
        long slowest = 0;
        while (true) {
          long start = System.nanoTime();
          RateLimitResponse r = null;
          try {
            r = s.stub.withDeadlineAfter(2, TimeUnit.SECONDS).shouldRateLimit(
                TestServer.request("failover", 1, d("key3", "v")));
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).as("answered within the deadline: %s", e.getStatus())
                .isEqualTo(Status.Code.UNAVAILABLE);
          }
          slowest = Math.max(slowest, System.nanoTime() - start);
          during.merge(r == null ? "UNAVAILABLE" : r.getOverallCode().name(), 1, Integer::sum);
          if (r != null) {
            assertOk(r, ++admitted);
            break;
          }
          assertThat(System.nanoTime() - killed).as("decided again within 30 s of the kill; answers " + during)
              .isLessThan(Duration.ofSeconds(30).toNanos());
          Thread.sleep(20);
        }
        long resumedMillis = (System.nanoTime() - killed) / 1_000_000;
        redis.awaitPromoted(replica, Duration.ofSeconds(30));
        System.out.printf("SentinelTest: the server decided on the promoted replica %d ms after the master's"
            + " SIGKILL; meanwhile %s, the slowest answer in %d ms%n", resumedMillis, during, slowest / 1_000_000);

        while (admitted < 20) {
          assertOk(s.call("failover", 1, d("key3", "v")), ++admitted);
        }
        RateLimitResponse over = s.call("failover", 1, d("key3", "v"));
        assertThat(over).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OVER_LIMIT)
            .addStatuses(EnvoyScenariosTest.status(Code.OVER_LIMIT, 20, Unit.HOUR, 0, over.getStatuses(0))).build());
        assertThat((Long) redis.command(replica, "DBSIZE")).as("the counters are on the new master").isPositive();
      }
    }
  }

  /** The n-th admission of 20 an hour: OK with 20 - n left. */
  private static void assertOk(RateLimitResponse r, int n) {
    DescriptorStatus st = r.getStatuses(0);
    assertThat(r).as("admission %d", n).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OK)
        .addStatuses(EnvoyScenariosTest.status(Code.OK, 20, Unit.HOUR, 20 - n, st)).build());
  }

  /** A loopback port nothing listened on a moment ago. */
  static int unusedPort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
