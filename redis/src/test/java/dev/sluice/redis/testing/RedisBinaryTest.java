package dev.sluice.redis.testing;

import static dev.sluice.redis.testing.Lettuce.withRedis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ScriptOutputType;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RedisBinaryTest {

  static Stream<Path> binaries() {
    return Stream.of(RedisBinary.resolve(), RedisBinary.bundled()).distinct();
  }

  @Test
  void theBundledFallbackIsADifferentFileThanAnyOnPath() {
    Path bundled = RedisBinary.bundled();
    assertThat(bundled).isExecutable();
    assertThat(RedisBinary.onPath(System.getenv("PATH"))).isNotEqualTo(Optional.of(bundled));
    assertThat(RedisBinary.isSupported(RedisBinary.version(bundled))).isTrue();
  }

  /**
   * Runs the fallback explicitly (even where PATH has a redis-server) and what PATH or the property
   * resolves to: each must start, be the very binary asked for, be >= 6.2 and run what the store's
   * scripts need (SCRIPT LOAD + EVALSHA, TIME inside a script, redis.replicate_commands).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("binaries")
  void startsAnswersAndRunsTheStoresKindOfScript(Path binary) throws IOException {
    String version = RedisBinary.version(binary);
    try (RedisServer server = RedisServer.start(binary)) {
      assertThat(ProcessHandle.of(server.pid()).flatMap(h -> h.info().command()))
          .hasValue(binary.toRealPath().toString());
      withRedis(server, redis -> {
        assertThat(redis.ping()).isEqualTo("PONG");
        Matcher m = Pattern.compile("redis_version:(\\S+)").matcher(redis.info("server"));
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(version);
        assertThat(RedisBinary.isSupported(m.group(1))).isTrue();

        String sha = redis.scriptLoad(
            "redis.replicate_commands()\n"
                + "local t = redis.call('TIME')\n"
                + "redis.call('SET', KEYS[1], t[1])\n"
                + "return {t[1], t[2], redis.call('GET', KEYS[1])}");
        List<Object> reply = redis.evalsha(sha, ScriptOutputType.MULTI, "k");
        long nowSeconds = System.currentTimeMillis() / 1000;
        assertThat(reply).hasSize(3);
        assertThat(Long.parseLong((String) reply.get(0))).isBetween(nowSeconds - 5, nowSeconds + 5);
        assertThat(reply.get(2)).isEqualTo(reply.get(0));
      });
    }
  }

  @Test
  void aRedisServerOnPathIsPreferredWhenRecentEnough(@TempDir Path tmp) throws IOException {
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Path bin = Files.createDirectory(tmp.resolve("bin"));
    Path fake = fakeRedis(bin, "7.2.4");
    String pathEnv = empty + File.pathSeparator + bin;

    assertThat(RedisBinary.onPath(pathEnv)).hasValue(fake);
    assertThat(RedisBinary.resolve(null, pathEnv)).isEqualTo(fake);
    assertThat(RedisBinary.resolve("  ", pathEnv)).isEqualTo(fake);
  }

  @Test
  void anOldOrMissingRedisServerFallsBackToTheBundledOne(@TempDir Path tmp) throws IOException {
    fakeRedis(tmp, "6.0.16");
    assertThat(RedisBinary.resolve(null, tmp.toString())).isEqualTo(RedisBinary.bundled());
    assertThat(RedisBinary.resolve(null, "")).isEqualTo(RedisBinary.bundled());
    assertThat(RedisBinary.resolve(null, null)).isEqualTo(RedisBinary.bundled());
  }

  @Test
  void thePropertyOverridesPath(@TempDir Path tmp) throws IOException {
    Path onPath = fakeRedis(tmp, "7.2.4");
    Path bundled = RedisBinary.bundled();
    assertThat(RedisBinary.resolve(bundled.toString(), tmp.toString())).isEqualTo(bundled);
    assertThat(onPath).isNotEqualTo(bundled);
  }

  @Test
  void aPropertyNamingNoExecutableOrAnOldRedisFailsClearly(@TempDir Path tmp) throws IOException {
    String missing = tmp.resolve("nowhere/redis-server").toString();
    assertThatThrownBy(() -> RedisBinary.resolve(missing, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("-D" + RedisBinary.PROPERTY + "=" + missing)
        .hasMessageContaining("not an executable");

    Path old = fakeRedis(tmp, "5.0.14");
    assertThatThrownBy(() -> RedisBinary.resolve(old.toString(), null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is Redis 5.0.14")
        .hasMessageContaining(">= 6.2");
  }

  @Test
  void versionFloorIsSixTwo() {
    assertThat(RedisBinary.isSupported("6.2.0")).isTrue();
    assertThat(RedisBinary.isSupported("6.2.11")).isTrue();
    assertThat(RedisBinary.isSupported("7.0.15")).isTrue();
    assertThat(RedisBinary.isSupported("10.0.0")).isTrue();
    assertThat(RedisBinary.isSupported("6.1.9")).isFalse();
    assertThat(RedisBinary.isSupported("5.9.9")).isFalse();
  }

  /** A shell script named redis-server that only answers --version, like the real one. */
  private static Path fakeRedis(Path dir, String version) throws IOException {
    Path script = dir.resolve("redis-server");
    Files.writeString(script,
        "#!/bin/sh\necho 'Redis server v=" + version + " sha=00000000:0 malloc=libc bits=64'\n");
    assertThat(script.toFile().setExecutable(true)).isTrue();
    return script;
  }
}
