package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisSentinel;
import dev.sluice.redis.testing.RedisServer;
import dev.sluice.spi.FailurePolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisStore#standalone} on a Lettuce {@code redis-sentinel://} URI: the store asks the
 * sentinels for the master, with the master's password in the URI and the sentinels' own given by
 * {@link RedisStore.Builder#sentinelCredentials}; decisions are exact there, and after the master
 * dies and the Sentinel promotes the replica the store follows by itself (real processes: a
 * master, a replica and a Sentinel, see {@link RedisSentinel}).
 */
class SentinelStoreTest {

  @Test
  void theMasterIsFoundThroughTheSentinelEachWithItsOwnPassword() {
    try (RedisSentinel redis = RedisSentinel.start("m-secret", "s-secret")) {
      // a sentinel that is not there comes first: the next one is asked
      String uri = "redis-sentinel://:m-secret@127.0.0.1:" + unusedPort() + ",127.0.0.1:" + redis.sentinelPort()
          + "#" + RedisSentinel.MASTER_NAME;
      try (RedisStore store = RedisStore.standalone(uri).sentinelCredentials(null, "s-secret")
              .failure(FailurePolicy.closed()).build();
          Sluice sluice = Sluice.builder().store(store).build()) {
        Limiter l = sluice.limiter(FixedWindow.of("sentinel", 5, Window.of(Duration.ofDays(1))));
        int admitted = 0;
        for (int i = 0; i < 8; i++) {
          Decision d = l.tryAcquire("k", 1);
          assertThat(d.storeDecided()).as("decision %d: %s", i, d).isTrue();
          admitted += d.allowed() ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(5);
        RedisServer master = redis.master();
        assertThat(master).isSameAs(redis.dataNodes().get(0));
        assertThat((Long) redis.command(master, "DBSIZE")).as("keys on the master").isPositive();
        assertThat(scriptsMissing(redis, master)).as("scripts loaded on the master").isEmpty();
      }

      // each password goes to its own place: without the sentinels', or with the two swapped,
      // nothing connects and the failure policy answers
      for (RedisStore.Builder wrong : List.of(
          RedisStore.standalone(uri),
          RedisStore.standalone(uri.replace(":m-secret@", ":s-secret@")).sentinelCredentials("", "m-secret"))) {
        try (RedisStore store = wrong.failure(FailurePolicy.closed()).connectTimeout(Duration.ofSeconds(1)).build();
            Sluice sluice = Sluice.builder().store(store).build()) {
          Decision d = sluice.limiter(FixedWindow.of("sentinel", 5, Window.of(Duration.ofDays(1)))).tryAcquire("k", 1);
          assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        }
      }
    }
  }

  @Test
  void sentinelCredentialsNeedASentinelUri() {
    assertThatThrownBy(() -> RedisStore.standalone("redis://:pw@127.0.0.1:1").sentinelCredentials(null, "s").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sentinel credentials need a redis-sentinel:// URI")
        .hasMessageNotContaining("pw@");
    assertThatThrownBy(() -> RedisStore.standalone("redis-sentinel://127.0.0.1:1#m").sentinelCredentials("u", ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Lettuce's form of the URIs, passwords masked, is what errors and logs show. */
  @Test
  void errorsShowNoPassword() throws Exception {
    try (RedisLink link = new RedisLink(false, List.of("redis-sentinel://:m-secret@127.0.0.1:1#m"),
        Duration.ofMillis(100), null, "s-secret", null)) {
      Throwable e = link.dispatch(io.lettuce.core.protocol.CommandType.PING,
          new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
          new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8))
          .handle((ok, error) -> error).get();
      assertThat(e).hasMessageContaining("not connected to Redis at [redis-sentinel://").hasMessageNotContaining("secret");
    }
  }

  /**
   * The master is killed (SIGKILL) after 10 of 20 admissions reached the replica; the Sentinel
   * promotes the replica. Meanwhile every decision answers within its deadline (by the failure
   * policy while no master answers), and once the store has reconnected to the new master through
   * the Sentinel exactly the other 10 are admitted.
   */
  @Test
  void aFailoverIsFollowedAndNothingIsLost() throws InterruptedException {
    try (RedisSentinel redis = RedisSentinel.start()) {
      String uri = "redis-sentinel://127.0.0.1:" + redis.sentinelPort() + "#" + RedisSentinel.MASTER_NAME;
      try (RedisStore store = RedisStore.standalone(uri).failure(FailurePolicy.closed()).build();
          Sluice sluice = Sluice.builder().store(store).build()) {
        Limiter l = sluice.limiter(FixedWindow.of("failover", 20, Window.of(Duration.ofDays(1))));
        for (int i = 0; i < 10; i++) {
          assertThat(l.tryAcquire("k", 1).reason()).as("decision %d", i).isEqualTo(Decision.Reason.ALLOWED);
        }
        redis.awaitReplicated();
        RedisServer old = redis.master();
        RedisServer replica = redis.replica();

        old.kill();
        long killed = System.nanoTime();
        int admitted = 10;
        long slowest = 0;
        List<Decision.Reason> during = new ArrayList<>();
        while (true) {
          long start = System.nanoTime();
          Decision d = l.tryAcquire("k", 1);
          long took = System.nanoTime() - start;
          slowest = Math.max(slowest, took);
          assertThat(Duration.ofNanos(took)).as("decision %d during the failover: %s", during.size(), d)
              .isLessThan(Duration.ofSeconds(2));
          during.add(d.reason());
          admitted += d.allowed() ? 1 : 0;
          if (d.storeDecided()) {
            break;
          }
          assertThat(System.nanoTime() - killed).as("store-decided again within 30 s; seen " + during)
              .isLessThan(Duration.ofSeconds(30).toNanos());
          Thread.sleep(20);
        }
        long resumedMillis = (System.nanoTime() - killed) / 1_000_000;
        redis.awaitPromoted(replica, Duration.ofSeconds(30));
        assertThat(redis.master()).isSameAs(replica);
        System.out.printf("SentinelStoreTest: decided by the new master %d ms after the kill; slowest decision"
            + " meanwhile %d ms; %d decisions during the failover%n", resumedMillis, slowest / 1_000_000,
            during.size());

        for (int i = 0; i < 25 && admitted < 21; i++) {
          Decision d = l.tryAcquire("k", 1);
          assertThat(d.storeDecided()).as("after the failover, decision %d: %s", i, d).isTrue();
          if (!d.allowed()) {
            break;
          }
          admitted++;
        }
        assertThat(admitted).as("admitted in all, before, during and after the failover").isEqualTo(20);
        assertThat(l.tryAcquire("k", 1).reason()).isEqualTo(Decision.Reason.LIMITED);
        assertThat(scriptsMissing(redis, replica)).as("scripts loaded on the new master").isEmpty();
      }
    }
  }

  private static List<String> scriptsMissing(RedisSentinel redis, RedisServer node) {
    List<String> args = new ArrayList<>(List.of("SCRIPT", "EXISTS"));
    List<String> shas = Scripts.common().stream().map(Scripts.Script::sha).toList();
    args.addAll(shas);
    List<?> exists = (List<?>) redis.command(node, args.toArray(String[]::new));
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < shas.size(); i++) {
      if (!Long.valueOf(1).equals(exists.get(i))) {
        missing.add(shas.get(i));
      }
    }
    return missing;
  }

  /** A loopback port nothing listened on a moment ago. */
  static int unusedPort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
