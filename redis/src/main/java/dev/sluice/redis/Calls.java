package dev.sluice.redis;

import dev.sluice.spi.Failures;
import dev.sluice.spi.Operation;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The store's calls to Redis, from a decision's requests to the script's result or null: a call
 * is refused at once while the {@link Breaker} is open, goes through a {@link Coalescer} (one per
 * connection, one per hash slot on a cluster) or alone ({@link RedisLink#exec}), and ends at its
 * deadline ({@link Deadlines}) unless Redis answers first. Every outcome is counted (breaker,
 * {@link Failures}); on a cluster a failed call suspects the slot map ({@link ClusterRefresh}), and
 * the calls sent to a slot's old owner end when a reload moves the slot. A lease hold whose caller
 * was answered without Redis is released after it. Closing closes the link.
 */
final class Calls implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

  private final RedisLink link;
  private final boolean cluster;
  private final long timeoutNanos;
  private final boolean coalescing;
  private final int maxBatch;
  private final int maxInFlight;
  private final Breaker breaker;
  private final Failures failures;
  private final Deadlines deadlines;
  private final Coalescer standaloneCoalescer;
  private final ConcurrentHashMap<Integer, Coalescer> slotCoalescers = new ConcurrentHashMap<>();
  /** Reloads a cluster's slot map while decisions fail; null on a standalone Redis. */
  private final ClusterRefresh refresh;
  private volatile boolean closed;

  /**
   * Calls on {@code link}, each ended {@code timeout} after it was asked for, coalesced unless
   * {@code coalescing} is off ({@code maxBatch} requests a call, {@code maxInFlight} calls at once).
   */
  Calls(RedisLink link, boolean cluster, Duration timeout, boolean coalescing, int maxBatch, int maxInFlight,
      Breaker breaker, Failures failures) {
    this.link = link;
    this.cluster = cluster;
    this.timeoutNanos = timeout.toNanos();
    this.coalescing = coalescing;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
    this.breaker = breaker;
    this.failures = failures;
    this.refresh = cluster ? new ClusterRefresh(link.clusterClient(), link::slotMap, link.executor(), this::onMoved) : null;
    this.standaloneCoalescer = cluster ? null : new Coalescer(maxInFlight, maxBatch, link::exec);
    this.deadlines = new Deadlines("sluice-redis-deadlines");
  }

  /**
   * A few calls of {@code r}, a token bucket request that changes nothing, through the paths
   * decisions take, so the first decision pays neither the class loading nor the first use of the
   * path. Failures are ignored: decisions deal with them.
   */
  void warmUp(Request r, Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    link.register(Scripts.tokenBucket(r.params()));
    try {
      for (int i = 0; i < 3; i++) {
        List<CompletableFuture<long[]>> calls = new ArrayList<>();
        calls.add(link.exec(Request.encode(new Request[] {r})));
        calls.add(link.exec(Request.encode(List.<Request[]>of(new Request[] {r}, new Request[] {r}))));
        if (standaloneCoalescer != null) {
          calls.add(standaloneCoalescer.submit(new Request[] {r}).result);
        }
        for (CompletableFuture<long[]> c : calls) {
          c.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "warm-up call failed: " + e);
    }
  }

  /** The script's result for {@code group}, or null if Redis did not answer in time (counted). */
  long[] call(Request[] group) {
    failures.asked(group.length);
    Sent sent = send(group);
    if (sent == null) {
      return null;
    }
    try {
      return settle(group, sent.pending, sent.future.get(), null);
    } catch (CancellationException e) {
      return settle(group, sent.pending, null, e);
    } catch (ExecutionException e) {
      return settle(group, sent.pending, null, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (sent.pending != null) {
        sent.pending.abandon();
        sent.pending.result.cancel(false); // one caller fewer waiting for its batch
      } else {
        sent.future.cancel(false);
      }
      failures.failed(Failures.Cause.INTERRUPTED);
      releaseLostHold(group, sent.pending);
      return null;
    }
  }

  /**
   * {@link #call} without waiting: the result, or null if Redis did not answer in time (counted),
   * completed on the client's event executors, never on the thread that reads Redis's replies.
   */
  CompletableFuture<long[]> callAsync(Request[] group) {
    failures.asked(group.length);
    Sent sent = send(group);
    if (sent == null) {
      return CompletableFuture.completedFuture(null);
    }
    return sent.future.handleAsync((result, error) -> settle(group, sent.pending, result, error), link::runOnExecutor);
  }

  /** A call on its way: its future, and its entry in a coalesced batch (null when sent alone). */
  private record Sent(CompletableFuture<long[]> future, Coalescer.Pending pending) {}

  /** Sends {@code group}, or answers null (counted) while the breaker is open. */
  private Sent send(Request[] group) {
    if (closed) {
      throw new IllegalStateException("this Redis store is closed");
    }
    if (!breaker.allow()) {
      failures.failed(Failures.Cause.BREAKER_OPEN);
      return null;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    int slot = cluster ? SlotHash.getSlot(group[0].key()) : -1;
    if (coalescing) {
      Coalescer c = cluster
          ? slotCoalescers.computeIfAbsent(slot, s -> new Coalescer(maxInFlight, maxBatch, link::exec))
          : standaloneCoalescer;
      Coalescer.Pending pending = c.submit(group);
      // a moved slot's batches are cancelled by their Coalescer, not here (see onMoved)
      deadlines.watch(pending.result, deadline, false);
      return new Sent(pending.result, pending);
    }
    // cancelling the call at the deadline cancels its command: Lettuce neither keeps it buffered
    // for a node that is gone nor replays it after a reconnect
    CompletableFuture<long[]> future = link.exec(Request.encode(group));
    // the wait has no timeout of its own: Deadlines ends the future at the deadline
    deadlines.watch(future, deadline, true, slot);
    return new Sent(future, null);
  }

  /** The outcome of a call: its result on success; otherwise null, with the failure counted. */
  private long[] settle(Request[] group, Coalescer.Pending pending, long[] result, Throwable error) {
    if (error == null) {
      breaker.success();
      return result;
    }
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause instanceof CancellationException || cause instanceof TimeoutException) {
      timedOut(pending); // at its deadline, or its node lost the slot (onMoved)
    } else {
      breaker.failure();
      failures.failed(Failures.Cause.ERROR, cause);
      suspectTopology();
    }
    releaseLostHold(group, pending);
    return null;
  }

  /**
   * A slot-map reload gave {@code slots} to other nodes: the calls sent to the old owner (dead,
   * or demoted) are answered now, as at their deadline, so that the next decisions on those slots
   * go to the new owner at once instead of queueing behind them (ClusterRefresh).
   */
  private void onMoved(java.util.BitSet slots) {
    int ended = deadlines.endSlots(slots);
    for (Map.Entry<Integer, Coalescer> e : slotCoalescers.entrySet()) {
      if (slots.get(e.getKey())) {
        ended += e.getValue().cancelInFlight();
      }
    }
    if (ended > 0) {
      LOG.log(System.Logger.Level.DEBUG, "slot map reloaded: " + slots.cardinality() + " slots moved, "
          + ended + " calls sent to their old node ended");
    }
  }

  /**
   * After a lease HOLD whose caller was answered without Redis (deadline, error, interrupt), gives
   * back the id the caller chose, best effort: the script may have run anyway, and its slot would
   * then stay held until the lease TTL (with a 10-minute TTL, a 10-minute lock-out). The RELEASE
   * goes after the hold: on the same connection once the hold was written (sent by this thread),
   * or once the coalesced call that carried it has answered or failed. A hold that was never sent
   * needs nothing. Its outcome is not waited for: if Redis is away the lease expires by its TTL.
   */
  private void releaseLostHold(Request[] group, Coalescer.Pending pending) {
    if (group.length != 1 || group[0].op() != Operation.HOLD.ordinal()) {
      return;
    }
    if (pending != null && pending.state.get() == Coalescer.Pending.ABANDONED) {
      return; // taken out of the queue before it was sent
    }
    Request hold = group[0];
    Request release = new Request(hold.key(), hold.time(), hold.code(), Operation.RELEASE.ordinal(), 0,
        hold.arg(), hold.params());
    Runnable send = () -> {
      try {
        link.exec(release.encodeOne());
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "release after a lost hold failed: " + e);
      }
    };
    if (pending == null) {
      send.run();
    } else {
      pending.settled.thenRun(send);
    }
  }

  private void timedOut(Coalescer.Pending pending) {
    if (pending != null) {
      pending.abandon();
    }
    breaker.failure();
    failures.failed(Failures.Cause.TIMEOUT);
    suspectTopology();
  }

  /** On a cluster, a failed decision may mean a failover: reload the slot map (rate-limited). */
  private void suspectTopology() {
    if (refresh != null) {
      refresh.suspect();
    }
  }

  /** What the calls did to keep deciding through Redis's own changes: TRYAGAIN retries, slot-map reloads. */
  Recoveries recoveries() {
    return new Recoveries(link.tryAgainRetries(), refresh == null ? 0 : refresh.reloads());
  }

  /** Refuses further calls, closes the link, and ends every call still waiting. */
  @Override
  public void close() {
    closed = true;
    try {
      link.close();
    } finally {
      deadlines.close(); // ends any call still waiting
    }
  }
}
