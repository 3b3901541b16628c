package dev.sluice.server.settings;

/**
 * Every environment variable the server knows: envoyproxy/ratelimit's (src/settings/settings.go,
 * in its order, with its defaults) and Sluice's own. One row each: its type, its default, what
 * Sluice does with it, and whether its value is a secret. Parsing, {@link Settings#describe()} and
 * {@link Settings#reference()} all read this table, so they cannot disagree.
 */
enum Variable {
  // listeners
  HOST(Group.LISTEN, Kind.STRING, "0.0.0.0", Use.SUPPORTED, "the HTTP listener's host (POST /json, GET /healthcheck)"),
  PORT(Group.LISTEN, Kind.INT, "8080", Use.SUPPORTED, "the HTTP listener's port, 0 to 65535 (0: any free port)"),
  DEBUG_HOST(Group.LISTEN, Kind.STRING, "0.0.0.0", Use.SUPPORTED, "the debug listener's host"),
  DEBUG_PORT(Group.LISTEN, Kind.INT, "6070", Use.SUPPORTED, "the debug listener's port, 0 to 65535"),
  GRPC_UDS(Group.LISTEN, Kind.STRING, "", Use.PARTLY,
      "must stay empty: serving gRPC on a unix domain socket is not supported"),
  GRPC_HOST(Group.LISTEN, Kind.STRING, "0.0.0.0", Use.SUPPORTED, "the gRPC listener's host"),
  GRPC_PORT(Group.LISTEN, Kind.INT, "8081", Use.SUPPORTED, "the gRPC listener's port, 0 to 65535"),
  GRPC_MAX_CONNECTION_AGE(Group.LISTEN, Kind.DURATION, "24h", Use.SUPPORTED,
      "a gRPC connection is sent GOAWAY after this long (0: never); not negative"),
  GRPC_MAX_CONNECTION_AGE_GRACE(Group.LISTEN, Kind.DURATION, "1h", Use.SUPPORTED,
      "then closed this long after (0: never); not negative"),
  GRPC_SERVER_USE_TLS(Group.LISTEN, Kind.BOOL, "false", Use.PARTLY,
      "must stay false: gRPC over TLS is not supported (terminate TLS in front of the server)"),
  GRPC_SERVER_TLS_CERT(Group.LISTEN, Kind.STRING, "", Use.NO_EFFECT, "gRPC over TLS is not supported"),
  GRPC_SERVER_TLS_KEY(Group.LISTEN, Kind.STRING, "", Use.NO_EFFECT, "gRPC over TLS is not supported"),
  GRPC_CLIENT_TLS_CACERT(Group.LISTEN, Kind.STRING, "", Use.NO_EFFECT, "gRPC over TLS is not supported"),
  GRPC_CLIENT_TLS_SAN(Group.LISTEN, Kind.STRING, "", Use.NO_EFFECT, "gRPC over TLS is not supported"),

  // logging
  LOG_LEVEL(Group.LOG, Kind.STRING, "WARN", Use.SUPPORTED,
      "panic, fatal, error, warn (warning), info, debug or trace, any case"),
  LOG_FORMAT(Group.LOG, Kind.STRING, "text", Use.SUPPORTED, "json (any case) for JSON lines; anything else is text"),

