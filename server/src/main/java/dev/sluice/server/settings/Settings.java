package dev.sluice.server.settings;

import static dev.sluice.server.settings.Variable.*;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The server's settings, read once from the environment: envoyproxy/ratelimit's variables, with
 * their names, their defaults and their parsing (Go's, through envconfig), plus Sluice's own.
 * Immutable.
 *
 * <p>Sluice's own variables:
 * <ul>
 *   <li>{@code BACKEND_TYPE} also takes {@code sqlite} (Sluice's SQLite store, one file on this
 *       host) and {@code memory} (Sluice's in-memory store, this process only);
 *   <li>{@code SQLITE_PATH}, default {@code ./data/sluice.db}: the SQLite database file;
 *   <li>{@code FAILURE_MODE}, default {@code unavailable}: what a request answers when the store
 *       fails: {@code unavailable} (gRPC UNAVAILABLE, so that Envoy's {@code failure_mode_deny}
 *       decides), {@code open} (OK) or {@code closed} (OVER_LIMIT).
 * </ul>
 *
 * <p>A setting Sluice does not support stops the start: {@link #fromEnvironment} throws, naming
 * each such variable, its value and what to do instead ({@code BACKEND_TYPE=memcache},
 * {@code CONFIG_TYPE=GRPC_XDS_SOTW}, statsd, DogStatsD, tracing, gRPC over TLS or a unix socket,
 * Redis unix sockets). One difference of default:
 * {@code USE_STATSD} unset means false here (true in envoyproxy/ratelimit), so that a deployment
 * that never set it starts; only an explicit true is refused. Variables that are read but change
 * nothing are listed by {@link #notices()} when set to another value than their default. Unknown
 * variables are ignored. Every variable, its default and its treatment: {@link #reference()}.
 */
public final class Settings {

  /** The longest {@code CACHE_KEY_PREFIX}, in characters. */
  public static final int MAX_KEY_PREFIX = 256;

  private final ListenSettings listen;
  private final LogSettings log;
  private final RuntimeSettings runtime;
  private final StoreSettings store;
  private final ServiceSettings service;
  private final StatsSettings stats;
  private final InputLimits limits;
  private final List<String> description;
  private final List<String> notices;

  private Settings(Reader r, ListenSettings listen, LogSettings log, RuntimeSettings runtime, StoreSettings store,
      ServiceSettings service, StatsSettings stats, InputLimits limits) {
    this.listen = listen;
    this.limits = limits;
    this.log = log;
    this.runtime = runtime;
    this.store = store;
    this.service = service;
    this.stats = stats;
    this.description = List.copyOf(Banner.describe(r, this));
    this.notices = List.copyOf(Banner.notices(r, this));
  }

  /**
   * Reads the settings from an environment.
   *
   * @param env the environment, e.g. {@link System#getenv()}; variables Sluice does not know are ignored
   * @return the settings
   * @throws SettingsException listing every malformed or out-of-range value and every unsupported
   *     setting, each naming the variable and its value (secrets masked)
   */
  public static Settings fromEnvironment(Map<String, String> env) throws SettingsException {
    Reader r = new Reader(Objects.requireNonNull(env, "env"));
    ListenSettings listen = listen(r);
    LogSettings log = log(r);
    RuntimeSettings runtime = runtime(r);
    StatsSettings stats = stats(r);
    ServiceSettings service = service(r);
    StoreSettings store = store(r);
    InputLimits limits = new InputLimits((int) r.integer(MAX_REQUEST_BYTES, 1024, 64 << 20),
        (int) r.integer(MAX_VALUE_LENGTH, 1, 65536), (int) r.integer(MAX_DESCRIPTORS, 1, 4096),
        (int) r.integer(MAX_ENTRIES, 1, 4096));
    if (r.bool(TRACING_ENABLED)) {
      r.problem("TRACING_ENABLED=" + r.raw(TRACING_ENABLED) + " is not supported by Sluice: it has no tracing;"
          + " set TRACING_ENABLED=false");
    }
    if (!r.problems().isEmpty()) {
      throw new SettingsException(r.problems());
    }
    return new Settings(r, listen, log, runtime, store, service, stats, limits);
  }

  private static ListenSettings listen(Reader r) {
    if (!r.string(GRPC_UDS).isEmpty()) {
      r.problem("GRPC_UDS=" + r.raw(GRPC_UDS) + " is not supported by Sluice: it serves gRPC on TCP only; unset"
          + " GRPC_UDS and use GRPC_HOST and GRPC_PORT");
    }
    if (r.bool(GRPC_SERVER_USE_TLS)) {
      r.problem("GRPC_SERVER_USE_TLS=" + r.raw(GRPC_SERVER_USE_TLS) + " is not supported by Sluice: it serves gRPC"
          + " in plaintext; terminate TLS in front of it (e.g. an Envoy sidecar) and set GRPC_SERVER_USE_TLS=false");
    }
    return new ListenSettings(r.string(HOST), port(r, PORT), r.string(DEBUG_HOST), port(r, DEBUG_PORT),
        r.string(GRPC_HOST), port(r, GRPC_PORT), r.nonNegative(GRPC_MAX_CONNECTION_AGE),
        r.nonNegative(GRPC_MAX_CONNECTION_AGE_GRACE));
  }

  private static int port(Reader r, Variable v) {
    return (int) r.integer(v, 0, 65535);
  }

  private static LogSettings log(Reader r) {
    String raw = r.string(LOG_LEVEL);
    LogSettings.Level level;
    switch (raw.toLowerCase(Locale.ROOT)) {
      case "panic" -> level = LogSettings.Level.PANIC;
      case "fatal" -> level = LogSettings.Level.FATAL;
      case "error" -> level = LogSettings.Level.ERROR;
      case "warn", "warning" -> level = LogSettings.Level.WARN;
      case "info" -> level = LogSettings.Level.INFO;
      case "debug" -> level = LogSettings.Level.DEBUG;
      case "trace" -> level = LogSettings.Level.TRACE;
      default -> {
        r.problem("LOG_LEVEL='" + raw + "' is not a log level: use panic, fatal, error, warn, info, debug or trace");
        level = LogSettings.Level.WARN;
      }
    }
    return new LogSettings(level, r.string(LOG_FORMAT).equalsIgnoreCase("json"));
  }

  private static RuntimeSettings runtime(Reader r) {
    String type = r.string(CONFIG_TYPE);
    if (type.equalsIgnoreCase("GRPC_XDS_SOTW")) {
      r.problem("CONFIG_TYPE=" + type + " is not supported by Sluice: it reads rate limit configs from files"
          + " only; use CONFIG_TYPE=FILE");
    } else if (!type.equalsIgnoreCase("FILE")) {
      r.problem("CONFIG_TYPE='" + type + "' is not a config type: use FILE");
    }
    String root = r.string(RUNTIME_ROOT);
    Path rootPath = Path.of("");
    if (root.isEmpty()) {
      r.problem("RUNTIME_ROOT is empty: name the runtime root directory (default /srv/runtime_data/current)");
    } else {
      try {
        rootPath = Path.of(root);
      } catch (InvalidPathException e) {
        r.problem("RUNTIME_ROOT='" + root + "' is not a path: " + e.getReason());
      }
    }
    RuntimeSettings s = new RuntimeSettings(rootPath, r.string(RUNTIME_SUBDIRECTORY), r.string(RUNTIME_APPDIRECTORY),
        r.bool(RUNTIME_IGNOREDOTFILES), r.bool(RUNTIME_WATCH_ROOT), r.bool(MERGE_DOMAIN_CONFIG),
        r.bool(FORCE_START_WITHOUT_INITIAL_CONFIG));
    try {
      s.configDirectory();
    } catch (InvalidPathException e) {
      r.problem("RUNTIME_SUBDIRECTORY='" + s.subdirectory() + "' and RUNTIME_APPDIRECTORY='" + s.appDirectory()
          + "' do not make a path: " + e.getReason());
    }
    return s;
  }

  private static StatsSettings stats(Reader r) {
    boolean enabled = !r.bool(DISABLE_STATS);
    if (enabled && r.isSet(USE_STATSD) && r.bool(USE_STATSD)) {
      r.problem("USE_STATSD=" + r.raw(USE_STATSD) + ": statsd is not supported by Sluice; set USE_STATSD=false"
          + " and use USE_PROMETHEUS=true");
    }
    if (enabled && r.bool(USE_DOG_STATSD)) {
      r.problem("USE_DOG_STATSD=" + r.raw(USE_DOG_STATSD) + ": DogStatsD is not supported by Sluice; set"
          + " USE_DOG_STATSD=false and use USE_PROMETHEUS=true");
    }
    boolean prometheus = enabled && r.bool(USE_PROMETHEUS);
    HostPort addr = new HostPort("", 9090);
    String path = r.string(PROMETHEUS_PATH);
    if (prometheus) {
      try {
        addr = HostPort.parse(r.string(PROMETHEUS_ADDR));
      } catch (IllegalArgumentException e) {
        r.problem("PROMETHEUS_ADDR='" + r.string(PROMETHEUS_ADDR) + "' is not [host]:port (" + e.getMessage()
            + "), e.g. :9090 or 127.0.0.1:9090");
      }
      if (!path.startsWith("/")) {
        r.problem("PROMETHEUS_PATH='" + path + "' must start with /, e.g. /metrics");
      }
      if (!r.string(PROMETHEUS_MAPPER_YAML).isEmpty()) {
        r.problem("PROMETHEUS_MAPPER_YAML=" + r.string(PROMETHEUS_MAPPER_YAML) + ": custom statsd-to-Prometheus"
            + " mappings are not supported by Sluice, which names its Prometheus metrics itself; unset it");
      }
    }
    return new StatsSettings(enabled, prometheus, addr.host(), addr.port(), path,
        r.bool(PROMETHEUS_RESPONSE_TIME_AS_MILLISECONDS), r.map(EXTRA_TAGS));
  }

  private static ServiceSettings service(Reader r) {
    String prefix = r.string(CACHE_KEY_PREFIX);
    if (prefix.length() > MAX_KEY_PREFIX) {
      r.problem("CACHE_KEY_PREFIX is " + prefix.length() + " characters long: expected at most " + MAX_KEY_PREFIX);
    }
    float ratio = (float) r.number(NEAR_LIMIT_RATIO);
    if (!(ratio >= 0 && ratio <= 1)) {
      r.problem("NEAR_LIMIT_RATIO=" + r.raw(NEAR_LIMIT_RATIO) + " is out of range: expected 0 to 1");
    }
    boolean headers = r.bool(LIMIT_RESPONSE_HEADERS_ENABLED);
    if (headers) {
      for (Variable v : List.of(LIMIT_LIMIT_HEADER, LIMIT_REMAINING_HEADER, LIMIT_RESET_HEADER)) {
        if (!r.string(v).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
          r.problem(v.name() + "='" + r.string(v) + "' is not an HTTP header name: use letters, digits and"
              + " !#$%&'*+-.^_`|~");
        }
      }
    }
    long localCache = r.integer(LOCAL_CACHE_SIZE_IN_BYTES, 0, Long.MAX_VALUE);
    String mode = r.string(FAILURE_MODE);
    ServiceSettings.FailureMode failureMode;
    switch (mode.toLowerCase(Locale.ROOT)) {
      case "unavailable" -> failureMode = ServiceSettings.FailureMode.UNAVAILABLE;
      case "open" -> failureMode = ServiceSettings.FailureMode.OPEN;
      case "closed" -> failureMode = ServiceSettings.FailureMode.CLOSED;
      default -> {
        r.problem("FAILURE_MODE='" + mode + "' is not a failure mode: use unavailable, open or closed");
        failureMode = ServiceSettings.FailureMode.UNAVAILABLE;
      }
    }
    return new ServiceSettings(prefix, r.bool(SHADOW_MODE), r.bool(QUOTA_MODE), ratio, headers,
        r.string(LIMIT_LIMIT_HEADER), r.string(LIMIT_REMAINING_HEADER), r.string(LIMIT_RESET_HEADER), localCache,
        failureMode, r.bool(RESPONSE_DYNAMIC_METADATA), r.bool(HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED));
  }

  private static StoreSettings store(Reader r) {
    String type = r.string(BACKEND_TYPE);
    StoreSettings.Backend backend = null;
    switch (type.toLowerCase(Locale.ROOT)) {
      case "", "redis" -> backend = StoreSettings.Backend.REDIS;
      case "sqlite" -> backend = StoreSettings.Backend.SQLITE;
      case "memory" -> backend = StoreSettings.Backend.MEMORY;
      case "memcache" -> r.problem("BACKEND_TYPE=" + type + " is not supported by Sluice: use redis, sqlite or memory");
      default -> r.problem("BACKEND_TYPE='" + type + "' is not a backend: use redis, sqlite or memory");
    }
    Path sqlitePath = Path.of(SQLITE_PATH.defaultText);
    if (backend == StoreSettings.Backend.SQLITE) {
      String p = r.string(SQLITE_PATH);
      try {
        sqlitePath = Path.of(p);
      } catch (InvalidPathException e) {
        r.problem("SQLITE_PATH='" + p + "' is not a path: " + e.getReason());
      }
      if (p.isEmpty()) {
        r.problem("SQLITE_PATH is empty: name the database file (default " + SQLITE_PATH.defaultText + ")");
      }
    }
    if (backend != StoreSettings.Backend.REDIS) {
      return backend == null ? null : new StoreSettings(backend, sqlitePath, Optional.empty(), Optional.empty());
    }
    boolean perSecond = r.bool(REDIS_PERSECOND);
    // the REDIS_TLS_* files are shared by the twins, and read only when one of them uses TLS
    RedisSettings.TlsFiles tls = r.bool(REDIS_TLS) || perSecond && r.bool(REDIS_PERSECOND_TLS)
        ? RedisReader.tlsFiles(r) : RedisSettings.TlsFiles.NONE;
    RedisSettings main = RedisReader.read(r, RedisReader.MAIN, tls == null ? RedisSettings.TlsFiles.NONE : tls);
    RedisSettings second = perSecond
        ? RedisReader.read(r, RedisReader.PER_SECOND, tls == null ? RedisSettings.TlsFiles.NONE : tls) : null;
    if (tls == null) {
      return null;
    }
    if (main == null || perSecond && second == null) {
      return null;
    }
    return new StoreSettings(backend, sqlitePath, Optional.of(main), Optional.ofNullable(second));
  }

  /**
   * Where the server listens.
   *
   * @return the listeners' settings
   */
  public ListenSettings listen() {
    return listen;
  }

  /**
   * Logging.
   *
   * @return the log level and format
   */
  public LogSettings log() {
    return log;
  }

  /**
   * Where the config files are, and how they are loaded.
   *
   * @return the runtime settings
   */
  public RuntimeSettings runtime() {
    return runtime;
  }

  /**
   * Where the counters live.
   *
   * @return the store's settings
   */
  public StoreSettings store() {
    return store;
  }

  /**
   * How the service answers.
   *
   * @return the service's settings
   */
  public ServiceSettings service() {
    return service;
  }

  /**
   * Bounds on requests.
   *
   * @return the bounds
   */
  public InputLimits limits() {
    return limits;
  }

  /**
   * Metrics.
   *
   * @return the metrics' settings
   */
  public StatsSettings stats() {
    return stats;
  }

  /**
   * The effective settings, one {@code NAME=value} a line, for the start banner and the debug
   * page: every variable in use (marked {@code (default)} when unset), every other variable that is
   * set, and the derived config directory and Redis addresses. Secrets are masked.
   *
   * @return the lines, joined by newlines
   */
  public String describe() {
    return String.join("\n", description);
  }

  /**
   * What the start should warn about without stopping: variables set to a value that has no
   * effect in Sluice, and differences from envoyproxy/ratelimit the operator may not expect.
   *
   * @return one message per notice, secrets masked; empty when there is nothing to say
   */
  public List<String> notices() {
    return notices;
  }

  /**
   * Every variable Sluice knows, one a line: {@code NAME=default}, then {@code [supported]},
   * {@code [partly]} (some values stop the start), {@code [no effect]} or {@code [sluice]} (Sluice's
   * own), and what it does.
   *
   * @return the reference text
   */
  public static String reference() {
    return Banner.reference();
  }

  /**
   * The same as {@link #describe()}.
   *
   * @return the effective settings, secrets masked
   */
  @Override
  public String toString() {
    return describe();
  }

  /** Used by {@link Banner}: the derived lines. */
  List<String> derived() {
    List<String> lines = new ArrayList<>();
    lines.add("config directory: " + runtime.configDirectory());
    store.redis().ifPresent(s -> lines.add("redis: " + s.type() + " " + masked(s)));
    store.redisPerSecond().ifPresent(s -> lines.add("redis per second: " + s.type() + " " + masked(s)));
    return lines;
  }

  private static String masked(RedisSettings s) {
    return String.join(",", s.uris().stream().map(Reader::maskUrl).toList())
        + (s.sentinelPassword().isEmpty() ? "" : " sentinel auth " + Reader.MASK)
        + (s.connectTimeout().isZero() ? "" : " connect timeout " + s.connectTimeout().toMillis() + "ms");
  }
}
