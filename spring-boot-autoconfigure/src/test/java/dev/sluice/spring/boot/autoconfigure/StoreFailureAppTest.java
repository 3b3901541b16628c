package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.http.QuotaAnswer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Redis store whose server is down ({@code redis-down.yml}, a URL to a closed loopback port):
 * the operator's failure choice decides, never an exception reaching the caller.
 */
class StoreFailureAppTest {

  @ParameterizedTest
  @ValueSource(classes = {MvcApp.class, WebFluxApp.class})
  void failingClosedIs503WithRetryAfter(Class<?> type) throws Exception {
    try (Apps.App app = start(type, "closed")) {
      for (int i = 0; i < 3; i++) {
        Apps.Response r = app.get("/api/hello");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
        assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isGreaterThanOrEqualTo(1);
        assertThat(r.body()).contains("\"type\":\"" + QuotaAnswer.TYPES + "store-unavailable\"", "\"status\":503",
            "\"policy\":\"anon\"");
      }
      assertThat(app.get("/health/live").statusCode()).as("excluded: never asks the store").isEqualTo(200);
      Apps.Response health = app.get("/actuator/health/sluice");
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(health.body()).contains("\"status\":\"DOWN\"", "\"store\":\"redis\"");
    }
  }

  @ParameterizedTest
  @ValueSource(classes = {MvcApp.class, WebFluxApp.class})
  void failingOpenLetsRequestsThrough(Class<?> type) throws Exception {
    try (Apps.App app = start(type, "open")) {
      for (int i = 0; i < 3; i++) {
        Apps.Response r = app.get("/api/hello");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello");
      }
    }
  }

  private static Apps.App start(Class<?> type, String failure) throws Exception {
    return Apps.start(type, "redis-down", "redis-port=" + Apps.closedPort(), "store-failure=" + failure,
        "web-type=" + (type == MvcApp.class ? "servlet" : "reactive"));
  }
}
