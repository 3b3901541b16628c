package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisCluster;
import dev.sluice.redis.testing.RedisServer;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The store on a 3-master Redis Cluster started by the test. */
class ClusterTest {
  static RedisCluster cluster;

  @BeforeAll
  static void start() {
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static RedisStore store(boolean coalescing) {
    return RedisStore.cluster(cluster.uris().toArray(new String[0])).coalescing(coalescing)
        .commandTimeout(Duration.ofSeconds(10)).build();
  }

  @Test
  void keysOnEveryMasterStayExactAcrossTwoInstances() throws Exception {
    try (RedisStore a = store(true); RedisStore b = store(false);
        Sluice sa = Sluice.builder().store(a).build(); Sluice sb = Sluice.builder().store(b).build()) {
      FixedWindow policy = FixedWindow.of("cl-exact", 2, Window.of(Duration.ofHours(1)));
      Limiter la = sa.limiter(policy);
      Limiter lb = sb.limiter(policy);
      AtomicInteger admitted = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Limiter l = t % 2 == 0 ? la : lb;
        Thread th = new Thread(() -> {
          for (int k = 0; k < 300; k++) {
            if (l.tryAcquire("user" + k, 1).allowed()) {
              admitted.incrementAndGet();
            }
          }
        });
        th.start();
        threads.add(th);
      }
      for (Thread th : threads) {
        th.join();
      }
      assertThat(admitted.get()).isEqualTo(2 * 300);
      assertThat(a.failures().total() + b.failures().total()).isZero();
      for (RedisServer node : cluster.nodes()) {
        RedisClient c = RedisClient.create(node.uri());
        try (StatefulRedisConnection<String, String> conn = c.connect()) {
          assertThat(conn.sync().dbsize()).as(node.uri()).isPositive();
        } finally {
          c.shutdown();
        }
      }
    }
  }

