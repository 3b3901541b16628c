package dev.sluice.server;

import static dev.sluice.server.Wire.call;
import static dev.sluice.server.Wire.d;
import static dev.sluice.server.Wire.hits;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow mode (per rule and {@code SHADOW_MODE}), quota mode (per rule and {@code QUOTA_MODE}),
 * the response headers ({@code LIMIT_RESPONSE_HEADERS_ENABLED} with their names) and the dynamic
 * metadata ({@code RESPONSE_DYNAMIC_METADATA}), as envoyproxy/ratelimit's service tests expect
 * them, through a real gRPC socket.
 */
class HeadersAndShadowTest {

  static final String CONFIG = """
      domain: hs
      descriptors:
        - key: r
          rate_limit: {unit: day, requests_per_unit: 10}
        - key: r2
          rate_limit: {unit: day, requests_per_unit: 2}
        - key: r3
          rate_limit: {unit: day, requests_per_unit: 3}
        - key: shadow
          shadow_mode: true
          rate_limit: {unit: day, requests_per_unit: 2}
        - key: q
          quota_mode: true
          rate_limit: {unit: day, requests_per_unit: 1}
        - key: qs
          quota_mode: true
          shadow_mode: true
          rate_limit: {unit: day, requests_per_unit: 1}
        - key: m
          rate_limit: {unit: minute, requests_per_unit: 5}
        - key: free
          rate_limit: {unlimited: true}
        - key: meta1
          metadata: {name: service_1, nested: {a: 1}}
          rate_limit: {unit: day, requests_per_unit: 5}
        - key: meta2
          metadata: {name: service_2, other: x, nested: {a: 2, b: true}}
          rate_limit: {unit: day, requests_per_unit: 1}
      """;

  @BeforeEach
  void awayFromMidnight() {
    Wire.awayFromWindowEnd(86_400, 20);
  }

  static TestServer start(Path tmp, String... env) throws Exception {
    return TestServer.start(tmp, Wire.env("memory", null, env), Map.of("hs.yaml", CONFIG));
  }

  static int remaining(TestServer s, String... descriptor) {
    return call(s, "hs", 1, hits(0, d(descriptor))).getStatuses(0).getLimitRemaining();
  }

  static Map<String, String> headers(RateLimitResponse r) {
    Map<String, String> h = new LinkedHashMap<>();
    for (HeaderValue v : r.getResponseHeadersToAddList()) {
      h.put(v.getKey(), v.getValue());
    }
    return h;
  }

