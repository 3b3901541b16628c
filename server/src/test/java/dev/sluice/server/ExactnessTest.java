package dev.sluice.server;

import static dev.sluice.server.Wire.call;
import static dev.sluice.server.Wire.d;
import static dev.sluice.server.Wire.hits;
import static dev.sluice.server.Wire.limit;
import static dev.sluice.server.Wire.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.testing.RedisServer;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitRule;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactness through real sockets: a request's enforcing descriptors are charged all or nothing;
 * many callers on one key never get more than the limit per window, and every admission is
 * charged exactly once (what remains afterwards says so); the local over-limit cache
 * ({@code LOCAL_CACHE_SIZE_IN_BYTES}) denies only what the store would deny, and saves store calls.
 */
class ExactnessTest {

  static final String CONFIG = """
      domain: ex
      descriptors:
        - key: a
          rate_limit: {unit: day, requests_per_unit: 10}
        - key: b
          rate_limit: {unit: day, requests_per_unit: 7}
        - key: three
          rate_limit: {unit: day, requests_per_unit: 3}
        - key: many
          rate_limit: {unit: day, requests_per_unit: 100}
        - key: pair
          rate_limit: {unit: day, requests_per_unit: 60}
        - key: files
          value: files/*
          share_threshold: true
          rate_limit: {unit: day, requests_per_unit: 5}
        - key: persec
          rate_limit: {unit: second, requests_per_unit: 1}
      """;

