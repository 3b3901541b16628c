package dev.sluice.server.grpc;

import dev.sluice.server.Decider;
import dev.sluice.server.Health;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC listener: {@code envoy.service.ratelimit.v3.RateLimitService} and
 * {@code grpc.health.v1.Health}, whose status follows {@link Health} for the service names
 * {@code ""} and {@code "ratelimit"} (as envoyproxy/ratelimit registers it).
 */
public final class GrpcListener implements AutoCloseable {

  /** The health service name envoyproxy/ratelimit reports under. */
  public static final String HEALTH_SERVICE = "ratelimit";

  private final Server server;
  private final HealthStatusManager health;
  private final java.util.concurrent.ExecutorService blocking;

  private GrpcListener(Server server, HealthStatusManager health, java.util.concurrent.ExecutorService blocking) {
    this.server = server;
    this.health = health;
    this.blocking = blocking;
  }

  /**
   * Starts a listener.
   *
   * @param address where to listen; port 0 picks a free one
   * @param decider answers the calls
   * @param healthState the server's health
   * @param maxMessageBytes the largest request accepted
   * @param maxConnectionAge {@code GRPC_MAX_CONNECTION_AGE}: a connection older than this is sent a
   *     GOAWAY so that clients rebalance; zero for never
   * @param maxConnectionAgeGrace {@code GRPC_MAX_CONNECTION_AGE_GRACE}: how long calls on such a
   *     connection may still take; zero for unbounded
   * @return the started listener
   * @throws IOException if the address cannot be bound
   */
  public static GrpcListener start(InetSocketAddress address, Decider decider, Health healthState, int maxMessageBytes,
      Duration maxConnectionAge, Duration maxConnectionAgeGrace) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    // calls are handled on the transport's event loops: most are answered from the store's own
    // thread when its answer comes, and no thread waits for a store; a decision that may block
    // (several counters, quota or shadow rules) runs on this pool instead
    java.util.concurrent.ExecutorService blocking = java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "sluice-grpc-blocking");
      t.setDaemon(true);
      return t;
    });
    NettyServerBuilder b = NettyServerBuilder.forAddress(address)
        .directExecutor()
        .addService(new RateLimitGrpcService(decider, blocking))
        .addService(health.getHealthService())
        .maxInboundMessageSize(maxMessageBytes);
    if (!maxConnectionAge.isZero()) {
      b.maxConnectionAge(maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (!maxConnectionAgeGrace.isZero()) {
      b.maxConnectionAgeGrace(maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
    Server server;
    try {
      server = b.build().start();
    } catch (IOException | RuntimeException e) {
      blocking.shutdownNow();
      throw e;
    }
    GrpcListener l = new GrpcListener(server, health, blocking);
    healthState.onChange(() -> {
      ServingStatus s = healthState.healthy() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      health.setStatus("", s);
      health.setStatus(HEALTH_SERVICE, s);
    });
    return l;
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  /**
   * Stops accepting calls, lets calls in flight finish for up to {@code grace}, then cancels the rest.
   *
   * @param grace how long calls in flight may take to finish
   */
  public void stop(Duration grace) {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      blocking.shutdown();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(5));
  }
}
