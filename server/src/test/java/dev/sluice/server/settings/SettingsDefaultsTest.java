package dev.sluice.server.settings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.settings.ServiceSettings.FailureMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every default: envoyproxy/ratelimit's (their settings.go), Sluice's where it differs, and the effective records. */
class SettingsDefaultsTest {

  /**
   * Every {@code envconfig:"NAME" default:"..."} of envoyproxy/ratelimit's src/settings/settings.go
   * (f2fb157), in its order: the names and defaults Sluice must keep.
   */
  private static final List<String> THEIRS = List.of(
      "HOST=0.0.0.0",
      "PORT=8080",
      "DEBUG_HOST=0.0.0.0",
      "DEBUG_PORT=6070",
      "GRPC_UDS=",
      "GRPC_HOST=0.0.0.0",
      "GRPC_PORT=8081",
      "GRPC_MAX_CONNECTION_AGE=24h",
      "GRPC_MAX_CONNECTION_AGE_GRACE=1h",
      "GRPC_SERVER_USE_TLS=false",
      "GRPC_SERVER_TLS_CERT=",
      "GRPC_SERVER_TLS_KEY=",
      "GRPC_CLIENT_TLS_CACERT=",
      "GRPC_CLIENT_TLS_SAN=",
      "LOG_LEVEL=WARN",
      "LOG_FORMAT=text",
      "CONFIG_TYPE=FILE",
      "FORCE_START_WITHOUT_INITIAL_CONFIG=false",
      "CONFIG_GRPC_XDS_NODE_ID=default",
      "CONFIG_GRPC_XDS_NODE_METADATA=",
      "CONFIG_GRPC_XDS_SERVER_URL=localhost:18000",
      "CONFIG_GRPC_XDS_SERVER_CONNECT_RETRY_INTERVAL=3s",
      "CONFIG_GRPC_XDS_CLIENT_ADDITIONAL_HEADERS=",
      "CONFIG_GRPC_XDS_SERVER_USE_TLS=false",
      "CONFIG_GRPC_XDS_CLIENT_TLS_CERT=",
      "CONFIG_GRPC_XDS_CLIENT_TLS_KEY=",
      "CONFIG_GRPC_XDS_SERVER_TLS_CACERT=",
      "CONFIG_GRPC_XDS_SERVER_TLS_SAN=",
      "XDS_CLIENT_BACKOFF_INITIAL_INTERVAL=10s",
      "XDS_CLIENT_BACKOFF_MAX_INTERVAL=60s",
      "XDS_CLIENT_BACKOFF_RANDOM_FACTOR=0.5",
      "XDS_CLIENT_BACKOFF_JITTER=true",
      "XDS_CLIENT_MAX_MSG_SIZE_IN_BYTES=",
      "USE_DOG_STATSD=false",
      "USE_DOG_STATSD_MOGRIFIERS=",
      "USE_STATSD=true",
      "STATSD_HOST=localhost",
      "STATSD_PORT=8125",
      "EXTRA_TAGS=",
      "STATS_FLUSH_INTERVAL=10s",
      "DISABLE_STATS=false",
      "USE_PROMETHEUS=false",
      "PROMETHEUS_ADDR=:9090",
      "PROMETHEUS_PATH=/metrics",
      "PROMETHEUS_MAPPER_YAML=",
      "PROMETHEUS_RESPONSE_TIME_AS_MILLISECONDS=false",
      "RUNTIME_ROOT=/srv/runtime_data/current",
      "RUNTIME_SUBDIRECTORY=",
      "RUNTIME_APPDIRECTORY=config",
      "RUNTIME_IGNOREDOTFILES=false",
      "RUNTIME_WATCH_ROOT=true",
      "EXPIRATION_JITTER_MAX_SECONDS=300",
      "LOCAL_CACHE_SIZE_IN_BYTES=0",
      "NEAR_LIMIT_RATIO=0.8",
      "CACHE_KEY_PREFIX=",
      "BACKEND_TYPE=redis",
      "STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=false",
      "LIMIT_RESPONSE_HEADERS_ENABLED=false",
      "LIMIT_LIMIT_HEADER=RateLimit-Limit",
      "LIMIT_REMAINING_HEADER=RateLimit-Remaining",
      "LIMIT_RESET_HEADER=RateLimit-Reset",
      "HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED=false",
      "REDIS_SOCKET_TYPE=unix",
      "REDIS_TYPE=SINGLE",
      "REDIS_URL=/var/run/nutcracker/ratelimit.sock",
      "REDIS_POOL_SIZE=10",
      "REDIS_AUTH=",
      "REDIS_TLS=false",
      "REDIS_TLS_CLIENT_CERT=",
      "REDIS_TLS_CLIENT_KEY=",
      "REDIS_TLS_CACERT=",
      "REDIS_TLS_SKIP_HOSTNAME_VERIFICATION=false",
      "REDIS_PIPELINE_WINDOW=0",
      "REDIS_PIPELINE_LIMIT=0",
      "REDIS_CLUSTER_PIPELINE_PARALLELISM=1",
      "REDIS_PERSECOND=false",
      "REDIS_PERSECOND_SOCKET_TYPE=unix",
      "REDIS_PERSECOND_TYPE=SINGLE",
      "REDIS_PERSECOND_URL=/var/run/nutcracker/ratelimitpersecond.sock",
      "REDIS_PERSECOND_POOL_SIZE=10",
      "REDIS_PERSECOND_AUTH=",
      "REDIS_PERSECOND_TLS=false",
      "REDIS_SENTINEL_AUTH=",
      "REDIS_PERSECOND_SENTINEL_AUTH=",
      "REDIS_PERSECOND_PIPELINE_WINDOW=0",
      "REDIS_PERSECOND_PIPELINE_LIMIT=0",
      "REDIS_PERSECOND_CLUSTER_PIPELINE_PARALLELISM=1",
      "REDIS_HEALTH_CHECK_ACTIVE_CONNECTION=false",
      "REDIS_TIMEOUT=10s",
      "REDIS_PERSECOND_TIMEOUT=10s",
      "REDIS_POOL_ON_EMPTY_BEHAVIOR=WAIT",
      "REDIS_PERSECOND_POOL_ON_EMPTY_BEHAVIOR=WAIT",
      "REDIS_STARTUP_INITIAL_INTERVAL=1s",
      "REDIS_STARTUP_MAX_INTERVAL=30s",
      "REDIS_STARTUP_MAX_ELAPSED_TIME=0",
      "MEMCACHE_HOST_PORT=",
      "MEMCACHE_MAX_IDLE_CONNS=2",
      "MEMCACHE_SRV=",
      "MEMCACHE_SRV_REFRESH=0",
      "MEMCACHE_TLS=false",
      "MEMCACHE_TLS_CLIENT_CERT=",
      "MEMCACHE_TLS_CLIENT_KEY=",
      "MEMCACHE_TLS_CACERT=",
      "MEMCACHE_TLS_SKIP_HOSTNAME_VERIFICATION=false",
      "SHADOW_MODE=false",
      "QUOTA_MODE=false",
      "RESPONSE_DYNAMIC_METADATA=false",
      "MERGE_DOMAIN_CONFIG=false",
      "TRACING_ENABLED=false",
      "TRACING_SERVICE_NAME=RateLimit",
      "TRACING_SERVICE_NAMESPACE=",
      "TRACING_SERVICE_INSTANCE_ID=",
      "TRACING_EXPORTER_PROTOCOL=http",
      "TRACING_SAMPLING_RATE=1");