  @Test
  void aShadowRuleOverItsLimitAnswersOkAndIsCounted(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp)) {
      for (int i = 0; i < 2; i++) {
        assertThat(call(s, "hs", 1, d("shadow", "x")).getStatuses(0).getLimitRemaining()).isEqualTo(1 - i);
      }
      for (int i = 0; i < 3; i++) {
        RateLimitResponse r = call(s, "hs", 1, d("shadow", "x"), d("r", "x"));
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getLimitRemaining()).isZero();
        assertThat(r.getStatuses(0).getCurrentLimit().getRequestsPerUnit()).isEqualTo(2);
        // the enforcing descriptor beside it is charged: the request was admitted
        assertThat(r.getStatuses(1).getLimitRemaining()).isEqualTo(9 - i);
      }
      var stats = s.server.metrics().rule("hs.shadow");
      assertThat(stats.shadowMode()).isEqualTo(3);
      assertThat(stats.overLimit()).isEqualTo(3);
      assertThat(stats.totalHits()).isEqualTo(5);
    }
  }

  @Test
  void globalShadowModeAnswersOkButReportsOverLimit(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "SHADOW_MODE", "true")) {
      call(s, "hs", 2, d("r2", "x"));
      for (int i = 0; i < 3; i++) {
        RateLimitResponse r = call(s, "hs", 1, d("r2", "x"), d("r", "x"));
        assertThat(r.getOverallCode()).isEqualTo(Code.OK);
        assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
        assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OK);
      }
      assertThat(s.server.metrics().counted("global_shadow_mode")).isEqualTo(3);
      // what enforcement would have done: the denied requests charged nothing
      assertThat(remaining(s, "r", "x")).isEqualTo(10);
    }
  }

  @Test
  void quotaModeIsOverOnlyWhenEveryQuotaDescriptorIsOver(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp)) {
      // both quota descriptors have room: OK, both charged
      RateLimitResponse r = call(s, "hs", 1, d("q", "a"), d("q", "b"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(remaining(s, "q", "a")).isZero();
      assertThat(remaining(s, "q", "b")).isZero();
      // one over, one with room: OK overall, the over one reported OVER_LIMIT, the other charged
      r = call(s, "hs", 1, d("q", "a"), d("q", "c"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OK);
      assertThat(remaining(s, "q", "c")).isZero();
      // every quota descriptor over: OVER_LIMIT
      r = call(s, "hs", 1, d("q", "a"), d("q", "b"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      // ... even beside a rate limit with room, which is then not charged (a denied request charges nothing)
      r = call(s, "hs", 1, d("r", "q"), d("q", "a"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OK);
      assertThat(remaining(s, "r", "q")).isEqualTo(10);
      // a quota descriptor that is also in shadow mode is never over: the request passes
      call(s, "hs", 1, d("qs", "a"));
      r = call(s, "hs", 1, d("q", "a"), d("qs", "a"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(1).getCode()).isEqualTo(Code.OK);
      // a rate limit over its limit denies, quota or not
      call(s, "hs", 2, d("r2", "q"));
      r = call(s, "hs", 1, d("r2", "q"), d("q", "d"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(remaining(s, "q", "d")).isEqualTo(1);
    }
  }

  @Test
  void globalQuotaModeMakesEveryDescriptorAQuotaDescriptor(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "QUOTA_MODE", "true")) {
      call(s, "hs", 2, d("r2", "x"));
      RateLimitResponse r = call(s, "hs", 1, d("r2", "x"), d("r", "x"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      assertThat(r.getStatuses(0).getCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(remaining(s, "r", "x")).isEqualTo(9);
      assertThat(call(s, "hs", 1, d("r2", "x")).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      // as theirs: a descriptor without a limit counts as a quota descriptor that passed
      assertThat(call(s, "hs", 1, d("r2", "x"), d("nolimit", "x")).getOverallCode()).isEqualTo(Code.OK);
    }
  }

  @Test
  void headersAreOffUnlessEnabled(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp)) {
      assertThat(call(s, "hs", 1, d("r", "x")).getResponseHeadersToAddCount()).isZero();
    }
  }

  @Test
  void headersDescribeTheDescriptorClosestToItsLimitOrTheOneOver(@TempDir Path tmp) throws Exception {
    Wire.awayFromWindowEnd(60, 5);
    try (TestServer s = start(tmp, "LIMIT_RESPONSE_HEADERS_ENABLED", "true", "LIMIT_LIMIT_HEADER", "A-Limit",
        "LIMIT_REMAINING_HEADER", "A-Remaining", "LIMIT_RESET_HEADER", "A-Reset")) {
      // one descriptor: its limit, what remains, seconds to the end of its window (theirs: unit - now % unit)
      RateLimitResponse r = call(s, "hs", 1, d("m", "x"));
      long now = System.currentTimeMillis() / 1000;
      Map<String, String> h = headers(r);
      assertThat(h.keySet()).containsExactly("A-Limit", "A-Remaining", "A-Reset");
      assertThat(h.get("A-Limit")).isEqualTo("5");
      assertThat(h.get("A-Remaining")).isEqualTo("4");
      assertThat(Long.parseLong(h.get("A-Reset"))).isBetween(60 - now % 60 - 1, 60 - now % 60 + 1);
      // the descriptor with the least remaining
      r = call(s, "hs", 1, d("r", "y"), d("m", "x"), d("free", "x"));
      assertThat(headers(r)).containsEntry("A-Limit", "5").containsEntry("A-Remaining", "3");
      // an over-limit descriptor wins over one with nothing remaining (a shadow rule over its limit)
      call(s, "hs", 2, d("shadow", "y"));
      call(s, "hs", 3, d("r3", "y"));
      r = call(s, "hs", 1, d("shadow", "y"), d("r3", "y"), d("r", "y"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      h = headers(r);
      assertThat(h).containsEntry("A-Limit", "3").containsEntry("A-Remaining", "0");
      assertThat(Long.parseLong(h.get("A-Reset"))).isBetween(86_400 - now % 86_400 - 2, 86_400 - now % 86_400 + 1);
      // no limit, no headers
      assertThat(call(s, "hs", 1, d("free", "x"), d("nolimit", "x")).getResponseHeadersToAddCount()).isZero();
    }
  }

  @Test
  void overHttpTheSameAnswerWith429WhenOverTheLimit(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "LIMIT_RESPONSE_HEADERS_ENABLED", "true")) {
      String body = "{\"domain\":\"hs\",\"descriptors\":[{\"entries\":[{\"key\":\"r2\",\"value\":\"h\"}]}]}";
      var ok = Wire.postJson(s, body);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("\"overallCode\":\"OK\"").contains("\"limitRemaining\":1")
          .contains("\"key\":\"RateLimit-Remaining\",\"value\":\"1\"");
      Wire.postJson(s, body);
      var over = Wire.postJson(s, body);
      assertThat(over.statusCode()).isEqualTo(429);
      assertThat(over.body()).contains("\"overallCode\":\"OVER_LIMIT\"");
      assertThat(remaining(s, "r2", "h")).isZero();
    }
  }

  @Test
  void dynamicMetadataNamesTheRequestAndMergesThePassedRulesMetadata(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "RESPONSE_DYNAMIC_METADATA", "true")) {
      RateLimitResponse r = call(s, "hs", 2, d("meta1", "a"), hits(1, d("meta2", "a")),
          Wire.limit(42, io.envoyproxy.envoy.type.v3.RateLimitUnit.HOUR, d("free", "x")));
      assertThat(r.getOverallCode()).isEqualTo(Code.OK);
      Struct expected = struct("""
          {"domain": "hs", "hitsAddend": 2,
           "descriptors": [{"entries": ["meta1=a"]}, {"entries": ["meta2=a"], "hitsAddend": 1},
                           {"entries": ["free=x"], "limit": "requests_per_unit:42 unit:HOUR"}],
           "metadata": {"name": "service_1", "nested": {"a": 1, "b": true}, "other": "x"}}""");
      assertThat(r.getDynamicMetadata()).isEqualTo(expected);
      // meta2 is over: only the passed descriptors' metadata
      r = call(s, "hs", 0, d("meta1", "a"), d("meta2", "a"));
      assertThat(r.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
      assertThat(r.getDynamicMetadata()).isEqualTo(struct("""
          {"domain": "hs", "descriptors": [{"entries": ["meta1=a"]}, {"entries": ["meta2=a"]}],
           "metadata": {"name": "service_1", "nested": {"a": 1}}}"""));
    }
    try (TestServer s = start(tmp.resolve("off"))) {
      assertThat(call(s, "hs", 1, d("meta1", "a")).hasDynamicMetadata()).isFalse();
    }
  }

  static Struct struct(String json) throws Exception {
    Struct.Builder b = Struct.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(json, b);
    return b.build();
  }
}
