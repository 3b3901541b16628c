package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code concurrency}, {@code budgets} and {@code cost-attribute} from {@code quotas.yml}: one
 * request in flight per client, held while it runs and given back when it is done, and a budget
 * charged after each response with the cost the application set; Spring MVC and WebFlux.
 */
class QuotasAppTest {

  /** Where a slow request waits until the test lets it finish. */
  static volatile CompletableFuture<Void> gate = new CompletableFuture<>();

  /** The Spring MVC application. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(MvcQuotaApi.class)
  public static class MvcQuotaApp {}

  /** The WebFlux application. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(FluxQuotaApi.class)
  public static class FluxQuotaApp {}

  /** Spring MVC: a slow request, and one that costs 600 rows. */
  @RestController
  public static class MvcQuotaApi {
    /** Waits for the gate. */
    @GetMapping("/q/slow")
    public String slow() throws Exception {
      gate.get(60, TimeUnit.SECONDS);
      return "slow";
    }

    /** Costs 600. */
    @GetMapping("/q/rows")
    public String rows(HttpServletRequest request) {
      request.setAttribute("app.cost", 600L);
      return "rows";
    }
  }

  /** WebFlux: the same. */
  @RestController
  public static class FluxQuotaApi {
    /** Waits for the gate. */
    @GetMapping("/q/slow")
    public Mono<String> slow() {
      return Mono.fromFuture(gate).thenReturn("slow");
    }

    /** Costs 600. */
    @GetMapping("/q/rows")
    public String rows(ServerWebExchange exchange) {
      exchange.getAttributes().put("app.cost", 600L);
      return "rows";
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"servlet", "reactive"})
  void oneRequestInFlightAndABudgetChargedAfterTheResponse(String web) throws Exception {
    gate = new CompletableFuture<>();
    Class<?> type = web.equals("servlet") ? MvcQuotaApp.class : FluxQuotaApp.class;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Apps.App app = Apps.start(type, "quotas", "web-type=" + web)) {
      Future<Apps.Response> slow = pool.submit(() -> app.get("/q/slow"));
      awaitUsage(app, "in-flight", 1);
      Apps.Response busy = app.get("/q/rows");
      assertThat(busy.statusCode()).isEqualTo(429);
      assertThat(busy.body()).contains("\"policy\":\"in-flight\"", "\"limit\":1", "\"used\":1");
      gate.complete(null);
      assertThat(slow.get(60, TimeUnit.SECONDS).body()).isEqualTo("slow");
      awaitUsage(app, "in-flight", 0);

      assertThat(app.get("/q/rows").statusCode()).isEqualTo(200);
      awaitUsage(app, "rows", 600);
      assertThat(app.get("/q/rows").statusCode()).as("600 of 1000 spent: still open").isEqualTo(200);
      awaitUsage(app, "rows", 1200);
      Apps.Response spent = app.get("/q/rows");
      assertThat(spent.statusCode()).isEqualTo(429);
      assertThat(spent.body()).contains("\"policy\":\"rows\"", "\"limit\":1000", "\"used\":1200");
      assertThat(app.get("/q/slow").statusCode()).as("the budget is checked before every limited request")
          .isEqualTo(429);
    } finally {
      gate.complete(null);
      pool.shutdownNow();
    }
  }

  /** Waits (up to 30 s) until the store shows {@code used} for the client's key: work done after a response. */
  private static void awaitUsage(Apps.App app, String policy, long used) throws Exception {
    String want = "\"used\":" + used + ",";
    String body = "";
    for (int i = 0; i < 300; i++) {
      body = app.get("/actuator/sluice/" + policy + "/ip:127.0.0.1").body();
      if (body.contains(want)) {
        return;
      }
      Thread.sleep(100);
    }
    assertThat(body).as("usage of " + policy).contains(want);
  }
}
