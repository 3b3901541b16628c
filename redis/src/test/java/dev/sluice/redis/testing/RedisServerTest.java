package dev.sluice.redis.testing;

import static dev.sluice.redis.testing.Lettuce.withRedis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisServerTest {

  @Test
  void startsOnAFreeLoopbackPortWithTheDocumentedConfigAndAnswersPing() throws IOException {
    try (RedisServer server = RedisServer.start()) {
      assertThat(server.port()).isPositive().isNotEqualTo(6379);
      assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + server.port());
      assertThat(ProcessHandle.of(server.pid()).filter(ProcessHandle::isAlive)).isPresent();
      String dir = server.directory().toRealPath().toString();
      withRedis(server, redis -> {
        assertThat(redis.ping()).isEqualTo("PONG");
        assertThat(redis.info("server"))
            .contains("process_id:" + server.pid())
            .contains("tcp_port:" + server.port());
        assertThat(redis.configGet("bind")).containsEntry("bind", "127.0.0.1");
        assertThat(redis.configGet("save")).containsEntry("save", "");
        assertThat(redis.configGet("appendonly")).containsEntry("appendonly", "no");
        assertThat(redis.configGet("protected-mode")).containsEntry("protected-mode", "no");
        assertThat(redis.configGet("dir")).containsEntry("dir", dir);
        assertThat(redis.dbsize()).isZero();
      });
      assertThat(Files.readString(server.logFile())).contains("Ready to accept connections");
    }
  }

  @Test
  void twoServersHaveTheirOwnPortsAndData() {
    try (RedisServer a = RedisServer.start(); RedisServer b = RedisServer.start()) {
      assertThat(a.port()).isNotEqualTo(b.port());
      assertThat(a.pid()).isNotEqualTo(b.pid());
      withRedis(a, redis -> redis.set("k", "a"));
      withRedis(b, redis -> assertThat(redis.get("k")).isNull());
      withRedis(a, redis -> assertThat(redis.get("k")).isEqualTo("a"));
    }
  }

  @Test
  void killThenRestartComesBackEmptyOnTheSamePort() {
    RedisServer server = RedisServer.start();
    try {
      int port = server.port();
      long killed = server.pid();
      withRedis(server, redis -> {
        redis.set("k", "v");
        assertThat(redis.dbsize()).isEqualTo(1);
      });

      server.kill();
      assertThat(server.isAlive()).isFalse();
      assertThat(ProcessHandle.of(killed).filter(ProcessHandle::isAlive)).isEmpty();
      assertThatThrownBy(() -> new Socket(RedisServer.HOST, port).close())
          .isInstanceOf(ConnectException.class);

      server.restart();
      assertThat(server.port()).isEqualTo(port);
      assertThat(server.pid()).isNotEqualTo(killed);
      assertThat(server.isAlive()).isTrue();
      withRedis(server, redis -> {
        assertThat(redis.info("server")).contains("process_id:" + server.pid());
        assertThat(redis.get("k")).isNull();
        assertThat(redis.dbsize()).isZero();
      });

      long restarted = server.pid();
      server.close();
      assertThat(ProcessHandle.of(restarted).filter(ProcessHandle::isAlive)).isEmpty();
    } finally {
      server.close();
    }
  }

  @Test
  void restartOfARunningServerReplacesItsProcess() {
    try (RedisServer server = RedisServer.start()) {
      long first = server.pid();
      withRedis(server, redis -> redis.set("k", "v"));
      server.restart();
      assertThat(ProcessHandle.of(first).filter(ProcessHandle::isAlive)).isEmpty();
      withRedis(server, redis -> assertThat(redis.dbsize()).isZero());
    }
  }

  @Test
  void pauseMakesCommandsTimeOutAndResumeMakesThemAnswer() {
    try (RedisServer server = RedisServer.start()) {
      RedisClient client = Lettuce.client(server, Duration.ofMillis(300));
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        RedisCommands<String, String> redis = connection.sync();
        redis.set("k", "v");

        server.pause();
        assertThat(server.isPaused()).isTrue();
        assertThat(server.isAlive()).isTrue();
        long start = System.nanoTime();
        assertThatThrownBy(redis::ping).isInstanceOf(RedisCommandTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .isGreaterThanOrEqualTo(Duration.ofMillis(250));

        server.resume();
        assertThat(server.isPaused()).isFalse();
        assertThat(redis.get("k")).isEqualTo("v");
        assertThat(redis.ping()).isEqualTo("PONG");
      } finally {
        client.shutdown(0, 2, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void closeStopsTheProcessDeletesTheDirectoryAndIsFinal() {
    RedisServer server = RedisServer.start();
    long pid = server.pid();
    Path dir = server.directory();
    assertThat(dir).isDirectory();

    server.close();
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(dir).doesNotExist();

    server.close(); // idempotent
    assertThatThrownBy(server::restart)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(server::pause)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void closeOfAPausedServerContinuesItFirstSoItEndsPromptly() {
    RedisServer server = RedisServer.start();
    long pid = server.pid();
    server.pause();

    long start = System.nanoTime();
    server.close();
    // SIGTERM to a stopped process waits for SIGCONT: without it close() would sit out its 5 s
    // grace before the SIGKILL.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(server.directory()).doesNotExist();
  }

  @Test
  void pauseAndResumeOfAKilledServerFailClearly() {
    try (RedisServer server = RedisServer.start()) {
      server.kill();
      assertThatThrownBy(server::pause)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not running");
      assertThatThrownBy(server::resume)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not running");
    }
  }

  @Test
  void aBinaryThatExitsAtOnceFailsWithItsLog(@TempDir Path tmp) throws IOException {
    Path binary = tmp.resolve("redis-server");
    Files.writeString(binary, "#!/bin/sh\necho 'FATAL: this is not a redis-server'\nexit 3\n");
    assertThat(binary.toFile().setExecutable(true)).isTrue();

    assertThatThrownBy(() -> RedisServer.start(binary))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with code 3 before answering PING on 127.0.0.1:")
        .hasMessageContaining("FATAL: this is not a redis-server");
  }
}
