package dev.sluice.spring.cloud.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.ManualClock;
import dev.sluice.Sluice;
import dev.sluice.sqlite.SqliteStore;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's model user behind a gateway, configured by the YAML that docs/http.md shows (read
 * from the page, so the page cannot drift): anonymous callers 100 requests a day by address,
 * authenticated clients a burst of 20 and 10,000 a day by id, counted in a SQLite file that
 * survives a restart of the gateway.
 */
class ModelUserGatewayTest {

  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-02T00:00:00Z"));
  private Backend backend;
  private GatewayApp app;
  private Sluice sluice;

  @BeforeEach
  void startBackend() throws Exception {
    backend = Backend.start();
  }

  @AfterEach
  void stop() {
    stopGateway();
    backend.close();
  }

  @Test
  void anonymousCallersGet100ADayAuthenticatedClientsTheirOwnQuotaAndCountsSurviveARestart() throws Exception {
    String yaml = docsYaml().replace("http://backend:8080", backend.uri());
    startGateway(yaml);

    for (int i = 1; i <= 100; i++) {
      HttpResponse<String> r = app.get("/api/orders");
      assertThat(r.statusCode()).as("anonymous request %d", i).isEqualTo(200);
    }
    HttpResponse<String> denied = app.get("/api/orders");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"anon-daily\";q=100;w=86400");
    assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"anon-daily\";r=0;t=86400");
    assertThat(denied.headers().firstValue("Retry-After")).hasValue("86400");

    // an authenticated client is unaffected, and its burst of 20 is charged with its daily quota
    for (int i = 1; i <= 20; i++) {
      assertThat(app.get("/api/orders", "X-Client-Id", "acme").statusCode()).as("acme %d", i).isEqualTo(200);
    }
    HttpResponse<String> burst = app.get("/api/orders", "X-Client-Id", "acme");
    assertThat(burst.statusCode()).isEqualTo(429);
    assertThat(burst.headers().firstValue("RateLimit-Policy").orElseThrow()).startsWith("\"client-burst\";q=20");
    clock.advance(Duration.ofSeconds(1)); // 10 tokens back
    HttpResponse<String> again = app.get("/api/orders", "X-Client-Id", "acme");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(backend.hits()).isEqualTo(121);

    // a restart keeps the counts: the file is the state
    stopGateway();
    startGateway(yaml);
    assertThat(app.get("/api/orders").statusCode()).isEqualTo(429);
    HttpResponse<String> daily = app.get("/api/orders", "X-Client-Id", "globex");
    assertThat(daily.statusCode()).isEqualTo(200);
    assertThat(daily.headers().firstValue("RateLimit").orElseThrow()).contains("\"client-burst\";r=19");
    assertThat(backend.hits()).isEqualTo(122);
  }

  /** The first YAML block of docs/http.md's Spring Cloud Gateway section. */
  static String docsYaml() throws Exception {
    String page = Files.readString(Path.of("..", "docs", "http.md"));
    int section = page.indexOf("## Spring Cloud Gateway");
    assertThat(section).as("docs/http.md has the section").isPositive();
    int start = page.indexOf("```yaml\n", section) + "```yaml\n".length();
    return page.substring(start, page.indexOf("```", start));
  }

  private void startGateway(String yaml) throws Exception {
    sluice = Sluice.builder().store(SqliteStore.open(dir.resolve("quotas.db")).clock(clock).build()).build();
    app = GatewayApp.start(dir, yaml, sluice);
  }

  private void stopGateway() {
    if (app != null) {
      app.close();
      app = null;
    }
    if (sluice != null) {
      sluice.close();
      sluice = null;
    }
  }
}
