package dev.sluice.server.api;

import static dev.sluice.server.api.ApiServer.header;
import static dev.sluice.server.api.ApiServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code /v1/budgets/*} over HTTP, on the memory and SQLite stores. */
class BudgetApiTest {

  static final String TYPES = CheckApiTest.TYPES;

  @TempDir
  Path tmp;

  /** The usage members every budget answer ends with, for key {@code u} of {@code daily} at the start. */
  static String usage(long used) {
    return "\"policy\":\"daily\",\"key\":\"u\",\"limit\":100,\"used\":" + used + ",\"remaining\":"
        + Math.max(0, 100 - used) + ",\"resetAfterMillis\":50400000,\"periodEnd\":\"2026-03-03T00:00:00Z\","
        + "\"storeDecided\":true}";
  }

  static String hold(String id) {
    return "{\"policy\":\"daily\",\"key\":\"u\",\"id\":\"" + id + "\"}";
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void checkRecordReserveSettleCancelUsage(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      HttpResponse<String> check = s.post("/v1/budgets/check", "{\"policy\":\"daily\",\"key\":\"u\"}");
      assertThat(check.statusCode()).isEqualTo(200);
      assertThat(check.body()).isEqualTo("{\"allowed\":true,\"cost\":1," + usage(0));
      assertThat(header(check, "RateLimit-Policy")).isEqualTo("\"daily\";q=100;w=86400");
      assertThat(header(check, "RateLimit")).isEqualTo("\"daily\";r=100;t=50400");

      HttpResponse<String> rec = s.post("/v1/budgets/record", "{\"policy\":\"daily\",\"key\":\"u\",\"cost\":30}");
      assertThat(rec.statusCode()).isEqualTo(200);
      assertThat(rec.body()).isEqualTo("{\"recorded\":30," + usage(30));
      assertThat(s.post("/v1/budgets/record", "{\"policy\":\"daily\",\"key\":\"u\",\"cost\":0}").body())
          .isEqualTo("{\"recorded\":0," + usage(30));

      HttpResponse<String> res = s.post("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"u\",\"estimate\":50}");
      assertThat(res.statusCode()).isEqualTo(200);
      String id = json(res).get("id").stringValue();
      assertThat(res.body()).isEqualTo("{\"id\":\"" + id + "\",\"estimate\":50,\"ttlMillis\":3600000,"
          + "\"expiresAt\":\"2026-03-02T11:00:00Z\"," + usage(80));

      // 80 in use with the estimate: 21 more does not fit until the reservation is gone
      HttpResponse<String> no = s.post("/v1/budgets/check", "{\"policy\":\"daily\",\"key\":\"u\",\"cost\":21}");
      assertThat(no.statusCode()).isEqualTo(429);
      assertThat(no.body()).isEqualTo("{\"type\":\"" + TYPES + "limit-exceeded\",\"title\":\"Limit exceeded\","
          + "\"status\":429,\"detail\":\"policy 'daily' denied key 'u' a cost of 21: 80 of its limit of 100 in use,"
          + " 20 remaining; retry after 3600 s\",\"policy\":\"daily\",\"key\":\"u\",\"limit\":100,\"used\":80,"
          + "\"remaining\":20,\"retryAfterSeconds\":3600,\"cost\":21}");
      assertThat(header(no, "Retry-After")).isEqualTo("3600");

      HttpResponse<String> settle = s.post("/v1/budgets/settle",
          "{\"policy\":\"daily\",\"key\":\"u\",\"id\":\"" + id + "\",\"actual\":10}");
      assertThat(settle.statusCode()).isEqualTo(200);
      assertThat(settle.body()).isEqualTo("{\"settled\":\"" + id + "\",\"actual\":10," + usage(40));
      // settled once: a second settle is refused and charges nothing
      HttpResponse<String> twice = s.post("/v1/budgets/settle",
          "{\"policy\":\"daily\",\"key\":\"u\",\"id\":\"" + id + "\",\"actual\":10}");
      assertThat(twice.statusCode()).isEqualTo(404);
      assertThat(json(twice).get("type").stringValue()).isEqualTo(TYPES + "not-held");
      assertThat(s.state("daily", "u").used()).isEqualTo(40);

      String other = json(s.post("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"u\",\"estimate\":10}"))
          .get("id").stringValue();
      HttpResponse<String> cancel = s.post("/v1/budgets/cancel", hold(other));
      assertThat(cancel.statusCode()).isEqualTo(200);
      assertThat(cancel.body()).isEqualTo("{\"cancelled\":\"" + other + "\"," + usage(40));
      assertThat(s.post("/v1/budgets/cancel", hold(other)).statusCode()).isEqualTo(404);

      HttpResponse<String> u = s.post("/v1/budgets/usage", "{\"policy\":\"daily\",\"key\":\"u\"}");
      assertThat(u.statusCode()).isEqualTo(200);
      assertThat(u.body()).isEqualTo("{" + usage(40));
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void recordGoesPastTheBudgetAndReserveIsRefusedThen(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      assertThat(s.post("/v1/budgets/record", "{\"policy\":\"daily\",\"key\":\"u\",\"cost\":150}").body())
          .isEqualTo("{\"recorded\":150," + usage(150));
      HttpResponse<String> res = s.post("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"u\",\"estimate\":1}");
      assertThat(res.statusCode()).isEqualTo(429);
      assertThat(header(res, "Retry-After")).isEqualTo("50400");
      assertThat(json(res).get("estimate").longValue()).isEqualTo(1);
      HttpResponse<String> big = s.post("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"v\",\"estimate\":101}");
      assertThat(big.statusCode()).isEqualTo(422);
      assertThat(header(big, "Retry-After")).isNull();
      assertThat(s.state("daily", "v").used()).isZero();

      // the next period forgives the overshoot
      s.clock.advance(Duration.ofHours(14));
      assertThat(s.post("/v1/budgets/check", "{\"policy\":\"daily\",\"key\":\"u\"}").statusCode()).isEqualTo(200);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void anExpiredReservationIsNotHeldAndSettlingItChargesNothing(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      String id = json(s.post("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"u\",\"estimate\":60}"))
          .get("id").stringValue();
      s.clock.advance(Duration.ofMinutes(61));
      HttpResponse<String> r = s.post("/v1/budgets/settle",
          "{\"policy\":\"daily\",\"key\":\"u\",\"id\":\"" + id + "\",\"actual\":5}");
      assertThat(r.statusCode()).isEqualTo(404);
      assertThat(r.body()).isEqualTo("{\"type\":\"" + TYPES + "not-held\",\"title\":\"Not held\",\"status\":404,"
          + "\"detail\":\"no reservation " + id + " is held on key 'u' of policy 'daily': it was never granted, or"
          + " was already released, settled or cancelled, or expired\",\"field\":\"id\",\"value\":\"" + id + "\","
          + "\"policy\":\"daily\",\"key\":\"u\"}");
      assertThat(s.state("daily", "u").used()).isZero();
      // an id never handed out is the same
      assertThat(s.post("/v1/budgets/settle",
          "{\"policy\":\"daily\",\"key\":\"u\",\"id\":\"0123456789abcdef\",\"actual\":5}").statusCode()).isEqualTo(404);
      assertThat(s.state("daily", "u").used()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void aStoreThatCannotDecideIs503OnEveryBudgetRoute(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      String id = json(s.post("/v1/budgets/reserve", "{\"policy\":\"daily\",\"key\":\"u\",\"estimate\":5}"))
          .get("id").stringValue();
      s.store.failing = true;
      String[][] calls = {
          {"check", "{\"policy\":\"daily\",\"key\":\"u\"}"},
          {"record", "{\"policy\":\"daily\",\"key\":\"u\",\"cost\":3}"},
          {"reserve", "{\"policy\":\"daily\",\"key\":\"u\",\"estimate\":3}"},
          {"settle", "{\"policy\":\"daily\",\"key\":\"u\",\"id\":\"" + id + "\",\"actual\":3}"},
          {"cancel", hold(id)},
          {"usage", "{\"policy\":\"daily\",\"key\":\"u\"}"}};
      for (String[] c : calls) {
        HttpResponse<String> r = s.post("/v1/budgets/" + c[0], c[1]);
        assertThat(r.statusCode()).as(c[0]).isEqualTo(503);
        assertThat(header(r, "content-type")).isEqualTo("application/problem+json");
        assertThat(header(r, "Retry-After")).as(c[0]).isEqualTo("3");
        assertThat(json(r).get("type").stringValue()).isEqualTo(TYPES + "store-unavailable");
      }
      s.store.failing = false;
      assertThat(s.state("daily", "u").used()).isEqualTo(5);
    }
  }
}
