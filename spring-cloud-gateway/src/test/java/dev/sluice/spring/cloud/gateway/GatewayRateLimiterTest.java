package dev.sluice.spring.cloud.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.DecisionListener;
import dev.sluice.ManualClock;
import dev.sluice.Sluice;
import dev.sluice.http.QuotaAnswer;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.sqlite.SqliteStore;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Gateway applications on random ports routing to a real backend, called over HTTP: the
 * Sluice rate limiter in {@code RequestRateLimiter}, configured per route from application.yml.
 */
class GatewayRateLimiterTest {

  /** Where Gateway 4.3 and 5.0 read their routes and default filters. */
  static final String GATEWAY = "spring:\n  cloud:\n    gateway:\n      server:\n        webflux:\n";

  private static Backend backend;

  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<AutoCloseable> open = new ArrayList<>();
  private GatewayApp app;
  private int hitsBefore;

  @BeforeAll
  static void startBackend() throws Exception {
    backend = Backend.start();
  }

  @AfterAll
  static void stopBackend() {
    backend.close();
  }

  @AfterEach
  void close() throws Exception {
    if (app != null) {
      app.close();
    }
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  @Test
  void eachRouteChargesItsOwnPolicyAndTheRequestPastTheLimitIs429WithExactHeaders() throws Exception {
    start(memory(), config("ietf", "orders-per-client", "fixed-window limit=3 period=1h",
        "search-per-client", "fixed-window limit=5 period=1h"),
        route("orders", "/orders/**", "sluice-rate-limiter.policies: orders-per-client"),
        route("search", "/search/**", "sluice-rate-limiter.policies: search-per-client"));

    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> r = app.get("/orders/" + i, "X-Client-Id", "alice");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("served /orders/" + i);
      assertThat(r.headers().firstValue("RateLimit-Policy")).hasValue("\"orders-per-client\";q=3;w=3600");
      assertThat(r.headers().firstValue("RateLimit")).hasValue("\"orders-per-client\";r=" + (3 - i) + ";t=3600");
      assertThat(r.headers().firstValue("Retry-After")).isEmpty();
    }
    clock.advance(Duration.ofMinutes(10));
    HttpResponse<String> denied = app.get("/orders/4", "X-Client-Id", "alice");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"orders-per-client\";q=3;w=3600");
    assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"orders-per-client\";r=0;t=3000");
    assertThat(denied.headers().firstValue("Retry-After")).hasValue("3000");
    assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).as("IETF style only").isEmpty();
    assertThat(served()).as("the denied request never reached the backend").isEqualTo(3);

    // the other route's policy is its own quota
    HttpResponse<String> search = app.get("/search/x", "X-Client-Id", "alice");
    assertThat(search.statusCode()).isEqualTo(200);
    assertThat(search.headers().firstValue("RateLimit")).hasValue("\"search-per-client\";r=4;t=3000");

    // the window ends: alice is admitted again
    clock.advance(Duration.ofSeconds(3000));
    assertThat(app.get("/orders/5", "X-Client-Id", "alice").statusCode()).isEqualTo(200);
  }

  @Test
  void twoPoliciesOnARouteAreChargedAllOrNothing() throws Exception {
    start(memory(), config("ietf", "burst", "fixed-window limit=2 period=1m",
        "daily", "fixed-window limit=5 period=1d"),
        route("orders", "/orders/**", "sluice-rate-limiter.policies: [burst, daily]"),
        route("reports", "/reports/**", "sluice-rate-limiter.policies: daily"));

    assertThat(app.get("/orders/1", "X-Client-Id", "alice").statusCode()).isEqualTo(200);
    HttpResponse<String> second = app.get("/orders/2", "X-Client-Id", "alice");
    assertThat(second.statusCode()).isEqualTo(200);
    // the deciding policy is the one with the least remaining
    assertThat(second.headers().firstValue("RateLimit")).hasValue("\"burst\";r=0;t=60");
    HttpResponse<String> third = app.get("/orders/3", "X-Client-Id", "alice");
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("RateLimit-Policy")).hasValue("\"burst\";q=2;w=60");
    assertThat(third.headers().firstValue("Retry-After")).hasValue("60");

    // burst denied the third request, so daily was not charged for it: 3 of 5 remain
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = app.get("/reports/" + i, "X-Client-Id", "alice");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit")).hasValue("\"daily\";r=" + (2 - i) + ";t=86400");
    }
    assertThat(app.get("/reports/x", "X-Client-Id", "alice").statusCode()).isEqualTo(429);
    assertThat(served()).isEqualTo(5);
  }

  @Test
  void clientsCountByTheResolversIdAndAnonymousClientsByTheirAddress() throws Exception {
    start(memory(), config("ietf", "per-client", "fixed-window limit=2 period=1h"),
        route("api", "/api/**", "sluice-rate-limiter.policies: per-client"));

    for (String client : List.of("alice", "bob")) {
      assertThat(app.get("/api/a", "X-Client-Id", client).statusCode()).isEqualTo(200);
      assertThat(app.get("/api/a", "X-Client-Id", client).statusCode()).isEqualTo(200);
      assertThat(app.get("/api/a", "X-Client-Id", client).statusCode()).as(client).isEqualTo(429);
    }
    // no id: the resolver gives ip:127.0.0.1, a count of its own
    assertThat(app.get("/api/a").statusCode()).isEqualTo(200);
    assertThat(app.get("/api/a").statusCode()).isEqualTo(200);
    assertThat(app.get("/api/a").statusCode()).isEqualTo(429);
    // an id that is no valid key (longer than 512 characters) still counts, under its hash, for itself
    String longId = "x".repeat(600);
    assertThat(app.get("/api/a", "X-Client-Id", longId).statusCode()).isEqualTo(200);
    assertThat(app.get("/api/a", "X-Client-Id", longId).statusCode()).isEqualTo(200);
    assertThat(app.get("/api/a", "X-Client-Id", longId).statusCode()).isEqualTo(429);
    assertThat(app.get("/api/a", "X-Client-Id", "x".repeat(601)).statusCode()).isEqualTo(200);
    assertThat(served()).isEqualTo(9);
  }

  @Test
  void aRouteCostAndLegacyHeadersAsRedisRateLimitersRemaining() throws Exception {
    start(memory(), config("legacy", "credits", "fixed-window limit=10 period=1h"),
        route("reports", "/reports/**", "sluice-rate-limiter.policies: credits", "sluice-rate-limiter.cost: 4"),
        route("tiny", "/tiny/**", "sluice-rate-limiter.policies: credits", "sluice-rate-limiter.cost: 11"));

    HttpResponse<String> first = app.get("/reports/1", "X-Client-Id", "acme");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("10");
    assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("6");
    assertThat(first.headers().firstValue("X-RateLimit-Reset")).hasValue("3600");
    assertThat(first.headers().firstValue("RateLimit")).as("legacy style only").isEmpty();
    assertThat(app.get("/reports/2", "X-Client-Id", "acme").headers().firstValue("X-RateLimit-Remaining"))
        .hasValue("2");
    HttpResponse<String> denied = app.get("/reports/3", "X-Client-Id", "acme");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("2");
    assertThat(denied.headers().firstValue("Retry-After")).hasValue("3600");

    // a cost no window can ever admit: 422 with the problem body, and no Retry-After
    HttpResponse<String> never = app.get("/tiny/1", "X-Client-Id", "other");
    assertThat(never.statusCode()).isEqualTo(422);
    assertThat(never.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
    assertThat(never.headers().firstValue("Retry-After")).isEmpty();
    assertThat(never.body()).contains("\"type\":\"" + QuotaAnswer.TYPES + "cost-exceeds-limit\"",
        "\"status\":422", "\"policy\":\"credits\"", "\"limit\":10");
    assertThat(served()).isEqualTo(2);
  }

  @Test
  void aStoreThatCannotDecideFailsClosedWith503OrLetsTheRequestPassWhenTheOperatorChoseOpen() throws Exception {
    for (FailurePolicy failure : List.of(FailurePolicy.closed(), FailurePolicy.open())) {
      Path file = dir.resolve(failure.mode() + ".db");
      SqliteStore store = SqliteStore.open(file).clock(clock).failure(failure)
          .decisionTimeout(Duration.ofMillis(200)).build();
      Sluice sqlite = Sluice.builder().store(store).build();
      start(sqlite, config("ietf", "per-client", "fixed-window limit=100 period=1d"),
          route("api", "/api/**", "sluice-rate-limiter.policies: per-client"));
      assertThat(app.get("/api/1", "X-Client-Id", "alice").statusCode()).isEqualTo(200);

      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
           Statement s = other.createStatement()) {
        s.execute("BEGIN IMMEDIATE"); // another writer holds the file: the store cannot decide
        HttpResponse<String> r = app.get("/api/2", "X-Client-Id", "alice");
        if (failure.mode() == FailurePolicy.Mode.CLOSED) {
          assertThat(r.statusCode()).isEqualTo(503);
          assertThat(r.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v))
              .isPositive());
          assertThat(r.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
          assertThat(r.body()).contains("\"type\":\"" + QuotaAnswer.TYPES + "store-unavailable\"", "\"status\":503",
              "\"policy\":\"per-client\"");
          assertThat(r.body()).as("the client's id is not echoed").doesNotContain("alice");
          assertThat(served()).isEqualTo(1);
        } else {
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.headers().firstValue("RateLimit")).as("nothing was counted").isEmpty();
          assertThat(r.headers().firstValue("RateLimit-Policy")).hasValue("\"per-client\";q=100;w=86400");
          assertThat(served()).isEqualTo(2);
        }
        s.execute("ROLLBACK");
      }
      app.close();
      app = null;
    }
  }

  @Test
  void concurrentRequestsAreAdmittedExactlyToTheLimit() throws Exception {
    start(memory(), config("ietf", "per-client", "fixed-window limit=100 period=1h"),
        route("api", "/api/**", "sluice-rate-limiter.policies: per-client"));
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger limited = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            int status = app.get("/api/x", "X-Client-Id", "hot").statusCode();
            (status == 200 ? ok : status == 429 ? limited : new AtomicInteger()).incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ok).hasValue(100);
    assertThat(limited).hasValue(300);
    assertThat(served()).isEqualTo(100);
  }

  @Test
  void decisionsRunOffTheEventLoop() throws Exception {
    Map<String, Boolean> threads = new ConcurrentHashMap<>();
    DecisionListener listener = (call, key, cost, decision) -> threads.put(Thread.currentThread().getName(), true);
    Sluice watched = Sluice.builder().clock(clock).listener(listener).build();
    start(watched, config("ietf", "per-client", "fixed-window limit=100 period=1h"),
        route("api", "/api/**", "sluice-rate-limiter.policies: per-client"));
    for (int i = 0; i < 5; i++) {
      assertThat(app.get("/api/x", "X-Client-Id", "alice").statusCode()).isEqualTo(200);
    }
    assertThat(threads.keySet()).isNotEmpty().allSatisfy(name -> assertThat(name).startsWith("boundedElastic-"));
  }

  @Test
  void asTheOnlyRateLimiterBeanItIsRequestRateLimitersDefaultAndDefaultFiltersConfigureIt() throws Exception {
    startYaml(memory(), config("ietf", "everywhere", "fixed-window limit=3 period=1h") + GATEWAY + """
                  default-filters:
                    - name: RequestRateLimiter
                      args:
                        key-resolver: "#{@clientKeyResolver}"
                        sluice-rate-limiter.policies: everywhere
                  routes:
                    - id: bare
                      uri: %s
                      predicates:
                        - Path=/bare/**
        """.formatted(backend.uri()));
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = app.get("/bare/" + i, "X-Client-Id", "alice");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit")).hasValue("\"everywhere\";r=" + (2 - i) + ";t=3600");
    }
    assertThat(app.get("/bare/3", "X-Client-Id", "alice").statusCode()).isEqualTo(429);
    assertThat(served()).isEqualTo(3);
  }

  @Test
  void anUnknownPolicyInARouteFailsTheStartNamingTheRouteAndTheName() {
    assertThatThrownBy(() -> start(memory(), config("ietf", "per-client", "fixed-window limit=3 period=1h"),
        route("orders", "/orders/**", "sluice-rate-limiter.policies: [per-client, per-clinet]")))
        .hasStackTraceContaining("route 'orders': sluice-rate-limiter.policies[1]: unknown policy 'per-clinet'; "
            + "the policies are per-client");
  }

  // --- support

  private Sluice memory() {
    return Sluice.builder().clock(clock).build();
  }

  private int served() {
    return backend.hits() - hitsBefore;
  }

  /** The {@code sluice:} tree: a header style and policies (name, text, name, text...). */
  private static String config(String headers, String... nameAndText) {
    StringBuilder b = new StringBuilder("sluice:\n  headers: ").append(headers).append("\n  policies:\n");
    for (int i = 0; i < nameAndText.length; i += 2) {
      b.append("    ").append(nameAndText[i]).append(": ").append(nameAndText[i + 1]).append('\n');
    }
    return b.toString();
  }

  private static String route(String id, String path, String... args) {
    StringBuilder b = new StringBuilder()
        .append("            - id: ").append(id).append('\n')
        .append("              uri: ").append(backend.uri()).append('\n')
        .append("              predicates:\n")
        .append("                - Path=").append(path).append('\n')
        .append("              filters:\n")
        .append("                - name: RequestRateLimiter\n")
        .append("                  args:\n")
        .append("                    rate-limiter: \"#{@sluiceRateLimiter}\"\n")
        .append("                    key-resolver: \"#{@clientKeyResolver}\"\n");
    for (String a : args) {
      b.append("                    ").append(a).append('\n');
    }
    return b.toString();
  }

  private void start(Sluice sluice, String sluiceYaml, String... routes) throws Exception {
    startYaml(sluice, sluiceYaml + GATEWAY + "          routes:\n" + String.join("", routes));
  }

  private void startYaml(Sluice sluice, String yaml) throws Exception {
    open.add(sluice);
    hitsBefore = backend.hits();
    app = GatewayApp.start(dir, yaml, sluice);
  }
}
