package dev.sluice.server;

import static dev.sluice.server.TestServer.d;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.testing.RedisCluster;
import dev.sluice.redis.testing.RedisServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * envoyproxy/ratelimit's integration scenarios (test/integration: the basic, another,
 * share_threshold and reload configs), written anew from reading their test, run against every
 * store: limits reached at the same request, same codes, same {@code limit_remaining}, the same
 * {@code duration_until_reset} rule. Their multi-descriptor scenario is checked with the
 * expectations of their {@code STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=true} run: Sluice never
 * charges a denied request (docs/server.md, "Differences").
 */
class EnvoyScenariosTest {

  static final String BASIC = """
      domain: basic
      descriptors:
        - key: key1
          rate_limit:
            unit: second
            requests_per_unit: 50
        - key: one_per_minute
          rate_limit:
            unit: minute
            requests_per_unit: 1
      """;

  static final String ANOTHER = """
      domain: another
      descriptors:
        - key: key2
          rate_limit:
            unit: minute
            requests_per_unit: 20
        - key: key3
          rate_limit:
            unit: hour
            requests_per_unit: 10
        - key: key4
          rate_limit:
            unit: day
            requests_per_unit: 20
      """;

  static final String SHARE = """
      domain: share-threshold-test
      descriptors:
        - key: files
          value: files/*
          share_threshold: true
          rate_limit:
            unit: hour
            requests_per_unit: 10
        - key: files_no_share
          value: files_no_share/*
          rate_limit:
            unit: hour
            requests_per_unit: 10
      """;

  static final String RELOAD = """
      domain: reload
      descriptors:
        - key: key1
          rate_limit:
            unit: second
            requests_per_unit: 50
        - key: block
          rate_limit:
            unit: second
            requests_per_unit: 0
      """;

  static RedisServer redis;
  static RedisCluster cluster;

  @BeforeAll
  static void redis() {
    redis = RedisServer.start();
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stop() {
    if (redis != null) {
      redis.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static Map<String, String> store(String store) {
    Map<String, String> env = new HashMap<>();
    switch (store) {
      case "memory" -> env.put("BACKEND_TYPE", "memory");
      case "sqlite" -> env.put("BACKEND_TYPE", "sqlite");
      case "redis" -> {
        env.put("BACKEND_TYPE", "redis");
        env.put("REDIS_SOCKET_TYPE", "tcp");
        env.put("REDIS_URL", "127.0.0.1:" + redis.port());
        // a fresh key space per test: the counters of an earlier test do not leak in
        env.put("CACHE_KEY_PREFIX", "t" + System.nanoTime() + ":");
      }
      case "redis-cluster" -> {
        env.put("BACKEND_TYPE", "redis");
        env.put("REDIS_TYPE", "CLUSTER");
        env.put("REDIS_URL", String.join(",", cluster.uris()).replace("redis://", ""));
        env.put("CACHE_KEY_PREFIX", "t" + System.nanoTime() + ":");
      }
      default -> throw new IllegalArgumentException(store);
    }
    return env;
  }

  static DescriptorStatus status(Code code, int limit, Unit unit, int remaining, DescriptorStatus actual) {
    return DescriptorStatus.newBuilder()
        .setCode(code)
        .setCurrentLimit(RateLimitResponse.RateLimit.newBuilder().setRequestsPerUnit(limit).setUnit(unit))
        .setLimitRemaining(remaining)
        .setDurationUntilReset(actual.getDurationUntilReset())
        .build();
  }

  static void assertReset(DescriptorStatus s, long unitSeconds) {
    long now = System.currentTimeMillis() / 1000;
    long expected = unitSeconds - now % unitSeconds;
    // theirs: unit - now % unit, in whole seconds (1 to unit); the call and this line may straddle a second
    assertThat(s.getDurationUntilReset().getSeconds()).isBetween(Math.max(1, expected - 1), Math.min(unitSeconds, expected + 1));
  }

  /** Waits until the current window of {@code unitSeconds} has more than {@code margin} seconds left. */
  static void awayFromBoundary(long unitSeconds, long margin) throws InterruptedException {
    long now = System.currentTimeMillis();
    long left = unitSeconds * 1000 - now % (unitSeconds * 1000);
    if (left < margin * 1000) {
      Thread.sleep(left + 50);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis", "redis-cluster"})
  void basicConfig(String store, @TempDir Path tmp) throws Exception {
    try (TestServer s = TestServer.start(tmp, store(store), Map.of("basic.yaml", BASIC, "another.yaml", ANOTHER))) {
      // an unknown domain: OK, no limit
      RateLimitResponse r = s.call("foo", 1, d("hello", "world"));
      assertThat(r).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OK)
          .addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK)).build());

      r = s.call("basic", 1, d("key1", "foo"));
      assertThat(r).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OK)
          .addStatuses(status(Code.OK, 50, Unit.SECOND, 49, r.getStatuses(0))).build());
      assertReset(r.getStatuses(0), 1);
      assertThat(s.server.metrics().rule("basic.key1").totalHits()).isEqualTo(1);

      // over a minute limit: 20 admitted, then over (not across a minute's or an hour's end)
      awayFromBoundary(3600, 15);
      awayFromBoundary(60, 15);
      String value = Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
      for (int i = 0; i < 25; i++) {
        r = s.call("another", 1, d("key2", value));
        Code code = i >= 20 ? Code.OVER_LIMIT : Code.OK;
        int remaining = i >= 20 ? 0 : 20 - (i + 1);
        assertThat(r).as("call %d", i).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(code)
            .addStatuses(status(code, 20, Unit.MINUTE, remaining, r.getStatuses(0))).build());
        assertReset(r.getStatuses(0), 60);
        assertThat(s.server.metrics().rule("another.key2").totalHits()).isEqualTo(i + 1);
        assertThat(s.server.metrics().rule("another.key2").overLimit()).isEqualTo(i >= 20 ? i - 19 : 0);
      }

