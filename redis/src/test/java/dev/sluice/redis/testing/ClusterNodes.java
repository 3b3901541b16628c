package dev.sluice.redis.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What {@link RedisCluster} and {@link RedisFailoverCluster} do alike with their nodes: start them
 * (and stop every one started when the setup fails), give a master its slots, and stop them all.
 */
final class ClusterNodes {

  /** Hash slots of a Redis Cluster. */
  static final int SLOTS = 16_384;

  private static final int ADDSLOTS_CHUNK = 1_000;

  private ClusterNodes() {}

  /**
   * Starts {@code count} cluster-enabled nodes of {@code binary}, handing each to {@code started}
   * as it comes up, then returns {@code setup} of them all. When anything throws, every node
   * started so far is closed (failures to close added as suppressed) and the failure rethrown.
   */
  static <T> T start(Path binary, int count, Consumer<RedisServer> started,
      Function<List<RedisServer>, T> setup) {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        RedisServer node = RedisServer.start(binary, true);
        nodes.add(node);
        started.accept(node);
      }
      return setup.apply(nodes);
    } catch (RuntimeException | Error e) {
      try {
        closeAll(nodes);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Gives {@code node} the config epoch {@code epoch} (distinct epochs up front, as redis-cli does,
   * so no epoch collision has to be resolved) and the slots {@code range[0]} to {@code range[1]}.
   */
  static void assignSlots(RedisServer node, int epoch, int[] range, Duration timeout) {
    try (Resp resp = Resp.connect(node.port(), timeout)) {
      resp.call("CLUSTER", "SET-CONFIG-EPOCH", String.valueOf(epoch));
      for (int from = range[0]; from <= range[1]; from += ADDSLOTS_CHUNK) {
        int to = Math.min(range[1], from + ADDSLOTS_CHUNK - 1);
        List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
        for (int slot = from; slot <= to; slot++) {
          command.add(String.valueOf(slot));
        }
        resp.call(command.toArray(String[]::new));
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "could not assign slots " + range[0] + "-" + range[1] + " to 127.0.0.1:" + node.port(), e);
    }
  }

  /**
   * Stops every node (see {@link RedisServer#close()}), even when one of them fails to stop; then
   * throws the first failure, with the others suppressed.
   */
  static void closeAll(List<RedisServer> nodes) {
    RuntimeException failure = null;
    for (RedisServer node : nodes) {
      try {
        node.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
