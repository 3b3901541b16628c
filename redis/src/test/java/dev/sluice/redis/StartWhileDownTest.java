package dev.sluice.redis;

import dev.sluice.spi.FailurePolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisCluster;
import dev.sluice.redis.testing.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The application can start while Redis is down. Regression: {@code build()} threw "cannot
 * connect to Redis", so an application could not start while its Redis was away.
 */
class StartWhileDownTest {

  @Test
  void aStoreBuiltWhileRedisIsDownAnswersByFailurePolicyThenRedisDecides() {
    try (RedisServer server = RedisServer.start()) {
      server.kill(); // nothing listens on its port now
      try (RedisStore store = RedisStore.standalone(server.uri())
              .failure("open", FailurePolicy.open())
              .failure("closed", FailurePolicy.closed())
              .build();
          Sluice sluice = Sluice.builder().store(store).build()) {
        Limiter open = sluice.limiter(TokenBucket.of("open", 5, 1, Duration.ofDays(1)));
        Limiter closed = sluice.limiter(FixedWindow.of("closed", 5, Window.of(Duration.ofDays(1))));
        for (int i = 0; i < 10; i++) {
          Decision o = open.tryAcquire("k", 1);
          assertThat(o.reason()).isEqualTo(Decision.Reason.FAILED_OPEN);
          assertThat(o.storeDecided()).isFalse();
          Decision c = closed.tryAcquire("k", 1);
          assertThat(c.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
          assertThat(c.storeDecided()).isFalse();
        }

        server.restart();
        // the store connects in the background; then Redis decides, exactly (nothing was charged
        // while it was away)
        await().atMost(Duration.ofSeconds(10)).until(() -> open.peek("probe", 1).storeDecided()
            && closed.peek("probe", 1).storeDecided());
        for (Limiter l : List.of(open, closed)) {
          int admitted = 0;
          for (int i = 0; i < 8; i++) {
            Decision d = l.tryAcquire("k", 1);
            assertThat(d.storeDecided()).as("%s decision %d: %s", l.policy().name(), i, d).isTrue();
            admitted += d.allowed() ? 1 : 0;
          }
          assertThat(admitted).as(l.policy().name()).isEqualTo(5);
        }
        assertScriptsLoaded(server);

        // Redis restarts empty: the store reconnects by itself and loads its scripts again,
        // before any decision asks for them
        server.restart();
        assertScriptsLoaded(server);
        assertThat(open.tryAcquire("k2", 1).storeDecided()).isTrue();
      }
    }
  }

  /**
   * The same on a cluster: every node is down when the store is built (no slot map can be read),
   * then the nodes come back with their cluster configuration and Redis decides, exactly.
   */
  @Test
  void aClusterStoreBuiltWhileEveryNodeIsDownAnswersByFailurePolicyThenRedisDecides() {
    try (RedisCluster cluster = RedisCluster.start()) {
      cluster.nodes().forEach(RedisServer::kill);
      try (RedisStore store = RedisStore.cluster(cluster.uris().toArray(new String[0]))
              .failure("cl-open", FailurePolicy.open())
              .failure("cl-closed", FailurePolicy.closed())
              .build();
          Sluice sluice = Sluice.builder().store(store).build()) {
        Limiter open = sluice.limiter(TokenBucket.of("cl-open", 5, 1, Duration.ofDays(1)));
        Limiter closed = sluice.limiter(FixedWindow.of("cl-closed", 5, Window.of(Duration.ofDays(1))));
        for (int i = 0; i < 10; i++) {
          assertThat(open.tryAcquire("k" + i, 1).reason()).isEqualTo(Decision.Reason.FAILED_OPEN);
          assertThat(closed.tryAcquire("k" + i, 1).reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        }

        // nodes.conf survives the restart: the nodes find each other and their slots again
        cluster.nodes().forEach(RedisServer::restart);
        cluster.awaitConverged(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(15)).until(() -> {
          for (int i = 0; i < 10; i++) { // keys spread over the three masters
            if (!open.peek("probe" + i, 1).storeDecided() || !closed.peek("probe" + i, 1).storeDecided()) {
              return false;
            }
          }
          return true;
        });
        for (Limiter l : List.of(open, closed)) {
          for (int k = 0; k < 10; k++) {
            int admitted = 0;
            for (int i = 0; i < 8; i++) {
              Decision d = l.tryAcquire("k" + k, 1);
              assertThat(d.storeDecided()).as("%s key k%d decision %d: %s", l.policy().name(), k, i, d).isTrue();
              admitted += d.allowed() ? 1 : 0;
            }
            assertThat(admitted).as("%s key k%d", l.policy().name(), k).isEqualTo(5);
          }
        }
      }
    }
  }

  /** Every script the store loads when it connects is in Redis's script cache (within 10 s). */
  private static void assertScriptsLoaded(RedisServer server) {
    String[] shas = Scripts.common().stream().map(Scripts.Script::sha).toArray(String[]::new);
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(c.sync().scriptExists(shas)).as("scripts in Redis").doesNotContain(false));
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
