package dev.sluice.server.settings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.server.settings.ServiceSettings.FailureMode;
import dev.sluice.server.settings.StoreSettings.Backend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each row: a variable, a value as envoyproxy/ratelimit would take it, and what Sluice makes of it. */
class SettingsParseTest {

  static Stream<Arguments> values() {
    return Stream.of(
        row("PORT", "9000", s -> s.listen().port(), 9000),
        row("PORT", "0", s -> s.listen().port(), 0),
        row("PORT", "0x1F90", s -> s.listen().port(), 8080),
        row("PORT", "017", s -> s.listen().port(), 15), // Go: a leading 0 is octal
        row("PORT", "8_080", s -> s.listen().port(), 8080),
        row("PORT", "+8080", s -> s.listen().port(), 8080),
        row("HOST", "127.0.0.1", s -> s.listen().host(), "127.0.0.1"),
        row("HOST", "", s -> s.listen().host(), ""), // set but empty is empty, as in envconfig
        row("DEBUG_HOST", "::1", s -> s.listen().debugHost(), "::1"),
        row("DEBUG_PORT", "0o17", s -> s.listen().debugPort(), 15),
        row("GRPC_HOST", "10.0.0.1", s -> s.listen().grpcHost(), "10.0.0.1"),
        row("GRPC_PORT", "65535", s -> s.listen().grpcPort(), 65535),
        row("GRPC_MAX_CONNECTION_AGE", "1m30s", s -> s.listen().grpcMaxConnectionAge(), Duration.ofSeconds(90)),
        row("GRPC_MAX_CONNECTION_AGE", "0", s -> s.listen().grpcMaxConnectionAge(), Duration.ZERO),
        row("GRPC_MAX_CONNECTION_AGE_GRACE", "500ms", s -> s.listen().grpcMaxConnectionAgeGrace(),
            Duration.ofMillis(500)),
        row("LOG_LEVEL", "debug", s -> s.log().level(), LogSettings.Level.DEBUG),
        row("LOG_LEVEL", "Warning", s -> s.log().level(), LogSettings.Level.WARN),
        row("LOG_LEVEL", "TRACE", s -> s.log().level(), LogSettings.Level.TRACE),
        row("LOG_LEVEL", "panic", s -> s.log().level(), LogSettings.Level.PANIC),
        row("LOG_FORMAT", "JSON", s -> s.log().json(), true),
        row("LOG_FORMAT", "text", s -> s.log().json(), false),
        row("LOG_FORMAT", "logfmt", s -> s.log().json(), false), // theirs: anything but json is text
        row("CONFIG_TYPE", "file", s -> s.runtime().configDirectory(), Path.of("/srv/runtime_data/current/config")),
        row("RUNTIME_ROOT", "/data", s -> s.runtime().configDirectory(), Path.of("/data/config")),
        row("RUNTIME_SUBDIRECTORY", "ratelimit", s -> s.runtime().configDirectory(),
            Path.of("/srv/runtime_data/current/ratelimit/config")),
        row("RUNTIME_SUBDIRECTORY", "/ratelimit/", s -> s.runtime().configDirectory(),
            Path.of("/srv/runtime_data/current/ratelimit/config")), // filepath.Join: no restart at a slash
        row("RUNTIME_APPDIRECTORY", "../limits", s -> s.runtime().configDirectory(),
            Path.of("/srv/runtime_data/limits")),
        row("RUNTIME_APPDIRECTORY", "", s -> s.runtime().configDirectory(), Path.of("/srv/runtime_data/current")),
        row("RUNTIME_IGNOREDOTFILES", "t", s -> s.runtime().ignoreDotFiles(), true),
        row("RUNTIME_WATCH_ROOT", "0", s -> s.runtime().watchedRoot(), java.util.Optional.empty()),
        row("RUNTIME_WATCH_ROOT", "TRUE", s -> s.runtime().watchedRoot(),
            java.util.Optional.of(Path.of("/srv/runtime_data/current"))),
        row("MERGE_DOMAIN_CONFIG", "True", s -> s.runtime().mergeDomainConfig(), true),
        row("FORCE_START_WITHOUT_INITIAL_CONFIG", "1", s -> s.runtime().forceStartWithoutInitialConfig(), true),
        row("DISABLE_STATS", "true", s -> s.stats().enabled(), false),
        row("USE_PROMETHEUS", "true", s -> s.stats().prometheus(), true),
        row("PROMETHEUS_ADDR", "127.0.0.1:9102", s -> s.stats().prometheusHost(), ""), // read only with Prometheus
        row("PROMETHEUS_RESPONSE_TIME_AS_MILLISECONDS", "T", s -> s.stats().responseTimeInMilliseconds(), true),
        row("EXTRA_TAGS", "env:prod,region:eu", s -> s.stats().extraTags(), Map.of("env", "prod", "region", "eu")),
        row("EXTRA_TAGS", " ", s -> s.stats().extraTags(), Map.of()),
        row("EXTRA_TAGS", "k:", s -> s.stats().extraTags(), Map.of("k", "")),
        row("CACHE_KEY_PREFIX", "rl_", s -> s.service().cacheKeyPrefix(), "rl_"),
        row("SHADOW_MODE", "true", s -> s.service().shadowMode(), true),
        row("QUOTA_MODE", "true", s -> s.service().quotaMode(), true),
        row("NEAR_LIMIT_RATIO", "0.5", s -> s.service().nearLimitRatio(), 0.5f),
        row("NEAR_LIMIT_RATIO", "1", s -> s.service().nearLimitRatio(), 1f),
        row("NEAR_LIMIT_RATIO", "0", s -> s.service().nearLimitRatio(), 0f),
        row("LIMIT_RESPONSE_HEADERS_ENABLED", "true", s -> s.service().responseHeadersEnabled(), true),
        row("LIMIT_LIMIT_HEADER", "X-RateLimit-Limit", s -> s.service().limitHeader(), "X-RateLimit-Limit"),
        row("LIMIT_REMAINING_HEADER", "X-Left", s -> s.service().remainingHeader(), "X-Left"),
        row("LIMIT_RESET_HEADER", "X-Reset", s -> s.service().resetHeader(), "X-Reset"),
        row("LOCAL_CACHE_SIZE_IN_BYTES", "1048576", s -> s.service().localCacheSizeInBytes(), 1_048_576L),
        row("FAILURE_MODE", "open", s -> s.service().failureMode(), FailureMode.OPEN),
        row("FAILURE_MODE", "CLOSED", s -> s.service().failureMode(), FailureMode.CLOSED),
        row("RESPONSE_DYNAMIC_METADATA", "true", s -> s.service().responseDynamicMetadata(), true),
        row("HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED", "true", s -> s.service().healthyWithAtLeastOneConfigLoaded(),
            true),
        row("BACKEND_TYPE", "", s -> s.store().backend(), Backend.REDIS), // theirs: "" is redis
        row("BACKEND_TYPE", "Redis", s -> s.store().backend(), Backend.REDIS),
        row("BACKEND_TYPE", "sqlite", s -> s.store().sqlitePath(), Path.of("./data/sluice.db")),
        row("BACKEND_TYPE", "memory", s -> s.store().redis(), java.util.Optional.empty()),
        row("REDIS_TYPE", "single", s -> s.store().redis().get().type(), RedisSettings.Type.SINGLE),
        row("REDIS_SENTINEL_AUTH", "spw", s -> s.store().redis().get().sentinelPassword(), ""), // not SENTINEL
        row("REDIS_SOCKET_TYPE", "tcp4", s -> uris(s), List.of("redis://localhost:6379")),
        row("REDIS_URL", "10.0.0.5:6380", s -> uris(s), List.of("redis://10.0.0.5:6380")),
        row("REDIS_URL", "[::1]:6379", s -> uris(s), List.of("redis://[::1]:6379")),
        row("REDIS_URL", ":6379", s -> uris(s), List.of("redis://localhost:6379")), // Go dials this machine
        row("REDIS_URL", "redis://h:1/2", s -> uris(s), List.of("redis://h:1/2")),
        row("REDIS_URL", "redis://h:1?db=3", s -> uris(s), List.of("redis://h:1/3")),
        row("REDIS_URL", "redis://h:1/0", s -> uris(s), List.of("redis://h:1")),
        row("REDIS_URL", "redis://:pw@h:1", s -> uris(s), List.of("redis://:pw@h:1")),
        row("REDIS_URL", "redis://bob:p%40ss@h:1", s -> uris(s), List.of("redis://bob:p%40ss@h:1")),
        row("REDIS_URL", "redis://bob:a@b@h:1", s -> uris(s), List.of("redis://bob:a%40b@h:1")), // last @
        row("REDIS_URL", "redis://h:1?username=bob&password=p+w", s -> uris(s), List.of("redis://bob:p%20w@h:1")),
        row("REDIS_URL", "redis://redis_master:6379", s -> uris(s), List.of("redis://redis_master:6379")),
        row("REDIS_AUTH", "secret", s -> uris(s), List.of("redis://:secret@localhost:6379")),
        row("REDIS_AUTH", "bob:se:cret", s -> uris(s), List.of("redis://bob:se%3Acret@localhost:6379")),
        row("REDIS_TLS", "true", s -> uris(s), List.of("rediss://localhost:6379")),
        row("REDIS_TLS_SKIP_HOSTNAME_VERIFICATION", "true", s -> uris(s), List.of("redis://localhost:6379")),
        row("REDIS_TLS_CLIENT_CERT", "/c.pem", s -> uris(s), List.of("redis://localhost:6379")), // TLS off: unused
        row("REDIS_TIMEOUT", "500ms", s -> s.store().redis().get().connectTimeout(), Duration.ofMillis(500)),
        row("REDIS_TIMEOUT", "0", s -> s.store().redis().get().connectTimeout(), Duration.ZERO),
        row("REDIS_HEALTH_CHECK_ACTIVE_CONNECTION", "true", s -> s.store().redis().get().healthCheckActiveConnection(),
            true),
        row("REDIS_POOL_ON_EMPTY_BEHAVIOR", "wait", s -> uris(s), List.of("redis://localhost:6379")),
        row("REDIS_POOL_ON_EMPTY_BEHAVIOR", "whatever", s -> uris(s), List.of("redis://localhost:6379")),
        row("REDIS_PERSECOND", "false", s -> s.store().redisPerSecond(), java.util.Optional.empty()));
  }

