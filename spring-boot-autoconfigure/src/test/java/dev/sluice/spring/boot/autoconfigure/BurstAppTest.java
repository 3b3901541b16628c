package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16's promise under load: a Spring MVC application configured only from its YAML ({@code
 * burst.yml} on the default store, memory; {@code burst-sqlite.yml} on a SQLite file) takes a cold
 * burst of {@value #THREADS} threads × {@value #PER_THREAD} requests, all as one client, and admits
 * exactly that client's limit, never one more; then the same for two other clients, each counted
 * on its own.
 */
class BurstAppTest {

  static final int THREADS = 16;
  static final int PER_THREAD = 10;
  static final int ANON_LIMIT = 50;
  static final int CLIENT_LIMIT = 30;

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"memory", "sqlite"})
  void aColdBurstAdmitsExactlyTheLimitAndEachClientHasItsOwn(String store) throws Exception {
    try (Apps.App app = store.equals("memory")
        ? Apps.start(ModelUserApp.class, "burst", "zone=" + Burst.noonZone())
        : Apps.start(ModelUserApp.class, "burst-sqlite", "zone=" + Burst.noonZone(),
            "sqlite-file=" + dir.resolve("quotas.db"))) {
      assertThat(app.get("/actuator/sluice").body()).contains("\"store\":\"" + store + "\"");
      burstsOfThreeClients(List.of(app));
    }
  }

  /**
   * Three bursts, each spread over {@code apps} (instances sharing one store): the socket peer
   * (127.0.0.1) as an anonymous client, an address behind it (X-Forwarded-For from the trusted
   * proxy 127.0.0.1), and a client id; then every instance's peek shows each count at its limit, a
   * request of each client is still refused, and an address no burst used is still admitted.
   */
  static void burstsOfThreeClients(List<Apps.App> apps) throws Exception {
    Burst.fire(apps, THREADS, PER_THREAD, "/api/hello").assertExactly(ANON_LIMIT);
    Burst.fire(apps, THREADS, PER_THREAD, "/api/hello", "X-Forwarded-For", "203.0.113.7").assertExactly(ANON_LIMIT);
    Burst.fire(apps, THREADS, PER_THREAD, "/api/hello", "X-Client-Id", "acme").assertExactly(CLIENT_LIMIT);
    for (Apps.App app : apps) {
      assertThat(app.get("/actuator/sluice/anon/ip:127.0.0.1").body()).contains("\"used\":" + ANON_LIMIT + ",");
      assertThat(app.get("/actuator/sluice/anon/ip:203.0.113.7").body()).contains("\"used\":" + ANON_LIMIT + ",");
      assertThat(app.get("/actuator/sluice/client/id:acme").body()).contains("\"used\":" + CLIENT_LIMIT + ",");
      assertThat(app.get("/api/hello").statusCode()).isEqualTo(429);
      assertThat(app.get("/api/hello", "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(429);
      assertThat(app.get("/api/hello", "X-Client-Id", "acme").statusCode()).isEqualTo(429);
      assertThat(app.get("/api/hello", "X-Forwarded-For", "203.0.113.8").statusCode())
          .as("an address no burst used").isEqualTo(200);
    }
  }
}
