package dev.sluice.server;

import dev.sluice.Clock;
import dev.sluice.Policy;
import dev.sluice.redis.RedisStore;
import dev.sluice.server.api.AdminAccess;
import dev.sluice.server.api.ApiRoutes;
import dev.sluice.server.api.ApiSettings;
import dev.sluice.server.file.ServerFileSource;
import dev.sluice.server.grpc.GrpcListener;
import dev.sluice.server.http.Endpoints;
import dev.sluice.server.http.HttpListener;
import dev.sluice.server.http.Options;
import dev.sluice.server.http.Routes;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.runtime.RuntimeSource;
import dev.sluice.server.service.RateLimitService;
import dev.sluice.server.settings.ListenSettings;
import dev.sluice.server.settings.RedisSettings;
import dev.sluice.server.settings.ServiceSettings;
import dev.sluice.server.settings.Settings;
import dev.sluice.server.settings.SettingsException;
import dev.sluice.server.settings.StatsSettings;
import dev.sluice.server.settings.StoreSettings;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.Store;
import dev.sluice.sqlite.SqliteStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The server: its store, config, service and listeners, started from one {@link Settings} and
 * stopped as a whole. {@link #close()} is graceful: the health turns unhealthy, the listeners
 * stop accepting and let the calls in flight finish (bounded by the grace period), then the
 * store is closed (a SQLite store commits what it has acknowledged).
 */
public final class SluiceServer implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(SluiceServer.class.getName());

  private final Settings settings;
  private final ApiSettings api;
  private final Health health;
  private final ServerMetrics metrics;
  private final Store store;
  private final Store perSecondStore;
  private final ConfigHolder config;
  /** The runtime layout's files; null when the config comes from a server file. */
  private final RuntimeSource runtime;
  /** The server file; null when the settings come from the environment. */
  private final ServerFileSource file;
  private final RateLimitService service;
  private final List<AutoCloseable> listeners = new ArrayList<>();
  private GrpcListener grpc;
  private HttpListener http;
  private HttpListener debug;
  private HttpListener prometheus;
  private volatile boolean closed;

  private SluiceServer(Settings settings, ApiSettings api, ServerFileSource file) throws Exception {
    this.settings = settings;
    this.api = api;
    this.file = file;
    ServiceSettings ss = settings.service();
    this.health = new Health(ss.healthyWithAtLeastOneConfigLoaded());
    this.metrics = new ServerMetrics(settings.stats().extraTags());
    if (file == null) {
      this.runtime = new RuntimeSource(settings.runtime().configDirectory(),
          settings.runtime().watchedRoot().orElse(null), settings.runtime().ignoreDotFiles(),
          RuntimeSource.DEFAULT_POLL_INTERVAL);
      this.config = new ConfigHolder(runtime::read, settings.runtime().mergeDomainConfig(), metrics, health);
    } else {
      this.runtime = null;
      this.config = new ConfigHolder(
          () -> new ConfigHolder.Loaded(file.reload().config(), List.of(file.path().toString())), metrics, health);
    }
    StoreSettings st = settings.store();
    this.store = openStore(st, st.redis().orElse(null));
    this.perSecondStore = st.redisPerSecond().isPresent() ? openStore(st, st.redisPerSecond().get()) : null;
    java.util.Set<Store> clusters = new java.util.HashSet<>();
    if (st.redis().map(r -> r.type() == RedisSettings.Type.CLUSTER).orElse(false)) {
      clusters.add(store);
    }
    if (st.redisPerSecond().map(r -> r.type() == RedisSettings.Type.CLUSTER).orElse(false)) {
      clusters.add(perSecondStore);
    }
    this.service = new RateLimitService(config, store, perSecondStore, Clock.system(), metrics, serviceOptions(ss, settings.limits()),
        clusters.isEmpty() ? null : (s, key) -> clusters.contains(s) ? io.lettuce.core.cluster.SlotHash.getSlot(key) : -1);
  }

  /**
   * Starts a server from environment variables (envoyproxy/ratelimit's names; see docs/server.md),
   * {@code ADMIN_TOKEN} among them, with no named policies.
   *
   * @param env the environment
   * @return the started server
   * @throws SettingsException if a setting is invalid or unsupported
   * @throws Exception if the store cannot be opened, the config cannot be loaded at the start, or a
   *     port cannot be bound
   */
  public static SluiceServer start(Map<String, String> env) throws Exception {
    return start(Settings.fromEnvironment(env), ApiSettings.fromEnvironment(env));
  }

  /**
   * Starts a server with no named policies, and {@code ADMIN_TOKEN} from the process's
   * environment.
   *
   * @param settings the settings
   * @return the started server
   * @throws Exception if the store cannot be opened, the config cannot be loaded at the start
   *     (unless {@code FORCE_START_WITHOUT_INITIAL_CONFIG}), or a port cannot be bound
   */
  public static SluiceServer start(Settings settings) throws Exception {
    return start(settings, ApiSettings.fromEnvironment(System.getenv()));
  }

  /**
   * Starts a server with the named policies and admin token of Sluice's own API.
   *
   * @param settings the settings
   * @param api the named policies and the admin token
   * @return the started server
   * @throws Exception as {@link #start(Settings)}
   */
  public static SluiceServer start(Settings settings, ApiSettings api) throws Exception {
    return start(settings, java.util.Objects.requireNonNull(api, "api"), null);
  }

  /**
   * Starts a server from a server file ({@code sluice-server serve --config FILE}): its settings
   * (the environment's variables win over the file's, {@code ADMIN_TOKEN} too), its domains and
   * its named policies (the API's). The file is
   * watched: a change reloads the domains and the policies (a file that does not load keeps the
   * last good ones); changed settings take effect at the next start. The server closes
   * {@code file} when it closes.
   *
   * @param file the server file, as opened for the start
   * @return the started server
   * @throws Exception if the store cannot be opened, the file no longer loads, or a port cannot be bound
   */
  public static SluiceServer start(ServerFileSource file) throws Exception {
    return start(file.settings(),
        ApiSettings.fromEnvironment(file.initial().variables()).withPolicies(file::policies), file);
  }

  private static SluiceServer start(Settings settings, ApiSettings api, ServerFileSource file) throws Exception {
    SluiceServer s = new SluiceServer(settings, api, file);
    try {
      s.startListeners();
    } catch (Exception | Error e) {
      s.close();
      throw e;
    }
    return s;
  }

  private void startListeners() throws Exception {
    warmUp();
    String error = config.reload();
    if (error != null && file != null) {
      throw new IllegalStateException(file.path() + " cannot be loaded: " + error);
    }
    if (error != null && !settings.runtime().forceStartWithoutInitialConfig()) {
      throw new IllegalStateException("the config in " + settings.runtime().configDirectory() + " cannot be loaded: "
          + error + " (FORCE_START_WITHOUT_INITIAL_CONFIG=true starts without it)");
    }
    if (file != null) {
      file.watch(config::reload);
    } else {
      runtime.watch(config::reload);
    }
    ListenSettings l = settings.listen();
    grpc = GrpcListener.start(new InetSocketAddress(l.grpcHost(), l.grpcPort()), service, health,
        settings.limits().maxRequestBytes(),
        l.grpcMaxConnectionAge(), l.grpcMaxConnectionAgeGrace());
    listeners.add(grpc);
    Options options = Options.builder().maxRequestBytes(settings.limits().maxRequestBytes()).build();
    http = HttpListener.start(new InetSocketAddress(l.host(), l.port()), withApi(Endpoints.main(service, health)),
        options);
    listeners.add(http);
    StatsSettings stats = settings.stats();
    Routes metricsRoutes = Endpoints.metrics(stats.prometheusPath(), metrics::scrape);
    boolean ownPrometheus = stats.prometheus();
    InetSocketAddress debugBind = new InetSocketAddress(l.debugHost(), l.debugPort());
    debug = HttpListener.start(debugBind, Endpoints.debug(() -> config.get().dump(), metrics::statsText,
        withAdmin(ownPrometheus ? Routes.none() : metricsRoutes, debugBind)), options);
    listeners.add(debug);
    if (ownPrometheus) {
      prometheus = HttpListener.start(new InetSocketAddress(stats.prometheusHost(), stats.prometheusPort()),
          metricsRoutes, options);
      listeners.add(prometheus);
    }
  }

  // ---- Sluice's own HTTP API and the admin API (dev.sluice.server.api) ----

  /** The main listener's routes: envoy's {@code main} plus Sluice's {@code /v1/} API. */
  private Routes withApi(Routes main) {
    return Routes.builder().include(main).include(ApiRoutes.main(store, api.policies())).build();
  }

  /** The debug listener's extra routes plus the admin API, behind the token rule of {@code bind}. */
  private Routes withAdmin(Routes more, InetSocketAddress bind) {
    AdminAccess access = AdminAccess.of(bind, api.adminToken());
    adminWarning = access.warning().orElse(null);
    if (adminWarning != null) {
      LOG.warning(adminWarning);
    }
    return Routes.builder().include(more)
        .include(ApiRoutes.admin(access, store, api.policies(), config, service)).build();
  }

  private String adminWarning;

  // ---- end of the API wiring ----

  /**
   * Builds protobuf's JSON parser and printer for the RLS messages once, before the listeners
   * open: the first {@code /json} call does not pay for it (seconds on a loaded machine).
   */
  private static void warmUp() throws com.google.protobuf.InvalidProtocolBufferException {
    var request = io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(
        "{\"domain\":\"w\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\"v\"}]}]}", request);
    com.google.protobuf.util.JsonFormat.printer().print(
        io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.newBuilder()
            .addStatuses(io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus.getDefaultInstance()));
  }

  private static Store openStore(StoreSettings st, RedisSettings redis) throws IOException {
    switch (st.backend()) {
      case MEMORY:
        return InMemory.builder().build();
      case SQLITE: {
        Path path = st.sqlitePath().toAbsolutePath();
        if (path.getParent() != null) {
          Files.createDirectories(path.getParent());
        }
        return SqliteStore.open(path).failure(FailurePolicy.closed()).build();
      }
      case REDIS: {
        // SENTINEL: one redis-sentinel:// URI; the store asks the sentinels for the master
        RedisStore.Builder b = redis.type() == RedisSettings.Type.CLUSTER
            ? RedisStore.cluster(redis.uris().toArray(new String[0]))
            : RedisStore.standalone(redis.uris().get(0));
        if (!redis.sentinelPassword().isEmpty()) {
          b.sentinelCredentials(redis.sentinelUsername(), redis.sentinelPassword());
        }
        RedisSettings.TlsFiles tls = redis.tls();
        tls.caFile().ifPresent(b::tlsCaFile);
        if (tls.clientCertFile().isPresent()) {
          b.tlsClientCertificate(tls.clientCertFile().get(), tls.clientKeyFile().get());
        }
        try {
          return b.failure(FailurePolicy.closed()).connectTimeout(clamp(redis.connectTimeout())).build();
        } catch (IllegalArgumentException e) {
          if (tls.equals(RedisSettings.TlsFiles.NONE)) {
            throw e;
          }
          // the store names its options (tlsCaFile...); the operator set variables
          throw new IllegalArgumentException("REDIS_TLS_CACERT=" + tls.caFile().map(Path::toString).orElse("")
              + ", REDIS_TLS_CLIENT_CERT=" + tls.clientCertFile().map(Path::toString).orElse("")
              + ", REDIS_TLS_CLIENT_KEY=" + tls.clientKeyFile().map(Path::toString).orElse("") + ": " + e.getMessage(),
              e);
        }
      }
      default:
        throw new AssertionError(st.backend());
    }
  }

  private static Duration clamp(Duration d) {
    Duration max = Duration.ofSeconds(60);
    return d.isZero() || d.isNegative() ? Duration.ofSeconds(2) : d.compareTo(max) > 0 ? max : d;
  }

  private static RateLimitService.Options serviceOptions(ServiceSettings ss,
      dev.sluice.server.settings.InputLimits limits) {
    long ppm = Math.round((double) ss.nearLimitRatio() * 1_000_000d);
    return new RateLimitService.Options(ss.cacheKeyPrefix(), ss.shadowMode(), ss.quotaMode(), ppm,
        ss.responseHeadersEnabled(), ss.limitHeader(), ss.remainingHeader(), ss.resetHeader(),
        ss.localCacheSizeInBytes(), ss.failureMode(), limits.maxValueLength(), limits.maxDescriptors(),
        limits.maxEntries(), ss.responseDynamicMetadata());
  }

  /** The gRPC listener's address. */
  public InetSocketAddress grpcAddress() {
    return grpc.address();
  }

  /** The HTTP listener's address. */
  public InetSocketAddress httpAddress() {
    return http.address();
  }

  /** The debug listener's address. */
  public InetSocketAddress debugAddress() {
    return debug.address();
  }

  /** The Prometheus listener's address, or null when metrics are served on the debug listener. */
  public InetSocketAddress prometheusAddress() {
    return prometheus == null ? null : prometheus.address();
  }

  /** The meters. */
  public ServerMetrics metrics() {
    return metrics;
  }

  /** The service (for the admin API and tests). */
  public RateLimitService service() {
    return service;
  }

  /** The health. */
  public Health health() {
    return health;
  }

  /** The settings. */
  public Settings settings() {
    return settings;
  }

  /**
   * The named policies that Sluice's own API serves: the server file's as last loaded, or those
   * given to {@link #start(Settings, ApiSettings)}; an empty map when started from the environment.
   *
   * @return a supplier of name to policy, unmodifiable
   */
  public Supplier<Map<String, Policy>> policies() {
    return api.policies();
  }

  /** Reloads the config now; null on success, else what went wrong (the last good one stays). */
  public String reload() {
    return config.reload();
  }

  /** The config files loaded. */
  public List<String> configFiles() {
    return config.files();
  }

  /** The store's description for the start banner. */
  public String storeDescription() {
    StoreSettings st = settings.store();
    return switch (st.backend()) {
      case MEMORY -> "memory (nothing survives a restart)";
      case SQLITE -> "sqlite " + st.sqlitePath().toAbsolutePath();
      case REDIS -> "redis " + st.redis().map(Object::toString).orElse("")
          + st.redisPerSecond().map(r -> ", per-second limits on " + r).orElse("");
    };
  }

  /** Prints where the server listens, which config it loaded and which store it uses. */
  public void printBanner(PrintStream out) {
    out.println("Sluice server " + Version.get());
    out.println("  gRPC    " + hostPort(grpcAddress()) + "  (envoy.service.ratelimit.v3.RateLimitService, grpc.health.v1.Health)");
    out.println("  HTTP    " + hostPort(httpAddress()) + "  (POST /json, GET /healthcheck)");
    out.println("  debug   " + hostPort(debugAddress()) + "  (/rlconfig, /stats"
        + (prometheus == null ? ", " + settings.stats().prometheusPath() : "") + ")");
    if (prometheus != null) {
      out.println("  metrics " + hostPort(prometheus.address()) + settings.stats().prometheusPath());
    }
    out.println("  API     " + hostPort(httpAddress()) + "  (/v1/check, /v1/leases/*, /v1/budgets/*, /v1/openapi.yaml)");
    out.println("  admin   " + hostPort(debugAddress()) + "  (/v1/admin/*)");
    if (adminWarning != null) {
      out.println("  WARNING " + adminWarning);
    }
    out.println("  store   " + storeDescription());
    if (file != null) {
      out.println("  config  " + file.path());
      for (String line : file.describe()) {
        out.println("          " + line);
      }
    } else {
      out.println("  config  " + settings.runtime().configDirectory() + (configFiles().isEmpty() ? " (no files)" : ""));
      for (String f : configFiles()) {
        out.println("          " + f);
      }
    }
    out.println("  domains " + config.get().domains());
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** Stops the server gracefully (idempotent). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.fail(Health.SIGTERM);
    if (runtime != null) {
      runtime.close();
    }
    if (file != null) {
      file.close();
    }
    if (grpc != null) {
      grpc.stop(Duration.ofSeconds(10));
    }
    for (AutoCloseable l : listeners) {
      if (l == grpc) {
        continue;
      }
      try {
        l.close();
      } catch (Exception e) {
        LOG.warning(() -> "closing " + l + ": " + e);
      }
    }
    if (perSecondStore != null) {
      perSecondStore.close();
    }
    store.close();
  }
}
