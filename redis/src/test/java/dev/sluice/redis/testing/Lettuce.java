package dev.sluice.redis.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Lettuce plumbing for the fixtures' own tests. */
final class Lettuce {

  private Lettuce() {}

  /** Runs {@code body} on a fresh standalone connection to the server, then shuts it all down. */
  static void withRedis(
      RedisServer server, Duration timeout, Consumer<RedisCommands<String, String>> body) {
    RedisClient client = client(server, timeout);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      body.accept(connection.sync());
    } finally {
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  /** A standalone client for the server with the given command timeout. */
  static RedisClient client(RedisServer server, Duration timeout) {
    return RedisClient.create(
        RedisURI.builder()
            .withHost(RedisServer.HOST)
            .withPort(server.port())
            .withTimeout(timeout)
            .build());
  }

  static void withRedis(RedisServer server, Consumer<RedisCommands<String, String>> body) {
    withRedis(server, Duration.ofSeconds(5), body);
  }
}
