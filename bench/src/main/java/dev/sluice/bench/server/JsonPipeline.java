package dev.sluice.bench.server;

import dev.sluice.Clock;
import dev.sluice.server.Health;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.http.Endpoints;
import dev.sluice.server.http.HttpListener;
import dev.sluice.server.http.Options;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.service.RateLimitService;
import dev.sluice.spi.InMemory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP {@code POST /json} row of bench/server.sh without sockets and without wrk: one
 * keep-alive connection's pipeline on a Netty {@link EmbeddedChannel}, fed the raw bytes of
 * {@link ServerReport}'s requests (one descriptor, a value drawn from 100,000), the response bytes
 * read back. {@code json} is the server's pipeline ({@link HttpListener#pipeline}: request
 * decoder, body limit, routing with the idle timer, {@code /json} on the in-memory store, answers
 * written as bytes); {@code bare} is the
 * reference's ({@link BareHttpServer#pipeline}: codec, aggregator, the same answer's bytes). The
 * difference is what the server does per request beyond the transport, measured on one thread
 * with nothing else running: the figure the wrk rows' "server CPU µs/call" approximate.
 *
 * <p>{@code java -jar bench/target/benchmarks.jar JsonPipeline -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC"})
public class JsonPipeline {

  private static final int REQUESTS = 100_000;

  private EmbeddedChannel json;
  private EmbeddedChannel bare;
  private byte[][] requests;

  @Setup
  public void setup() throws Exception {
    RateLimitConfig config = ConfigLoader.load(List.of(new ConfigFile("bench.yaml", ServerReport.CONFIG)), false);
    RateLimitService service = new RateLimitService(() -> config, InMemory.builder().build(), null, Clock.system(),
        new ServerMetrics(), RateLimitService.Options.defaults(), null);
    json = new EmbeddedChannel();
    HttpListener.pipeline(json.pipeline(), Endpoints.main(service, new Health(false)), Options.defaults(), null,
        () -> false);
    requests = new byte[REQUESTS][];
    for (int i = 0; i < REQUESTS; i++) {
      byte[] body = ServerReport.json(i).getBytes(StandardCharsets.UTF_8);
      String head = "POST /json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length + "\r\n\r\n";
      byte[] raw = new byte[head.length() + body.length];
      System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, raw, 0, head.length());
      System.arraycopy(body, 0, raw, head.length(), body.length);
      requests[i] = raw;
    }
    byte[] answer = body(exchange(json, requests[0])).getBytes(StandardCharsets.UTF_8);
    bare = new EmbeddedChannel();
    BareHttpServer.pipeline(bare.pipeline(), Options.defaults().maxRequestBytes(), answer);
    String fromServer = exchange(json, requests[1]);
    String fromBare = exchange(bare, requests[1]);
    if (!fromServer.startsWith("HTTP/1.1 200 OK") || !body(fromServer).equals(body(fromBare))) {
      throw new IllegalStateException("the two pipelines answer differently:\n" + fromServer + "\n---\n" + fromBare);
    }
  }

  @TearDown
  public void tearDown() {
    json.finishAndReleaseAll();
    bare.finishAndReleaseAll();
  }

  private static String exchange(EmbeddedChannel channel, byte[] request) {
    channel.writeInbound(Unpooled.wrappedBuffer(request));
    StringBuilder out = new StringBuilder();
    ByteBuf b;
    while ((b = channel.readOutbound()) != null) {
      out.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return out.toString();
  }

  private static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }

  private static int roundTrip(EmbeddedChannel channel, byte[] request) {
    channel.writeInbound(Unpooled.wrappedBuffer(request));
    int bytes = 0;
    ByteBuf b;
    while ((b = channel.readOutbound()) != null) {
      bytes += b.readableBytes();
      b.release();
    }
    return bytes;
  }

  @Benchmark
  public int json() {
    return roundTrip(json, requests[ThreadLocalRandom.current().nextInt(REQUESTS)]);
  }

  @Benchmark
  public int bare() {
    return roundTrip(bare, requests[ThreadLocalRandom.current().nextInt(REQUESTS)]);
  }
}