  @Test
  void everyVariableOfTheirsIsKnownWithTheirDefault() {
    for (String line : THEIRS) {
      String name = line.substring(0, line.indexOf('='));
      String theirDefault = line.substring(line.indexOf('=') + 1);
      Variable v = Variable.valueOf(name);
      // the one deliberate difference: an unset USE_STATSD is false in Sluice (true in theirs)
      assertThat(v.defaultText).as(name).isEqualTo(name.equals("USE_STATSD") ? "false" : theirDefault);
    }
    List<String> theirNames = THEIRS.stream().map(l -> l.substring(0, l.indexOf('='))).toList();
    List<String> ours = Arrays.stream(Variable.values()).map(Enum::name).filter(n -> !theirNames.contains(n)).toList();
    assertThat(ours).as("Sluice's own variables").containsExactly("SQLITE_PATH", "FAILURE_MODE", "MAX_REQUEST_BYTES", "MAX_VALUE_LENGTH",
        "MAX_DESCRIPTORS", "MAX_ENTRIES", "ADMIN_TOKEN");
  }

  @Test
  void theirDefaultsAreTheEffectiveSettings() {
    Settings s = Env.read();
    assertThat(s.listen()).isEqualTo(new ListenSettings("0.0.0.0", 8080, "0.0.0.0", 6070, "0.0.0.0", 8081,
        Duration.ofHours(24), Duration.ofHours(1)));
    assertThat(s.log()).isEqualTo(new LogSettings(LogSettings.Level.WARN, false));
    assertThat(s.runtime()).isEqualTo(new RuntimeSettings(Path.of("/srv/runtime_data/current"), "", "config", false,
        true, false, false));
    assertThat(s.runtime().configDirectory()).isEqualTo(Path.of("/srv/runtime_data/current/config"));
    assertThat(s.runtime().watchedRoot()).contains(Path.of("/srv/runtime_data/current"));
    assertThat(s.stats()).isEqualTo(new StatsSettings(true, false, "", 9090, "/metrics", false, Map.of()));
    assertThat(s.service()).isEqualTo(new ServiceSettings("", false, false, 0.8f, false, "RateLimit-Limit",
        "RateLimit-Remaining", "RateLimit-Reset", 0, FailureMode.UNAVAILABLE, false, false));
    assertThat(s.store()).isEqualTo(new StoreSettings(StoreSettings.Backend.REDIS, Path.of("./data/sluice.db"),
        Optional.of(new RedisSettings(RedisSettings.Type.SINGLE, List.of("redis://localhost:6379"),
            Duration.ofSeconds(10), false)), Optional.empty()));
  }

