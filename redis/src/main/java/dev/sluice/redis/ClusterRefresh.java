package dev.sluice.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
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
 */
final class ClusterRefresh {

  /** Least time between the end of one reload and the start of the next. */
  static final long INTERVAL_NANOS = 200_000_000;

  /** How long a reload waits for one node's view. */
  static final Duration NODE_TIMEOUT = Duration.ofSeconds(1);

  private final RedisClusterClient client;
  private final AtomicBoolean running = new AtomicBoolean();
  private final LongAdder reloads = new LongAdder();
  private volatile long lastEnd = System.nanoTime() - INTERVAL_NANOS;

  ClusterRefresh(RedisClusterClient client) {
    this.client = client;
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
      client.refreshPartitionsAsync().whenComplete((ignored, error) -> ended());
    } catch (RuntimeException e) { // the client is shutting down
      ended();
    }
  }

  private void ended() {
    lastEnd = System.nanoTime();
    running.set(false);
  }

  /** How many reloads were started. */
  long reloads() {
    return reloads.sum();
  }
}
