package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.Budgets;
import dev.sluice.ManualClock;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter made from a YAML file, in a real Jetty 12.1 over real HTTP: registered as
 * {@code web.xml} does (the class and the init-param {@code config}, no code), the model user end
 * to end with its SQLite file surviving a server restart, a configuration error stopping the
 * filter's start with the file and the key's path, and a Redis store that is down failing closed
 * (503) or open (the request passes) as the file says.
 */
class YamlFilterTest {

  @TempDir
  Path dir;

  private final AtomicInteger served = new AtomicInteger();
  private Jetty jetty;

  @AfterEach
  void stop() throws Exception {
    if (jetty != null) {
      jetty.close();
    }
  }

  /** Answers 200 "ok" and counts the calls. */
  private final HttpServlet ok = new HttpServlet() {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      served.incrementAndGet();
      resp.setContentType("text/plain");
      resp.getWriter().write("ok");
    }
  };

  private Path write(String name, String yaml) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
  }

  private Jetty startFromFile(Path file) throws Exception {
    return Jetty.start(SluiceFilter.class, Map.of(SluiceFilter.CONFIG_PARAM, file.toString()),
        Jetty.servlets("/*", ok));
  }

  /**
   * The zone where it is now about noon: a daily window there cannot end while the test runs,
   * whatever the time of day it runs at (the filter made by the container reads the system clock).
   */
  private static String noonZone() {
    int hour = ZonedDateTime.now(ZoneOffset.UTC).getHour();
    return ZoneOffset.ofHours(12 - hour).getId();
  }

  /** The model user's file (docs/http.md), the windows' days in {@link #noonZone()}. */
  private String modelUser(Path db) {
    String zone = noonZone();
    return """
        sluice:
          store:
            type: sqlite
            path: %s
          policies:
            anon-daily: fixed-window limit=100 period=1d zone=%s
            client-daily: fixed-window limit=10000 period=1d zone=%s
          identity:
            header: X-Client-Id
          rules:
            - exclude: /health/**
            - path: /**
              anonymous: [anon-daily]
              authenticated: [client-daily]
        """.formatted(db, zone, zone);
  }

  @Test
  void theModelUserFromAFileGivenAsInitParamAndItsCountsSurviveARestart() throws Exception {
    Path db = dir.resolve("data/quotas.db"); // the directory is created
    Path file = write("quotas.yaml", modelUser(db));

    jetty = startFromFile(file);
    for (int i = 1; i <= 60; i++) {
      HttpResponse<String> r = jetty.get("/api/orders");
      assertThat(r.statusCode()).as("anonymous request %d", i).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"anon-daily\";r=" + (100 - i) + ";t=");
    }
    assertThat(jetty.get("/api/orders", "X-Client-Id", "acme").headers().firstValue("RateLimit").orElseThrow())
        .startsWith("\"client-daily\";r=9999;t=");
    jetty.close(); // destroy() closes the store the filter opened
    jetty = null;
    assertThat(db).isRegularFile();

    // a new server on the same file: the counts are kept
    jetty = startFromFile(file);
    for (int i = 61; i <= 100; i++) {
      assertThat(jetty.get("/api/orders").statusCode()).as("anonymous request %d", i).isEqualTo(200);
    }
    HttpResponse<String> denied = jetty.get("/api/orders");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"anon-daily\";q=100;w=86400");
    assertThat(Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 86_400L);
    assertThat(denied.body()).startsWith("{\"type\":\"").contains("\"status\":429", "\"policy\":\"anon-daily\"",
        "\"limit\":100").doesNotContain("127.0.0.1");
    // an authenticated client behind the same address: its own quota, its second request
    HttpResponse<String> authed = jetty.get("/api/orders", "X-Client-Id", "acme");
    assertThat(authed.statusCode()).isEqualTo(200);
    assertThat(authed.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"client-daily\";r=9998;t=");
    // the health check is excluded
    assertThat(jetty.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(served).hasValue(60 + 1 + 40 + 1 + 1);
  }

  @Test
  void aConfigurationErrorStopsTheFiltersStartWithTheFileAndThePath() throws Exception {
    Path file = write("bad.yaml", """
        sluice:
          policies:
            anon-daily: fixed-window limit=100 period=1d
          rules:
            - exclude: /health/**
            - path: /**
              anonymous: [anon-dayly]
        """);
    assertThatThrownBy(() -> startFromFile(file)).hasStackTraceContaining("SluiceFilter 'sluice': " + file
        + ": sluice.rules[1].anonymous[0]: unknown policy 'anon-dayly'; the policies are anon-daily");
  }

  @Test
  void aYamlErrorStopsTheFiltersStartWithTheFileAndTheLine() throws Exception {
    Path file = write("dup.yaml", """
        sluice:
          headers: ietf
          headers: legacy
        """);
    assertThatThrownBy(() -> startFromFile(file)).hasStackTraceContaining(file + ":3: found duplicate key headers");
  }

  @Test
  void aMissingInitParamStopsTheFiltersStart() {
    assertThatThrownBy(() -> Jetty.start(SluiceFilter.class, Map.of(), Jetty.servlets("/*", ok)))
        .hasStackTraceContaining("SluiceFilter 'sluice': init-param 'config' (the path of the YAML file with the"
            + " sluice: tree) is missing");
  }

  @Test
  void aRedisStoreThatIsDownFailsClosedWith503OrPassesWhenTheFileSaysOpen() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed below: nothing listens there
    }
    String yaml = """
        sluice:
          store:
            type: redis
            url: redis://127.0.0.1:%d
            failure: %s
          policies:
            anon: fixed-window limit=100 period=1d
          rules:
            - path: /**
              anonymous: [anon]
        """;
    jetty = startFromFile(write("closed.yaml", yaml.formatted(port, "closed")));
    HttpResponse<String> closed = jetty.get("/api/orders");
    assertThat(closed.statusCode()).isEqualTo(503);
    assertThat(closed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(closed.headers().firstValue("Retry-After")).isPresent();
    assertThat(closed.body()).contains("store-unavailable", "\"status\":503");
    assertThat(served).hasValue(0);
    jetty.close();

    jetty = startFromFile(write("open.yaml", yaml.formatted(port, "open")));
    HttpResponse<String> open = jetty.get("/api/orders");
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(open.body()).isEqualTo("ok");
    assertThat(open.headers().firstValue("RateLimit")).isEmpty(); // nothing was counted
    assertThat(served).hasValue(1);
  }

  @Test
  void aDisabledFileTakesNothing() throws Exception {
    Path file = write("off.yaml", """
        sluice:
          enabled: false
          store: {type: sqlite, path: %s}
          policies: {one: "fixed-window limit=1 period=1d"}
          rules: [{path: /**, anonymous: [one]}]
        """.formatted(dir.resolve("never.db")));
    jetty = startFromFile(file);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = jetty.get("/api/orders");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit")).isEmpty();
    }
    assertThat(dir.resolve("never.db")).doesNotExist();
  }

  @Test
  void inCodeTheFileMakesAFilterWithItsStoreOnAGivenClock() throws Exception {
    Path file = write("code.yaml", """
        sluice:
          policies:
            anon: fixed-window limit=2 period=1d
            in-flight: concurrency slots=4 ttl=5m
            rows: budget limit=1000 period=1d
          headers: legacy
          rules:
            - path: /api/**
              methods: [get]
              anonymous: [anon]
          concurrency: in-flight
          budgets: [rows]
          cost-attribute: app.cost
        """);
    ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:00Z"));
    try (ConfiguredFilter configured = ConfiguredFilter.fromYaml(file, clock)) {
      assertThat(configured.config().budgets()).hasSize(1);
      jetty = Jetty.start(configured.filter(), Jetty.servlets("/*", new HttpServlet() {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
          req.setAttribute("app.cost", 400L);
          resp.getWriter().write("ok");
        }
      }));
      HttpResponse<String> first = jetty.get("/api/x");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
      assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
      assertThat(first.headers().firstValue("X-RateLimit-Reset")).hasValue("50400");
      assertThat(first.headers().firstValue("RateLimit")).isEmpty();
      // the budget is charged the cost the servlet set once the request is done
      Budgets rows = configured.sluice().budget(configured.config().budgets().get(0));
      await().untilAsserted(() -> assertThat(rows.usage("ip:127.0.0.1").used()).isEqualTo(400));
      assertThat(jetty.get("/api/x").statusCode()).isEqualTo(200);
      assertThat(jetty.get("/api/x").statusCode()).isEqualTo(429);
      clock.advance(java.time.Duration.ofHours(14)); // the next UTC day
      assertThat(jetty.get("/api/x").statusCode()).isEqualTo(200);
    }
  }
}
