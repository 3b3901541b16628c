package dev.sluice.redis.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A throwaway Redis Cluster that can fail over: three masters and three replicas, each a {@link
 * RedisServer}, with {@code cluster-node-timeout} {@value #NODE_TIMEOUT_MILLIS} ms. Nodes 0-2 start
 * as the masters of {@link RedisCluster#SLOT_RANGES} and nodes 3-5 as their replicas; after a
 * failover the roles move, so ask {@link #masterOf(int)} and {@link #replicaOf(RedisServer)}.
 *
 * <p>A trial: {@link RedisServer#kill()} a master by its PID, {@link #awaitPromoted} its replica
 * (when the cluster has converged), then {@link #rejoin} the killed node: restarted empty on its
 * port with its {@code nodes.conf}, it finds a newer epoch for its slots and becomes a replica of
 * the promoted node, so the cluster is three masters and three replicas again, ready for the next
 * trial without being rebuilt.
 *
 * <p>Set up with raw RESP ({@code CLUSTER ADDSLOTS}, {@code MEET}, {@code REPLICATE}), no {@code
 * redis-cli}. The node timeout is set with {@code CONFIG SET} after each start, so {@link
 * RedisServer} keeps its single way of launching a node.
 */
public final class RedisFailoverCluster implements AutoCloseable {

  /** {@code cluster-node-timeout}: a master unreachable this long is failed over. */
  public static final int NODE_TIMEOUT_MILLIS = 1000;

  private static final int SLOTS = ClusterNodes.SLOTS;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(60);

  private final List<RedisServer> nodes;

  private RedisFailoverCluster(List<RedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts six nodes of the resolved binary; returns once {@link #awaitHealthy} holds. */
  public static RedisFailoverCluster start() {
    return ClusterNodes.start(RedisBinary.resolve(), 6, RedisFailoverCluster::setNodeTimeout, nodes -> {
      RedisFailoverCluster cluster = new RedisFailoverCluster(nodes);
      cluster.assignSlots();
      cluster.meet();
      cluster.awaitAllKnown();
      cluster.replicate();
      cluster.awaitHealthy(CONVERGE_TIMEOUT);
      return cluster;
    });
  }

  /** All six nodes, in start order. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** {@code redis://127.0.0.1:PORT} of every node. */
  public List<String> uris() {
    return nodes.stream().map(RedisServer::uri).toList();
  }

  /** The master serving {@code slot}, as a running node sees it now. */
  public RedisServer masterOf(int slot) {
    for (RedisServer viewer : running()) {
      for (Node n : view(viewer)) {
        if (n.master() && n.serves(slot)) {
          return byPort(n.port());
        }
      }
    }
    throw new IllegalStateException("no running node knows a master of slot " + slot);
  }

  /** The replica of {@code master}, as {@code master} sees it. */
  public RedisServer replicaOf(RedisServer master) {
    List<Node> view = view(master);
    String id = view.stream().filter(n -> n.port() == master.port()).findFirst().orElseThrow().id();
    return view.stream().filter(n -> id.equals(n.masterId())).map(n -> byPort(n.port())).findFirst()
        .orElseThrow(() -> new IllegalStateException(master + " has no replica: " + view));
  }

  /**
   * Waits until some running node reports {@code cluster_state:ok} and shows {@code replica} as a
   * master serving {@code slot}: the cluster has converged on the failover. Polls every running
   * node about every 2 ms.
   *
   * @return {@link System#nanoTime()} when that was first seen
   */
  public long awaitPromoted(RedisServer replica, int slot, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<RedisServer, Resp> open = new HashMap<>();
    try {
      while (true) {
        for (RedisServer viewer : running()) {
          try {
            Resp resp = open.get(viewer);
            if (resp == null) {
              resp = Resp.connect(viewer.port(), COMMAND_TIMEOUT);
              open.put(viewer, resp);
            }
            String info = resp.callString("CLUSTER", "INFO");
            if (!info.lines().anyMatch(l -> l.strip().equals("cluster_state:ok"))) {
              continue;
            }
            for (Node n : parse(resp.callString("CLUSTER", "NODES"))) {
              if (n.port() == replica.port() && n.master() && n.serves(slot)) {
                return System.nanoTime();
              }
            }
          } catch (IOException e) {
            closeQuietly(open.remove(viewer));
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(replica + " not promoted for slot " + slot + " within "
              + timeout.toMillis() + " ms: " + describe());
        }
        RedisServer.sleep(2);
      }
    } finally {
      open.values().forEach(RedisFailoverCluster::closeQuietly);
    }
  }

  /**
   * Restarts a killed node (empty, same port, same {@code nodes.conf}) and waits until it is a
   * replica again with its link up and the whole cluster {@linkplain #awaitHealthy healthy}.
   */
  public void rejoin(RedisServer node) {
    node.restart();
    setNodeTimeout(node);
    awaitHealthy(CONVERGE_TIMEOUT);
  }

  /**
   * Waits until every node runs and agrees: {@code cluster_state:ok}, six known nodes, three
   * masters serving all 16384 slots and three replicas, each of a different master, none in
   * failure or handshake, every link connected, and every replica's link to its master up.
   */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String problem = null;
      for (RedisServer node : nodes) {
        problem = problem(node);
        if (problem != null) {
          problem = "127.0.0.1:" + node.port() + ": " + problem;
          break;
        }
      }
      if (problem == null) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Redis Cluster not healthy within " + timeout.toSeconds() + " s: "
            + problem + "\n" + describe());
      }
      RedisServer.sleep(20);
    }
  }

  /** Stops every node by PID (see {@link RedisServer#close()}). */
  @Override
  public void close() {
    ClusterNodes.closeAll(nodes);
  }

  @Override
  public String toString() {
    return "RedisFailoverCluster" + nodes;
  }

  // ---------------------------------------------------------------------------------------------

  /** One line of CLUSTER NODES. */
  private record Node(String id, int port, Set<String> flags, String masterId, String link, List<int[]> slots) {
    boolean master() {
      return flags.contains("master");
    }

    boolean serves(int slot) {
      return slots.stream().anyMatch(r -> r[0] <= slot && slot <= r[1]);
    }

    boolean failing() {
      return flags.contains("fail") || flags.contains("fail?") || flags.contains("handshake")
          || flags.contains("noaddr");
    }
  }

  private static List<Node> parse(String clusterNodes) {
    List<Node> out = new ArrayList<>();
    for (String line : clusterNodes.lines().filter(l -> !l.isBlank()).toList()) {
      // <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...
      String[] f = line.split(" ");
      String address = f[1].split("@")[0];
      int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
      List<int[]> slots = new ArrayList<>();
      for (int i = 8; i < f.length; i++) {
        if (f[i].startsWith("[")) {
          continue; // a slot being migrated or imported
        }
        String[] r = f[i].split("-");
        slots.add(new int[] {Integer.parseInt(r[0]), Integer.parseInt(r[r.length - 1])});
      }
      out.add(new Node(f[0], port, Set.of(f[2].replace("myself,", "").split(",")), f[3], f[7], slots));
    }
    return out;
  }

  private List<Node> view(RedisServer viewer) {
    try (Resp resp = Resp.connect(viewer.port(), COMMAND_TIMEOUT)) {
      return parse(resp.callString("CLUSTER", "NODES"));
    } catch (IOException e) {
      throw new IllegalStateException("CLUSTER NODES on " + viewer + " failed", e);
    }
  }

  private List<RedisServer> running() {
    return nodes.stream().filter(n -> n.isAlive() && !n.isPaused()).toList();
  }

  private RedisServer byPort(int port) {
    return nodes.stream().filter(n -> n.port() == port).findFirst()
        .orElseThrow(() -> new IllegalStateException("no node of this cluster on port " + port));
  }

  private String problem(RedisServer node) {
    if (!node.isAlive() || node.isPaused()) {
      return "not running";
    }
    try (Resp resp = Resp.connect(node.port(), COMMAND_TIMEOUT)) {
      String info = resp.callString("CLUSTER", "INFO");
      for (String expected : List.of("cluster_state:ok", "cluster_slots_ok:" + SLOTS, "cluster_known_nodes:6")) {
        if (!info.lines().anyMatch(l -> l.strip().equals(expected))) {
          return "CLUSTER INFO lacks " + expected;
        }
      }
      List<Node> view = parse(resp.callString("CLUSTER", "NODES"));
      Set<String> mastersWithReplica = new java.util.HashSet<>();
      int masters = 0;
      for (Node n : view) {
        if (n.failing() || !n.link().equals("connected")) {
          return "not final yet: " + n;
        }
        if (n.master()) {
          masters++;
          if (n.slots().isEmpty()) {
            return "a master without slots: " + n;
          }
        } else if (!mastersWithReplica.add(n.masterId())) {
          return "two replicas of one master: " + n.masterId();
        }
      }
      if (masters != 3 || mastersWithReplica.size() != 3) {
        return masters + " masters, " + mastersWithReplica.size() + " replicated";
      }
      String replication = resp.callString("INFO", "replication");
      if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
        return "replica link not up";
      }
      return null;
    } catch (IOException e) {
      return e.toString();
    }
  }

  private String describe() {
    StringBuilder b = new StringBuilder();
    for (RedisServer node : running()) {
      try (Resp resp = Resp.connect(node.port(), COMMAND_TIMEOUT)) {
        b.append("\n  view of ").append(node.port()).append(":\n")
            .append(resp.callString("CLUSTER", "NODES").indent(4));
      } catch (IOException e) {
        b.append("\n  ").append(node.port()).append(": ").append(e);
      }
    }
    return b.toString();
  }

  private void assignSlots() {
    for (int i = 0; i < 3; i++) {
      ClusterNodes.assignSlots(nodes.get(i), i + 1, RedisCluster.SLOT_RANGES.get(i), COMMAND_TIMEOUT);
    }
  }

  private void meet() {
    RedisServer first = nodes.get(0);
    for (RedisServer other : nodes.subList(1, nodes.size())) {
      call(first, "CLUSTER", "MEET", RedisServer.HOST, String.valueOf(other.port()));
    }
  }

  /** Every node knows all six (CLUSTER REPLICATE needs the master known to the replica). */
  private void awaitAllKnown() {
    long deadline = System.nanoTime() + CONVERGE_TIMEOUT.toNanos();
    while (true) {
      boolean all = true;
      for (RedisServer node : nodes) {
        List<Node> view = view(node);
        all &= view.size() == 6 && view.stream().noneMatch(n -> n.flags().contains("handshake"));
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nodes did not meet within " + CONVERGE_TIMEOUT.toSeconds() + " s: " + describe());
      }
      RedisServer.sleep(20);
    }
  }

  private void replicate() {
    for (int i = 0; i < 3; i++) {
      String masterId = call(nodes.get(i), "CLUSTER", "MYID").toString();
      call(nodes.get(3 + i), "CLUSTER", "REPLICATE", masterId);
    }
  }

  private static void setNodeTimeout(RedisServer node) {
    call(node, "CONFIG", "SET", "cluster-node-timeout", String.valueOf(NODE_TIMEOUT_MILLIS));
  }

  private static Object call(RedisServer node, String... command) {
    try {
      return Resp.once(node.port(), COMMAND_TIMEOUT, command);
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + " on " + node + " failed", e);
    }
  }

  private static void closeQuietly(Resp resp) {
    if (resp != null) {
      try {
        resp.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }
}
