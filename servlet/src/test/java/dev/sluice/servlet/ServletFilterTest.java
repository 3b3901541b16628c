package dev.sluice.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.Concurrency;
import dev.sluice.Leases;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.Sluice;
import dev.sluice.http.ApiKeys;
import dev.sluice.http.ClientAddresses;
import dev.sluice.http.HttpQuotas;
import dev.sluice.http.Identities;
import dev.sluice.http.QuotaAnswer;
import dev.sluice.http.RouteRules;
import dev.sluice.redis.RedisStore;
import dev.sluice.spi.FailurePolicy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The filter in a real Jetty 12.1 over real HTTP: who counts against which limit, what a refusal
 * looks like on the wire, and that leases come back however a request ends.
 */
class ServletFilterTest {

  private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");
  private static final Identities IDENTITIES = Identities.builder()
      .header("X-Client-Id")
      .apiKey("X-Api-Key", ApiKeys.builder().addPlaintext("billing", "s3cret-key").build())
      .build();

  private final ManualClock clock = new ManualClock(START);
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final AtomicInteger served = new AtomicInteger();
  private Jetty jetty;

  @AfterEach
  void stop() throws Exception {
    if (jetty != null) {
      jetty.close();
    }
    sluice.close();
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

  private static RouteRules rules(String anon, String authed) {
    return RouteRules.builder()
        .exclude("/health/**")
        .rule(RouteRules.rule("/api/**")
            .anonymous(PolicyText.parse("anon", anon))
            .authenticated(PolicyText.parse("client", authed)))
        .build();
  }

  private HttpQuotas quotas(RouteRules rules, ClientAddresses addresses) {
    return HttpQuotas.builder(sluice).identities(IDENTITIES).addresses(addresses).rules(rules).build();
  }

  private HttpQuotas quotas(RouteRules rules) {
    return quotas(rules, ClientAddresses.builder().build());
  }

  @Test
  void anonymousClientsGetTheAnonymousLimitAndAuthenticatedOnesTheirOwn() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=3 period=1d", "fixed-window limit=5 period=1d"));
    jetty = Jetty.start(SluiceFilter.builder(quotas).build(), Jetty.servlets("/*", ok));
    for (int i = 1; i <= 3; i++) {
      assertThat(jetty.get("/api/orders").statusCode()).as("anonymous request %d", i).isEqualTo(200);
    }
    HttpResponse<String> fourth = jetty.get("/api/orders");
    assertThat(fourth.statusCode()).isEqualTo(429);
    assertThat(fourth.body()).contains("\"policy\":\"anon\"");
    // the same address, authenticated by a client id header: its own, larger limit
    for (int i = 1; i <= 5; i++) {
      HttpResponse<String> r = jetty.get("/api/orders", "X-Client-Id", "acme");
      assertThat(r.statusCode()).as("acme request %d", i).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit")).hasValue("\"client\";r=" + (5 - i) + ";t=50400");
    }
    assertThat(jetty.get("/api/orders", "X-Client-Id", "acme").statusCode()).isEqualTo(429);
    // an API key is another client, with a fresh quota; a wrong key is anonymous (and spent)
    assertThat(jetty.get("/api/orders", "X-Api-Key", "s3cret-key").headers().firstValue("RateLimit"))
        .hasValue("\"client\";r=4;t=50400");
    assertThat(jetty.get("/api/orders", "X-Api-Key", "wrong-key").statusCode()).isEqualTo(429);
    assertThat(served).hasValue(3 + 5 + 1);
  }

  @Test
  void exclusionsAndUnmatchedPathsAreNeverLimited() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=1 period=1d", "fixed-window limit=1 period=1d"));
    Leases leases = sluice.leases(Concurrency.of("in-flight", 1, Duration.ofMinutes(1)));
    jetty = Jetty.start(SluiceFilter.builder(quotas).concurrency(leases).build(), Jetty.servlets("/*", ok));
    assertThat(jetty.get("/api/x").statusCode()).isEqualTo(200);
    assertThat(jetty.get("/api/x").statusCode()).isEqualTo(429);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> health = jetty.get("/health/live");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.headers().map()).doesNotContainKeys("RateLimit", "RateLimit-Policy", "Retry-After");
      assertThat(jetty.get("/static/logo.png").statusCode()).isEqualTo(200);
    }
    // the rules see the path within the application: /app/health/live is /health/live
    assertThat(served).hasValue(1 + 10);
  }

  @Test
  void aRefusalIs429WithItsHeadersAndProblemBodyAndTheApplicationIsNotCalled() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=1 period=1d", "fixed-window limit=10 period=1d"));
    HttpServlet early = new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        served.incrementAndGet();
        resp.setStatus(200);
        resp.flushBuffer(); // commits at once: the rate-limit headers must already be set
        resp.getWriter().write("early");
      }
    };
    jetty = Jetty.start(SluiceFilter.builder(quotas).build(), Jetty.servlets("/*", early));
    HttpResponse<String> first = jetty.get("/api/orders");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("early");
    assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"anon\";q=1;w=86400");
    assertThat(first.headers().firstValue("RateLimit")).hasValue("\"anon\";r=0;t=50400");
    assertThat(first.headers().firstValue("Retry-After")).isEmpty();

    HttpResponse<String> denied = jetty.get("/api/orders");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
    assertThat(denied.headers().firstValue("Retry-After")).hasValue("50400");
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"anon\";q=1;w=86400");
    assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"anon\";r=0;t=50400");
    assertThat(denied.body()).isEqualTo("{\"type\":\"" + QuotaAnswer.TYPES + "limit-exceeded\","
        + "\"title\":\"Limit exceeded\",\"status\":429,"
        + "\"detail\":\"policy 'anon' denied 1 request: 1 of its limit of 1 in use, 0 remaining; retry after 50400 s\","
        + "\"policy\":\"anon\",\"limit\":1,\"used\":1,\"remaining\":0,\"retryAfterSeconds\":50400}");
    assertThat(denied.headers().firstValue("Content-Length"))
        .hasValue(Integer.toString(denied.body().getBytes(StandardCharsets.UTF_8).length));
    assertThat(served).hasValue(1);
  }

  @Test
  void aForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=2 period=1d", "fixed-window limit=2 period=1d"));
    jetty = Jetty.start(SluiceFilter.builder(quotas).build(), Jetty.servlets("/*", ok));
    assertThat(jetty.get("/api/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
    assertThat(jetty.get("/api/x", "X-Forwarded-For", "198.51.100.2").statusCode()).isEqualTo(200);
    // 127.0.0.1 is not trusted: every request counts against 127.0.0.1, whatever it claims
    assertThat(jetty.get("/api/x", "X-Forwarded-For", "198.51.100.3").statusCode()).isEqualTo(429);
    assertThat(jetty.get("/api/x").statusCode()).isEqualTo(429);
  }

  @Test
  void aForwardedForFromATrustedProxyNamesTheClient() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=2 period=1d", "fixed-window limit=2 period=1d"),
        ClientAddresses.builder().trustedProxies("127.0.0.1/32").build());
    jetty = Jetty.start(SluiceFilter.builder(quotas).build(), Jetty.servlets("/*", ok));
    assertThat(jetty.get("/api/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
    assertThat(jetty.get("/api/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(200);
    assertThat(jetty.get("/api/x", "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(429);
    // another client behind the same proxy, and the proxy itself, have their own quotas
    assertThat(jetty.get("/api/x", "X-Forwarded-For", "198.51.100.2").statusCode()).isEqualTo(200);
    assertThat(jetty.get("/api/x").statusCode()).isEqualTo(200);
  }

  @Test
  void aLeaseHoldsASlotWhileTheRequestRunsAndComesBackWhenTheApplicationThrows() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=100 period=1d", "fixed-window limit=100 period=1d"));
    Leases leases = sluice.leases(Concurrency.of("in-flight", 1, Duration.ofMinutes(10)));
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    HttpServlet slow = new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        entered.countDown();
        try {
          proceed.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        resp.getWriter().write("slow");
      }
    };
    HttpServlet boom = new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        served.incrementAndGet();
        throw new IllegalStateException("boom (expected by the test)");
      }
    };
    jetty = Jetty.start(SluiceFilter.builder(quotas).concurrency(leases).build(),
        Jetty.servlets("/api/slow", slow, "/api/boom", boom, "/*", ok));
    CompletableFuture<HttpResponse<String>> running = jetty.send("/api/slow");
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(leases.held("ip:127.0.0.1")).isEqualTo(1);
    HttpResponse<String> busy = jetty.get("/api/orders");
    assertThat(busy.statusCode()).isEqualTo(429);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("600");
    assertThat(busy.body()).contains("\"policy\":\"in-flight\"", "\"limit\":1", "\"used\":1");
    proceed.countDown();
    assertThat(running.get(10, TimeUnit.SECONDS).body()).isEqualTo("slow");
    assertThat(leases.held("ip:127.0.0.1")).isZero();
    // an application that throws: 500, and the slot is back every time
    for (int i = 0; i < 3; i++) {
      assertThat(jetty.get("/api/boom").statusCode()).as("throw %d", i).isEqualTo(500);
      assertThat(leases.held("ip:127.0.0.1")).isZero();
    }
    assertThat(served).hasValue(3);
    assertThat(jetty.get("/api/orders").statusCode()).isEqualTo(200);
  }

  @Test
  void anAsyncRequestHoldsItsLeaseUntilItCompletesOrTimesOut() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=100 period=1d", "fixed-window limit=100 period=1d"));
    Leases leases = sluice.leases(Concurrency.of("in-flight", 1, Duration.ofMinutes(10)));
    BlockingQueue<AsyncContext> pending = new LinkedBlockingQueue<>();
    HttpServlet async = new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        AsyncContext ctx = req.startAsync();
        ctx.setTimeout(req.getRequestURI().endsWith("/never") ? 300 : 30_000);
        pending.add(ctx);
      }
    };
    jetty = Jetty.start(SluiceFilter.builder(quotas).concurrency(leases).build(),
        Jetty.servlets("/api/async/*", async, "/*", ok));
    String key = "ip:127.0.0.1";

    // completed later, from another thread
    CompletableFuture<HttpResponse<String>> later = jetty.send("/api/async/later");
    AsyncContext ctx = pending.poll(10, TimeUnit.SECONDS);
    assertThat(ctx).isNotNull();
    assertThat(later).isNotDone();
    assertThat(leases.held(key)).as("held after the servlet returned").isEqualTo(1);
    assertThat(jetty.get("/api/orders").statusCode()).isEqualTo(429);
    ctx.getResponse().getWriter().write("done later");
    ctx.complete();
    assertThat(later.get(10, TimeUnit.SECONDS).body()).isEqualTo("done later");
    await().atMost(Duration.ofSeconds(10)).until(() -> leases.held(key) == 0);
    assertThat(jetty.get("/api/orders").statusCode()).isEqualTo(200);

    // never completed: the container times it out, and the slot comes back
    CompletableFuture<HttpResponse<String>> never = jetty.send("/api/async/never");
    assertThat(pending.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(never.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(500);
    await().atMost(Duration.ofSeconds(10)).until(() -> leases.held(key) == 0);
    assertThat(jetty.get("/api/orders").statusCode()).isEqualTo(200);
  }

  @Test
  void aBudgetIsChargedAfterTheResponseWithTheCostTheApplicationSet() throws Exception {
    HttpQuotas quotas = quotas(rules("fixed-window limit=100 period=1d", "fixed-window limit=100 period=1d"));
    Budgets rows = sluice.budget(Budget.daily("rows", 10));
    HttpServlet query = new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        served.incrementAndGet();
        req.setAttribute("rows", 6L);
        resp.getWriter().write("rows");
      }
    };
    jetty = Jetty.start(SluiceFilter.builder(quotas).budget(rows).costAttribute("rows").build(),
        Jetty.servlets("/*", query));
    String key = "id:acme";
    assertThat(jetty.get("/api/q", "X-Client-Id", "acme").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> rows.usage(key).used() == 6);
    // 6 of 10 used: admitted, and charged past the budget (the work is done)
    assertThat(jetty.get("/api/q", "X-Client-Id", "acme").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> rows.usage(key).used() == 12);
    HttpResponse<String> spent = jetty.get("/api/q", "X-Client-Id", "acme");
    assertThat(spent.statusCode()).isEqualTo(429);
    assertThat(spent.headers().firstValue("Retry-After")).hasValue("50400");
    assertThat(spent.body()).contains("\"policy\":\"rows\"", "\"used\":12", "\"limit\":10");
    assertThat(served).hasValue(2);
    // another client's budget is its own
    assertThat(jetty.get("/api/q", "X-Client-Id", "globex").statusCode()).isEqualTo(200);
  }

  @Test
  void aBrokenStoreFailsClosedWith503OrLetsRequestsPassWhenTheOperatorChoseOpen() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed below: nothing listens there
    }
    for (FailurePolicy failure : List.of(FailurePolicy.closed(), FailurePolicy.open())) {
      served.set(0);
      try (RedisStore broken = RedisStore.standalone("redis://127.0.0.1:" + port).failure(failure).build();
          Sluice down = Sluice.builder().store(broken).build()) {
        Policy anon = PolicyText.parse("anon", "fixed-window limit=100 period=1d");
        HttpQuotas quotas = HttpQuotas.builder(down).identities(IDENTITIES)
            .rules(RouteRules.builder().exclude("/health/**").rule(RouteRules.rule("/**").anonymous(anon)).build())
            .build();
        jetty = Jetty.start(SluiceFilter.builder(quotas).build(), Jetty.servlets("/*", ok));
        HttpResponse<String> r = jetty.get("/api/orders");
        if (failure.mode() == FailurePolicy.Mode.CLOSED) {
          assertThat(r.statusCode()).isEqualTo(503);
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
          assertThat(r.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
          assertThat(r.body()).contains("store-unavailable");
          assertThat(served).hasValue(0);
        } else {
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.headers().firstValue("RateLimit")).isEmpty(); // nothing was counted
          assertThat(served).hasValue(1);
        }
        assertThat(jetty.get("/health/live").statusCode()).isEqualTo(200);
        jetty.close();
        jetty = null;
      }
    }
  }
}
