package dev.sluice.server;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Sluice server started in-process on ephemeral loopback ports, with its config files in a
 * temporary runtime root ({@code root/ratelimit/config/*.yaml}), and a gRPC client on the
 * generated stubs.
 */
final class TestServer implements AutoCloseable {

  final Path root;
  final Path configDir;
  final SluiceServer server;
  final ManagedChannel channel;
  final RateLimitServiceGrpc.RateLimitServiceBlockingStub stub;

  private TestServer(Path root, Path configDir, SluiceServer server) {
    this.root = root;
    this.configDir = configDir;
    this.server = server;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcAddress().getPort()).usePlaintext().build();
    this.stub = RateLimitServiceGrpc.newBlockingStub(channel);
  }

  /**
   * Starts a server.
   *
   * @param tmp a temporary directory for the runtime root and the store's files
   * @param env settings beyond the test defaults (ephemeral loopback ports, memory store)
   * @param files config file name → YAML
   */
  static TestServer start(Path tmp, Map<String, String> env, Map<String, String> files) throws Exception {
    Path root = tmp.resolve("runtime");
    Path configDir = root.resolve("ratelimit").resolve("config");
    Files.createDirectories(configDir);
    for (Map.Entry<String, String> f : files.entrySet()) {
      Files.writeString(configDir.resolve(f.getKey()), f.getValue());
    }
    Map<String, String> all = new HashMap<>();
    all.put("HOST", "127.0.0.1");
    all.put("PORT", "0");
    all.put("GRPC_HOST", "127.0.0.1");
    all.put("GRPC_PORT", "0");
    all.put("DEBUG_HOST", "127.0.0.1");
    all.put("DEBUG_PORT", "0");
    all.put("BACKEND_TYPE", "memory");
    all.put("USE_STATSD", "false");
    all.put("RUNTIME_ROOT", root.toString());
    all.put("RUNTIME_SUBDIRECTORY", "ratelimit");
    all.put("RUNTIME_APPDIRECTORY", "config");
    all.put("RUNTIME_WATCH_ROOT", "false");
    all.put("SQLITE_PATH", tmp.resolve("data").resolve("sluice.db").toString());
    all.putAll(env);
    return new TestServer(root, configDir, SluiceServer.start(all));
  }

  void writeConfig(String name, String yaml) {
    try {
      Path t = configDir.resolve("." + name + ".tmp");
      Files.writeString(t, yaml);
      Files.move(t, configDir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RateLimitResponse call(String domain, long hits, String[]... descriptors) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS).shouldRateLimit(request(domain, hits, descriptors));
  }

  /** A request: each descriptor is {key1, value1, key2, value2, ...}. */
  static RateLimitRequest request(String domain, long hits, String[]... descriptors) {
    RateLimitRequest.Builder b = RateLimitRequest.newBuilder().setDomain(domain).setHitsAddend((int) hits);
    for (String[] d : descriptors) {
      RateLimitDescriptor.Builder db = RateLimitDescriptor.newBuilder();
      for (int i = 0; i < d.length; i += 2) {
        db.addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(d[i]).setValue(d[i + 1]));
      }
      b.addDescriptors(db);
    }
    return b.build();
  }

  static String[] d(String... kv) {
    return kv;
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
