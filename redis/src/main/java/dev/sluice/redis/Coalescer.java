package dev.sluice.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Exact coalescing: decisions that arrive while earlier ones are on their way to Redis wait in a
 * queue, and the queue goes as one script call that applies them in arrival order — the same
 * semantics as one call each, since a script runs atomically and applies its requests one after
 * the other. At most {@code maxInFlight} calls are outstanding; each takes up to {@code maxBatch}
 * decisions. With one caller there is no wait: a decision finding nothing in flight goes at once.
 *
 * <p>A caller that stops waiting (its deadline passed) marks its entry abandoned; an entry not yet
 * sent is then skipped, so a decision answered by the failure policy is not applied later. One
 * already sent may still be applied: it can only consume, never grant more. A call whose callers
 * have all stopped waiting is cancelled (the command with it, see {@link ScriptCall}), and its
 * place among the {@code maxInFlight} is given back however the call ends, so a call that Redis
 * never answers holds a place only until the latest deadline of its callers.
 */
final class Coalescer {

  /** One caller's requests (several for a multi-policy call) and its future result. */
  static final class Pending {
    static final int WAITING = 0;
    static final int SENT = 1;
    static final int ABANDONED = 2;

    final Request[] group;
    final CompletableFuture<long[]> result = new CompletableFuture<>();
    /** Completes once the call that carried this entry has answered or failed (not at the caller's deadline). */
    final CompletableFuture<Void> settled = new CompletableFuture<>();
    final AtomicInteger state = new AtomicInteger(WAITING);

    Pending(Request[] group) {
      this.group = group;
    }

    /** Gives up on this entry; true if it was never sent. */
    boolean abandon() {
      return state.compareAndSet(WAITING, ABANDONED);
    }
  }

  private final ConcurrentLinkedDeque<Pending> queue = new ConcurrentLinkedDeque<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** The script calls outstanding (at most {@code maxInFlight}), for {@link #cancelInFlight}. */
  private final java.util.Set<CompletableFuture<long[]>> calls = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final int maxInFlight;
  private final int maxBatch;
  private final Function<Request.Encoded, CompletableFuture<long[]>> exec;

  Coalescer(int maxInFlight, int maxBatch, Function<Request.Encoded, CompletableFuture<long[]>> exec) {
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.exec = exec;
  }

  Pending submit(Request[] group) {
    Pending p = new Pending(group);
    queue.add(p);
    drain();
    return p;
  }

  /**
   * Cancels the script calls outstanding: a slot-map reload moved this slot to another node, and
   * they went to the old one, which answers nothing. Their callers are answered as at their
   * deadline, and their places go to the decisions queued behind them, which now go to the new
   * node — instead of waiting out the deadline of every caller of the stale calls.
   *
   * @return how many calls were cancelled
   */
  int cancelInFlight() {
    int n = 0;
    // a snapshot: each cancel frees a place on which a queued batch is sent at once, to the
    // slot's new owner, and that batch must not be cancelled with the stale ones
    for (CompletableFuture<long[]> c : List.copyOf(calls)) {
      if (c.cancel(false)) {
        n++;
      }
    }
    return n;
  }

  private void drain() {
    for (;;) {
      int f = inFlight.get();
      if (f >= maxInFlight || queue.isEmpty()) {
        return;
      }
      if (!inFlight.compareAndSet(f, f + 1)) {
        continue;
      }
      List<Pending> batch = new ArrayList<>();
      List<Request[]> groups = new ArrayList<>();
      int requests = 0;
      Pending p;
      // poll, never peek-then-poll: up to maxInFlight threads build batches at once, and a poll
      // after another thread's peek takes a different entry than the one peeked, which was then
      // never sent (its caller waited out its whole deadline).
      while (requests < maxBatch && (p = queue.pollFirst()) != null) {
        if (requests > 0 && requests + p.group.length > maxBatch) {
          queue.offerFirst(p); // still waiting: it leads the next call
          break;
        }
        if (p.state.compareAndSet(Pending.WAITING, Pending.SENT)) {
          batch.add(p);
          groups.add(p.group);
          requests += p.group.length;
        }
      }
      if (batch.isEmpty()) {
        inFlight.decrementAndGet();
        continue;
      }
      int sent = requests;
      CompletableFuture<long[]> call;
      try {
        call = exec.apply(Request.encode(groups));
      } catch (RuntimeException e) {
        call = CompletableFuture.failedFuture(e);
      }
      CompletableFuture<long[]> command = call;
      calls.add(command);
      call.whenComplete((result, error) -> {
        calls.remove(command);
        inFlight.decrementAndGet(); // however the call ended: answered, failed or cancelled
        drain();
        Throwable failure = error;
        if (failure == null && result.length != sent * Protocol.RESULT) {
          failure = new IllegalStateException("SLUICE unexpected reply: " + result.length + " integers for "
              + sent + " requests");
        }
        int offset = 0;
        for (Pending q : batch) {
          int n = q.group.length * Protocol.RESULT;
          if (failure != null) {
            q.result.completeExceptionally(failure);
          } else {
            q.result.complete(java.util.Arrays.copyOfRange(result, offset, offset + n));
          }
          q.settled.complete(null);
          offset += n;
        }
      });
      // When every caller of the batch has stopped waiting (the last one at its deadline), the
      // command is cancelled: its permit comes back, and Lettuce does not keep it buffered for a
      // node that may never answer (a dead master: before, two such batches held both permits of
      // the slot until the node came back, and every later decision on the slot timed out).
      AtomicInteger waiting = new AtomicInteger(batch.size());
      for (Pending q : batch) {
        q.result.whenComplete((result, error) -> {
          if (waiting.decrementAndGet() == 0) {
            command.cancel(false);
          }
        });
      }
    }
  }
}
