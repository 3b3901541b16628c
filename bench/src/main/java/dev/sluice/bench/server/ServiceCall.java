package dev.sluice.bench.server;

import dev.sluice.Clock;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.service.RateLimitService;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.Store;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server's own work per {@code ShouldRateLimit} call, without a transport: the
 * {@link RateLimitService} on the in-memory store deciding {@link ServerReport}'s requests (one
 * descriptor, a value drawn from 100,000), as the gRPC listener calls it, plus the response's
 * serialized size (what the marshaller computes first). What {@code grpc} costs beyond
 * {@code grpc-empty} in bench/server.sh is this, on the connection's event loop thread.
 *
 * <p>{@code java -jar bench/target/benchmarks.jar ServiceCall -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ServiceCall {

  private RateLimitService service;
  private RateLimitRequest[] requests;

  @Setup
  public void setup() throws Exception {
    RateLimitConfig config = ConfigLoader.load(List.of(new ConfigFile("bench.yaml", ServerReport.CONFIG)), false);
    Store store = InMemory.builder().build();
    service = new RateLimitService(() -> config, store, null, Clock.system(), new ServerMetrics(),
        RateLimitService.Options.defaults(), null);
    requests = new RateLimitRequest[100_000];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = ServerReport.request(i);
    }
  }

  @Benchmark
  public int shouldRateLimitAsync() {
    RateLimitRequest r = requests[ThreadLocalRandom.current().nextInt(requests.length)];
    RateLimitResponse answer = service.shouldRateLimitAsync(r, Runnable::run).join();
    return answer.getSerializedSize();
  }
}
