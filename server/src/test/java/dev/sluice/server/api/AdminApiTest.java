package dev.sluice.server.api;

import static dev.sluice.server.api.ApiServer.header;
import static dev.sluice.server.api.ApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.PolicyText;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * The admin API on the debug listener: listing, inspecting and resetting, for named policies and
 * envoy descriptors, on the memory and SQLite stores; every reset logged. (The token rules:
 * {@link AdminAccessTest}.)
 */
class AdminApiTest {

  static final String TYPES = CheckApiTest.TYPES;

  @TempDir
  Path tmp;

  private final Logger log = Logger.getLogger(AdminRoutes.class.getName());
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logged.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private Level level;

  @BeforeEach
  void captureLog() {
    level = log.getLevel();
    log.setLevel(Level.INFO);
    log.addHandler(capture);
  }

  @AfterEach
  void restoreLog() {
    log.removeHandler(capture);
    log.setLevel(level);
  }

  private List<String> infos() {
    return logged.stream().filter(r -> r.getLevel() == Level.INFO).map(LogRecord::getMessage).toList();
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void listsPoliciesAndDomains(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      HttpResponse<String> p = s.admin("GET", "/v1/admin/policies", null, null);
      assertThat(p.statusCode()).isEqualTo(200);
      assertThat(header(p, "content-type")).isEqualTo("application/json");
      StringBuilder want = new StringBuilder("{\"policies\":[");
      String[][] rows = {{"api", "rate", "5"}, {"burst", "rate", "3"}, {"daily", "budget", "100"},
          {"jobs", "concurrency", "2"}};
      for (int i = 0; i < rows.length; i++) {
        want.append(i == 0 ? "" : ",").append("{\"name\":\"").append(rows[i][0]).append("\",\"kind\":\"")
            .append(rows[i][1]).append("\",\"spec\":\"").append(PolicyText.format(s.policy(rows[i][0])))
            .append("\",\"limit\":").append(rows[i][2]).append('}');
      }
      assertThat(p.body()).isEqualTo(want.append("]}").toString());
      assertThat(p.body()).contains("\"spec\":\"fixed-window limit=5 period=1m\"");

      HttpResponse<String> d = s.admin("GET", "/v1/admin/domains", null, null);
      assertThat(d.statusCode()).isEqualTo(200);
      assertThat(d.body()).isEqualTo("{\"domains\":[\"shop\"]}");
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void inspectsAndResetsANamedPolicysKeyAndLogsTheReset(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      s.post("/v1/check", "{\"key\":\"user\\n42\",\"policies\":[\"api\"],\"cost\":2}");
      String body = "{\"policy\":\"api\",\"key\":\"user\\n42\"}";

      HttpResponse<String> i = s.admin("POST", "/v1/admin/policies/inspect", body, null);
      assertThat(i.statusCode()).isEqualTo(200);
      assertThat(i.body()).isEqualTo("{\"name\":\"api\",\"kind\":\"rate\",\"spec\":\"fixed-window limit=5 period=1m\","
          + "\"limit\":5,\"key\":\"user\\n42\",\"used\":2,\"remaining\":3,\"resetAfterMillis\":60000}");
      assertThat(infos()).isEmpty(); // inspecting changes nothing and is not logged

      HttpResponse<String> r = s.admin("POST", "/v1/admin/policies/reset", body, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"reset\":true,\"policy\":\"api\",\"key\":\"user\\n42\"}");
      assertThat(s.state("api", "user\n42").used()).isZero();
      assertThat(infos()).singleElement().asString()
          .matches("admin reset by 127\\.0\\.0\\.1:\\d+: policy 'api' key 'user\\\\u000A42'");

      HttpResponse<String> unknown = s.admin("POST", "/v1/admin/policies/reset",
          "{\"policy\":\"nope\",\"key\":\"k\"}", null);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(json(unknown).get("type").stringValue()).isEqualTo(TYPES + "unknown-policy");
      assertThat(infos()).hasSize(1);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void leasesAndBudgetsAreInspectedAndResetToo(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\",\"slots\":2}");
      s.post("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"u\",\"estimate\":40}");
      JsonNode jobs = json(s.admin("POST", "/v1/admin/policies/inspect", "{\"policy\":\"jobs\",\"key\":\"u\"}", null));
      assertThat(jobs.get("used").longValue()).isEqualTo(2);
      JsonNode daily = json(s.admin("POST", "/v1/admin/policies/inspect", "{\"policy\":\"daily\",\"key\":\"u\"}", null));
      assertThat(daily.get("used").longValue()).isEqualTo(40);

      s.admin("POST", "/v1/admin/policies/reset", "{\"policy\":\"jobs\",\"key\":\"u\"}", null);
      s.admin("POST", "/v1/admin/policies/reset", "{\"policy\":\"daily\",\"key\":\"u\"}", null);
      assertThat(s.state("jobs", "u").used()).isZero();
      assertThat(s.state("daily", "u").used()).isZero();
      assertThat(infos()).hasSize(2);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void inspectsAndResetsAnEnvoyDescriptor(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      for (int i = 0; i < 2; i++) {
        RateLimitResponse r = s.service.shouldRateLimit(request("user", "alice"));
        assertThat(r.getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);
      }
      String body = "{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"user\",\"value\":\"alice\"}]}";
      String fullKey = s.config.lookup("shop", List.of(Map.entry("user", "alice"))).fullKey();

      HttpResponse<String> i = s.admin("POST", "/v1/admin/domains/inspect", body, null);
      assertThat(i.statusCode()).isEqualTo(200);
      JsonNode in = json(i);
      String storeKey = in.get("storeKey").stringValue();
      assertThat(i.body()).isEqualTo("{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"user\",\"value\":\"alice\"}],"
          + "\"rule\":{\"fullKey\":\"" + fullKey + "\",\"unlimited\":false,\"unit\":\"MINUTE\",\"requestsPerUnit\":3,"
          + "\"shadowMode\":false,\"quotaMode\":false},\"storeKey\":\"" + storeKey + "\",\"counters\":[{"
          + "\"policy\":\"envoy-minute\",\"spec\":\"fixed-window limit=3 period=1m\",\"limit\":3,\"used\":2,"
          + "\"remaining\":1,\"resetAfterMillis\":60000}]}");

      HttpResponse<String> r = s.admin("POST", "/v1/admin/domains/reset", body, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).get("reset").booleanValue()).isTrue();
      assertThat(json(r).get("storeKey").stringValue()).isEqualTo(storeKey);
      assertThat(json(s.admin("POST", "/v1/admin/domains/inspect", body, null)).get("counters").get(0).get("used")
          .longValue()).isZero();
      assertThat(infos()).singleElement().asString()
          .matches("admin reset by 127\\.0\\.0\\.1:\\d+: domain 'shop' descriptor '\\[user=alice\\]' \\(rule '"
              + fullKey.replace(".", "\\.") + "'\\)");
      for (int k = 0; k < 3; k++) {
        assertThat(s.service.shouldRateLimit(request("user", "alice")).getOverallCode())
            .isEqualTo(RateLimitResponse.Code.OK);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void descriptorsWithoutCountersOrRules(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      String free = "{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"free\"}]}";
      JsonNode in = json(s.admin("POST", "/v1/admin/domains/inspect", free, null));
      assertThat(in.get("rule").get("unlimited").booleanValue()).isTrue();
      assertThat(in.get("counters").isEmpty()).isTrue();
      assertThat(json(s.admin("POST", "/v1/admin/domains/reset", free, null)).get("reset").booleanValue()).isFalse();

      HttpResponse<String> noDomain = s.admin("POST", "/v1/admin/domains/inspect",
          "{\"domain\":\"nope\",\"descriptor\":[{\"key\":\"user\",\"value\":\"a\"}]}", null);
      assertThat(noDomain.statusCode()).isEqualTo(404);
      assertThat(noDomain.body()).isEqualTo("{\"type\":\"" + TYPES + "unknown-domain\",\"title\":\"Unknown domain\","
          + "\"status\":404,\"detail\":\"field 'domain' names domain 'nope', which the config does not have; its"
          + " domains are shop\",\"field\":\"domain\",\"value\":\"nope\"}");

      HttpResponse<String> noRule = s.admin("POST", "/v1/admin/domains/reset",
          "{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"other\",\"value\":\"a\"}]}", null);
      assertThat(noRule.statusCode()).isEqualTo(404);
      assertThat(noRule.body()).isEqualTo("{\"type\":\"" + TYPES + "no-rule\",\"title\":\"No rule for this descriptor\","
          + "\"status\":404,\"detail\":\"descriptor [other=a] matches no rule with a limit in domain 'shop'\","
          + "\"field\":\"descriptor\",\"value\":[{\"key\":\"other\",\"value\":\"a\"}]}");

      HttpResponse<String> bad = s.admin("POST", "/v1/admin/domains/inspect",
          "{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"user\",\"valu\":\"a\"}]}", null);
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(json(bad).get("field").stringValue()).isEqualTo("descriptor[0].valu");
      assertThat(infos()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void aStoreThatCannotDecideIs503(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      s.store.failing = true;
      for (String path : new String[] {"/v1/admin/policies/inspect", "/v1/admin/policies/reset"}) {
        HttpResponse<String> r = s.admin("POST", path, "{\"policy\":\"api\",\"key\":\"k\"}", null);
        assertThat(r.statusCode()).as(path).isEqualTo(503);
        assertThat(header(r, "Retry-After")).isEqualTo("3");
      }
      HttpResponse<String> r = s.admin("POST", "/v1/admin/domains/inspect",
          "{\"domain\":\"shop\",\"descriptor\":[{\"key\":\"user\",\"value\":\"a\"}]}", null);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(infos()).isEmpty();
    }
  }

  static RateLimitRequest request(String key, String value) {
    return RateLimitRequest.newBuilder().setDomain("shop").addDescriptors(RateLimitDescriptor.newBuilder()
        .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value))).build();
  }
}