  @Test
  void aMultiPolicyCallMustStayInOneSlot() {
    try (RedisStore store = store(true); Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter perSecond = sluice.limiter(TokenBucket.of("cl-s", 2, 2, Duration.ofSeconds(1)));
      Limiter perHour = sluice.limiter(FixedWindow.of("cl-h", 3, Window.of(Duration.ofHours(1))));
      // one key under two policies: the key is the hash tag, so one slot
      assertThat(sluice.tryAcquireAll(perSecond.charge("u1", 1), perHour.charge("u1", 1)).allowed()).isTrue();
      assertThat(sluice.tryAcquireAll(perSecond.charge("u1", 1), perHour.charge("u1", 1)).allowed()).isTrue();
      Decision third = sluice.tryAcquireAll(perSecond.charge("u1", 1), perHour.charge("u1", 1));
      assertThat(third.allowed()).isFalse();
      assertThat(third.policy().name()).isEqualTo("cl-s");
      assertThat(perHour.peek("u1", 1).remaining()).isEqualTo(0); // 3 - 2 charged, none by the denied call
      // a key's content cannot choose its slot: braces are escaped, so "{t9}:a" and "{t9}:b" are two
      // keys hashed whole, in two slots (a client choosing its own id must not reach another's slot)
      assertThatThrownBy(() -> sluice.tryAcquireAll(perSecond.charge("{t9}:a", 1), perHour.charge("{t9}:b", 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("one Redis Cluster hash slot");
      // different slots: a clear error, nothing charged
      assertThat(SlotHash.getSlot("a")).isNotEqualTo(SlotHash.getSlot("b"));
      assertThatThrownBy(() -> sluice.tryAcquireAll(perSecond.charge("a", 1), perHour.charge("b", 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("one Redis Cluster hash slot")
          .hasMessageContaining("slot " + SlotHash.getSlot("a"))
          .hasMessageContaining("slot " + SlotHash.getSlot("b"))
          .hasMessageContaining("the hash of the key itself");
      assertThat(perSecond.peek("a", 2).allowed()).isTrue(); // both tokens still there
    }
  }

  @Test
  void aSlotMovedToAnotherMasterIsFollowed() throws Exception {
    try (RedisStore store = store(true); Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter l = sluice.limiter(FixedWindow.of("cl-move", 10, Window.of(Duration.ofHours(1))));
      assertThat(l.tryAcquire("mover", 4).remaining()).as("%s", store.failures()).isEqualTo(6);
      int slot = SlotHash.getSlot("mover");
      RedisServer from = cluster.nodeForSlot(slot);
      RedisServer to = cluster.nodes().stream().filter(n -> n != from).findFirst().orElseThrow();
      migrate(slot, from, to);
      // the store's client still has the old map: Redis answers MOVED and Lettuce follows it
      Decision d = l.tryAcquire("mover", 1);
      assertThat(d.allowed()).isTrue();
      assertThat(d.remaining()).as("%s", store.failures()).isEqualTo(5);
      assertThat(store.failures().total()).isZero();
    }
  }

  @Test
  void aSlotHalfwayThroughMigrationIsFollowedWithAsk() throws Exception {
    try (RedisStore store = store(true); Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter l = sluice.limiter(FixedWindow.of("cl-ask", 10, Window.of(Duration.ofHours(1))));
      assertThat(l.tryAcquire("asker", 4).remaining()).isEqualTo(6);
      int slot = SlotHash.getSlot("asker");
      RedisServer from = cluster.nodeForSlot(slot);
      RedisServer to = cluster.nodes().stream().filter(n -> n != from).findFirst().orElseThrow();
      // the key has moved but the slot still belongs to the source: it answers ASK, and Lettuce
      // asks the target (ASKING, then the script) for this one call
      migrate(slot, from, to, () -> {
        Decision d = l.tryAcquire("asker", 1);
        assertThat(d.allowed()).isTrue();
        assertThat(d.remaining()).as("%s", store.failures()).isEqualTo(5);
      });
      assertThat(l.tryAcquire("asker", 1).remaining()).isEqualTo(4);
      assertThat(store.failures().total()).isZero();
    }
  }

  /**
   * TRYAGAIN: a script on several keys of a slot whose keys are half moved to another master (one
   * there, one still here) is refused by Redis with TRYAGAIN; it was answered by the failure
   * policy. It is now sent again until the migration has moved every key (then Redis answers ASK,
   * which Lettuce follows), within the decision's deadline, and counted.
   */
  @ParameterizedTest(name = "coalescing {0}")
  @ValueSource(booleans = {true, false})
  void aMultiKeyCallDuringASlotMigrationIsRetried(boolean coalescing) throws Exception {
    try (RedisStore store = store(coalescing); Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter perSecond = sluice.limiter(TokenBucket.of("cl-ta-s", 10, 10, Duration.ofSeconds(1)));
      Limiter perHour = sluice.limiter(FixedWindow.of("cl-ta-h", 10, Window.of(Duration.ofHours(1))));
      String key = "retry-" + coalescing;
      assertThat(sluice.tryAcquireAll(perSecond.charge(key, 1), perHour.charge(key, 1)).allowed()).isTrue();
      int slot = SlotHash.getSlot(key);
      RedisServer from = cluster.nodeForSlot(slot);
      RedisServer to = cluster.nodes().stream().filter(n -> n != from).findFirst().orElseThrow();
      migrating(slot, from, to, (src, toId, keys) -> {
        assertThat(keys).hasSize(2); // the bucket's and the window's state of the one key
        src.migrate("127.0.0.1", to.port(), 0, 5000, MigrateArgs.Builder.keys(keys.get(0)));
        // the migration goes on once the store has met TRYAGAIN a few times
        Thread finish = new Thread(() -> {
          await().atMost(Duration.ofSeconds(5)).until(() -> store.recoveries().tryAgainRetries() >= 3);
          src.migrate("127.0.0.1", to.port(), 0, 5000, MigrateArgs.Builder.keys(keys.get(1)));
          // the target first, as Redis advises: a source that already points to a target still
          // importing the slot would bounce a call between them (MOVED, MOVED, ...)
          List<RedisServer> order = new ArrayList<>(List.of(to, from));
          cluster.nodes().stream().filter(n -> n != to && n != from).forEach(order::add);
          setSlotNode(slot, toId, order);
        });
        finish.start();
        Decision d = sluice.tryAcquireAll(perSecond.charge(key, 1), perHour.charge(key, 1));
        finish.join();
        assertThat(d.storeDecided()).as("%s %s", d, store.failures()).isTrue();
        assertThat(d.allowed()).isTrue();
      });
      assertThat(store.recoveries().tryAgainRetries()).isGreaterThanOrEqualTo(3);
      // 10 - 2 charged (once each: TRYAGAIN ran nothing) - 1 peeked, read on the new master
      assertThat(perHour.peek(key, 1).remaining()).isEqualTo(7);
      assertThat(store.failures().total()).isZero();
    }
  }

  private static void migrate(int slot, RedisServer from, RedisServer to) throws Exception {
    migrate(slot, from, to, () -> {});
  }

  /** Moves {@code slot} with its keys, running {@code halfway} after the keys moved and before the slot does. */
  private static void migrate(int slot, RedisServer from, RedisServer to, Runnable halfway) throws Exception {
    migrating(slot, from, to, (src, toId, keys) -> {
      assertThat(keys).isNotEmpty();
      src.migrate("127.0.0.1", to.port(), 0, 5000, MigrateArgs.Builder.keys(keys));
      halfway.run();
      setSlotNode(slot, toId, cluster.nodes());
    });
  }

  /** A step of a slot's migration, with the source's commands, the target's id and the slot's keys. */
  private interface Migration {
    void run(RedisCommands<String, String> src, String toId, List<String> keys) throws Exception;
  }

  /**
   * Marks {@code slot} IMPORTING on {@code to} and MIGRATING on {@code from}, then runs {@code
   * body} on a connection to the source with the keys the slot holds there.
   */
  private static void migrating(int slot, RedisServer from, RedisServer to, Migration body) throws Exception {
    RedisClient cf = RedisClient.create(from.uri());
    RedisClient ct = RedisClient.create(to.uri());
    try (StatefulRedisConnection<String, String> f = cf.connect(); StatefulRedisConnection<String, String> t = ct.connect()) {
      RedisCommands<String, String> src = f.sync();
      RedisCommands<String, String> dst = t.sync();
      String toId = dst.clusterMyId();
      dst.clusterSetSlotImporting(slot, src.clusterMyId());
      src.clusterSetSlotMigrating(slot, toId);
      body.run(src, toId, src.clusterGetKeysInSlot(slot, 1000));
    } finally {
      cf.shutdown();
      ct.shutdown();
    }
  }

  /** CLUSTER SETSLOT NODE on each node of {@code order} in turn: {@code slot} now belongs to {@code nodeId}. */
  private static void setSlotNode(int slot, String nodeId, List<RedisServer> order) {
    for (RedisServer node : order) {
      RedisClient c = RedisClient.create(node.uri());
      try (StatefulRedisConnection<String, String> conn = c.connect()) {
        conn.sync().clusterSetSlotNode(slot, nodeId);
      } finally {
        c.shutdown();
      }
    }
  }
}
