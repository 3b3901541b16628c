package dev.sluice.redis;

import dev.sluice.redis.testing.RedisConnection;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the tests that talk to Redis directly rather than through the store: one throwaway
 * server per test class with one plain Lettuce {@link #connection}, and script calls read as the
 * store reads them ({@link Results}). The fields are shared by the subclasses; JUnit runs the test
 * classes one after another, each starting its own server before its tests and stopping it after.
 */
abstract class DirectRedisTest {

  static RedisConnection redis;
  static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void startRedis() {
    redis = RedisConnection.start();
    connection = redis.connection();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
      redis = null;
      connection = null;
    }
  }

  /** EVAL with these arguments, read into a long[] by {@link Results}; waits up to {@code timeout}. */
  static long[] evalResults(CommandArgs<String, String> args, Duration timeout) {
    return LettuceFutures.awaitOrCancel(connection.async().dispatch(CommandType.EVAL, new Results(), args),
        timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