  // where the rate limit configs come from
  CONFIG_TYPE(Group.CONFIG, Kind.STRING, "FILE", Use.PARTLY, "FILE only; GRPC_XDS_SOTW (xDS) is not supported"),
  FORCE_START_WITHOUT_INITIAL_CONFIG(Group.CONFIG, Kind.BOOL, "false", Use.SUPPORTED,
      "start serving before a config has loaded"),
  CONFIG_GRPC_XDS_NODE_ID(Group.XDS, Kind.STRING, "default", Use.NO_EFFECT, "xDS is not supported"),
  CONFIG_GRPC_XDS_NODE_METADATA(Group.XDS, Kind.STRING, "", Use.NO_EFFECT, "xDS is not supported"),
  CONFIG_GRPC_XDS_SERVER_URL(Group.XDS, Kind.STRING, "localhost:18000", Use.NO_EFFECT, "xDS is not supported"),
  CONFIG_GRPC_XDS_SERVER_CONNECT_RETRY_INTERVAL(Group.XDS, Kind.DURATION, "3s", Use.NO_EFFECT,
      "xDS is not supported"),
  CONFIG_GRPC_XDS_CLIENT_ADDITIONAL_HEADERS(Group.XDS, Kind.MAP, "", Use.NO_EFFECT, "xDS is not supported",
      Mask.MAP_VALUES),
  CONFIG_GRPC_XDS_SERVER_USE_TLS(Group.XDS, Kind.BOOL, "false", Use.NO_EFFECT, "xDS is not supported"),
  CONFIG_GRPC_XDS_CLIENT_TLS_CERT(Group.XDS, Kind.STRING, "", Use.NO_EFFECT, "xDS is not supported"),
  CONFIG_GRPC_XDS_CLIENT_TLS_KEY(Group.XDS, Kind.STRING, "", Use.NO_EFFECT, "xDS is not supported"),
  CONFIG_GRPC_XDS_SERVER_TLS_CACERT(Group.XDS, Kind.STRING, "", Use.NO_EFFECT, "xDS is not supported"),
  CONFIG_GRPC_XDS_SERVER_TLS_SAN(Group.XDS, Kind.STRING, "", Use.NO_EFFECT, "xDS is not supported"),
  XDS_CLIENT_BACKOFF_INITIAL_INTERVAL(Group.XDS, Kind.DURATION, "10s", Use.NO_EFFECT, "xDS is not supported"),
  XDS_CLIENT_BACKOFF_MAX_INTERVAL(Group.XDS, Kind.DURATION, "60s", Use.NO_EFFECT, "xDS is not supported"),
  XDS_CLIENT_BACKOFF_RANDOM_FACTOR(Group.XDS, Kind.FLOAT64, "0.5", Use.NO_EFFECT, "xDS is not supported"),
  XDS_CLIENT_BACKOFF_JITTER(Group.XDS, Kind.BOOL, "true", Use.NO_EFFECT, "xDS is not supported"),
  XDS_CLIENT_MAX_MSG_SIZE_IN_BYTES(Group.XDS, Kind.INT, "", Use.NO_EFFECT, "xDS is not supported"),

  // stats
  USE_DOG_STATSD(Group.STATS, Kind.BOOL, "false", Use.PARTLY, "must stay false: DogStatsD is not supported"),
  USE_DOG_STATSD_MOGRIFIERS(Group.STATS, Kind.LIST, "", Use.NO_EFFECT, "DogStatsD is not supported"),
  USE_STATSD(Group.STATS, Kind.BOOL, "false", Use.PARTLY,
      "must be false or unset: statsd is not supported. Unset means false in Sluice (envoyproxy/ratelimit: true)"),
  STATSD_HOST(Group.STATS, Kind.STRING, "localhost", Use.NO_EFFECT, "statsd is not supported"),
  STATSD_PORT(Group.STATS, Kind.INT, "8125", Use.NO_EFFECT, "statsd is not supported"),
  EXTRA_TAGS(Group.STATS, Kind.MAP, "", Use.SUPPORTED, "k1:v1,k2:v2: tags on every metric"),
  STATS_FLUSH_INTERVAL(Group.STATS, Kind.DURATION, "10s", Use.NO_EFFECT,
      "Prometheus is scraped: metrics are current, nothing is flushed"),
  DISABLE_STATS(Group.STATS, Kind.BOOL, "false", Use.SUPPORTED, "no metrics at all (wins over USE_*)"),
  USE_PROMETHEUS(Group.STATS, Kind.BOOL, "false", Use.SUPPORTED, "serve metrics for Prometheus"),
  PROMETHEUS_ADDR(Group.STATS, Kind.STRING, ":9090", Use.SUPPORTED, "[host]:port of the Prometheus listener"),
  PROMETHEUS_PATH(Group.STATS, Kind.STRING, "/metrics", Use.SUPPORTED, "its path, starting with /"),
  PROMETHEUS_MAPPER_YAML(Group.STATS, Kind.STRING, "", Use.PARTLY,
      "must stay empty: custom statsd-to-Prometheus mappings are not supported"),
  PROMETHEUS_RESPONSE_TIME_AS_MILLISECONDS(Group.STATS, Kind.BOOL, "false", Use.SUPPORTED,
      "the response time histogram in milliseconds, not seconds"),

