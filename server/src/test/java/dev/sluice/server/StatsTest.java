package dev.sluice.server;

import static dev.sluice.server.Wire.call;
import static dev.sluice.server.Wire.d;
import static dev.sluice.server.Wire.hits;
import static dev.sluice.server.Wire.limit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.metrics.ServerMetrics;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-rule stats (total_hits, over_limit, near_limit, within_limit, shadow_mode,
 * over_limit_with_local_cache) with envoyproxy/ratelimit's arithmetic, row by row from their unit
 * tests ({@code test/redis/fixed_cache_impl_test.go}: TestNearLimit, TestOverLimitWithLocalCache,
 * TestOverLimitWithLocalCacheShadowRule). Their mocks make the counter jump; here a row first
 * brings its counter to the "before" value of theirs with a limit override of the same unit
 * (same counter, stats of another key), then sends the row's hits.
 */
class StatsTest {

  static final String CONFIG = """
      domain: st
      descriptors:
        - key: k8
          rate_limit: {unit: day, requests_per_unit: 8}
        - key: k10
          rate_limit: {unit: day, requests_per_unit: 10}
        - key: k15
          rate_limit: {unit: day, requests_per_unit: 15}
        - key: k20
          rate_limit: {unit: day, requests_per_unit: 20}
        - key: s15
          shadow_mode: true
          rate_limit: {unit: day, requests_per_unit: 15}
      """;

  /**
   * One step: the rule, the counter before, the hits, the answer, and what each stat grows by.
   * {@code value} names the counter: rows of one value continue one counter.
   */
  record Row(String rule, String value, long before, long hits, Code code, int remaining,
      long total, long over, long near, long within, long shadow, long localCache) {}

  static Row row(String rule, String value, long before, long hits, Code code, int remaining,
      long total, long over, long near, long within) {
    return new Row(rule, value, before, hits, code, remaining, total, over, near, within, 0, 0);
  }

  @BeforeEach
  void awayFromMidnight() {
    Wire.awayFromWindowEnd(86_400, 20);
  }

  static TestServer start(Path tmp, String... env) throws Exception {
    return TestServer.start(tmp, Wire.env("memory", null, env), Map.of("st.yaml", CONFIG));
  }

  static void run(TestServer s, List<Row> rows) {
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      String at = "row " + i + " " + r;
      // bring the counter to r.before(): the override of the same unit shares the rule's counter
      DescriptorStatus now = call(s, "st", 1, hits(0, limit(1_000_000, RateLimitUnit.DAY, d(r.rule(), r.value()))))
          .getStatuses(0);
      long current = 1_000_000 - now.getLimitRemaining();
      assertThat(current).as(at + ": counter").isLessThanOrEqualTo(r.before());
      if (r.before() > current) {
        call(s, "st", 1, hits(r.before() - current, limit(1_000_000, RateLimitUnit.DAY, d(r.rule(), r.value()))));
      }
      ServerMetrics.RuleStats stats = s.server.metrics().rule("st." + r.rule());
      long[] before = snapshot(stats);
      DescriptorStatus st = call(s, "st", 1, hits(r.hits(), d(r.rule(), r.value()))).getStatuses(0);
      assertThat(st.getCode()).as(at).isEqualTo(r.code());
      assertThat(st.getLimitRemaining()).as(at).isEqualTo(r.remaining());
      long[] after = snapshot(stats);
      long[] delta = new long[after.length];
      for (int j = 0; j < delta.length; j++) {
        delta[j] = after[j] - before[j];
      }
      assertThat(delta).as(at + ": {total, over, near, within, shadow, local cache}")
          .containsExactly(r.total(), r.over(), r.near(), r.within(), r.shadow(), r.localCache());
    }
  }

  static long[] snapshot(ServerMetrics.RuleStats s) {
    return new long[] {s.totalHits(), s.overLimit(), s.nearLimit(), s.withinLimit(), s.shadowMode(),
        s.overLimitWithLocalCache()};
  }

  @Test
  void theirNearLimitTable(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp)) {
      run(s, List.of(
          // TestNearLimit, limit 15 (near from 12)
          row("k15", "a", 10, 1, Code.OK, 4, 1, 0, 0, 1),
          row("k15", "a", 12, 1, Code.OK, 2, 1, 0, 1, 1),
          row("k15", "a", 15, 1, Code.OVER_LIMIT, 0, 1, 1, 0, 0),
          // hits_addend above 1: all under the limit and under near
          row("k20", "b", 2, 3, Code.OK, 15, 3, 0, 0, 3),
          // under the limit, some over near (8 × 0.8 = 6)
          row("k8", "c", 5, 2, Code.OK, 1, 2, 0, 1, 2),
          // under the limit, all over near
          row("k20", "d", 16, 3, Code.OK, 1, 3, 0, 3, 3),
          // some over the limit, all over near
          row("k20", "e", 19, 3, Code.OVER_LIMIT, 0, 3, 2, 1, 0),
          // some in all three places
          row("k20", "f", 15, 7, Code.OVER_LIMIT, 0, 7, 2, 4, 0),
          // all over the limit (a counter above the limit: an override counted it up)
          row("k10", "g", 27, 3, Code.OVER_LIMIT, 0, 3, 3, 0, 0),
          // testRedis: 10 a unit, a fifth hit
          row("k10", "h", 4, 1, Code.OK, 5, 1, 0, 0, 1)));
    }
  }

  @Test
  void nearLimitRatioMovesTheNearThreshold(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "NEAR_LIMIT_RATIO", "0.5")) {
      run(s, List.of(
          row("k8", "a", 3, 2, Code.OK, 3, 2, 0, 1, 2),      // near from 4
          row("k10", "b", 6, 1, Code.OK, 3, 1, 0, 1, 1),     // near from 5
          row("k20", "c", 9, 3, Code.OK, 8, 3, 0, 2, 3)));   // near from 10
    }
  }

  @Test
  void theirLocalCacheTables(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "LOCAL_CACHE_SIZE_IN_BYTES", "1000000")) {
      run(s, List.of(
          // TestOverLimitWithLocalCache
          row("k15", "a", 10, 1, Code.OK, 4, 1, 0, 0, 1),
          row("k15", "a", 12, 1, Code.OK, 2, 1, 0, 1, 1),
          row("k15", "a", 15, 1, Code.OVER_LIMIT, 0, 1, 1, 0, 0),
          new Row("k15", "a", 15, 1, Code.OVER_LIMIT, 0, 1, 1, 0, 0, 0, 1),
          // TestOverLimitWithLocalCacheShadowRule: the same, answered OK
          row("s15", "a", 10, 1, Code.OK, 4, 1, 0, 0, 1),
          row("s15", "a", 12, 1, Code.OK, 2, 1, 0, 1, 1),
          new Row("s15", "a", 15, 1, Code.OK, 0, 1, 1, 0, 0, 1, 0),
          new Row("s15", "a", 15, 1, Code.OK, 0, 1, 1, 0, 0, 1, 1)));
    }
  }
}