  @Test
  void anEmptyEnvironmentIsRefusedOnlyForTheirUnixSocketDefault() {
    SettingsException e;
    try {
      Settings.fromEnvironment(Map.of());
      throw new AssertionError("accepted");
    } catch (SettingsException refused) {
      e = refused;
    }
    assertThat(e.problems()).containsExactly("REDIS_SOCKET_TYPE=unix (the default when unset) is not supported by"
        + " Sluice: it cannot reach Redis on a unix socket; set REDIS_SOCKET_TYPE=tcp and REDIS_URL=host:port");
  }

  @Test
  void anUnsetUseStatsdIsFalseAndSaysSo() {
    Settings s = Env.read();
    assertThat(s.describe()).contains("USE_STATSD=false (default in Sluice; envoyproxy/ratelimit's is true)");
    assertThat(s.notices()).anySatisfy(n -> assertThat(n).startsWith("USE_STATSD is unset: envoyproxy/ratelimit"
        + " would send statsd metrics to localhost:8125; Sluice has no statsd"));
    assertThat(Env.read("USE_STATSD", "false").notices()).noneSatisfy(n -> assertThat(n).contains("USE_STATSD"));
    assertThat(Env.read("USE_PROMETHEUS", "true").notices()).noneSatisfy(n -> assertThat(n).contains("USE_STATSD"));
  }