  private static Arguments row(String name, String value, Function<Settings, Object> get, Object expected) {
    return Arguments.of(name, value, get, expected);
  }

  private static List<String> uris(Settings s) {
    return s.store().redis().get().uris();
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("values")
  void readsAsTheyDo(String name, String value, Function<Settings, Object> get, Object expected) {
    assertThat(get.apply(Env.read(name, value))).isEqualTo(expected);
  }

  @Test
  void nearLimitRatioIsTheirFloat32() {
    assertThat(Env.read("NEAR_LIMIT_RATIO", "0.8").service().nearLimitRatio()).isEqualTo(0.8f);
  }

  @Test
  void sqliteTakesItsPath() {
    assertThat(Env.read("BACKEND_TYPE", "sqlite", "SQLITE_PATH", "/var/lib/sluice/rl.db").store().sqlitePath())
        .isEqualTo(Path.of("/var/lib/sluice/rl.db"));
  }

  @Test
  void prometheusAddressAndPath() {
    Settings s = Env.read("USE_PROMETHEUS", "true", "PROMETHEUS_ADDR", "[::]:9102", "PROMETHEUS_PATH", "/m");
    assertThat(s.stats()).isEqualTo(new StatsSettings(true, true, "::", 9102, "/m", false, Map.of()));
    assertThat(Env.read("USE_PROMETHEUS", "true", "DISABLE_STATS", "1").stats().prometheus())
        .as("DISABLE_STATS wins, as in theirs").isFalse();
  }

  @Test
  void clusterUrlsAreOneUriPerNodeWithTheSharedCredentials() {
    Settings s = Env.read("REDIS_TYPE", "CLUSTER", "REDIS_SOCKET_TYPE", null, "REDIS_URL", "n1:7000,n2:7001,[::1]:7002",
        "REDIS_AUTH", "pw", "REDIS_TLS", "true", "REDIS_TLS_SKIP_HOSTNAME_VERIFICATION", "true");
    assertThat(s.store().redis().get()).isEqualTo(new RedisSettings(RedisSettings.Type.CLUSTER,
        List.of("rediss://:pw@n1:7000?verifyPeer=CA", "rediss://:pw@n2:7001?verifyPeer=CA",
            "rediss://:pw@[::1]:7002?verifyPeer=CA"), Duration.ofSeconds(10), false));
  }

  @Test
  void redisAuthWinsOverTheUrlsCredentialsAsInRadix() {
    assertThat(uris(Env.read("REDIS_URL", "redis://bob:old@h:1", "REDIS_AUTH", "new")))
        .containsExactly("redis://bob:new@h:1");
    assertThat(uris(Env.read("REDIS_URL", "redis://bob:old@h:1", "REDIS_AUTH", "amy:new")))
        .containsExactly("redis://amy:new@h:1");
  }

  @Test
  void perSecondRedisReadsItsTwins() {
    Settings s = Env.read("REDIS_PERSECOND", "true", "REDIS_PERSECOND_SOCKET_TYPE", "tcp",
        "REDIS_PERSECOND_URL", "ps:6379", "REDIS_PERSECOND_AUTH", "u:p", "REDIS_PERSECOND_TLS", "true",
        "REDIS_PERSECOND_TIMEOUT", "2s", "REDIS_AUTH", "main");
    assertThat(s.store().redis().get().uris()).containsExactly("redis://:main@localhost:6379");
    assertThat(s.store().redisPerSecond().get())
        .isEqualTo(new RedisSettings(RedisSettings.Type.SINGLE, List.of("rediss://u:p@ps:6379"), Duration.ofSeconds(2),
            false));
    assertThat(Env.read("REDIS_PERSECOND", "true", "REDIS_PERSECOND_TYPE", "cluster", "REDIS_PERSECOND_URL", "a:1,b:2")
        .store().redisPerSecond().get().uris()).containsExactly("redis://a:1", "redis://b:2");
  }

  /**
   * Each row: a Sentinel environment (their {@code REDIS_URL=mastername,sentinel,...}) and the
   * store's URI (the master's credentials in it), the sentinels' user and password.
   */
  static Stream<Arguments> sentinels() {
    return Stream.of(
        sentinel(env("REDIS_URL", "mymaster,s1:26379"), "redis-sentinel://s1:26379#mymaster", "", ""),
        sentinel(env("REDIS_URL", "mymaster,s1:26379,10.0.0.2:26380,:26381"),
            "redis-sentinel://s1:26379,10.0.0.2:26380,localhost:26381#mymaster", "", ""),
        sentinel(env("REDIS_URL", "mymaster,[::1]:26379"), "redis-sentinel://[::1]:26379#mymaster", "", ""),
        sentinel(env("REDIS_URL", "my master/1,s1:1"), "redis-sentinel://s1:1#my%20master%2F1", "", ""),
        // REDIS_AUTH is the master's, never the sentinels'
        sentinel(env("REDIS_AUTH", "mpw"), "redis-sentinel://:mpw@s1:26379#mymaster", "", ""),
        sentinel(env("REDIS_AUTH", "bob:m:pw"), "redis-sentinel://bob:m%3Apw@s1:26379#mymaster", "", ""),
        // REDIS_SENTINEL_AUTH is the sentinels', never the master's
        sentinel(env("REDIS_SENTINEL_AUTH", "spw"), "redis-sentinel://s1:26379#mymaster", "", "spw"),
        sentinel(env("REDIS_SENTINEL_AUTH", "amy:s:pw", "REDIS_AUTH", "mpw"),
            "redis-sentinel://:mpw@s1:26379#mymaster", "amy", "s:pw"),
        // radix: the first sentinel URL's credentials go to every sentinel, not to the master
        sentinel(env("REDIS_URL", "mymaster,redis://:spw@s1:1,s2:2"), "redis-sentinel://s1:1,s2:2#mymaster", "",
            "spw"),
        sentinel(env("REDIS_URL", "mymaster,redis://s1:1?username=amy&password=spw,redis://amy:spw@s2:2"),
            "redis-sentinel://s1:1,s2:2#mymaster", "amy", "spw"),
        sentinel(env("REDIS_URL", "mymaster,redis://bob:old@s1:1", "REDIS_SENTINEL_AUTH", "new"),
            "redis-sentinel://s1:1#mymaster", "bob", "new"), // the URL's user stays, as for REDIS_AUTH
        sentinel(env("REDIS_URL", "mymaster,redis://bob:old@s1:1,redis://:other@s2:2", "REDIS_SENTINEL_AUTH",
            "amy:new"), "redis-sentinel://s1:1,s2:2#mymaster", "amy", "new"),
        sentinel(env("REDIS_URL", "mymaster,redis://bob:@s1:1"), "redis-sentinel://s1:1#mymaster", "", ""),
        // TLS to the sentinels and the master alike, as theirs
        sentinel(env("REDIS_TLS", "true"), "rediss-sentinel://s1:26379#mymaster", "", ""),
        sentinel(env("REDIS_TLS", "true", "REDIS_TLS_SKIP_HOSTNAME_VERIFICATION", "true", "REDIS_AUTH", "mpw"),
            "rediss-sentinel://:mpw@s1:26379?verifyPeer=CA#mymaster", "", ""),
        // theirs reads REDIS_SOCKET_TYPE for SINGLE only
        sentinel(env("REDIS_SOCKET_TYPE", null), "redis-sentinel://s1:26379#mymaster", "", ""),
        sentinel(env("REDIS_TYPE", "Sentinel", "REDIS_SOCKET_TYPE", "unix"), "redis-sentinel://s1:26379#mymaster", "",
            ""));
  }

  private static String[] env(String... kv) {
    return kv;
  }

  private static Arguments sentinel(String[] kv, String uri, String user, String password) {
    return Arguments.of(kv, uri, user, password);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sentinels")
  void sentinelUrlsBecomeOneLettuceSentinelUri(String[] kv, String uri, String user, String password) {
    String[] all = new String[kv.length + 4];
    System.arraycopy(new String[] {"REDIS_TYPE", "SENTINEL", "REDIS_URL", "mymaster,s1:26379"}, 0, all, 0, 4);
    System.arraycopy(kv, 0, all, 4, kv.length);
    RedisSettings r = Env.read(all).store().redis().get();
    assertThat(r).isEqualTo(new RedisSettings(RedisSettings.Type.SENTINEL, List.of(uri), Duration.ofSeconds(10), false,
        user, password));
  }

  @Test
  void sentinelUrisReadBackInLettuceAsTheMastersNameSentinelsAndPassword() {
    RedisSettings r = Env.read("REDIS_TYPE", "sentinel", "REDIS_URL", "my master#1,redis://:spw@s1:26379,s2:26380",
        "REDIS_AUTH", "bob:p@ss:w,rd", "REDIS_TLS", "true", "REDIS_TLS_SKIP_HOSTNAME_VERIFICATION", "true")
        .store().redis().get();
    io.lettuce.core.RedisURI uri = io.lettuce.core.RedisURI.create(r.uris().get(0));
    assertThat(uri.getSentinelMasterId()).isEqualTo("my master#1");
    assertThat(uri.getSentinels()).extracting(io.lettuce.core.RedisURI::getHost, io.lettuce.core.RedisURI::getPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("s1", 26379), org.assertj.core.groups.Tuple.tuple("s2",
            26380));
    assertThat(uri.getSentinels()).allSatisfy(s -> {
      assertThat(s.isSsl()).isTrue();
      assertThat(s.getCredentialsProvider().resolveCredentials().block().hasPassword()).as("no password in the URI")
          .isFalse();
    });
    assertThat(uri.isSsl()).isTrue();
    assertThat(uri.getVerifyMode()).isEqualTo(io.lettuce.core.SslVerifyMode.CA);
    io.lettuce.core.RedisCredentials master = uri.getCredentialsProvider().resolveCredentials().block();
    assertThat(master.getUsername()).isEqualTo("bob");
    assertThat(new String(master.getPassword())).isEqualTo("p@ss:w,rd");
    assertThat(r.sentinelPassword()).isEqualTo("spw");
    assertThat(r.toString()).doesNotContain("spw", "p@ss").contains("sentinelPassword=*****");
  }

  @Test
  void perSecondSentinelReadsItsTwins() {
    Settings s = Env.read("REDIS_SENTINEL_AUTH", "main-s", "REDIS_PERSECOND", "true", "REDIS_PERSECOND_TYPE",
        "sentinel", "REDIS_PERSECOND_URL", "ps,s9:1", "REDIS_PERSECOND_AUTH", "pm", "REDIS_PERSECOND_SENTINEL_AUTH",
        "ps-s", "REDIS_PERSECOND_TLS", "true");
    assertThat(s.store().redis().get()).as("not a sentinel: REDIS_SENTINEL_AUTH unused")
        .isEqualTo(new RedisSettings(RedisSettings.Type.SINGLE, List.of("redis://localhost:6379"),
            Duration.ofSeconds(10), false));
    assertThat(s.store().redisPerSecond().get()).isEqualTo(new RedisSettings(RedisSettings.Type.SENTINEL,
        List.of("rediss-sentinel://:pm@s9:1#ps"), Duration.ofSeconds(10), false, "", "ps-s"));
    assertThat(s.describe().lines()).contains("REDIS_SENTINEL_AUTH=***** (not used with these settings)",
        "REDIS_PERSECOND_SENTINEL_AUTH=*****",
        "redis per second: SENTINEL rediss-sentinel://*****@s9:1#ps sentinel auth ***** connect timeout 10000ms");
  }

  @Test
  void sentinelCredentialsBelongToSentinelOnly() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RedisSettings(RedisSettings.Type.SINGLE,
        List.of("redis://h:1"), Duration.ZERO, false, "", "pw")).isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RedisSettings(RedisSettings.Type.SENTINEL,
        List.of("redis-sentinel://h:1#m"), Duration.ZERO, false, "amy", "")).isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RedisSettings(RedisSettings.Type.SENTINEL,
        List.of("redis-sentinel://h:1#m", "redis-sentinel://h:2#m"), Duration.ZERO, false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unknownVariablesAreIgnored() {
    assertThat(Env.read("PATH", "/usr/bin", "FOO", "bar", "REDIS_URLS", "x", "port", "no").listen().port())
        .isEqualTo(8080);
  }
}
