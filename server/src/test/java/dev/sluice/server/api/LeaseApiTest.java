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
import tools.jackson.databind.JsonNode;

/** {@code /v1/leases/acquire|renew|release} over HTTP, on the memory and SQLite stores. */
class LeaseApiTest {

  static final String TYPES = CheckApiTest.TYPES;

  @TempDir
  Path tmp;

  static String leaseBody(String id) {
    return "{\"policy\":\"jobs\",\"key\":\"u\",\"id\":\"" + id + "\"}";
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void acquireRenewRelease(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      HttpResponse<String> a = s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\"}");
      assertThat(a.statusCode()).isEqualTo(200);
      JsonNode lease = json(a);
      String id = lease.get("id").stringValue();
      assertThat(id).matches("[0-9a-f]{16}");
      assertThat(a.body()).isEqualTo("{\"id\":\"" + id + "\",\"policy\":\"jobs\",\"key\":\"u\",\"ttlMillis\":600000,"
          + "\"expiresAt\":\"2026-03-02T10:10:00Z\",\"slots\":1,\"limit\":2,\"held\":1,\"remaining\":1,"
          + "\"storeDecided\":true}");
      assertThat(header(a, "RateLimit-Policy")).isEqualTo("\"jobs\";q=2");
      assertThat(header(a, "RateLimit")).isEqualTo("\"jobs\";r=1;t=600");

      s.clock.advance(Duration.ofMinutes(5));
      HttpResponse<String> r = s.post("/v1/leases/renew", leaseBody(id));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"id\":\"" + id + "\",\"policy\":\"jobs\",\"key\":\"u\",\"ttlMillis\":600000,"
          + "\"expiresAt\":\"2026-03-02T10:15:00Z\",\"limit\":2,\"held\":1,\"remaining\":1,\"storeDecided\":true}");

      HttpResponse<String> rel = s.post("/v1/leases/release", leaseBody(id));
      assertThat(rel.statusCode()).isEqualTo(200);
      assertThat(rel.body()).isEqualTo("{\"released\":true,\"id\":\"" + id + "\",\"policy\":\"jobs\",\"key\":\"u\","
          + "\"limit\":2,\"held\":0,\"remaining\":2,\"storeDecided\":true}");
      assertThat(s.state("jobs", "u").used()).isZero();

      // gone now: release and renew both say so, and change nothing
      HttpResponse<String> again = s.post("/v1/leases/release", leaseBody(id));
      assertThat(again.statusCode()).isEqualTo(404);
      assertThat(header(again, "content-type")).isEqualTo("application/problem+json");
      assertThat(again.body()).isEqualTo("{\"type\":\"" + TYPES + "not-held\",\"title\":\"Not held\",\"status\":404,"
          + "\"detail\":\"no lease " + id + " is held on key 'u' of policy 'jobs': it was never granted, or was"
          + " already released, settled or cancelled, or expired\",\"field\":\"id\",\"value\":\"" + id + "\","
          + "\"policy\":\"jobs\",\"key\":\"u\"}");
      assertThat(s.post("/v1/leases/renew", leaseBody(id)).statusCode()).isEqualTo(404);
      assertThat(s.state("jobs", "u").used()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void fullSlotsAre429UntilTheEarliestLeaseExpires(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      String first = json(s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\"}")).get("id").stringValue();
      s.clock.advance(Duration.ofMinutes(1));
      assertThat(s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\"}").statusCode()).isEqualTo(200);

      HttpResponse<String> full = s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\"}");
      assertThat(full.statusCode()).isEqualTo(429);
      assertThat(full.body()).isEqualTo("{\"type\":\"" + TYPES + "limit-exceeded\",\"title\":\"Limit exceeded\","
          + "\"status\":429,\"detail\":\"policy 'jobs' denied key 'u' 1 slot: 2 of its limit of 2 in use, 0 remaining;"
          + " retry after 540 s\",\"policy\":\"jobs\",\"key\":\"u\",\"limit\":2,\"used\":2,\"remaining\":0,"
          + "\"retryAfterSeconds\":540,\"slots\":1}");
      assertThat(header(full, "Retry-After")).isEqualTo("540");
      assertThat(header(full, "RateLimit")).isEqualTo("\"jobs\";r=0;t=600");

      HttpResponse<String> tooMany = s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"v\",\"slots\":3}");
      assertThat(tooMany.statusCode()).isEqualTo(422);
      assertThat(json(tooMany).get("detail").stringValue())
          .isEqualTo("policy 'jobs' can never admit 3 slots for key 'v': that is more than its limit of 2;"
              + " nothing was charged");

      // the first lease expires unrenewed: its slot is free, and it is not held any more
      s.clock.advance(Duration.ofMinutes(9));
      assertThat(s.post("/v1/leases/renew", leaseBody(first)).statusCode()).isEqualTo(404);
      HttpResponse<String> next = s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\"}");
      assertThat(next.statusCode()).isEqualTo(200);
      assertThat(json(next).get("held").longValue()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiServer.Kind.class)
  void aStoreThatCannotDecideIs503OnEveryLeaseRoute(ApiServer.Kind kind) throws Exception {
    try (ApiServer s = ApiServer.start(kind, tmp)) {
      String id = json(s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\"}")).get("id").stringValue();
      s.store.failing = true;
      HttpResponse<String> a = s.post("/v1/leases/acquire", "{\"policy\":\"jobs\",\"key\":\"u\"}");
      assertThat(a.statusCode()).isEqualTo(503);
      assertThat(header(a, "Retry-After")).isEqualTo("3");
      assertThat(json(a).get("detail").stringValue()).isEqualTo("the store could not decide on 1 slot for key 'u'"
          + " of policy 'jobs'; nothing was charged; retry after 3 s");
      for (String route : new String[] {"renew", "release"}) {
        HttpResponse<String> r = s.post("/v1/leases/" + route, leaseBody(id));
        assertThat(r.statusCode()).as(route).isEqualTo(503);
        assertThat(header(r, "content-type")).isEqualTo("application/problem+json");
        assertThat(header(r, "Retry-After")).isEqualTo("3");
        assertThat(json(r).get("type").stringValue()).isEqualTo(TYPES + "store-unavailable");
      }
      s.store.failing = false;
      assertThat(s.state("jobs", "u").used()).isEqualTo(1);
      assertThat(s.post("/v1/leases/release", leaseBody(id)).statusCode()).isEqualTo(200);
    }
  }
}
