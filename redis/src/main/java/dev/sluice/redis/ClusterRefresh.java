package dev.sluice.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps a Redis Cluster client's slot map fresh while decisions fail. When a master dies, its
 * replica is promoted after {@code cluster-node-timeout} and an election; until the client reloads
 * the slot map, every call for those slots goes to the dead node's connection and is ended at its
 * deadline. No redirect tells the client of the change (the dead node answers nothing), Lettuce's
 * own adaptive refresh is rate-limited to once per 30 s and may already have run at the first
 * reconnect (when the dead node still owned the slots), and its periodic refresh runs every 30 s.
 *
 * <p>So every failed decision on a cluster {@linkplain #suspect() suspects} the map, and the map
 * is reloaded from the nodes, one reload at a time and at most once per {@link #INTERVAL_NANOS}
 * after the last one ended. After the cluster has converged, decisions on the moved slots resume
 * within that interval plus one reload. A reload asks every known node ({@code CLUSTER NODES}) and
 * waits at most {@link #NODE_TIMEOUT} for each (the nodes' URI timeout, which the store uses for
 * nothing else: its commands have no Lettuce timeout), so a node that accepts connections but
 * answers nothing (paused, half-open) delays a reload by that much, never forever.
 *
 * <p>A reload that gives some slots to another node reports them ({@code moved}): the calls sent
 * to the old node for those slots are ended at once rather than at their deadlines, which with the
 * default 500 ms deadline would delay the first decision on the new node by up to that much. And
 * while the reloaded map shows a master that owns slots flagged failing ({@code fail} or
 * {@code fail?}), the next reload is scheduled after the interval without waiting for a failed
 * decision to ask for it, so the promotion is seen within one interval however the calls' deadlines
 * fall.
 */
final class ClusterRefresh {

  /** Least time between the end of one reload and the start of the next. */
  static final long INTERVAL_NANOS = 200_000_000;

  /**
   * How long a reload waits for one node's view. A reload waits for every node it asks, so a node
   * that hangs (keeps its connection, answers nothing) delays each reload by this much; two of
   * them plus the interval must stay well inside the second the store promises for a failover.
   * A healthy node answers {@code CLUSTER NODES} in well under a millisecond; one that misses this
   * is left out of that reload, whose map then comes from the nodes that answered.
   */
  static final Duration NODE_TIMEOUT = Duration.ofMillis(250);

  private final RedisClusterClient client;
  private final Supplier<Partitions> slotMap;
  private final ScheduledExecutorService timer;
  private final Consumer<BitSet> moved;
  private final AtomicBoolean running = new AtomicBoolean();
  private final LongAdder reloads = new LongAdder();
  private volatile long lastEnd = System.nanoTime() - INTERVAL_NANOS;

  /**
   * Reloads {@code client}'s slot map, which the connection routes by ({@code slotMap}: null
   * before the first connection), schedules follow-up reloads on {@code timer}, and passes the
   * slots each reload gave to another node to {@code moved}.
   */
  ClusterRefresh(RedisClusterClient client, Supplier<Partitions> slotMap, ScheduledExecutorService timer,
      Consumer<BitSet> moved) {
    this.client = client;
    this.slotMap = slotMap;
    this.timer = timer;
    this.moved = moved;
  }

  /** A seed node's URI, with the timeout a reload waits for its view. */
  static RedisURI seed(String uri) {
    RedisURI u = RedisURI.create(uri);
    u.setTimeout(NODE_TIMEOUT);
    return u;
  }

  /** A decision on the cluster failed: reload the slot map unless one did so just now. */
  void suspect() {
    if (System.nanoTime() - lastEnd < INTERVAL_NANOS || !running.compareAndSet(false, true)) {
      return;
    }
    reloads.increment();
    try {
      Partitions map = slotMap.get();
      String[] before = map == null ? null : owners(map);
      client.refreshPartitionsAsync().whenComplete((ignored, error) -> {
        boolean failing = false;
        try {
          Partitions now = slotMap.get();
          if (error == null && now != null) {
            if (before != null) {
              BitSet changed = changed(before, owners(now));
              if (!changed.isEmpty()) {
                moved.accept(changed);
              }
            }
            failing = failingMaster(now);
          }
        } finally {
          ended(failing);
        }
      });
    } catch (RuntimeException e) { // the client is shutting down
      ended(false);
    }
  }

  private void ended(boolean again) {
    lastEnd = System.nanoTime();
    running.set(false);
    if (again) {
      try {
        timer.schedule(this::suspect, INTERVAL_NANOS, TimeUnit.NANOSECONDS);
      } catch (RuntimeException e) {
        // the client is shutting down
      }
    }
  }

  /** The id of each slot's master in {@code map} (null where none owns it). */
  private static String[] owners(Partitions map) {
    String[] owners = new String[SlotHash.SLOT_COUNT];
    for (int slot = 0; slot < owners.length; slot++) {
      RedisClusterNode node = map.getPartitionBySlot(slot);
      owners[slot] = node == null ? null : node.getNodeId();
    }
    return owners;
  }

  /** The slots whose owner differs between {@code before} and {@code after}. */
  static BitSet changed(String[] before, String[] after) {
    BitSet changed = new BitSet(before.length);
    for (int slot = 0; slot < before.length; slot++) {
      if (!java.util.Objects.equals(before[slot], after[slot])) {
        changed.set(slot);
      }
    }
    return changed;
  }

  /** Whether a master that owns slots is flagged failing (a promotion may be under way). */
  private static boolean failingMaster(Partitions map) {
    for (RedisClusterNode node : map) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()
          && (node.is(RedisClusterNode.NodeFlag.FAIL) || node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL))) {
        return true;
      }
    }
    return false;
  }

  /** How many reloads were started. */
  long reloads() {
    return reloads.sum();
  }
}
