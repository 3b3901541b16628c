package dev.sluice.spring.cloud.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Sluice;
import dev.sluice.http.QuotaConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The way an application uses it: the Sluice Spring Boot starter and this module on the class path,
 * everything from one application.yml — the starter makes the store (SQLite here), the engine and
 * the {@link QuotaConfig}, this module's auto-configuration the {@code sluiceRateLimiter} a route's
 * {@code RequestRateLimiter} names. Counts survive a restart of the gateway on the same file.
 */
class StarterGatewayTest {

  private static Backend backend;

  @TempDir
  Path dir;

  private GatewayApp app;

  @BeforeAll
  static void backend() throws Exception {
    backend = Backend.start();
  }

  @AfterAll
  static void stopBackend() {
    backend.close();
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  private String yaml() {
    // a token bucket of 3 that refills one token an hour: no refill during the test
    return """
        sluice:
          store:
            type: sqlite
            path: %s
          policies:
            per-client: token-bucket capacity=3 rate=1/1h
        """.formatted(dir.resolve("quotas.db")) + GatewayRateLimiterTest.GATEWAY + """
                  routes:
                    - id: orders
                      uri: %s
                      predicates:
                        - Path=/orders/**
                      filters:
                        - name: RequestRateLimiter
                          args:
                            rate-limiter: "#{@sluiceRateLimiter}"
                            key-resolver: "#{@clientKeyResolver}"
                            sluice-rate-limiter.policies: [per-client]
        """.formatted(backend.uri());
  }

  @Test
  void theStartersEngineAndConfigDriveTheRouteAndCountsSurviveARestart() throws Exception {
    app = GatewayApp.startWithStarter(dir, yaml());
    // the beans are the starter's, not the test's
    assertThat(app.context().getBean(Sluice.class)).isNotNull();
    assertThat(app.context().getBean(QuotaConfig.class).policies()).containsOnlyKeys("per-client");
    int before = backend.hits();
    for (int i = 1; i <= 2; i++) {
      HttpResponse<String> r = app.get("/orders/" + i, "X-Client-Id", "acme");
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-client\";r=" + (3 - i) + ";");
    }
    app.close();
    app = GatewayApp.startWithStarter(dir, yaml()); // a restart on the same SQLite file
    assertThat(app.get("/orders/3", "X-Client-Id", "acme").statusCode()).isEqualTo(200);
    HttpResponse<String> denied = app.get("/orders/4", "X-Client-Id", "acme");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Retry-After")).isPresent();
    assertThat(denied.headers().firstValue("RateLimit")).hasValueSatisfying(v ->
        assertThat(v).startsWith("\"per-client\";r=0;"));
    // another client is unaffected
    assertThat(app.get("/orders/5", "X-Client-Id", "other").statusCode()).isEqualTo(200);
    assertThat(backend.hits() - before).isEqualTo(4);
  }
}
