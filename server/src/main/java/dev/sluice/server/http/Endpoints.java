package dev.sluice.server.http;

import dev.sluice.server.Decider;
import dev.sluice.server.Health;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The route tables the server mounts, one call each, as envoyproxy/ratelimit serves them:
 *
 * <ul>
 *   <li>{@link #main}: the HTTP port ({@code PORT}, 8080): {@code POST /json} and {@code GET
 *       /healthcheck}.
 *   <li>{@link #debug}: the debug port ({@code DEBUG_PORT}, 6070): {@code /rlconfig}, {@code
 *       /stats}, whatever else is passed (the metrics), and an index at {@code /}.
 *   <li>{@link #metrics}: Prometheus text at {@code PROMETHEUS_PATH}, for the debug port or its
 *       own listener ({@code PROMETHEUS_ADDR}, :9090).
 * </ul>
 */
public final class Endpoints {

  /** The Prometheus text exposition format, version 0.0.4. */
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private Endpoints() {}

  /**
   * The main HTTP port's routes.
   *
   * <ul>
   *   <li>{@code POST /json}: the proto3 JSON of a {@code RateLimitRequest} in, of the {@code
   *       RateLimitResponse} out; 200 (OK), 429 (OVER_LIMIT), 500 (UNKNOWN); 400 naming the
   *       problem for a bad body; a {@link dev.sluice.server.RequestException}'s kind's status.
   *       Starts on the event loop: a request the decider answers without waiting (one counter,
   *       {@link Decider#shouldRateLimitAsync}) is answered there; the rest on the blocking pool.
   *   <li>{@code GET /healthcheck}: 200 "OK" while {@link Health#healthy()}, else 500 with no
   *       body. Runs on the event loop.
   * </ul>
   */
  public static Routes main(Decider decider, Health health) {
    Objects.requireNonNull(decider, "decider");
    Objects.requireNonNull(health, "health");
    return Routes.builder()
        .postAsync("/json", "HTTP/1.1 endpoint for interacting with the rate limit service",
            new JsonEndpoint(decider))
        .get("/healthcheck", "200 if this service is healthy, else 500",
            request -> health.healthy() ? Response.text(200, "OK") : Response.empty(500))
        .build();
  }

  /**
   * The debug port's routes: {@code GET /rlconfig} (the loaded config, as text; empty when none
   * is loaded), {@code GET /stats} (the stats, as text), every route of {@code more} (pass {@link
   * #metrics} to serve Prometheus here too, or {@link Routes#none()}), and {@code GET /} listing
   * them all as {@code path: help} lines. The suppliers run on the event loop: they must not
   * block; one that returns null gives an empty body.
   */
  public static Routes debug(Supplier<String> rlconfig, Supplier<String> stats, Routes more) {
    return Routes.builder()
        .get("/rlconfig", "print out the currently loaded configuration for debugging",
            text(rlconfig, "rlconfig"))
        .get("/stats", "print out stats", text(stats, "stats"))
        .include(more)
        .index("/")
        .build();
  }

  /**
   * {@code GET path}: {@code scrape}'s text with content type {@value #PROMETHEUS_TEXT}, e.g.
   * {@code Endpoints.metrics("/metrics", prometheusRegistry::scrape)}. Runs on the event loop.
   */
  public static Routes metrics(String path, Supplier<String> scrape) {
    Objects.requireNonNull(scrape, "scrape");
    return Routes.builder()
        .get(path, "prometheus metrics", request -> {
          String text = scrape.get();
          return Response.of(200, PROMETHEUS_TEXT, text == null ? "" : text);
        })
        .build();
  }

  private static Handler text(Supplier<String> supplier, String name) {
    Objects.requireNonNull(supplier, name);
    return request -> {
      String text = supplier.get();
      return Response.text(200, text == null ? "" : text);
    };
  }
}
