package dev.sluice.server.settings;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the server listens, as envoyproxy/ratelimit does: HTTP ({@code POST /json},
 * {@code GET /healthcheck}), debug, and gRPC. A port of 0 means any free port.
 *
 * @param host {@code HOST}, default {@code 0.0.0.0}
 * @param port {@code PORT}, default 8080
 * @param debugHost {@code DEBUG_HOST}, default {@code 0.0.0.0}
 * @param debugPort {@code DEBUG_PORT}, default 6070
 * @param grpcHost {@code GRPC_HOST}, default {@code 0.0.0.0}
 * @param grpcPort {@code GRPC_PORT}, default 8081
 * @param grpcMaxConnectionAge {@code GRPC_MAX_CONNECTION_AGE}, default 24h: a connection is sent
 *     GOAWAY after this long (gRPC adds its own ±10% jitter); zero means never
 * @param grpcMaxConnectionAgeGrace {@code GRPC_MAX_CONNECTION_AGE_GRACE}, default 1h: then closed
 *     this long after; zero means never
 */
public record ListenSettings(String host, int port, String debugHost, int debugPort, String grpcHost, int grpcPort,
    Duration grpcMaxConnectionAge, Duration grpcMaxConnectionAgeGrace) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public ListenSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(debugHost, "debugHost");
    Objects.requireNonNull(grpcHost, "grpcHost");
    Objects.requireNonNull(grpcMaxConnectionAge, "grpcMaxConnectionAge");
    Objects.requireNonNull(grpcMaxConnectionAgeGrace, "grpcMaxConnectionAgeGrace");
  }
}
