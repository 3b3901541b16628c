package dev.sluice.redis.testing;

import static dev.sluice.redis.testing.Lettuce.withRedis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisClusterTest {

  /** On the resolved binary (Redis 7.0 from PATH here). */
  private static RedisCluster cluster;

  /**
   * On the bundled Redis 6.2 fallback; started alongside, since a fresh cluster master waits 2 s
   * (Redis's writable delay) before it reports cluster_state:ok.
   */
  private static CompletableFuture<RedisCluster> bundledCluster;

  @BeforeAll
  static void startClusters() {
    Path bundled = RedisBinary.bundled(); // extracted before any thread runs a process
    Path resolved = RedisBinary.resolve();
    bundledCluster = CompletableFuture.supplyAsync(() -> RedisCluster.start(bundled));
    cluster = RedisCluster.start(resolved);
  }

  @AfterAll
  static void stopClusters() {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (bundledCluster != null) {
        bundledCluster.thenAccept(RedisCluster::close).exceptionally(e -> null).join();
      }
    }
  }

  @Test
  void everyNodeIsAMasterOfItsRangeAndKnowsTheOthers() {
    List<RedisServer> nodes = cluster.nodes();
    assertThat(nodes).hasSize(3);
    assertThat(nodes).extracting(RedisServer::port).doesNotHaveDuplicates().doesNotContain(6379);
    assertThat(cluster.uris())
        .containsExactlyElementsOf(nodes.stream().map(RedisServer::uri).toList());

    for (int i = 0; i < 3; i++) {
      RedisServer node = nodes.get(i);
      int[] range = RedisCluster.SLOT_RANGES.get(i);
      assertThat(cluster.nodeForSlot(range[0])).isSameAs(node);
      assertThat(cluster.nodeForSlot(range[1])).isSameAs(node);
      withRedis(node, redis -> {
        assertThat(redis.clusterInfo())
            .contains("cluster_state:ok")
            .contains("cluster_known_nodes:3");
        List<String> lines = redis.clusterNodes().lines().toList();
        assertThat(lines).hasSize(3);
        for (RedisServer other : nodes) {
          int[] otherRange = RedisCluster.SLOT_RANGES.get(nodes.indexOf(other));
          assertThat(lines).anySatisfy(line -> assertThat(line)
              .contains(" 127.0.0.1:" + other.port() + "@")
              .contains("master")
              .endsWith(" " + otherRange[0] + "-" + otherRange[1]));
        }
      });
    }
    assertThat(RedisCluster.SLOT_RANGES.get(0)[0]).isZero();
    assertThat(RedisCluster.SLOT_RANGES.get(2)[1]).isEqualTo(16383);
    assertThatThrownBy(() -> cluster.nodeForSlot(16384))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cluster.nodeForSlot(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aClusterClientWritesAndReadsKeysOnAllThreeMasters() {
    withClusterClient(cluster, redis -> {
      Map<RedisServer, String> keyByNode = new LinkedHashMap<>();
      for (RedisServer node : cluster.nodes()) {
        keyByNode.put(node, keyOn(redis, cluster, node));
      }

      keyByNode.forEach(
          (node, key) -> assertThat(redis.set(key, "on " + node.port())).isEqualTo("OK"));
      keyByNode.forEach((node, key) -> assertThat(redis.get(key)).isEqualTo("on " + node.port()));

      // Each key physically lives on the node nodeForSlot names; the others redirect.
      keyByNode.forEach((owner, key) -> {
        for (RedisServer node : cluster.nodes()) {
          withRedis(node, direct -> {
            if (node == owner) {
              assertThat(direct.get(key)).isEqualTo("on " + owner.port());
            } else {
              assertThatThrownBy(() -> direct.get(key))
                  .isInstanceOf(RedisCommandExecutionException.class)
                  .hasMessageContaining("MOVED")
                  .hasMessageContaining("127.0.0.1:" + owner.port());
            }
          });
        }
      });
    });
  }

  /**
   * The Redis 6.2 fallback binary (CLUSTER ADDSLOTS, no ADDSLOTSRANGE) forms a cluster too; a
   * killed and restarted node rejoins it empty, with its slots; and closing a cluster leaves none
   * of its processes or directories behind.
   */
  @Test
  void theBundledBinaryFormsAClusterARestartedNodeRejoinsAndCloseLeavesNothing() {
    RedisCluster other = bundledCluster.join();
    Path bundled = realPath(RedisBinary.bundled());
    for (RedisServer node : other.nodes()) {
      assertThat(ProcessHandle.of(node.pid()).flatMap(h -> h.info().command()).map(Path::of))
          .hasValue(bundled);
    }
    RedisServer node1 = other.nodes().get(1);
    withClusterClient(other, redis -> {
      String key = keyOn(redis, other, node1);
      int slot = Math.toIntExact(redis.clusterKeyslot(key));
      redis.set(key, "before");
      assertThat(redis.get(key)).isEqualTo("before");

      long killed = node1.pid();
      node1.kill();
      node1.restart();
      assertThat(node1.pid()).isNotEqualTo(killed);
      other.awaitConverged(Duration.ofSeconds(30));
      withRedis(node1, direct -> assertThat(direct.clusterCountKeysInSlot(slot)).isZero());
      assertThat(redis.get(key)).isNull();
      redis.set(key, "after");
      assertThat(redis.get(key)).isEqualTo("after");
    });

    List<Long> pids = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    for (RedisServer node : other.nodes()) {
      pids.add(node.pid());
      dirs.add(node.directory());
    }
    other.close();
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid %d", pid).isEmpty();
    }
    assertThat(dirs).allSatisfy(dir -> assertThat(dir).doesNotExist());
  }

  /** A key that CLUSTER KEYSLOT puts on {@code node}, tagged {a}, {b}, ... */
  private static String keyOn(
      RedisAdvancedClusterCommands<String, String> redis, RedisCluster target, RedisServer node) {
    for (char tag = 'a'; tag <= 'z'; tag++) {
      String key = "{" + tag + "}:k";
      if (target.nodeForSlot(Math.toIntExact(redis.clusterKeyslot(key))) == node) {
        return key;
      }
    }
    throw new AssertionError("no tag {a}..{z} lands on " + node);
  }

  private static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void withClusterClient(
      RedisCluster target, Consumer<RedisAdvancedClusterCommands<String, String>> body) {
    List<RedisURI> uris = new ArrayList<>();
    for (String uri : target.uris()) {
      RedisURI redisUri = RedisURI.create(uri);
      redisUri.setTimeout(Duration.ofSeconds(5));
      uris.add(redisUri);
    }
    RedisClusterClient client = RedisClusterClient.create(uris);
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      body.accept(connection.sync());
    } finally {
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }
}
