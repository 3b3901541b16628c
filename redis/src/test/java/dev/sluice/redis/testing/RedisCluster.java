package dev.sluice.redis.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A throwaway Redis Cluster for tests: three masters, no replicas, each a {@link RedisServer}
 * started with {@code --cluster-enabled yes --cluster-node-timeout 2000}. Node {@code i} serves
 * slots {@link #SLOT_RANGES}{@code [i]}: 0-5460, 5461-10922, 10923-16383.
 *
 * <p>{@link #start()} returns only once every node reports {@code cluster_state:ok}, knows all
 * three nodes by their loopback address, with no handshake or failure flag, and sees the slot
 * ranges above on the right nodes; so a cluster client connecting right after sees the final
 * topology. Set up with raw RESP ({@code CLUSTER ADDSLOTS}, which Redis 6.2 has too, and {@code
 * CLUSTER MEET}), not {@code redis-cli}.
 */
public final class RedisCluster implements AutoCloseable {

  /** Inclusive slot ranges served by node 0, 1 and 2. */
  public static final List<int[]> SLOT_RANGES =
      List.of(new int[] {0, 5460}, new int[] {5461, 10922}, new int[] {10923, 16383});

  private static final int SLOTS = ClusterNodes.SLOTS;
  private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);

  private final List<RedisServer> nodes;

  private RedisCluster(List<RedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts a cluster of the {@linkplain RedisBinary#resolve() resolved} binary. */
  public static RedisCluster start() {
    return start(RedisBinary.resolve());
  }

  /** Starts a cluster of the given binary; returns once it has converged (see class comment). */
  public static RedisCluster start(Path binary) {
    return ClusterNodes.start(binary, SLOT_RANGES.size(), node -> {}, nodes -> {
      RedisCluster cluster = new RedisCluster(nodes);
      cluster.assignSlots();
      cluster.meet();
      cluster.awaitConverged(CONVERGE_TIMEOUT);
      return cluster;
    });
  }

  /** The three masters, in slot order. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** {@code redis://127.0.0.1:PORT} of every node, in slot order. */
  public List<String> uris() {
    return nodes.stream().map(RedisServer::uri).toList();
  }

  /** The node whose range (see {@link #SLOT_RANGES}) holds this slot. */
  public RedisServer nodeForSlot(int slot) {
    if (slot < 0 || slot >= SLOTS) {
      throw new IllegalArgumentException("slot " + slot + " is outside 0-" + (SLOTS - 1));
    }
    for (int i = 0; i < SLOT_RANGES.size(); i++) {
      if (slot <= SLOT_RANGES.get(i)[1]) {
        return nodes.get(i);
      }
    }
    throw new AssertionError("unreachable: ranges cover every slot");
  }

  /**
   * Waits until every node that is running agrees on the full topology again, such as after a
   * {@link RedisServer#restart()} of one node.
   *
   * @throws IllegalStateException with each node's view when that does not happen in time
   */
  public void awaitConverged(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Map<Integer, String> problems = new HashMap<>();
      for (RedisServer node : nodes) {
        String problem = problem(node);
        if (problem != null) {
          problems.put(node.port(), problem);
        }
      }
      if (problems.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder message = new StringBuilder("Redis Cluster on ports ")
            .append(nodes.stream().map(RedisServer::port).toList())
            .append(" did not converge within ").append(timeout.toSeconds()).append(" s:");
        problems.forEach((port, problem) ->
            message.append("\n  node 127.0.0.1:").append(port).append(": ").append(problem));
        for (RedisServer node : nodes) {
          message.append("\n  log of ").append(node.port()).append(":\n")
              .append(RedisServer.tail(node.logFile(), 0).indent(4));
        }
        throw new IllegalStateException(message.toString());
      }
      RedisServer.sleep(50);
    }
  }

  /** Stops every node (see {@link RedisServer#close()}), even when one of them fails to stop. */
  @Override
  public void close() {
    ClusterNodes.closeAll(nodes);
  }

  @Override
  public String toString() {
    return "RedisCluster" + nodes;
  }

  // ---------------------------------------------------------------------------------------------

  private void assignSlots() {
    for (int i = 0; i < nodes.size(); i++) {
      ClusterNodes.assignSlots(nodes.get(i), i + 1, SLOT_RANGES.get(i), COMMAND_TIMEOUT);
    }
  }

  private void meet() {
    for (RedisServer node : nodes) {
      try (Resp resp = Resp.connect(node.port(), COMMAND_TIMEOUT)) {
        for (RedisServer other : nodes) {
          if (other != node) {
            resp.call("CLUSTER", "MEET", RedisServer.HOST, String.valueOf(other.port()));
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(
            "CLUSTER MEET from 127.0.0.1:" + node.port() + " failed", e);
      }
    }
  }

  /** What keeps this node's view from the final topology, or null when it has it. */
  private String problem(RedisServer node) {
    if (!node.isAlive() || node.isPaused()) {
      return null; // a node a test took down has no view to wait for
    }
    String info;
    String clusterNodes;
    try (Resp resp = Resp.connect(node.port(), COMMAND_TIMEOUT)) {
      info = resp.callString("CLUSTER", "INFO");
      clusterNodes = resp.callString("CLUSTER", "NODES");
    } catch (IOException e) {
      return e.toString();
    }
    for (String expected :
        List.of("cluster_state:ok", "cluster_slots_ok:" + SLOTS, "cluster_known_nodes:3")) {
      if (!info.lines().anyMatch(line -> line.strip().equals(expected))) {
        return "CLUSTER INFO lacks " + expected + ": " + info.lines().limit(6).toList();
      }
    }
    Map<String, String> rangeByAddress = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      int[] range = SLOT_RANGES.get(i);
      rangeByAddress.put(RedisServer.HOST + ":" + nodes.get(i).port(), range[0] + "-" + range[1]);
    }
    List<String> lines = clusterNodes.lines().filter(l -> !l.isBlank()).toList();
    if (lines.size() != nodes.size()) {
      return "CLUSTER NODES lists " + lines.size() + " nodes: " + lines;
    }
    for (String line : lines) {
      // <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...
      String[] f = line.split(" ");
      if (f.length < 8) {
        return "CLUSTER NODES line too short: " + line;
      }
      String address = f[1].split("@")[0];
      Set<String> flags = Set.of(f[2].split(","));
      String slots = String.join(" ", List.of(f).subList(8, f.length));
      if (!rangeByAddress.containsKey(address)
          || !flags.contains("master")
          || flags.contains("handshake") || flags.contains("noaddr")
          || flags.contains("fail") || flags.contains("fail?")
          || !f[7].equals("connected")
          || !slots.equals(rangeByAddress.get(address))) {
        return "CLUSTER NODES not final yet: " + line;
      }
    }
    return null;
  }
}
