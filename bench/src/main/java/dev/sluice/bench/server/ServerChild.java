package dev.sluice.bench.server;

import dev.sluice.server.Health;
import dev.sluice.server.SluiceServer;
import dev.sluice.server.grpc.GrpcListener;
import dev.sluice.server.http.Options;
import dev.sluice.server.settings.ListenSettings;
import dev.sluice.server.settings.Settings;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server side of {@link ServerReport}, in a JVM of its own (started by {@link ChildJvm} with
 * the bench jar), so that the server and the load generator do not share a heap, a JIT or a GC.
 *
 * <pre>
 * java [server JVM options] -cp benchmarks.jar dev.sluice.bench.server.ServerChild KIND [KEY=VALUE...] [payload]
 * </pre>
 *
 * The {@code KEY=VALUE} arguments are the server's environment (envoyproxy/ratelimit's names,
 * passed as arguments: the child's real environment is not touched). Kinds:
 *
 * <ul>
 *   <li>{@code sluice}: {@code SluiceServer.start(env)}, the whole server (gRPC, HTTP, debug).
 *   <li>{@code grpc-empty}: the reference of the gRPC rows: the server's own gRPC listener
 *       ({@link GrpcListener#start}, with the listen settings and the request limit read from the
 *       same environment, so the same Netty server builder, executor, message limit and
 *       connection age) serving a
 *       decider that returns one fixed {@code RateLimitResponse} (the payload: its bytes in
 *       base64, captured from the Sluice server's answer to the same request) without looking
 *       at the request. It is an empty grpc-java unary service of the same types, nothing more.
 *   <li>{@code http-bare}: the reference of the HTTP rows: {@link BareHttpServer}, a minimal
 *       Netty 4.2 HTTP/1.1 endpoint answering the fixed body (the payload, base64: the Sluice
 *       server's JSON answer to the same request) with the same thread counts as the server's
 *       HTTP listener.
 * </ul>
 *
 * Protocol on stdout: one line {@code @@ ready grpc=PORT http=PORT gc=NAMES heapMax=BYTES} once
 * listening; then commands on stdin, one a line: {@code gc} (two full collections, then
 * {@code @@ heap used=BYTES committed=BYTES}), {@code stop} or end of input (closes the server,
 * prints {@code @@ stopped}, exits 0). Logs go to stderr, which the parent sends to a file.
 */
public final class ServerChild {
  private ServerChild() {}

  static final String PREFIX = "@@ ";

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: ServerChild sluice|grpc-empty|http-bare [KEY=VALUE...] [payload]");
    }
    String kind = args[0];
    Map<String, String> env = new LinkedHashMap<>();
    List<String> rest = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq > 0 && args[i].substring(0, eq).matches("[A-Z_][A-Z0-9_]*")) {
        env.put(args[i].substring(0, eq), args[i].substring(eq + 1));
      } else {
        rest.add(args[i]);
      }
    }
    AutoCloseable running;
    int grpcPort = -1;
    int httpPort = -1;
    switch (kind) {
      case "sluice" -> {
        SluiceServer s = SluiceServer.start(env);
        grpcPort = s.grpcAddress().getPort();
        httpPort = s.httpAddress().getPort();
        running = s;
      }
      case "grpc-empty" -> {
        RateLimitResponse fixed = RateLimitResponse.parseFrom(Base64.getDecoder().decode(payload(rest)));
        Settings settings = Settings.fromEnvironment(env);
        ListenSettings l = settings.listen();
        // as SluiceServer starts its gRPC listener, with a decider that answers the fixed response
        // at once, on the transport's thread (as the server answers a store that decides in memory)
        dev.sluice.server.Decider empty = new dev.sluice.server.Decider() {
          @Override
          public RateLimitResponse shouldRateLimit(io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest request) {
            return fixed;
          }

          @Override
          public java.util.concurrent.CompletableFuture<RateLimitResponse> shouldRateLimitAsync(
              io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest request, java.util.concurrent.Executor blocking) {
            return java.util.concurrent.CompletableFuture.completedFuture(fixed);
          }
        };
        GrpcListener g = GrpcListener.start(new InetSocketAddress(l.grpcHost(), l.grpcPort()),
            empty, new Health(false), settings.limits().maxRequestBytes(),
            l.grpcMaxConnectionAge(), l.grpcMaxConnectionAgeGrace());
        grpcPort = g.address().getPort();
        running = g;
      }
      case "http-bare" -> {
        byte[] body = Base64.getDecoder().decode(payload(rest));
        Settings settings = Settings.fromEnvironment(env);
        ListenSettings l = settings.listen();
        // the server's HTTP listener's options, as SluiceServer builds them
        Options o = Options.builder().maxRequestBytes(settings.limits().maxRequestBytes()).build();
        BareHttpServer b = BareHttpServer.start(new InetSocketAddress(l.host(), l.port()),
            o.workerThreads(), o.maxRequestBytes(), body);
        httpPort = b.address().getPort();
        running = b;
      }
      default -> throw new IllegalArgumentException("unknown kind " + kind);
    }
    List<String> gcs = new ArrayList<>();
    ManagementFactory.getGarbageCollectorMXBeans().forEach(g -> gcs.add(g.getName().replace(' ', '_')));
    say("ready grpc=" + grpcPort + " http=" + httpPort + " gc=" + String.join("+", gcs)
        + " heapMax=" + Runtime.getRuntime().maxMemory());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      line = line.trim();
      if (line.equals("stop")) {
        break;
      }
      if (line.equals("gc")) {
        System.gc();
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        say("heap used=" + heap.getUsed() + " committed=" + heap.getCommitted());
      } else if (!line.isEmpty()) {
        say("error unknown command " + line);
      }
    }
    running.close();
    say("stopped");
    System.exit(0);
  }

  private static String payload(List<String> rest) {
    if (rest.size() != 1) {
      throw new IllegalArgumentException("expected one payload argument, got " + rest);
    }
    return rest.get(0);
  }

  private static void say(String line) {
    System.out.println(PREFIX + line);
    System.out.flush();
  }
}
