package dev.sluice.server.api;

import static dev.sluice.server.api.ApiServer.header;
import static dev.sluice.server.api.ApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.server.http.HttpListener;
import dev.sluice.server.http.Options;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.Store;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/check} and {@code /v1/check/peek} over HTTP, on the memory and SQLite stores. */
class CheckApiTest {

  static final String TYPES = "https://github.com/sluice-ratelimit/sluice/blob/main/docs/http-api.md#";

  @TempDir
  Path tmp;

  static String apiAllowed(int used, int remaining) {
    return "{\"policy\":\"api\",\"kind\":\"rate\",\"allowed\":true,\"reason\":\"allowed\",\"limit\":5,\"used\":" + used
        + ",\"remaining\":" + remaining + ",\"resetAfterMillis\":60000,\"retryAfterMillis\":0,\"storeDecided\":true}";
  }

  static String dailyAllowed(int used, int remaining) {
    return "{\"policy\":\"daily\",\"kind\":\"budget\",\"allowed\":true,\"reason\":\"allowed\",\"limit\":100,\"used\":"
        + used + ",\"remaining\":" + remaining
        + ",\"resetAfterMillis\":50400000,\"retryAfterMillis\":0,\"storeDecided\":true}";
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void anAdmittedCheckChargesEveryPolicyAndSaysSoInBodyAndHeaders(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      HttpResponse<String> r = s.post("/v1/check", "{\"key\":\"user-42\",\"policies\":[\"api\",\"daily\"],\"cost\":1}");

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "content-type")).isEqualTo("application/json");
      assertThat(r.body()).isEqualTo("{\"allowed\":true,\"key\":\"user-42\",\"cost\":1,\"decidedBy\":\"api\",\"policies\":["
          + apiAllowed(1, 4) + "," + dailyAllowed(1, 99) + "]}");
      assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"api\";q=5;w=60, \"daily\";q=100;w=86400");
      assertThat(header(r, "RateLimit")).isEqualTo("\"api\";r=4;t=60, \"daily\";r=99;t=50400");
      assertThat(header(r, "X-RateLimit-Limit")).isEqualTo("5");
      assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("4");
      assertThat(header(r, "X-RateLimit-Reset")).isEqualTo("60");
      assertThat(header(r, "Retry-After")).isNull();
      assertThat(s.state("api", "user-42").used()).isEqualTo(1);
      assertThat(s.state("daily", "user-42").used()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void aDeniedCheckIs429ProblemJsonAndChargesNoPolicy(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      for (int i = 0; i < 5; i++) {
        assertThat(s.post("/v1/check", "{\"key\":\"user-42\",\"policies\":[\"api\"]}").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> r = s.post("/v1/check", "{\"key\":\"user-42\",\"policies\":[\"daily\",\"api\"]}");

      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(header(r, "content-type")).isEqualTo("application/problem+json");
      assertThat(r.body()).isEqualTo("{\"type\":\"" + TYPES + "limit-exceeded\",\"title\":\"Limit exceeded\","
          + "\"status\":429,\"detail\":\"policy 'api' denied key 'user-42' a cost of 1: 5 of its limit of 5 in use,"
          + " 0 remaining; retry after 60 s\",\"policy\":\"api\",\"key\":\"user-42\",\"limit\":5,\"used\":5,"
          + "\"remaining\":0,\"retryAfterSeconds\":60,\"cost\":1,\"policies\":[" + dailyAllowed(1, 99) + ","
          + "{\"policy\":\"api\",\"kind\":\"rate\",\"allowed\":false,\"reason\":\"limited\",\"limit\":5,\"used\":5,"
          + "\"remaining\":0,\"resetAfterMillis\":60000,\"retryAfterMillis\":60000,\"storeDecided\":true}]}");
      assertThat(header(r, "Retry-After")).isEqualTo("60");
      assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"daily\";q=100;w=86400, \"api\";q=5;w=60");
      assertThat(header(r, "RateLimit")).isEqualTo("\"daily\";r=99;t=50400, \"api\";r=0;t=60");
      assertThat(header(r, "X-RateLimit-Limit")).isEqualTo("5");
      assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo("0");
      assertThat(header(r, "X-RateLimit-Reset")).isEqualTo("60");
      // all or nothing: the budget that would have admitted was not charged
      assertThat(s.state("daily", "user-42").used()).isZero();
      assertThat(s.state("api", "user-42").used()).isEqualTo(5);

      s.clock.advance(Duration.ofSeconds(60));
      assertThat(s.post("/v1/check", "{\"key\":\"user-42\",\"policies\":[\"daily\",\"api\"]}").statusCode())
          .isEqualTo(200);
      assertThat(s.state("daily", "user-42").used()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void aBudgetThatDeniesLeavesTheRateUncharged(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      assertThat(s.post("/v1/budgets/record", "{\"policy\":\"daily\",\"key\":\"k\",\"cost\":100}").statusCode())
          .isEqualTo(200);
      HttpResponse<String> r = s.post("/v1/check", "{\"key\":\"k\",\"policies\":[\"api\",\"burst\",\"daily\"]}");

      assertThat(r.statusCode()).isEqualTo(429);
      JsonNode body = json(r);
      assertThat(body.get("policy").stringValue()).isEqualTo("daily");
      assertThat(body.get("retryAfterSeconds").longValue()).isEqualTo(14 * 3600);
      assertThat(header(r, "Retry-After")).isEqualTo("50400");
      assertThat(s.state("api", "k").used()).isZero();
      assertThat(s.state("burst", "k").used()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void aCostAboveALimitIs422WithoutRetryAfterAndChargesNothing(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      HttpResponse<String> r = s.post("/v1/check", "{\"key\":\"k\",\"policies\":[\"daily\",\"api\"],\"cost\":6}");

      assertThat(r.statusCode()).isEqualTo(422);
      assertThat(header(r, "content-type")).isEqualTo("application/problem+json");
      JsonNode body = json(r);
      assertThat(body.get("type").stringValue()).isEqualTo(TYPES + "cost-exceeds-limit");
      assertThat(body.get("detail").stringValue()).isEqualTo("policy 'api' can never admit a cost of 6 for key 'k':"
          + " that is more than its limit of 5; nothing was charged");
      assertThat(body.get("retryAfterSeconds").isNull()).isTrue();
      assertThat(header(r, "Retry-After")).isNull();
      assertThat(s.state("daily", "k").used()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void peekAnswersWhatCheckWouldAndChargesNothing(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      HttpResponse<String> ok = s.post("/v1/check/peek", "{\"key\":\"k\",\"policies\":[\"api\"],\"cost\":5}");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(json(ok).get("allowed").booleanValue()).isTrue();
      assertThat(s.state("api", "k").used()).isZero();

      s.post("/v1/check", "{\"key\":\"k\",\"policies\":[\"api\"],\"cost\":5}");
      HttpResponse<String> no = s.post("/v1/check/peek", "{\"key\":\"k\",\"policies\":[\"api\"]}");
      assertThat(no.statusCode()).isEqualTo(200);
      assertThat(no.body()).isEqualTo("{\"allowed\":false,\"key\":\"k\",\"cost\":1,\"decidedBy\":\"api\",\"policies\":["
          + "{\"policy\":\"api\",\"kind\":\"rate\",\"allowed\":false,\"reason\":\"limited\",\"limit\":5,\"used\":5,"
          + "\"remaining\":0,\"resetAfterMillis\":60000,\"retryAfterMillis\":60000,\"storeDecided\":true}]}");
      assertThat(header(no, "Retry-After")).isNull();
      assertThat(header(no, "RateLimit")).isEqualTo("\"api\";r=0;t=60");
      assertThat(s.state("api", "k").used()).isEqualTo(5);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void aStoreThatCannotDecideIs503WithRetryAfter(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      s.store.failing = true;
      for (String path : new String[] {"/v1/check", "/v1/check/peek"}) {
        HttpResponse<String> r = s.post(path, "{\"key\":\"user-42\",\"policies\":[\"api\",\"daily\"]}");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(header(r, "content-type")).isEqualTo("application/problem+json");
        assertThat(r.body()).isEqualTo("{\"type\":\"" + TYPES + "store-unavailable\",\"title\":\"Store unavailable\","
            + "\"status\":503,\"detail\":\"the store could not decide on a cost of 1 for key 'user-42' of policy 'api';"
            + " nothing was charged; retry after 3 s\",\"policy\":\"api\",\"key\":\"user-42\",\"limit\":5,\"used\":0,"
            + "\"remaining\":0,\"retryAfterSeconds\":3,\"cost\":1,\"policies\":[{\"policy\":\"api\",\"kind\":\"rate\","
            + "\"allowed\":false,\"reason\":\"store_unavailable\",\"limit\":5,\"used\":0,\"remaining\":0,"
            + "\"resetAfterMillis\":0,\"retryAfterMillis\":2500,\"storeDecided\":false}]}");
        assertThat(header(r, "Retry-After")).isEqualTo("3");
        assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"api\";q=5;w=60");
        assertThat(header(r, "RateLimit")).isNull();
        assertThat(header(r, "X-RateLimit-Remaining")).isNull();
      }
      s.store.failing = false;
      assertThat(s.state("api", "user-42").used()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void zeroCostIsAdmittedAndChargesNothing(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      HttpResponse<String> r = s.post("/v1/check", "{\"key\":\"k\",\"policies\":[\"burst\"],\"cost\":0}");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).get("policies").get(0).get("remaining").longValue()).isEqualTo(3);
      assertThat(header(r, "RateLimit-Policy")).isEqualTo("\"burst\";q=3;w=3");
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void concurrentChecksAdmitExactlyTheLimitAndChargeTheBudgetOnlyForThem(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        calls.add(s.client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + s.main.address().getPort() + "/v1/check"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"k\",\"policies\":[\"daily\",\"api\"]}"))
            .build(), HttpResponse.BodyHandlers.ofString()));
      }
      int admitted = 0;
      int denied = 0;
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        int status = c.get(30, TimeUnit.SECONDS).statusCode();
        admitted += status == 200 ? 1 : 0;
        denied += status == 429 ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(5);
      assertThat(denied).isEqualTo(19);
      assertThat(s.state("daily", "k").used()).isEqualTo(5);
    }
  }

  @Test
  void aFullInMemoryStoreIs503StoreFull() throws Exception {
    ManualClock clock = new ManualClock(ApiServer.START);
    Store store = InMemory.builder().clock(clock).maxKeys(1).build();
    Map<String, Policy> policies = Map.of("api", PolicyText.parse("api", "fixed-window limit=5 period=1m"));
    HttpListener l = HttpListener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        ApiRoutes.main(store, () -> policies), Options.builder().workerThreads(1).build());
    try {
      HttpClient client = HttpClient.newHttpClient();
      URI check = URI.create("http://127.0.0.1:" + l.address().getPort() + "/v1/check");
      HttpResponse<String> first = client.send(HttpRequest.newBuilder(check).POST(HttpRequest.BodyPublishers
          .ofString("{\"key\":\"a\",\"policies\":[\"api\"]}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(first.statusCode()).isEqualTo(200);
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(check).POST(HttpRequest.BodyPublishers
          .ofString("{\"key\":\"b\",\"policies\":[\"api\"]}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(header(r, "Retry-After")).isEqualTo("1");
      JsonNode p = json(r);
      assertThat(p.get("type").stringValue()).isEqualTo(TYPES + "store-full");
      assertThat(p.get("detail").stringValue()).isEqualTo("the store holds as many keys as it may, and key 'b' is"
          + " new to policy 'api'; nothing was charged; retry after 1 s");
    } finally {
      l.close();
      store.close();
    }
  }
}