  // where the config files are
  RUNTIME_ROOT(Group.CONFIG, Kind.STRING, "/srv/runtime_data/current", Use.SUPPORTED,
      "configs are read from RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/RUNTIME_APPDIRECTORY"),
  RUNTIME_SUBDIRECTORY(Group.CONFIG, Kind.STRING, "", Use.SUPPORTED, "see RUNTIME_ROOT"),
  RUNTIME_APPDIRECTORY(Group.CONFIG, Kind.STRING, "config", Use.SUPPORTED, "see RUNTIME_ROOT"),
  RUNTIME_IGNOREDOTFILES(Group.CONFIG, Kind.BOOL, "false", Use.SUPPORTED,
      "skip files and directories whose name starts with a dot"),
  RUNTIME_WATCH_ROOT(Group.CONFIG, Kind.BOOL, "true", Use.SUPPORTED,
      "also watch RUNTIME_ROOT itself being swapped (a symlink); the config directory is always watched"),

  // every store
  EXPIRATION_JITTER_MAX_SECONDS(Group.STORE, Kind.INT, "300", Use.NO_EFFECT,
      "Sluice's stores expire state exactly when its window or refill ends"),
  LOCAL_CACHE_SIZE_IN_BYTES(Group.SERVICE, Kind.INT, "0", Use.SUPPORTED,
      "bytes of exhausted keys remembered so their requests skip the store (0: off); not negative"),
  NEAR_LIMIT_RATIO(Group.SERVICE, Kind.FLOAT32, "0.8", Use.SUPPORTED, "the near_limit metric's threshold, 0 to 1"),
  CACHE_KEY_PREFIX(Group.SERVICE, Kind.STRING, "", Use.SUPPORTED,
      "prepended to every store key, at most " + Settings.MAX_KEY_PREFIX + " characters"),
  BACKEND_TYPE(Group.STORE, Kind.STRING, "redis", Use.PARTLY,
      "redis, or Sluice's sqlite or memory; memcache is not supported"),
  STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT(Group.STORE, Kind.BOOL, "false", Use.NO_EFFECT,
      "Sluice never charges a denied request (as with true)"),

  // responses and health
  LIMIT_RESPONSE_HEADERS_ENABLED(Group.SERVICE, Kind.BOOL, "false", Use.SUPPORTED,
      "add the three headers below to responses"),
  LIMIT_LIMIT_HEADER(Group.SERVICE, Kind.STRING, "RateLimit-Limit", Use.SUPPORTED, "an HTTP header name"),
  LIMIT_REMAINING_HEADER(Group.SERVICE, Kind.STRING, "RateLimit-Remaining", Use.SUPPORTED, "an HTTP header name"),
  LIMIT_RESET_HEADER(Group.SERVICE, Kind.STRING, "RateLimit-Reset", Use.SUPPORTED, "an HTTP header name"),
  HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED(Group.SERVICE, Kind.BOOL, "false", Use.SUPPORTED,
      "unhealthy until a config with a domain has loaded"),