  @Test
  void describeShowsEveryVariableInUseAndOnlyTheSetOthers() {
    String d = Env.read().describe();
    assertThat(d.lines()).contains("PORT=8080 (default)", "GRPC_PORT=8081 (default)", "DEBUG_PORT=6070 (default)",
        "REDIS_URL=localhost:6379", "BACKEND_TYPE=redis (default)", "RUNTIME_SUBDIRECTORY= (default)",
        "FAILURE_MODE=unavailable (default)", "config directory: /srv/runtime_data/current/config",
        "redis: SINGLE redis://localhost:6379 connect timeout 10000ms");
    assertThat(d).doesNotContain("MEMCACHE", "XDS", "TRACING", "SQLITE_PATH", "REDIS_PERSECOND_URL",
        "REDIS_POOL_SIZE");
    String set = Env.read("MEMCACHE_HOST_PORT", "m:11211", "REDIS_POOL_SIZE", "20", "SQLITE_PATH", "/x.db").describe();
    assertThat(set.lines()).contains("MEMCACHE_HOST_PORT=m:11211 (no effect: memcache is not supported)",
        "REDIS_POOL_SIZE=20 (no effect: the Redis store multiplexes one connection and coalesces concurrent"
            + " decisions)",
        "SQLITE_PATH=/x.db (not used with these settings)");
    assertThat(Env.read("BACKEND_TYPE", "sqlite").describe().lines()).contains("SQLITE_PATH=./data/sluice.db (default)")
        .noneMatch(l -> l.startsWith("REDIS_TYPE"));
  }

  @Test
  void noticesNameNoEffectValuesThatDifferFromTheDefault() {
    assertThat(Env.read("USE_STATSD", "false", "RUNTIME_SUBDIRECTORY", "rl", "REDIS_POOL_SIZE", "10",
        "STATS_FLUSH_INTERVAL", "10000ms").notices()).as("set to the default's value").isEmpty();
    assertThat(Env.read("USE_STATSD", "false", "RUNTIME_SUBDIRECTORY", "rl", "EXPIRATION_JITTER_MAX_SECONDS", "60",
        "LOG_FORMAT", "logfmt").notices()).containsExactly(
            "EXPIRATION_JITTER_MAX_SECONDS=60 has no effect in Sluice: Sluice's stores expire state exactly when its"
                + " window or refill ends",
            "LOG_FORMAT='logfmt' is neither text nor json: text is used, as envoyproxy/ratelimit does");
    assertThat(Env.read("USE_STATSD", "false", "RUNTIME_SUBDIRECTORY", "rl", "BACKEND_TYPE", "memory",
        "REDIS_POOL_SIZE", "5").notices())
        .as("Redis variables with another store").isEmpty();
    assertThat(Env.read("USE_STATSD", "false").notices()).as("their defaults load nothing").containsExactly(
        "RUNTIME_SUBDIRECTORY is empty with RUNTIME_WATCH_ROOT=true: envoyproxy/ratelimit loads no config file then;"
            + " Sluice reads /srv/runtime_data/current/config");
    assertThat(Env.read("USE_STATSD", "false", "RUNTIME_SUBDIRECTORY", "rl").notices()).isEmpty();
    assertThat(Env.read("USE_STATSD", "false", "RUNTIME_WATCH_ROOT", "false").notices()).isEmpty();
  }

  @Test
  void theReferenceListsEveryVariableOnceWithItsTreatment() {
    String ref = Settings.reference();
    for (Variable v : Variable.values()) {
      assertThat(ref.lines().filter(l -> l.startsWith(v.name() + "="))).as(v.name()).hasSize(1);
    }
    assertThat(ref.lines()).contains(
        "SQLITE_PATH=./data/sluice.db  [sluice] the SQLite database file when BACKEND_TYPE=sqlite (its directory is"
            + " created)",
        "BACKEND_TYPE=redis  [partly] redis, or Sluice's sqlite or memory; memcache is not supported",
        "USE_STATSD=false  [partly] must be false or unset: statsd is not supported. Unset means false in Sluice"
            + " (envoyproxy/ratelimit: true)",
        "PORT=8080  [supported] the HTTP listener's port, 0 to 65535 (0: any free port)");
    assertThat(ref.lines().filter(l -> l.startsWith("FAILURE_MODE=unavailable  [sluice] what a store failure"
        + " answers: unavailable (gRPC UNAVAILABLE"))).hasSize(1);
    Map<String, Long> labels = ref.lines().skip(1)
        .collect(Collectors.groupingBy(l -> l.substring(l.indexOf('[') + 1, l.indexOf(']')), Collectors.counting()));
    assertThat(labels.keySet()).containsExactlyInAnyOrder("supported", "partly", "no effect", "sluice");
  }
}
