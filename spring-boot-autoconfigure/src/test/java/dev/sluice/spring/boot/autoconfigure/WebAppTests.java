package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.PolicyText;
import dev.sluice.http.QuotaAnswer;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One application started from its YAML ({@code mvc.yml} or {@code webflux.yml}: anonymous 3 a
 * day per address, clients by {@code X-Client-Id} 5 a day, {@code /health/**} and
 * {@code /actuator/**} excluded, {@code exports} for {@link RateLimited} methods), on a random
 * port, called over HTTP. The same tests for Spring MVC and WebFlux, on Boot 3 and Boot 4.
 */
abstract class WebAppTests {

  private Apps.App app;

  abstract Apps.App start();

  Apps.App app() {
    if (app == null) {
      app = start();
    }
    return app;
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void anonymousAndAuthenticatedClientsHaveTheirOwnLimits() throws Exception {
    for (int i = 1; i <= 3; i++) {
      Apps.Response r = app().get("/api/hello");
      assertThat(r.statusCode()).as("anonymous request %d", i).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello");
      assertThat(r.headers().firstValue("RateLimit-Policy")).hasValue("\"anon\";q=3;w=86400");
      assertThat(r.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"anon\";r=" + (3 - i) + ";t=");
    }
    assertThat(app().get("/api/hello").statusCode()).isEqualTo(429);
    for (int i = 1; i <= 5; i++) {
      Apps.Response r = app().get("/api/hello", "X-Client-Id", "acme");
      assertThat(r.statusCode()).as("acme request %d", i).isEqualTo(200);
      assertThat(r.headers().firstValue("RateLimit-Policy")).hasValue("\"client\";q=5;w=86400");
    }
    assertThat(app().get("/api/hello", "X-Client-Id", "acme").statusCode()).isEqualTo(429);
    assertThat(app().get("/api/hello", "X-Client-Id", "globex").statusCode()).isEqualTo(200);
  }

  @Test
  void aRefusalIs429WithItsHeadersAndProblemBody() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(app().get("/api/hello").statusCode()).isEqualTo(200);
    }
    Apps.Response denied = app().get("/api/hello");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
    // the window ends at midnight UTC: the seconds to it are the one value that depends on the time
    long retry = Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retry).isBetween(1L, 86_400L);
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"anon\";q=3;w=86400");
    assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"anon\";r=0;t=" + retry);
    assertThat(denied.body()).isEqualTo("{\"type\":\"" + QuotaAnswer.TYPES + "limit-exceeded\","
        + "\"title\":\"Limit exceeded\",\"status\":429,"
        + "\"detail\":\"policy 'anon' denied 1 request: 3 of its limit of 3 in use, 0 remaining; retry after "
        + retry + " s\",\"policy\":\"anon\",\"limit\":3,\"used\":3,\"remaining\":0,\"retryAfterSeconds\":" + retry + "}");
    assertThat(denied.headers().firstValue("Content-Length"))
        .hasValue(Integer.toString(denied.body().getBytes(StandardCharsets.UTF_8).length));
  }

  @Test
  void exclusionsTakeNothing() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(app().get("/api/hello").statusCode()).isEqualTo(200);
    }
    assertThat(app().get("/api/hello").statusCode()).isEqualTo(429);
    for (int i = 0; i < 5; i++) {
      Apps.Response live = app().get("/health/live");
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.body()).isEqualTo("live");
      assertThat(live.headers().firstValue("RateLimit")).isEmpty();
      assertThat(app().get("/actuator/health").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
    // no trusted proxies: every request counts against the socket peer, whatever it claims
    for (int i = 1; i <= 3; i++) {
      assertThat(app().get("/api/hello", "X-Forwarded-For", "198.51.100." + i).statusCode()).isEqualTo(200);
    }
    assertThat(app().get("/api/hello", "X-Forwarded-For", "198.51.100.4").statusCode()).isEqualTo(429);
    assertThat(app().get("/api/hello", "Forwarded", "for=198.51.100.5").statusCode()).isEqualTo(429);
  }

  @Test
  void aRateLimitedMethodAnswers429() throws Exception {
    assertThat(app().get("/reports/a").body()).isEqualTo("report for a");
    assertThat(app().get("/reports/a").statusCode()).isEqualTo(200);
    Apps.Response denied = app().get("/reports/a");
    assertThat(denied.statusCode()).isEqualTo(429);
    assertThat(denied.headers().firstValue("Content-Type")).hasValue(QuotaAnswer.PROBLEM_JSON);
    long retry = Long.parseLong(denied.headers().firstValue("Retry-After").orElseThrow());
    assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"exports\";q=2;w=86400");
    assertThat(denied.body()).isEqualTo("{\"type\":\"" + QuotaAnswer.TYPES + "limit-exceeded\","
        + "\"title\":\"Limit exceeded\",\"status\":429,"
        + "\"detail\":\"policy 'exports' denied 1 call: 2 of its limit of 2 in use, 0 remaining; retry after "
        + retry + " s\",\"policy\":\"exports\",\"limit\":2,\"used\":2,\"remaining\":0,\"retryAfterSeconds\":" + retry
        + "}");
    // another key (#customer), and a key by position with a cost of 2
    assertThat(app().get("/reports/b").statusCode()).isEqualTo(200);
    assertThat(app().get("/bulk/a").statusCode()).isEqualTo(200);
    assertThat(app().get("/bulk/a").statusCode()).isEqualTo(429);
    assertThat(app().get("/bulk/b").body()).isEqualTo("bulk for b");
  }

  @Test
  void aRateLimitedKeyFromTheCallerIsCountedWhateverItIs() throws Exception {
    // an empty key and a 600-character one are not store keys: each is counted under its digest,
    // never a 500, and the digest's own text is another key
    for (String q : new String[] {"", "x".repeat(600)}) {
      assertThat(app().get("/search?q=" + q).body()).isEqualTo("found " + q.length());
      assertThat(app().get("/search?q=" + q).statusCode()).isEqualTo(200);
      assertThat(app().get("/search?q=" + q).statusCode()).as("the third call of %s chars", q.length())
          .isEqualTo(429);
    }
    assertThat(app().get("/search?q=" + dev.sluice.Keys.orDigest("")).statusCode()).isEqualTo(200);
  }

  @Test
  void theActuatorEndpointListsPoliciesAndPeeksWithoutCharging() throws Exception {
    Apps.Response list = app().get("/actuator/sluice");
    assertThat(list.statusCode()).isEqualTo(200);
    String anon = PolicyText.format(PolicyText.parse("anon", "fixed-window limit=3 period=1d"));
    assertThat(list.body()).contains("\"store\":\"memory\"").contains("\"anon\":\"" + anon + "\"")
        .contains("\"exports\":");

    assertThat(app().get("/api/hello").statusCode()).isEqualTo(200);
    assertThat(app().get("/api/hello").statusCode()).isEqualTo(200);
    for (int i = 0; i < 3; i++) {
      Apps.Response usage = app().get("/actuator/sluice/anon/ip:127.0.0.1");
      assertThat(usage.statusCode()).isEqualTo(200);
      assertThat(usage.body()).contains("\"policy\":\"anon\"", "\"key\":\"ip:127.0.0.1\"", "\"limit\":3",
          "\"used\":2", "\"remaining\":1", "\"storeDecided\":true");
    }
    assertThat(app().get("/api/hello").statusCode()).as("the peeks took nothing").isEqualTo(200);
    assertThat(app().get("/api/hello").statusCode()).isEqualTo(429);
    assertThat(app().get("/actuator/sluice/no-such-policy/ip:127.0.0.1").statusCode()).isEqualTo(404);
    // the key as a query parameter: an IPv6 client's /64, which a path segment cannot carry
    Apps.Response ipv6 = app().get("/actuator/sluice/anon?key=ip:2001:db8:1:2::/64");
    assertThat(ipv6.statusCode()).isEqualTo(200);
    assertThat(ipv6.body()).contains("\"key\":\"ip:2001:db8:1:2::/64\"", "\"used\":0", "\"remaining\":3");
    assertThat(app().get("/actuator/sluice/anon?key=ip:127.0.0.1").body()).contains("\"used\":3");

    Apps.Response health = app().get("/actuator/health/sluice");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"store\":\"memory\"");
  }

  @Test
  void decisionsAreCountedInTheMeterRegistry() throws Exception {
    for (int i = 0; i < 4; i++) {
      app().get("/api/hello");
    }
    MeterRegistry registry = app().bean(MeterRegistry.class);
    assertThat(registry.get("sluice.decisions").tag("policy", "anon").tag("outcome", "allowed").counter().count())
        .isEqualTo(3.0);
    assertThat(registry.get("sluice.decisions").tag("policy", "anon").tag("outcome", "denied").counter().count())
        .isEqualTo(1.0);
    assertThat(registry.get("sluice.decisions.near_limit").tag("policy", "anon").counter().count()).isEqualTo(1.0);
  }
}
