package dev.sluice.redis.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/**
 * A throwaway {@link RedisServer} with one plain Lettuce connection to it, for tests that talk to
 * Redis directly rather than through the store; {@link #close()} closes the connection, shuts the
 * client down and stops the server.
 */
public final class RedisConnection implements AutoCloseable {

  private final RedisServer server;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;

  private RedisConnection(RedisServer server, RedisClient client, StatefulRedisConnection<String, String> connection) {
    this.server = server;
    this.client = client;
    this.connection = connection;
  }

  /** Starts a server and connects to it. */
  public static RedisConnection start() {
    RedisServer server = RedisServer.start();
    RedisClient client = null;
    try {
      client = RedisClient.create(server.uri());
      return new RedisConnection(server, client, client.connect());
    } catch (RuntimeException e) {
      if (client != null) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
      server.close();
      throw e;
    }
  }

  public StatefulRedisConnection<String, String> connection() {
    return connection;
  }

  @Override
  public void close() {
    try {
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    } finally {
      server.close();
    }
  }
}
