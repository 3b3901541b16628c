package dev.sluice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The debug port ({@link Endpoints#debug}) and the metrics route ({@link Endpoints#metrics}). */
class DebugEndpointsTest {

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<HttpListener> listeners = new ArrayList<>();
  private final AtomicReference<String> config = new AtomicReference<>();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private HttpListener start(Routes routes) throws IOException {
    HttpListener l = HttpListener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        routes, Options.builder().workerThreads(1).build());
    listeners.add(l);
    return l;
  }

  private HttpListener debug() throws IOException {
    return start(Endpoints.debug(config::get, () -> "ratelimit.go.numGoroutines: 7\n",
        Endpoints.metrics("/metrics", registry::scrape)));
  }

  @AfterEach
  void stop() {
    listeners.forEach(HttpListener::close);
  }

  private HttpResponse<String> get(HttpListener l, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + l.address().getPort() + path)).build(), BodyHandlers.ofString());
  }

  @Test
  void indexListsTheRoutesAsTheirsDoes() throws Exception {
    HttpResponse<String> r = get(debug(), "/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue(Response.TEXT);
    assertThat(r.body()).isEqualTo("""
        /metrics: prometheus metrics
        /rlconfig: print out the currently loaded configuration for debugging
        /stats: print out stats
        """);
  }

  @Test
  void rlconfigIsTheCurrentDumpAndEmptyWithoutOne() throws Exception {
    HttpListener l = debug();
    HttpResponse<String> none = get(l, "/rlconfig");
    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(none.body()).isEmpty();

    config.set("dummy.one_per_day_something: unit=DAY requests_per_unit=1\n");
    assertThat(get(l, "/rlconfig").body())
        .isEqualTo("dummy.one_per_day_something: unit=DAY requests_per_unit=1\n");
    config.set("reloaded\n");
    assertThat(get(l, "/rlconfig").body()).isEqualTo("reloaded\n");
  }

  @Test
  void statsIsTheSuppliersText() throws Exception {
    HttpResponse<String> r = get(debug(), "/stats");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ratelimit.go.numGoroutines: 7\n");
  }

  @Test
  void metricsIsPrometheusText() throws Exception {
    registry.counter("ratelimit.service.rate_limit.over_limit", "domain", "dummy").increment(3);
    HttpResponse<String> r = get(debug(), "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body())
        .contains("ratelimit_service_rate_limit_over_limit_total{domain=\"dummy\"} 3.0");
  }

  @Test
  void metricsMountsAloneOnItsOwnListenerAtItsOwnPath() throws Exception {
    HttpListener prometheus = start(Endpoints.metrics("/prom", registry::scrape));
    assertThat(get(prometheus, "/prom").statusCode()).isEqualTo(200);
    assertThat(get(prometheus, "/prom").headers().firstValue("content-type"))
        .hasValue(Endpoints.PROMETHEUS_TEXT);
    assertThat(get(prometheus, "/metrics").statusCode()).isEqualTo(404);
    assertThat(get(prometheus, "/").statusCode()).isEqualTo(404);
  }

  @Test
  void debugWithoutMetrics() throws Exception {
    HttpListener l = start(Endpoints.debug(() -> "c", () -> "s", Routes.none()));
    assertThat(get(l, "/").body()).doesNotContain("metrics");
    assertThat(get(l, "/metrics").statusCode()).isEqualTo(404);
  }

  @Test
  void unknownPathsAre404NotTheIndex() throws Exception {
    assertThat(get(debug(), "/debug/pprof/").statusCode()).isEqualTo(404);
  }

  @Test
  void failingSupplierIs500AndTheNextRequestIsServed() throws Exception {
    Supplier<String> broken = () -> {
      throw new IllegalStateException("no config yet");
    };
    HttpListener l = start(Endpoints.debug(broken, () -> "s", Routes.none()));
    HttpResponse<String> r = get(l, "/rlconfig");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("internal error\n");
    assertThat(get(l, "/stats").body()).isEqualTo("s");
  }

  @Test
  void debugRoutesAreGetOnly() throws Exception {
    HttpListener l = debug();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + l.address().getPort() + "/stats")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).hasValue("GET, HEAD");
  }
}
