package dev.sluice.server;

import static dev.sluice.server.Wire.call;
import static dev.sluice.server.Wire.d;
import static dev.sluice.server.Wire.hits;
import static dev.sluice.server.Wire.limit;
import static dev.sluice.server.Wire.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.testing.RedisServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service's answers through a real gRPC socket: {@code hits_addend}, request {@code limit}
 * overrides, the longest-match lookup, {@code unlimited}, {@code replaces}, limits of 0 and
 * Sluice's policy rules, on the stores where the store makes a difference.
 */
class ServiceBehaviourTest {

  static final String CONFIG = """
      domain: svc
      descriptors:
        - key: day10
          rate_limit: {unit: day, requests_per_unit: 10}
        - key: nested
          value: a
          descriptors:
            - key: sub
              rate_limit: {unit: day, requests_per_unit: 3}
        - key: nested
          rate_limit: {unit: day, requests_per_unit: 7}
        - key: path
          value: /api/*
          rate_limit: {unit: day, requests_per_unit: 4}
        - key: mid
          value: a*z
          rate_limit: {unit: day, requests_per_unit: 6}
        - key: free
          rate_limit: {unlimited: true}
        - key: old
          rate_limit: {name: old, unit: day, requests_per_unit: 1}
        - key: new
          rate_limit:
            unit: day
            requests_per_unit: 100
            replaces: [{name: old}]
        - key: zero
          rate_limit: {unit: day, requests_per_unit: 0}
        - key: tb
          rate_limit: {policy: "token-bucket capacity=5 rate=5/1h"}
        - key: multi
          rate_limit: {policies: ["fixed-window limit=4 period=1d", "token-bucket capacity=10 rate=1/1h"]}
        - key: any
          rate_limit: {unit: day, requests_per_unit: 2}
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

  static synchronized TestServer shared(String store) throws Exception {
    TestServer s = shared.get(store);
    if (s == null) {
      s = start(sharedDir.resolve(store), store);
      shared.put(store, s);
    }
    return s;
  }

  @BeforeEach
  void awayFromMidnight() {
    Wire.awayFromWindowEnd(86_400, 20);
  }

  static TestServer start(Path tmp, String store, String... env) throws Exception {
    return TestServer.start(tmp, Wire.env(store, redis, env), Map.of("svc.yaml", CONFIG));
  }

  static DescriptorStatus only(RateLimitResponse r) {
    assertThat(r.getStatusesCount()).isEqualTo(1);
    return r.getStatuses(0);
  }

  /** What remains of {@code descriptor}'s limit, asked with a cost of 0 (charges nothing). */
  static int remaining(TestServer s, String... descriptor) {
    DescriptorStatus st = only(call(s, "svc", 1, hits(0, d(descriptor))));
    return st.getLimitRemaining();
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis"})
  void hitsAddendOfTheRequestAndOfEachDescriptor(String store) throws Exception {
    TestServer s = shared(store);
    // {request hits, descriptor hits (-1: unset), code, remaining}: day10 has 10 per day
    long[][] steps = {
        {0, -1, 0, 9},   // 0 means 1
        {3, -1, 0, 6},   // the request's N charges N
        {5, 2, 0, 4},    // the descriptor's overrides the request's
        {5, 0, 0, 4},    // an explicit 0: a pure query
        {1, 11, 1, 0},   // more than the limit: over, nothing charged
        {1, 5, 1, 0},    // more than remains: over, nothing charged
        {1, 0, 0, 4},    // ... as the query shows
        {4, -1, 0, 0},   // exactly what remains
        {1, 0, 0, 0},    // a query at the limit is OK, 0 remaining
        {1, -1, 1, 0},   // one more is over
    };
    long total = s.server.metrics().rule("svc.day10").totalHits();
    for (int i = 0; i < steps.length; i++) {
      long[] st = steps[i];
      var desc = st[1] < 0 ? d("day10", "x") : hits(st[1], d("day10", "x"));
      DescriptorStatus status = only(call(s, "svc", (int) st[0], desc));
      assertThat(status.getCode()).as("step %d", i).isEqualTo(st[2] == 0 ? Code.OK : Code.OVER_LIMIT);
      assertThat(status.getLimitRemaining()).as("step %d", i).isEqualTo((int) st[3]);
      assertThat(status.getCurrentLimit().getRequestsPerUnit()).isEqualTo(10);
      total += st[1] >= 0 ? st[1] : Math.max(1, st[0]);
    }
    assertThat(s.server.metrics().rule("svc.day10").totalHits()).isEqualTo(total);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void aLimitOverrideCountsWithTheConfiguredRuleOfItsUnit(String store) throws Exception {
    Wire.awayFromWindowEnd(3600, 10);
    TestServer s = shared(store);
    for (int i = 0; i < 5; i++) {
      call(s, "svc", 1, d("day10", "o"));
    }
    // the override's limit and unit; the count is the descriptor's per-day count (theirs: the
    // cache key has no limit in it)
    DescriptorStatus st = only(call(s, "svc", 1, limit(20, RateLimitUnit.DAY, d("day10", "o"))));
    assertThat(st.getCode()).isEqualTo(Code.OK);
    assertThat(st.getCurrentLimit().getRequestsPerUnit()).isEqualTo(20);
    assertThat(st.getCurrentLimit().getUnit()).isEqualTo(Unit.DAY);
    assertThat(st.getLimitRemaining()).isEqualTo(14);
    assertThat(remaining(s, "day10", "o")).isEqualTo(4);
    // a smaller override than the count: over, nothing charged
    st = only(call(s, "svc", 1, limit(3, RateLimitUnit.DAY, d("day10", "o"))));
    assertThat(st.getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(st.getCurrentLimit().getRequestsPerUnit()).isEqualTo(3);
    assertThat(remaining(s, "day10", "o")).isEqualTo(4);
    // another unit is another counter
    st = only(call(s, "svc", 1, limit(5, RateLimitUnit.HOUR, d("day10", "o"))));
    assertThat(st.getLimitRemaining()).isEqualTo(4);
    assertThat(st.getCurrentLimit().getUnit()).isEqualTo(Unit.HOUR);
    // in a known domain the override applies to any descriptor, configured or not
    st = only(call(s, "svc", 1, limit(2, RateLimitUnit.DAY, d("nothing", "here"))));
    assertThat(st.getCurrentLimit().getRequestsPerUnit()).isEqualTo(2);
    assertThat(st.getLimitRemaining()).isEqualTo(1);
    // in an unknown domain there is no limit
    st = only(call(s, "nosuch", 1, limit(2, RateLimitUnit.DAY, d("day10", "o"))));
    assertThat(st.hasCurrentLimit()).isFalse();
    assertThat(st.getCode()).isEqualTo(Code.OK);
    // unit UNKNOWN: refused, naming the field; nothing charged
    Status failed = Wire.failure(s, request("svc", 1, limit(20, RateLimitUnit.UNKNOWN, d("day10", "o"))));
    assertThat(failed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(failed.getDescription()).contains("descriptors[0].limit.unit");
    assertThat(remaining(s, "day10", "o")).isEqualTo(4);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      // descriptor (k=v;k=v), the limit that applies (0: none)
      "nested=a;sub=x, 3",
      "nested=b, 7",            // no rule for nested_b: the key-only rule
      "nested=a, 0",            // nested_a matched, but it has no rate_limit of its own
      "nested=b;sub=x, 0",      // the key-only rule has no children: depth mismatch
      "nested=a;sub=x;more=y, 0", // deeper than the config
      "path=/api/v1, 4",        // trailing wildcard
      "path=/api/, 4",          // ... matches an empty rest
      "path=/api, 0",
      "mid=abcz, 6",            // a wildcard inside the value
      "mid=az, 6",
      "mid=abc, 0",
      "day10=, 10",             // an empty value: the key-only rule
      "unknown=x, 0",
  })
  void theLongestMatchDecidesWhichLimitApplies(String descriptor, int limit) throws Exception {
    TestServer s = shared("memory");
    String[] entries = descriptor.split(";");
    String[] kv = new String[entries.length * 2];
    for (int i = 0; i < entries.length; i++) {
      String[] e = entries[i].split("=", -1);
      kv[2 * i] = e[0];
      kv[2 * i + 1] = e[1];
    }
    DescriptorStatus st = only(call(s, "svc", 1, d(kv)));
    assertThat(st.getCode()).isEqualTo(Code.OK);
    if (limit == 0) {
      assertThat(st).isEqualTo(DescriptorStatus.newBuilder().setCode(Code.OK).build());
    } else {
      assertThat(st.getCurrentLimit().getRequestsPerUnit()).isEqualTo(limit);
      assertThat(st.getLimitRemaining()).isEqualTo(limit - 1);
    }
  }

  @Test
  void anUnknownDomainHasNoLimitAndIsCounted() throws Exception {
    TestServer s = shared("memory");
    for (int i = 0; i < 3; i++) {
      RateLimitResponse r = call(s, "elsewhere", 5, d("day10", "x"), d("k", "v"));
      assertThat(r).isEqualTo(RateLimitResponse.newBuilder().setOverallCode(Code.OK)
          .addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK))
          .addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK)).build());
    }
    // as theirs: once per descriptor looked up
    assertThat(Wire.stat(s, "ratelimit.service.domain.elsewhere.not_found")).isEqualTo(6);
  }

  @Test
  void unlimitedAnswersOkWithAllRemainingAndNoLimit() throws Exception {
    TestServer s = shared("memory");
    for (int i = 0; i < 3; i++) {
      RateLimitResponse r = call(s, "svc", 1_000_000, d("free", "x"), d("day10", "u"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT); // day10 cannot take 1,000,000
      assertThat(r.getStatuses(0)).isEqualTo(
          DescriptorStatus.newBuilder().setCode(Code.OK).setLimitRemaining(-1).build());
      assertThat(Integer.toUnsignedLong(r.getStatuses(0).getLimitRemaining())).isEqualTo(4_294_967_295L);
    }
    assertThat(only(call(s, "svc", 1, d("free", "x"))).hasCurrentLimit()).isFalse();
  }

  @Test
  void aReplacedRuleIsNotApplied() throws Exception {
    TestServer s = shared("memory");
    // alone, old allows 1 a day
    assertThat(call(s, "svc", 1, d("old", "x")).getOverallCode()).isEqualTo(Code.OK);
    assertThat(call(s, "svc", 1, d("old", "x")).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    // with new in the same request, old is replaced: no limit, nothing counted
    for (int i = 0; i < 3; i++) {
      RateLimitResponse r = call(s, "svc", 1, d("old", "x"), d("new", "y"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0)).isEqualTo(DescriptorStatus.newBuilder().setCode(Code.OK).build());
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(99 - i);
    }
    assertThat(s.server.metrics().rule("svc.old").totalHits()).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite"})
  void aLimitOfZeroDeniesEveryHitAndChargesNothingElse(String store) throws Exception {
    TestServer s = shared(store);
    for (int i = 0; i < 3; i++) {
      RateLimitResponse r = call(s, "svc", 1, d("zero", "x"), d("day10", "z"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(0);
      assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(10);
    }
    // a denied request charges none of its descriptors
    assertThat(remaining(s, "day10", "z")).isEqualTo(10);
    // theirs: every hit of a limit of 0 is over the limit (limitBeforeIncrease >= 0)
    var stats = s.server.metrics().rule("svc.zero");
    assertThat(new long[] {stats.totalHits(), stats.overLimit(), stats.nearLimit(), stats.withinLimit()})
        .containsExactly(3, 3, 0, 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void aTokenBucketRuleReportsItsCapacityAndTimeToFull(String store) throws Exception {
    TestServer s = shared(store);
    for (int i = 0; i < 5; i++) {
      DescriptorStatus st = only(call(s, "svc", 1, d("tb", "x")));
      assertThat(st.getCode()).isEqualTo(Code.OK);
      assertThat(st.getLimitRemaining()).isEqualTo(4 - i);
      // capacity 5 refilled at 5 an hour: 5 per HOUR
      assertThat(st.getCurrentLimit().getRequestsPerUnit()).isEqualTo(5);
      assertThat(st.getCurrentLimit().getUnit()).isEqualTo(Unit.HOUR);
      // full again after (i + 1) × 12 minutes
      assertThat(st.getDurationUntilReset().getSeconds()).isBetween((i + 1) * 720L - 2, (i + 1) * 720L + 1);
    }
    DescriptorStatus st = only(call(s, "svc", 1, d("tb", "x")));
    assertThat(st.getCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(st.getLimitRemaining()).isZero();
    assertThat(st.getDurationUntilReset().getSeconds()).isBetween(3598L, 3601L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis"})
  void aRuleOfSeveralPoliciesChargesThemAllOrNone(String store, @TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, store)) {
      // fixed window 4 a day, token bucket of 10
      DescriptorStatus st = only(call(s, "svc", 3, d("multi", "x")));
      assertThat(st.getCode()).isEqualTo(Code.OK);
      // the most restrictive policy is reported: the window, 1 left of 4 a DAY
      assertThat(st.getCurrentLimit().getRequestsPerUnit()).isEqualTo(4);
      assertThat(st.getCurrentLimit().getUnit()).isEqualTo(Unit.DAY);
      assertThat(st.getLimitRemaining()).isEqualTo(1);
      for (int i = 0; i < 3; i++) {
        st = only(call(s, "svc", 2, d("multi", "x")));
        assertThat(st.getCode()).isEqualTo(Code.OVER_LIMIT);
      }
      // the bucket was charged for the admitted 3 only: with the window's limit raised, it shows
      s.writeConfig("svc.yaml", CONFIG.replace("fixed-window limit=4 period=1d", "fixed-window limit=100 period=1d"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> only(call(s, "svc", 1, hits(0, d("multi", "x")))).getCurrentLimit().getRequestsPerUnit() == 10);
      assertThat(remaining(s, "multi", "x")).isEqualTo(7);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void aReloadThatChangesAPolicysKindKeepsDeciding(String store, @TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, store)) {
      assertThat(only(call(s, "svc", 1, d("tb", "k"))).getLimitRemaining()).isEqualTo(4);
      // the same rule, now a fixed window: the store holds one kind per policy name
      s.writeConfig("svc.yaml", CONFIG.replace("token-bucket capacity=5 rate=5/1h", "fixed-window limit=3 period=1d"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .until(() -> Wire.call(s, request("svc", 1, hits(0, d("tb", "probe")))).getStatuses(0)
              .getCurrentLimit().getRequestsPerUnit() == 3);
      for (int i = 0; i < 4; i++) {
        DescriptorStatus st = only(call(s, "svc", 1, d("tb", "k")));
        assertThat(st.getCode()).as("call %d", i).isEqualTo(i < 3 ? Code.OK : Code.OVER_LIMIT);
        assertThat(st.getCurrentLimit().getUnit()).isEqualTo(Unit.DAY);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite", "redis"})
  void everyValueCountsOnItsOwnLongOrNot(String store) throws Exception {
    TestServer s = shared(store);
    // values that make the store key longer than a store key may be (512): hashed, still one per value
    String long1 = "x".repeat(1000);
    String long2 = "x".repeat(999) + "y";
    String[] values = {long1, long2, "ü😀", "ü😀 ", "a;b=c", "a\\;b=c", "*", "", "a_b"};
    for (String v : values) {
      assertThat(only(call(s, "svc", 1, d("any", v))).getLimitRemaining()).as("'%s'", v).isEqualTo(1);
    }
    for (String v : values) {
      assertThat(only(call(s, "svc", 1, d("any", v))).getLimitRemaining()).as("'%s'", v).isEqualTo(0);
    }
  }
}
