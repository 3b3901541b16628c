package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.http.QuotaAnswer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's model user as a Spring MVC application configured from {@code model-user.yml}:
 * anonymous callers 100 a day per IP, clients 10,000 a day per id, counted in a SQLite file that
 * outlives the application.
 */
class ModelUserAppTest {

  @TempDir
  Path dir;

  @Test
  void theHundredAndFirstAnonymousRequestIsRefusedAndARestartForgetsNothing() throws Exception {
    String file = "sqlite-file=" + dir.resolve("quotas.db");
    try (Apps.App app = Apps.start(ModelUserApp.class, "model-user", file)) {
      for (int i = 1; i <= 100; i++) {
        assertThat(app.get("/api/hello").statusCode()).as("anonymous request %d", i).isEqualTo(200);
      }
      Apps.Response denied = app.get("/api/hello");
      assertThat(denied.statusCode()).isEqualTo(429);
      assertThat(denied.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
      assertThat(denied.headers().firstValue("Retry-After")).isPresent();
      assertThat(denied.body()).contains("\"status\":429", "\"policy\":\"anon-daily\"", "\"limit\":100",
          "\"used\":100", "policy 'anon-daily' denied 1 request: 100 of its limit of 100 in use");
      // a spoofed X-Forwarded-For from an untrusted peer buys nothing
      assertThat(app.get("/api/hello", "X-Forwarded-For", "203.0.113.9").statusCode()).isEqualTo(429);
      Apps.Response client = app.get("/api/hello", "X-Client-Id", "billing");
      assertThat(client.statusCode()).isEqualTo(200);
      assertThat(client.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"client-daily\";r=9999;");
      assertThat(app.get("/health/live").statusCode()).isEqualTo(200);
    }
    try (Apps.App again = Apps.start(ModelUserApp.class, "model-user", file)) {
      assertThat(again.get("/api/hello").statusCode()).as("after the restart").isEqualTo(429);
      Apps.Response client = again.get("/api/hello", "X-Client-Id", "billing");
      assertThat(client.statusCode()).isEqualTo(200);
      assertThat(client.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"client-daily\";r=9998;");
      assertThat(again.get("/health/live").statusCode()).isEqualTo(200);
    }
  }
}
