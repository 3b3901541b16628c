package dev.sluice.server;

import static dev.sluice.server.TestServer.d;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus page on the debug listener (and on {@code PROMETHEUS_ADDR} with
 * {@code USE_PROMETHEUS=true}): their counters per rule, tagged with the domain and the rule's key
 * (never a request's value unless {@code detailed_metric} asks), config reloads, latencies, and
 * {@code EXTRA_TAGS} on every meter.
 */
class MetricsTest {

  static final String CONFIG = """
      domain: m
      descriptors:
        - key: user
          rate_limit: {unit: minute, requests_per_unit: 2}
        - key: detailed
          detailed_metric: true
          rate_limit: {unit: minute, requests_per_unit: 100}
      """;

  static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  @Test
  void countersPerRuleWithoutRequestValues(@TempDir Path tmp) throws Exception {
    try (TestServer s = TestServer.start(tmp, Map.of("EXTRA_TAGS", "cluster:eu1"), Map.of("m.yaml", CONFIG))) {
      for (int i = 0; i < 3; i++) {
        s.call("m", 1, d("user", "secret-user-value"));
      }
      s.call("m", 1, d("detailed", "visible-value"));
      s.call("nope", 1, d("user", "x"));
      String page = get("http://127.0.0.1:" + s.server.debugAddress().getPort() + "/metrics");
      assertThat(page)
          .contains("ratelimit_service_rate_limit_total_hits_total{cluster=\"eu1\",domain=\"m\",key=\"user\"} 3.0")
          .contains("ratelimit_service_rate_limit_over_limit_total{cluster=\"eu1\",domain=\"m\",key=\"user\"} 1.0")
          .contains("ratelimit_service_rate_limit_within_limit_total{cluster=\"eu1\",domain=\"m\",key=\"user\"} 2.0")
          .contains("key=\"detailed_visible-value\"")
          .contains("ratelimit_service_domain_not_found_total{cluster=\"eu1\",domain=\"nope\"} 1.0")
          .contains("ratelimit_service_config_load_success_total{cluster=\"eu1\"} 1.0")
          .contains("ratelimit_service_should_rate_limit_latency_seconds_count")
          .contains("ratelimit_store_latency_seconds_count")
          .doesNotContain("secret-user-value");
      String stats = get("http://127.0.0.1:" + s.server.debugAddress().getPort() + "/stats");
      assertThat(stats).contains("ratelimit.service.rate_limit.m.user.total_hits: 3")
          .contains("ratelimit.service.rate_limit.m.user.over_limit: 1");
      assertThat(get("http://127.0.0.1:" + s.server.debugAddress().getPort() + "/rlconfig")).contains("m.user");
    }
  }

  @Test
  void ownPrometheusListenerAndReloadCounters(@TempDir Path tmp) throws Exception {
    try (TestServer s = TestServer.start(tmp, Map.of("USE_PROMETHEUS", "true", "PROMETHEUS_ADDR", "127.0.0.1:0",
        "PROMETHEUS_PATH", "/prom"), Map.of("m.yaml", CONFIG))) {
      s.writeConfig("bad.yaml", "domain: [\n");
      Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> s.server.metrics().counted("config_load_error") > 0);
      String page = get("http://127.0.0.1:" + s.server.prometheusAddress().getPort() + "/prom");
      assertThat(page).contains("ratelimit_service_config_load_error_total 1.0")
          .contains("ratelimit_service_config_load_success_total 1.0");
    }
  }
}