  // Redis
  REDIS_SOCKET_TYPE(Group.REDIS, Kind.STRING, "unix", Use.PARTLY,
      "tcp (tcp4, tcp6); unix is not supported. Read for SINGLE only, as theirs"),
  REDIS_TYPE(Group.REDIS, Kind.STRING, "SINGLE", Use.SUPPORTED, "SINGLE, CLUSTER or SENTINEL, any case"),
  REDIS_URL(Group.REDIS, Kind.STRING, "/var/run/nutcracker/ratelimit.sock", Use.SUPPORTED,
      "host:port or redis://[user:password@]host:port[/db]; CLUSTER: a comma-separated list; SENTINEL:"
          + " mastername,host:port[,host:port...] (the sentinels, no database)", Mask.URL),
  REDIS_POOL_SIZE(Group.REDIS, Kind.INT, "10", Use.NO_EFFECT,
      "the Redis store multiplexes one connection and coalesces concurrent decisions"),
  REDIS_AUTH(Group.REDIS, Kind.STRING, "", Use.SUPPORTED,
      "password, or user:password (SENTINEL: the master's; credentials in REDIS_URL are the sentinels')", Mask.SECRET),
  REDIS_TLS(Group.REDIS, Kind.BOOL, "false", Use.SUPPORTED,
      "connect with TLS (SENTINEL: to the sentinels and the master), trusting the JVM's CAs unless"
          + " REDIS_TLS_CACERT is set"),
  REDIS_TLS_CLIENT_CERT(Group.REDIS, Kind.STRING, "", Use.SUPPORTED,
      "with TLS: PEM file of the client certificate (chain) presented to Redis (mutual TLS); needs"
          + " REDIS_TLS_CLIENT_KEY, and a readable file (else the start fails)"),
  REDIS_TLS_CLIENT_KEY(Group.REDIS, Kind.STRING, "", Use.SUPPORTED,
      "with TLS: PEM file (unencrypted PKCS#8) of REDIS_TLS_CLIENT_CERT's private key; needs"
          + " REDIS_TLS_CLIENT_CERT"),
  REDIS_TLS_CACERT(Group.REDIS, Kind.STRING, "", Use.SUPPORTED,
      "with TLS: PEM file of the CA certificates that verify Redis, instead of the JVM's trust store;"
          + " a readable file (else the start fails)"),
  REDIS_TLS_SKIP_HOSTNAME_VERIFICATION(Group.REDIS, Kind.BOOL, "false", Use.SUPPORTED,
      "verify the certificate chain but not the host name"),
  REDIS_PIPELINE_WINDOW(Group.REDIS, Kind.DURATION, "0", Use.NO_EFFECT, "the Redis store coalesces by itself"),
  REDIS_PIPELINE_LIMIT(Group.REDIS, Kind.INT, "0", Use.NO_EFFECT, "deprecated by them too"),
  REDIS_CLUSTER_PIPELINE_PARALLELISM(Group.REDIS, Kind.INT, "1", Use.NO_EFFECT,
      "the Redis store sends each hash slot's decisions on their own"),
  REDIS_PERSECOND(Group.REDIS, Kind.BOOL, "false", Use.SUPPORTED,
      "per-second limits go to the Redis of the REDIS_PERSECOND_* variables"),
  REDIS_PERSECOND_SOCKET_TYPE(Group.REDIS_PERSECOND, Kind.STRING, "unix", Use.PARTLY, "as REDIS_SOCKET_TYPE"),
  REDIS_PERSECOND_TYPE(Group.REDIS_PERSECOND, Kind.STRING, "SINGLE", Use.SUPPORTED, "as REDIS_TYPE"),
  REDIS_PERSECOND_URL(Group.REDIS_PERSECOND, Kind.STRING, "/var/run/nutcracker/ratelimitpersecond.sock",
      Use.SUPPORTED, "as REDIS_URL", Mask.URL),
  REDIS_PERSECOND_POOL_SIZE(Group.REDIS_PERSECOND, Kind.INT, "10", Use.NO_EFFECT, "as REDIS_POOL_SIZE"),
  REDIS_PERSECOND_AUTH(Group.REDIS_PERSECOND, Kind.STRING, "", Use.SUPPORTED, "as REDIS_AUTH", Mask.SECRET),
  REDIS_PERSECOND_TLS(Group.REDIS_PERSECOND, Kind.BOOL, "false", Use.SUPPORTED,
      "as REDIS_TLS (the REDIS_TLS_* files and flag are shared)"),
  REDIS_SENTINEL_AUTH(Group.REDIS, Kind.STRING, "", Use.SUPPORTED,
      "SENTINEL: the sentinels' password, or user:password; wins over the first sentinel URL's", Mask.SECRET),
  REDIS_PERSECOND_SENTINEL_AUTH(Group.REDIS_PERSECOND, Kind.STRING, "", Use.SUPPORTED, "as REDIS_SENTINEL_AUTH",
      Mask.SECRET),
  REDIS_PERSECOND_PIPELINE_WINDOW(Group.REDIS_PERSECOND, Kind.DURATION, "0", Use.NO_EFFECT,
      "as REDIS_PIPELINE_WINDOW"),
  REDIS_PERSECOND_PIPELINE_LIMIT(Group.REDIS_PERSECOND, Kind.INT, "0", Use.NO_EFFECT, "as REDIS_PIPELINE_LIMIT"),
  REDIS_PERSECOND_CLUSTER_PIPELINE_PARALLELISM(Group.REDIS_PERSECOND, Kind.INT, "1", Use.NO_EFFECT,
      "as REDIS_CLUSTER_PIPELINE_PARALLELISM"),
  REDIS_HEALTH_CHECK_ACTIVE_CONNECTION(Group.REDIS, Kind.BOOL, "false", Use.SUPPORTED,
      "unhealthy while the Redis store has no connection"),
  REDIS_TIMEOUT(Group.REDIS, Kind.DURATION, "10s", Use.SUPPORTED,
      "the connect timeout, up to 5m (0: the store's 2s); a decision's deadline stays the store's 500ms"),
  REDIS_PERSECOND_TIMEOUT(Group.REDIS_PERSECOND, Kind.DURATION, "10s", Use.SUPPORTED, "as REDIS_TIMEOUT"),
  REDIS_POOL_ON_EMPTY_BEHAVIOR(Group.REDIS, Kind.STRING, "WAIT", Use.PARTLY,
      "CREATE and ERROR are refused, as theirs (radix v4) refuses them; other values have no effect"),
  REDIS_PERSECOND_POOL_ON_EMPTY_BEHAVIOR(Group.REDIS_PERSECOND, Kind.STRING, "WAIT", Use.PARTLY,
      "as REDIS_POOL_ON_EMPTY_BEHAVIOR"),
  REDIS_STARTUP_INITIAL_INTERVAL(Group.REDIS, Kind.DURATION, "1s", Use.NO_EFFECT,
      "the server starts without waiting for Redis; until it connects, FAILURE_MODE answers"),
  REDIS_STARTUP_MAX_INTERVAL(Group.REDIS, Kind.DURATION, "30s", Use.NO_EFFECT, "see REDIS_STARTUP_INITIAL_INTERVAL"),
  REDIS_STARTUP_MAX_ELAPSED_TIME(Group.REDIS, Kind.DURATION, "0", Use.NO_EFFECT,
      "see REDIS_STARTUP_INITIAL_INTERVAL"),