      // two descriptors in one request: the hour limit (10) is reached first
      value = Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
      for (int i = 0; i < 15; i++) {
        r = s.call("another", 1, d("key2", value), d("key3", value));
        Code code = i >= 10 ? Code.OVER_LIMIT : Code.OK;
        // their STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT expectations: key2 stays at 10 remaining
        int remaining1 = i >= 10 ? 10 : 20 - (i + 1);
        int remaining2 = i >= 10 ? 0 : 10 - (i + 1);
        assertThat(r).as("call %d", i).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(code)
            .addStatuses(status(Code.OK, 20, Unit.MINUTE, remaining1, r.getStatuses(0)))
            .addStatuses(status(code, 10, Unit.HOUR, remaining2, r.getStatuses(1))).build());
        assertThat(s.server.metrics().rule("another.key2").totalHits()).isEqualTo(i + 26);
        assertThat(s.server.metrics().rule("another.key2").overLimit()).isEqualTo(5);
        assertThat(s.server.metrics().rule("another.key3").totalHits()).isEqualTo(i + 1);
        assertThat(s.server.metrics().rule("another.key3").overLimit()).isEqualTo(i >= 10 ? i - 9 : 0);
      }

      // duration_until_reset counts down
      RateLimitResponse first = s.call("another", 1, d("key4", "durTest"));
      assertReset(first.getStatuses(0), 86_400);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis"})
  void shareThreshold(String store, @TempDir Path tmp) throws Exception {
    awayFromBoundary(3600, 10);
    try (TestServer s = TestServer.start(tmp, store(store), Map.of("share_threshold.yaml", SHARE))) {
      for (int i = 0; i < 10; i++) {
        RateLimitResponse r = s.call("share-threshold-test", 1, d("files", "files/a" + i + ".pdf"));
        assertThat(r.getOverallCode()).as("call %d", i).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(9 - i);
      }
      // every value under files/* shares one counter: the 11th, with another value, is over
      RateLimitResponse r = s.call("share-threshold-test", 1, d("files", "files/b.csv"));
      assertThat(r).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OVER_LIMIT)
          .addStatuses(status(Code.OVER_LIMIT, 10, Unit.HOUR, 0, r.getStatuses(0))).build());
      // without share_threshold, each value counts on its own
      for (int i = 0; i < 10; i++) {
        r = s.call("share-threshold-test", 1, d("files_no_share", "files_no_share/" + System.nanoTime() + "-" + i));
        assertThat(r).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OK)
            .addStatuses(status(Code.OK, 10, Unit.HOUR, 9, r.getStatuses(0))).build());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis"})
  void reload(String store, @TempDir Path tmp) throws Exception {
    try (TestServer s = TestServer.start(tmp, store(store), Map.of("basic.yaml", BASIC))) {
      // the reload domain is not loaded yet: OK, no limit
      RateLimitResponse r = s.call("reload", 1, d("block", "foo"));
      assertThat(r).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OK)
          .addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK)).build());

      long before = s.server.metrics().counted("config_load_success");
      s.writeConfig("reload.yaml", RELOAD);
      Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
          .until(() -> s.server.metrics().counted("config_load_success") > before);

      r = s.call("reload", 1, d("key1", "foo"));
      assertThat(r).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OK)
          .addStatuses(status(Code.OK, 50, Unit.SECOND, 49, r.getStatuses(0))).build());
      // requests_per_unit 0: every hit is over
      r = s.call("reload", 1, d("block", "foo"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);

      // a broken file: the last good config stays (block is still a limit of 0, not an unknown domain)
      long errors = s.server.metrics().counted("config_load_error");
      s.writeConfig("reload.yaml", "domain: reload\ndescriptors:\n  - key: key1\n    rate_limit: {unit: fortnight, requests_per_unit: 1}\n");
      Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
          .until(() -> s.server.metrics().counted("config_load_error") > errors);
      r = s.call("reload", 1, d("block", "foo"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(0);
    }
  }
}
