package dev.sluice.server.api;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.http.HttpListener;
import dev.sluice.server.http.Options;
import dev.sluice.server.http.Routes;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.service.RateLimitService;
import dev.sluice.spi.Command;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import dev.sluice.sqlite.SqliteStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's routes on real HTTP listeners (loopback, ephemeral ports) over a real store (memory
 * or SQLite) on a manual clock, with a switch that makes the store fail, and a client.
 */
final class ApiServer implements AutoCloseable {

  /** The stores the tests run on. */
  enum Kind { MEMORY, SQLITE }

  /** The start of every test's timeline: a Monday 10:00 UTC (14 h before the day's end). */
  static final Instant START = Instant.parse("2026-03-02T10:00:00Z");

  /** The named policies of the tests. */
  static final Map<String, String> SPECS = specs();

  static final String ENVOY_CONFIG = """
      domain: shop
      descriptors:
        - key: user
          rate_limit:
            unit: minute
            requests_per_unit: 3
        - key: free
          rate_limit:
            unlimited: true
      """;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  final ManualClock clock = new ManualClock(START);
  final Store real;
  final FailingStore store;
  final Map<String, Policy> policies = new ConcurrentHashMap<>();
  final RateLimitConfig config;
  final RateLimitService service;
  final HttpListener main;
  final HttpListener admin;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private ApiServer(Kind kind, Path dir, AdminAccess access) throws Exception {
    real = kind == Kind.MEMORY ? InMemory.builder().clock(clock).build()
        : SqliteStore.open(dir.resolve("api.db")).clock(clock).failure(FailurePolicy.closed()).build();
    store = new FailingStore(real);
    SPECS.forEach((name, spec) -> policies.put(name, PolicyText.parse(name, spec)));
    config = ConfigLoader.load(List.of(new ConfigFile("shop.yaml", ENVOY_CONFIG)), false);
    service = new RateLimitService(() -> config, store, null, clock, new ServerMetrics(),
        RateLimitService.Options.defaults(), null);
    Options options = Options.builder().workerThreads(1).blockingThreads(2).build();
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    main = HttpListener.start(loopback, ApiRoutes.main(store, () -> Map.copyOf(policies)), options);
    admin = HttpListener.start(loopback,
        ApiRoutes.admin(access, store, () -> Map.copyOf(policies), () -> config, service), options);
  }

  /** The API on {@code kind}, the admin API open to loopback without a token. */
  static ApiServer start(Kind kind, Path dir) throws Exception {
    return start(kind, dir, AdminAccess.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null));
  }

  static ApiServer start(Kind kind, Path dir, AdminAccess access) throws Exception {
    return new ApiServer(kind, dir, access);
  }

  private static Map<String, String> specs() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("api", "fixed-window limit=5 period=1m");
    m.put("burst", "token-bucket capacity=3 rate=1/s");
    m.put("daily", "budget limit=100 period=1d");
    m.put("jobs", "concurrency slots=2 ttl=10m");
    return Map.copyOf(m);
  }

  HttpResponse<String> post(String path, String json) throws Exception {
    return send(main, "POST", path, json, null);
  }

  HttpResponse<String> get(String path) throws Exception {
    return send(main, "GET", path, null, null);
  }

  HttpResponse<String> admin(String method, String path, String json, String token) throws Exception {
    return send(admin, method, path, json, token);
  }

  HttpResponse<String> send(HttpListener to, String method, String path, String json, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + to.address().getPort() + path)).timeout(Duration.ofSeconds(20));
    b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) {
    return JSON.readTree(r.body());
  }

  /** The value of header {@code name}, or null. */
  static String header(HttpResponse<String> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  Policy policy(String name) {
    return policies.get(name);
  }

  /** What the store says of {@code key} under {@code name} now (peek of 0). */
  Decision state(String name, String key) {
    return real.partition(policy(name)).apply(key, Command.peek(0));
  }

  @Override
  public void close() {
    main.close();
    admin.close();
    real.close();
  }

  /**
   * A store that answers as the real one, or, while {@link #failing}, as a store that cannot
   * decide and fails closed: every decision {@code STORE_UNAVAILABLE} with a retry of 2.5 s.
   */
  static final class FailingStore implements Store {
    static final long RETRY_NANOS = 2_500_000_000L;
    private final Store real;
    volatile boolean failing;

    FailingStore(Store real) {
      this.real = real;
    }

    @Override
    public Partition partition(Policy policy) {
      Partition p = real.partition(policy);
      return new Partition() {
        @Override
        public Policy policy() {
          return p.policy();
        }

        @Override
        public Decision apply(String key, Command command) {
          return failing ? Decision.storeUnavailable(policy, RETRY_NANOS) : p.apply(key, command);
        }
      };
    }

    @Override
    public MultiDecision applyAll(List<Charge> charges, Operation op) {
      return failing ? new MultiDecision(0, Decision.storeUnavailable(charges.get(0).policy(), RETRY_NANOS))
          : real.applyAll(charges, op);
    }

    @Override
    public Clock clock() {
      return real.clock();
    }

    @Override
    public void close() {
      real.close();
    }
  }
}