  // memcache
  MEMCACHE_HOST_PORT(Group.MEMCACHE, Kind.LIST, "", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_MAX_IDLE_CONNS(Group.MEMCACHE, Kind.INT, "2", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_SRV(Group.MEMCACHE, Kind.STRING, "", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_SRV_REFRESH(Group.MEMCACHE, Kind.DURATION, "0", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_TLS(Group.MEMCACHE, Kind.BOOL, "false", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_TLS_CLIENT_CERT(Group.MEMCACHE, Kind.STRING, "", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_TLS_CLIENT_KEY(Group.MEMCACHE, Kind.STRING, "", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_TLS_CACERT(Group.MEMCACHE, Kind.STRING, "", Use.NO_EFFECT, "memcache is not supported"),
  MEMCACHE_TLS_SKIP_HOSTNAME_VERIFICATION(Group.MEMCACHE, Kind.BOOL, "false", Use.NO_EFFECT,
      "memcache is not supported"),

  // answers
  SHADOW_MODE(Group.SERVICE, Kind.BOOL, "false", Use.SUPPORTED, "always answer OK; count and report as usual"),
  QUOTA_MODE(Group.SERVICE, Kind.BOOL, "false", Use.SUPPORTED, "every rule in quota mode: report, never deny"),
  RESPONSE_DYNAMIC_METADATA(Group.SERVICE, Kind.BOOL, "false", Use.SUPPORTED,
      "add the request's domain, descriptors and the passed rules' metadata to the response's dynamic metadata"),
  MERGE_DOMAIN_CONFIG(Group.CONFIG, Kind.BOOL, "false", Use.SUPPORTED,
      "several files may configure one domain (merged) instead of being refused"),

  // tracing
  TRACING_ENABLED(Group.TRACING, Kind.BOOL, "false", Use.PARTLY, "must stay false: tracing is not supported"),
  TRACING_SERVICE_NAME(Group.TRACING, Kind.STRING, "RateLimit", Use.NO_EFFECT, "tracing is not supported"),
  TRACING_SERVICE_NAMESPACE(Group.TRACING, Kind.STRING, "", Use.NO_EFFECT, "tracing is not supported"),
  TRACING_SERVICE_INSTANCE_ID(Group.TRACING, Kind.STRING, "", Use.NO_EFFECT, "tracing is not supported"),
  TRACING_EXPORTER_PROTOCOL(Group.TRACING, Kind.STRING, "http", Use.NO_EFFECT, "tracing is not supported"),
  TRACING_SAMPLING_RATE(Group.TRACING, Kind.FLOAT64, "1", Use.NO_EFFECT, "tracing is not supported"),

  // Sluice's own
  SQLITE_PATH(Group.SQLITE, Kind.STRING, "./data/sluice.db", Use.SLUICE,
      "the SQLite database file when BACKEND_TYPE=sqlite (its directory is created)"),
  FAILURE_MODE(Group.SERVICE, Kind.STRING, "unavailable", Use.SLUICE,
      "what a store failure answers: unavailable (gRPC UNAVAILABLE, so Envoy's failure_mode_deny decides),"
          + " open (OK) or closed (OVER_LIMIT)"),
  MAX_REQUEST_BYTES(Group.SERVICE, Kind.INT, "1048576", Use.SLUICE,
      "the largest gRPC message or HTTP body accepted, 1 KiB to 64 MiB (gRPC RESOURCE_EXHAUSTED, HTTP 413 beyond)"),
  MAX_VALUE_LENGTH(Group.SERVICE, Kind.INT, "1024", Use.SLUICE,
      "the longest domain, descriptor key or value accepted, in characters, 1 to 65536 (INVALID_ARGUMENT beyond)"),
  MAX_DESCRIPTORS(Group.SERVICE, Kind.INT, "64", Use.SLUICE,
      "the most descriptors in one request, 1 to 4096 (INVALID_ARGUMENT beyond)"),
  MAX_ENTRIES(Group.SERVICE, Kind.INT, "64", Use.SLUICE,
      "the most entries in one descriptor, 1 to 4096 (INVALID_ARGUMENT beyond)"),
  ADMIN_TOKEN(Group.LISTEN, Kind.STRING, "", Use.SLUICE,
      "the bearer token of the admin API on the debug listener: required when DEBUG_HOST is not loopback,"
          + " checked when set", Mask.SECRET);

  /** Which part of the server a variable belongs to; {@link Settings#describe()} shows a group when it is in use. */
  enum Group { LISTEN, LOG, CONFIG, XDS, STATS, STORE, SERVICE, REDIS, REDIS_PERSECOND, MEMCACHE, TRACING, SQLITE }

  /** The value's type, read as envconfig reads it. */
  enum Kind { STRING, BOOL, INT, FLOAT32, FLOAT64, DURATION, LIST, MAP }

  /** What Sluice does with the variable. */
  enum Use {
    /** Honoured. */
    SUPPORTED,
    /** Some values are honoured; the others stop the start (the text says which). */
    PARTLY,
    /** Read (a malformed value still stops the start, as it does theirs) but changes nothing. */
    NO_EFFECT,
    /** Sluice's own variable. */
    SLUICE
  }

  /** How a value is shown. */
  enum Mask { NONE, SECRET, URL, MAP_VALUES }

  final Group group;
  final Kind kind;
  /** The default as text, parsed like a value; empty for the type's zero value (as envconfig's empty default). */
  final String defaultText;
  final Use use;
  final String text;
  final Mask mask;

  Variable(Group group, Kind kind, String defaultText, Use use, String text) {
    this(group, kind, defaultText, use, text, Mask.NONE);
  }

  Variable(Group group, Kind kind, String defaultText, Use use, String text, Mask mask) {
    this.group = group;
    this.kind = kind;
    this.defaultText = defaultText;
    this.use = use;
    this.text = text;
    this.mask = mask;
  }
}