  static RedisServer redis;
  @TempDir
  static Path sharedDir;
  /** One server per store for the tests that need no settings of their own (each uses its own values). */
  static final Map<String, TestServer> shared = new java.util.HashMap<>();

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (TestServer s : shared.values()) {
      s.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** {@code store}, or "redis+cache": Redis with the local over-limit cache. */
  static synchronized TestServer shared(String store) throws Exception {
    TestServer s = shared.get(store);
    if (s == null) {
      s = store.equals("redis+cache")
          ? start(sharedDir.resolve("cache"), "redis", "LOCAL_CACHE_SIZE_IN_BYTES", "1048576")
          : start(sharedDir.resolve(store), store);
      shared.put(store, s);
    }
    return s;
  }

  @BeforeEach
  void awayFromMidnight() {
    Wire.awayFromWindowEnd(86_400, 20);
  }

  static TestServer start(Path tmp, String store, String... env) throws Exception {
    return TestServer.start(tmp, Wire.env(store, redis, env), Map.of("ex.yaml", CONFIG));
  }

  static int remaining(TestServer s, String... descriptor) {
    return call(s, "ex", 1, hits(0, d(descriptor))).getStatuses(0).getLimitRemaining();
  }

  static long storeCalls(TestServer s) {
    return s.server.metrics().registry().get("ratelimit.store.latency").timer().count();
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis"})
  void aDeniedRequestChargesNoneOfItsDescriptors(String store) throws Exception {
    TestServer s = shared(store);
    assertThat(call(s, "ex", 5, d("b", "den")).getOverallCode()).isEqualTo(Code.OK); // b: 2 left of 7
    // a fits (3 of 10), b does not (3 > 2): neither is charged
    RateLimitResponse r = call(s, "ex", 3, d("a", "den"), d("b", "den"));
    assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(10);
    assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(remaining(s, "a", "den")).isEqualTo(10);
    assertThat(remaining(s, "b", "den")).isEqualTo(2);
    // with per-descriptor costs that both fit, both are charged
    r = call(s, request("ex", 1, hits(4, d("a", "den")), hits(2, d("b", "den"))));
    assertThat(r.getOverallCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(6);
    assertThat(r.getStatuses(1).getLimitRemaining()).isZero();
    assertThat(remaining(s, "a", "den")).isEqualTo(6);
    assertThat(remaining(s, "b", "den")).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis"})
  void oneCounterNamedTwiceInARequestIsChargedForBoth(String store) throws Exception {
    TestServer s = shared(store);
    // the same descriptor twice: as theirs, the second sees the first's hits
    RateLimitResponse r = call(s, "ex", 1, d("a", "dup"), d("a", "dup"));
    assertThat(r.getOverallCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(9);
    assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(8);
    assertThat(remaining(s, "a", "dup")).isEqualTo(8);
    // two values that share one counter (share_threshold)
    r = call(s, "ex", 2, d("files", "files/a"), d("files", "files/b"));
    assertThat(r.getOverallCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(3);
    assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(1);
    // together they no longer fit (1 left, 2 asked): neither is charged, and the limit of each
    // cannot take what the request asks of the counter (theirs would admit the first and count 6 of 5)
    r = call(s, "ex", 1, d("files", "files/c"), d("files", "files/d"));
    assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(remaining(s, "files", "files/e")).isEqualTo(1);
    // a limit override and the configured rule of one unit count one counter, each against its limit
    r = call(s, "ex", 1, d("b", "dupy"), limit(20, RateLimitUnit.DAY, d("b", "dupy")));
    assertThat(r.getOverallCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(6);
    assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(18);
    assertThat(remaining(s, "b", "dupy")).isEqualTo(5);
    // 1 left under the smaller limit, 2 asked of the counter: denied by it, nothing charged
    call(s, "ex", 4, d("b", "dupy"));
    r = call(s, "ex", 1, limit(20, RateLimitUnit.DAY, d("b", "dupy")), d("b", "dupy"));
    assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK);
    assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(14);
    assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(remaining(s, "b", "dupy")).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis", "redis+cache"})
  void manyCallersOnOneKeyGetExactlyTheLimit(String store) throws Exception {
    int threads = 8;
    int callsEach = 40;
    TestServer s = shared(store);
    AtomicInteger admittedMany = new AtomicInteger();
    AtomicInteger admittedPairs = new AtomicInteger();
    AtomicInteger admittedSingles = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      done.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < callsEach; i++) {
          // one key alone, limit 100
          if (call(s, "ex", 1, d("many", "k")).getOverallCode() == Code.OK) {
            admittedMany.incrementAndGet();
          }
          // pair (60) alone or together with a (10): all or nothing
          boolean both = (i + thread) % 2 == 0;
          RateLimitDescriptor[] ds = both
              ? new RateLimitDescriptor[] {d("pair", "k"), d("a", "k")}
              : new RateLimitDescriptor[] {d("pair", "k")};
          if (call(s, "ex", 1, ds).getOverallCode() == Code.OK) {
            (both ? admittedPairs : admittedSingles).incrementAndGet();
          }
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(admittedMany.get()).isEqualTo(100);
    assertThat(remaining(s, "many", "k")).isZero();
    // every admission charged exactly once, no denied request charged anything
    assertThat(admittedPairs.get()).isLessThanOrEqualTo(10);
    assertThat(admittedPairs.get() + admittedSingles.get()).isEqualTo(60);
    assertThat(remaining(s, "a", "k")).isEqualTo(10 - admittedPairs.get());
    assertThat(remaining(s, "pair", "k")).isZero();
  }

  @Test
  void theLocalCacheSavesStoreCallsOnlyForExhaustedKeys(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "memory", "LOCAL_CACHE_SIZE_IN_BYTES", "1048576")) {
      for (int i = 0; i < 3; i++) {
        assertThat(call(s, "ex", 1, d("three", "x")).getOverallCode()).isEqualTo(Code.OK);
      }
      long before = storeCalls(s);
      for (int i = 0; i < 5; i++) {
        RateLimitResponse r = call(s, "ex", 1, d("three", "x"));
        assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
      }
      assertThat(storeCalls(s)).isEqualTo(before);
      var stats = s.server.metrics().rule("ex.three");
      assertThat(stats.overLimitWithLocalCache()).isEqualTo(5);
      assertThat(stats.overLimit()).isEqualTo(5);
      // a query (cost 0) is still answered by the store: OK, nothing left
      RateLimitResponse r = call(s, "ex", 1, hits(0, d("three", "x")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getLimitRemaining()).isZero();
      // a key with room is never cached
      assertThat(call(s, "ex", 1, d("three", "y")).getOverallCode()).isEqualTo(Code.OK);
    }
  }

  @Test
  void theLocalCacheNeverDeniesWhatTheStoreWouldAdmit(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "memory", "LOCAL_CACHE_SIZE_IN_BYTES", "1048576")) {
      // 1. a bigger limit in the request (same unit, same counter)
      call(s, "ex", 3, d("three", "o"));
      assertThat(call(s, "ex", 1, d("three", "o")).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(call(s, "ex", 1, limit(5, RateLimitUnit.DAY, d("three", "o"))).getOverallCode())
          .as("an override of 5 over a count of 3").isEqualTo(Code.OK);

      // 2. a bigger limit after a reload
      call(s, "ex", 3, d("three", "r"));
      assertThat(call(s, "ex", 1, d("three", "r")).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      s.writeConfig("ex.yaml", CONFIG.replace("requests_per_unit: 3}", "requests_per_unit: 5}"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> call(s, "ex", 1, hits(0, d("three", "q"))).getStatuses(0).getCurrentLimit()
              .getRequestsPerUnit() == 5);
      assertThat(call(s, "ex", 1, d("three", "r")).getOverallCode()).as("after a reload to 5").isEqualTo(Code.OK);

      // 3. a reset (the admin API's)
      call(s, "ex", 5, d("three", "z"));
      assertThat(call(s, "ex", 1, d("three", "z")).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      RateLimitRule rule = ConfigLoader.load(List.of(new ConfigFile("ex.yaml", CONFIG)), false)
          .lookup("ex", List.of(Map.entry("three", "z")));
      s.server.service().reset("ex", List.of(Map.entry("three", "z")), rule);
      assertThat(call(s, "ex", 1, d("three", "z")).getOverallCode()).as("after a reset").isEqualTo(Code.OK);
    }
  }

  @Test
  void theLocalCacheRemembersOnlyWhatTheStoreCounted(@TempDir Path tmp) throws Exception {
    // two servers on one Redis: b is exhausted by the other one, so this one's cache has not seen it
    String prefix = "shared" + System.nanoTime() + ":";
    try (TestServer s = start(tmp.resolve("one"), "redis", "LOCAL_CACHE_SIZE_IN_BYTES", "1048576",
            "CACHE_KEY_PREFIX", prefix);
        TestServer other = start(tmp.resolve("other"), "redis", "CACHE_KEY_PREFIX", prefix)) {
      call(other, "ex", 7, d("b", "m"));
      call(s, "ex", 9, d("a", "m"));
      // denied by b; a is reported, with 1 left: not exhausted
      RateLimitResponse r = call(s, "ex", 1, d("a", "m"), d("b", "m"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(0).getLimitRemaining()).isEqualTo(1);
      assertThat(call(s, "ex", 1, d("a", "m")).getOverallCode()).as("a's last unit").isEqualTo(Code.OK);
    }
  }

  @Test
  void theLocalCacheForgetsWhatARefundGivesBack(@TempDir Path tmp) throws Exception {
    // per-second limits in a store of their own: a request with a per-second and a per-day
    // descriptor is charged store by store, and what the first charged is given back when the
    // second denies. The per-day counter is exhausted by another server, so that this one's
    // cache does not deny the request before any charge.
    String prefix = "refund" + System.nanoTime() + ":";
    try (TestServer s = start(tmp.resolve("one"), "redis", "LOCAL_CACHE_SIZE_IN_BYTES", "1048576",
            "CACHE_KEY_PREFIX", prefix, "REDIS_PERSECOND", "true", "REDIS_PERSECOND_SOCKET_TYPE", "tcp",
            "REDIS_PERSECOND_URL", "127.0.0.1:" + redis.port());
        TestServer other = start(tmp.resolve("other"), "redis", "CACHE_KEY_PREFIX", prefix)) {
      assertThat(s.server.storeDescription()).contains("per-second");
      call(other, "ex", 3, d("three", "f"));
      for (int attempt = 0; ; attempt++) {
        // all within one second: persec allows 1 a second
        long intoSecond = System.currentTimeMillis() % 1000;
        if (intoSecond > 300) {
          Thread.sleep(1000 - intoSecond + 10);
        }
        long second = System.currentTimeMillis() / 1000;
        RateLimitResponse r = call(s, "ex", 1, d("persec", "f"), d("three", "f"));
        RateLimitResponse alone = call(s, "ex", 1, d("persec", "f"));
        if (System.currentTimeMillis() / 1000 != second) {
          assertThat(attempt).as("a second long enough for two calls").isLessThan(5);
          continue;
        }
        assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK);
        assertThat(alone.getOverallCode()).as("persec was given back").isEqualTo(Code.OK);
        break;
      }
    }
  }

}
