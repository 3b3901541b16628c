package dev.sluice.server.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What stops the start: malformed or out-of-range values (each message names the variable, the
 * value and what is accepted), settings Sluice does not support (each says why and what to do),
 * and secrets never shown.
 */
class SettingsRefusalTest {

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of(env("PORT", "80a"), "PORT='80a': not a number; expected a whole number (Go syntax: decimal, 0x"
            + " hex, 0o or leading-0 octal, 0b binary)"),
        Arguments.of(env("PORT", "08"), "PORT='08': not a number; expected a whole number"),
        Arguments.of(env("PORT", ""), "PORT='': empty; expected a whole number"),
        Arguments.of(env("PORT", "70000"), "PORT=70000 is out of range: expected 0 to 65535"),
        Arguments.of(env("GRPC_PORT", "-1"), "GRPC_PORT=-1 is out of range: expected 0 to 65535"),
        Arguments.of(env("DEBUG_PORT", "99999999999999999999"), "DEBUG_PORT='99999999999999999999': out of range;"
            + " expected a whole number"),
        Arguments.of(env("USE_PROMETHEUS", "yes"), "USE_PROMETHEUS='yes': not a boolean; expected true or false"
            + " (also 1, t, T, TRUE, True, 0, f, F, FALSE, False)"),
        Arguments.of(env("SHADOW_MODE", ""), "SHADOW_MODE='': not a boolean; expected true or false"),
        Arguments.of(env("RUNTIME_WATCH_ROOT", "on"), "RUNTIME_WATCH_ROOT='on': not a boolean"),
        Arguments.of(env("REDIS_TIMEOUT", "10"), "REDIS_TIMEOUT='10': missing unit; expected a Go duration: numbers"
            + " with units, e.g. 500ms, 10s, 1m30s, 24h (units ns, us, ms, s, m, h)"),
        Arguments.of(env("REDIS_TIMEOUT", "1d"), "REDIS_TIMEOUT='1d': unknown unit 'd'; expected a Go duration"),
        Arguments.of(env("REDIS_TIMEOUT", "10m"), "REDIS_TIMEOUT=10m is out of range: expected 1ms to 5m, or 0 for"
            + " the store's default"),
        Arguments.of(env("REDIS_TIMEOUT", "-1s"), "REDIS_TIMEOUT=-1s is negative: expected 0 or more"),
        Arguments.of(env("GRPC_MAX_CONNECTION_AGE", "-5m"), "GRPC_MAX_CONNECTION_AGE=-5m is negative: expected 0 or"
            + " more"),
        Arguments.of(env("NEAR_LIMIT_RATIO", "abc"), "NEAR_LIMIT_RATIO='abc': not a number; expected a number, e.g."
            + " 0.8"),
        Arguments.of(env("NEAR_LIMIT_RATIO", "1.5"), "NEAR_LIMIT_RATIO=1.5 is out of range: expected 0 to 1"),
        Arguments.of(env("NEAR_LIMIT_RATIO", "NaN"), "NEAR_LIMIT_RATIO=NaN is out of range: expected 0 to 1"),
        Arguments.of(env("NEAR_LIMIT_RATIO", "1e39"), "NEAR_LIMIT_RATIO='1e39': out of range; expected a number"),
        Arguments.of(env("EXTRA_TAGS", "env=prod"), "EXTRA_TAGS='env=prod': item 'env=prod' is not key:value;"
            + " expected key:value pairs separated by commas, e.g. k1:v1,k2:v2"),
        Arguments.of(env("XDS_CLIENT_BACKOFF_JITTER", "maybe"), "XDS_CLIENT_BACKOFF_JITTER='maybe': not a boolean"),
        Arguments.of(env("MEMCACHE_SRV_REFRESH", "5"), "MEMCACHE_SRV_REFRESH='5': missing unit"),
        Arguments.of(env("LOG_LEVEL", "loud"), "LOG_LEVEL='loud' is not a log level: use panic, fatal, error, warn,"
            + " info, debug or trace"),
        Arguments.of(env("CONFIG_TYPE", "S3"), "CONFIG_TYPE='S3' is not a config type: use FILE"),
        Arguments.of(env("BACKEND_TYPE", "postgres"), "BACKEND_TYPE='postgres' is not a backend: use redis, sqlite or"
            + " memory"),
        Arguments.of(env("FAILURE_MODE", "maybe"), "FAILURE_MODE='maybe' is not a failure mode: use unavailable, open"
            + " or closed"),
        Arguments.of(env("REDIS_TYPE", "replicated"), "REDIS_TYPE='replicated' is not a Redis type: use SINGLE,"
            + " CLUSTER or SENTINEL"),
        Arguments.of(env("REDIS_SOCKET_TYPE", "udp"), "REDIS_SOCKET_TYPE='udp' is not a socket type: use tcp"),
        Arguments.of(env("REDIS_URL", "localhost"), "REDIS_URL='localhost' is not host:port or"
            + " redis://[user:password@]host:port[/db] (missing port)"),
        Arguments.of(env("REDIS_URL", "::1:6379"), "REDIS_URL='::1:6379' is not host:port or"
            + " redis://[user:password@]host:port[/db] (too many colons (write an IPv6 address in brackets))"),
        Arguments.of(env("REDIS_URL", "h:0"), "REDIS_URL='h:0' is not host:port or"
            + " redis://[user:password@]host:port[/db] (port 0 cannot be connected to)"),
        Arguments.of(env("REDIS_URL", "rediss://h:6379"), "REDIS_URL='rediss://h:6379' is not host:port or"
            + " redis://[user:password@]host:port[/db] (only the redis:// scheme is read; REDIS_TLS=true turns TLS"
            + " on)"),
        Arguments.of(env("REDIS_URL", "redis://h:1/x"), "REDIS_URL='redis://h:1/x' is not host:port or"
            + " redis://[user:password@]host:port[/db] (database 'x' is not a number)"),
        Arguments.of(env("REDIS_TYPE", "cluster", "REDIS_URL", "a:1,b"), "REDIS_URL='a:1,b' is not host:port or"
            + " redis://[user:password@]host:port[/db] (item 'b': missing port)"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", "s1:26379"), "REDIS_URL='s1:26379' is not"
            + " mastername,host:port[,host:port...] (the master's name, then its sentinels, each host:port or"
            + " redis://[user:password@]host:port) (no sentinel after the master's name)"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", ",s1:26379"), "REDIS_URL=',s1:26379' is not"
            + " mastername,host:port[,host:port...] (the master's name, then its sentinels, each host:port or"
            + " redis://[user:password@]host:port) (the master's name is empty)"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", "m,s1:1,s2"), "REDIS_URL='m,s1:1,s2' is not"
            + " mastername,host:port[,host:port...] (the master's name, then its sentinels, each host:port or"
            + " redis://[user:password@]host:port) (sentinel 's2': missing port)"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", "m,s1:1,"), "REDIS_URL='m,s1:1,' is not"
            + " mastername,host:port[,host:port...]"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", "m,redis://s1:1/2"), "REDIS_URL='m,redis://s1:1/2'"
            + " is not mastername,host:port[,host:port...] (the master's name, then its sentinels, each host:port or"
            + " redis://[user:password@]host:port) (sentinel 'redis://s1:1/2': a sentinel has no databases: remove"
            + " the database)"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", "m,rediss://s1:1"), "REDIS_URL='m,rediss://s1:1' is"
            + " not mastername,host:port[,host:port...] (the master's name, then its sentinels, each host:port or"
            + " redis://[user:password@]host:port) (sentinel 'rediss://s1:1': only the redis:// scheme is read;"
            + " REDIS_TLS=true turns TLS on)"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", "m,[::1]:1,s2:2"), "REDIS_URL='m,[::1]:1,s2:2': an"
            + " IPv6 address among several sentinels is not supported by Sluice; name those sentinels by host name,"
            + " or list one sentinel"),
        Arguments.of(env("REDIS_TYPE", "sentinel", "REDIS_URL", "m,s1:1,redis://:b@s2:2"), "REDIS_URL="
            + "'m,s1:1,redis://*****@s2:2': its sentinels have different credentials; Sluice asks every sentinel with"
            + " one: set REDIS_SENTINEL_AUTH (or the same in each sentinel's URL)"),
        Arguments.of(env("REDIS_PERSECOND", "true", "REDIS_PERSECOND_TYPE", "Sentinel"), "REDIS_PERSECOND_URL="
            + "'/var/run/nutcracker/ratelimitpersecond.sock' is not mastername,host:port[,host:port...]"),
        Arguments.of(env("USE_PROMETHEUS", "true", "PROMETHEUS_ADDR", "9090"), "PROMETHEUS_ADDR='9090' is not"
            + " [host]:port (missing port), e.g. :9090 or 127.0.0.1:9090"),
        Arguments.of(env("USE_PROMETHEUS", "true", "PROMETHEUS_PATH", "metrics"), "PROMETHEUS_PATH='metrics' must"
            + " start with /, e.g. /metrics"),
        Arguments.of(env("LIMIT_RESPONSE_HEADERS_ENABLED", "true", "LIMIT_RESET_HEADER", "Rate Reset"),
            "LIMIT_RESET_HEADER='Rate Reset' is not an HTTP header name: use letters, digits and !#$%&'*+-.^_`|~"),
        Arguments.of(env("CACHE_KEY_PREFIX", "p".repeat(257)), "CACHE_KEY_PREFIX is 257 characters long: expected at"
            + " most 256"),
        Arguments.of(env("LOCAL_CACHE_SIZE_IN_BYTES", "-1"), "LOCAL_CACHE_SIZE_IN_BYTES=-1 is out of range: expected"
            + " 0 to 9223372036854775807"),
        Arguments.of(env("RUNTIME_ROOT", ""), "RUNTIME_ROOT is empty: name the runtime root directory (default"
            + " /srv/runtime_data/current)"),
        Arguments.of(env("BACKEND_TYPE", "sqlite", "SQLITE_PATH", ""), "SQLITE_PATH is empty: name the database file"
            + " (default ./data/sluice.db)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedValuesNameTheVariableAndTheValue(String[] env, String message) {
    assertThat(Env.refused(env).problems()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(message);
  }

  static Stream<Arguments> unsupported() {
    return Stream.of(
        Arguments.of(env("CONFIG_TYPE", "GRPC_XDS_SOTW"), "CONFIG_TYPE=GRPC_XDS_SOTW is not supported by Sluice: it"
            + " reads rate limit configs from files only; use CONFIG_TYPE=FILE"),
        Arguments.of(env("BACKEND_TYPE", "memcache"), "BACKEND_TYPE=memcache is not supported by Sluice: use redis,"
            + " sqlite or memory"),
        Arguments.of(env("USE_STATSD", "true"), "USE_STATSD=true: statsd is not supported by Sluice; set"
            + " USE_STATSD=false and use USE_PROMETHEUS=true"),
        Arguments.of(env("USE_STATSD", "1"), "USE_STATSD=1: statsd is not supported by Sluice; set USE_STATSD=false"
            + " and use USE_PROMETHEUS=true"),
        Arguments.of(env("USE_DOG_STATSD", "true"), "USE_DOG_STATSD=true: DogStatsD is not supported by Sluice; set"
            + " USE_DOG_STATSD=false and use USE_PROMETHEUS=true"),
        Arguments.of(env("USE_PROMETHEUS", "true", "PROMETHEUS_MAPPER_YAML", "/etc/mapper.yaml"),
            "PROMETHEUS_MAPPER_YAML=/etc/mapper.yaml: custom statsd-to-Prometheus mappings are not supported by"
                + " Sluice, which names its Prometheus metrics itself; unset it"),
        Arguments.of(env("TRACING_ENABLED", "true"), "TRACING_ENABLED=true is not supported by Sluice: it has no"
            + " tracing; set TRACING_ENABLED=false"),
        Arguments.of(env("GRPC_SERVER_USE_TLS", "true"), "GRPC_SERVER_USE_TLS=true is not supported by Sluice: it"
            + " serves gRPC in plaintext; terminate TLS in front of it (e.g. an Envoy sidecar) and set"
            + " GRPC_SERVER_USE_TLS=false"),
        Arguments.of(env("GRPC_UDS", "/tmp/rl.sock"), "GRPC_UDS=/tmp/rl.sock is not supported by Sluice: it serves"
            + " gRPC on TCP only; unset GRPC_UDS and use GRPC_HOST and GRPC_PORT"),
        Arguments.of(env("REDIS_SOCKET_TYPE", "unix", "REDIS_URL", "/run/redis.sock"), "REDIS_SOCKET_TYPE=unix is not"
            + " supported by Sluice: it cannot reach Redis on a unix socket; set REDIS_SOCKET_TYPE=tcp and"
            + " REDIS_URL=host:port"),
        // the REDIS_TLS_* files are supported (SettingsTlsTest); one missing stops the start
        Arguments.of(env("REDIS_TLS", "true", "REDIS_TLS_CACERT", "/no/ca.pem"), "REDIS_TLS_CACERT=/no/ca.pem: no"
            + " such file"),
        Arguments.of(env("REDIS_POOL_ON_EMPTY_BEHAVIOR", "CREATE"), "REDIS_POOL_ON_EMPTY_BEHAVIOR=CREATE is not"
            + " supported (nor by envoyproxy/ratelimit since radix v4): unset it or set WAIT"),
        Arguments.of(env("REDIS_POOL_ON_EMPTY_BEHAVIOR", "error"), "REDIS_POOL_ON_EMPTY_BEHAVIOR=error is not"
            + " supported (nor by envoyproxy/ratelimit since radix v4): unset it or set WAIT"),
        Arguments.of(env("REDIS_PERSECOND", "true", "REDIS_PERSECOND_URL", "ps:6379"), "REDIS_PERSECOND_SOCKET_TYPE="
            + "unix (the default when unset) is not supported by Sluice: it cannot reach Redis on a unix socket; set"
            + " REDIS_PERSECOND_SOCKET_TYPE=tcp and REDIS_PERSECOND_URL=host:port"),
        Arguments.of(env("REDIS_PERSECOND", "true", "REDIS_PERSECOND_SOCKET_TYPE", "tcp", "REDIS_PERSECOND_URL", "p:1",
            "REDIS_PERSECOND_TLS", "true", "REDIS_TLS_CACERT", "/no/ca.pem"), "REDIS_TLS_CACERT=/no/ca.pem: no such"
            + " file"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsupported")
  void unsupportedSettingsStopTheStartSayingWhy(String[] env, String message) {
    assertThat(Env.refused(env).problems()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith(message);
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of((Object) env("USE_STATSD", "false")),
        Arguments.of((Object) env("USE_STATSD", "true", "DISABLE_STATS", "true")), // theirs: no sink at all then
        Arguments.of((Object) env("USE_DOG_STATSD", "true", "DISABLE_STATS", "true")),
        Arguments.of((Object) env("PROMETHEUS_MAPPER_YAML", "/m.yaml")), // without Prometheus: unused, as theirs
        Arguments.of((Object) env("REDIS_TLS_CLIENT_CERT", "/c.pem", "REDIS_TLS_CLIENT_KEY", "/k.pem")), // no TLS
        Arguments.of((Object) env("REDIS_TLS_CACERT", "/no/ca.pem")), // no TLS: unused, as theirs
        Arguments.of((Object) env("REDIS_TYPE", "cluster", "REDIS_SOCKET_TYPE", "unix")), // theirs ignores it then
        Arguments.of((Object) env("BACKEND_TYPE", "memory", "REDIS_SOCKET_TYPE", "unix", "REDIS_TYPE", "sentinel")),
        Arguments.of((Object) env("BACKEND_TYPE", "sqlite", "REDIS_URL", "not a url")),
        Arguments.of((Object) env("REDIS_PERSECOND_TYPE", "sentinel")), // REDIS_PERSECOND is false
        Arguments.of((Object) env("REDIS_TYPE", "sentinel", "REDIS_URL", "mymaster,s1:26379")),
        Arguments.of((Object) env("REDIS_TYPE", "SENTINEL", "REDIS_SOCKET_TYPE", "unix", "REDIS_URL", "m,s:1")),
        Arguments.of((Object) env("REDIS_SENTINEL_AUTH", "x", "REDIS_URL", "h:1")), // SINGLE: unused, as theirs
        Arguments.of((Object) env("MEMCACHE_HOST_PORT", "m:11211", "CONFIG_GRPC_XDS_SERVER_URL", "x:1")),
        Arguments.of((Object) env("TRACING_ENABLED", "false", "TRACING_SAMPLING_RATE", "0.1")),
        Arguments.of((Object) env("GRPC_SERVER_TLS_CERT", "/c.pem", "GRPC_UDS", "")),
        Arguments.of((Object) env("LIMIT_LIMIT_HEADER", "not a header")), // headers off: unused
        Arguments.of((Object) env("NEAR_LIMIT_RATIO", "0x1p-1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void settingsThatChangeNothingDoNotStopTheStart(String[] env) {
    Env.read(env);
  }

  @Test
  void everyProblemIsReportedAtOnceOneALine() {
    SettingsException e = Env.refused("PORT", "x", "GRPC_PORT", "y", "BACKEND_TYPE", "memcache", "USE_STATSD", "t");
    assertThat(e.problems()).hasSize(4);
    assertThat(e.getMessage().lines()).containsExactlyElementsOf(e.problems());
  }

  @Test
  void secretsAreMaskedEverywhere() {
    String[] secrets = {"REDIS_AUTH", "hunter2", "REDIS_URL", "redis://bob:hunter3@h:1?password=hunter4",
        "REDIS_SENTINEL_AUTH", "hunter5", "REDIS_PERSECOND", "true", "REDIS_PERSECOND_SOCKET_TYPE", "tcp",
        "REDIS_PERSECOND_URL", "redis://:hunter6@p:1", "REDIS_PERSECOND_AUTH", "amy:hunter7",
        "REDIS_PERSECOND_SENTINEL_AUTH", "hunter8",
        "CONFIG_GRPC_XDS_CLIENT_ADDITIONAL_HEADERS", "authorization:hunter9"};
    Settings s = Env.read(secrets);
    String shown = s.describe() + "\n" + String.join("\n", s.notices()) + "\n" + s.store() + "\n" + s;
    assertThat(shown).doesNotContain("hunter");
    assertThat(s.describe().lines()).contains("REDIS_AUTH=*****", "REDIS_URL=redis://*****@h:1?password=*****",
        "REDIS_PERSECOND_URL=redis://*****@p:1", "REDIS_SENTINEL_AUTH=***** (not used with these settings)",
        "CONFIG_GRPC_XDS_CLIENT_ADDITIONAL_HEADERS=authorization:***** (no effect: xDS is not supported)",
        "redis: SINGLE redis://*****@h:1 connect timeout 10000ms",
        "redis per second: SINGLE redis://*****@p:1 connect timeout 10000ms");
    assertThat(s.store().redis().get().uris()).as("the store gets the password")
        .containsExactly("redis://bob:hunter2@h:1");
    assertThat(Env.read("REDIS_AUTH", "").describe().lines()).contains("REDIS_AUTH=");
  }

  @Test
  void sentinelSecretsAreMaskedEverywhere() {
    Settings s = Env.read("REDIS_TYPE", "sentinel", "REDIS_URL", "mymaster,redis://bob:hunter3@s1:1?password=hunter4,"
        + "redis://bob:hunter3@s2:2", "REDIS_AUTH", "hunter2", "REDIS_SENTINEL_AUTH", "amy:hunter5");
    String shown = s.describe() + "\n" + String.join("\n", s.notices()) + "\n" + s.store() + "\n" + s;
    assertThat(shown).doesNotContain("hunter");
    assertThat(s.describe().lines()).contains("REDIS_TYPE=sentinel", "REDIS_AUTH=*****", "REDIS_SENTINEL_AUTH=*****",
        "REDIS_URL=mymaster,redis://*****@s1:1?password=*****", // a password query hides the rest of the line
        "redis: SENTINEL redis-sentinel://*****@s1:1,s2:2#mymaster sentinel auth ***** connect timeout 10000ms");
    assertThat(s.store().redis().get().uris()).as("the store gets the master's password")
        .containsExactly("redis-sentinel://:hunter2@s1:1,s2:2#mymaster");
    assertThat(s.store().redis().get().sentinelPassword()).isEqualTo("hunter5");
    assertThat(Env.refused("REDIS_TYPE", "sentinel", "REDIS_URL", "m,redis://bob:hunter2@s1", "REDIS_SENTINEL_AUTH",
        "hunter3").getMessage()).doesNotContain("hunter").contains("(sentinel 'redis://*****@s1': missing port)");
  }

  @Test
  void secretsAreMaskedInRefusals() {
    String message = Env.refused("REDIS_URL", "redis://bob:hunter2@h", "REDIS_TYPE", "cluster",
        "CONFIG_GRPC_XDS_CLIENT_ADDITIONAL_HEADERS", "authorization:hunter3,x").getMessage();
    assertThat(message).doesNotContain("hunter")
        .contains("REDIS_URL='redis://*****@h' is not host:port", "CONFIG_GRPC_XDS_CLIENT_ADDITIONAL_HEADERS="
            + "'authorization:*****,x': an item is not key:value");
    assertThat(Env.refused("REDIS_URL", "redis://bob:hunter2@h:1,c:2", "REDIS_TYPE", "cluster", "REDIS_TIMEOUT", "x")
        .getMessage()).doesNotContain("hunter");
  }

  private static String[] env(String... kv) {
    return kv;
  }
}
