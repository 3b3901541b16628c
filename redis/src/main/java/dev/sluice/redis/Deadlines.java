package dev.sluice.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Fails the futures of decisions whose deadline has passed, so that callers can wait without a
 * timeout. A timed wait per call arms and cancels a kernel timer on every park; here one thread
 * keeps the deadlines, and a call costs one queue insertion.
 *
 * <p>Every deadline is its call's start plus the same timeout, so the queue is in deadline order
 * (up to the nanoseconds between two threads reading the clock and inserting): the thread looks
 * at the head only, drops it once done, fails it once due, and otherwise sleeps until it is due.
 * A future is failed with a {@link TimeoutException} at most about {@link #SLACK_NANOS} late.
 */
final class Deadlines implements AutoCloseable {

  /** How late a deadline may be noticed: the thread sleeps at most this long while calls wait. */
  static final long SLACK_NANOS = 1_000_000;

  /** How long the thread sleeps with nothing to watch, unless a call wakes it. */
  private static final long IDLE_NANOS = 100_000_000;

  private record Entry(CompletableFuture<?> future, long deadline, boolean cancel, int slot) {}

  private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean idle;
  private volatile boolean closed;

  Deadlines(String name) {
    thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Ends {@code future} if it is not done at {@code deadline} ({@link System#nanoTime}): cancels it
   * if {@code cancel} (a Lettuce command: cancelled, it is not sent again after a reconnect), else
   * fails it with a {@link TimeoutException}.
   */
  void watch(CompletableFuture<?> future, long deadline, boolean cancel) {
    watch(future, deadline, cancel, -1);
  }

  /**
   * {@link #watch(CompletableFuture, long, boolean)} for a call on Redis Cluster hash slot {@code
   * slot}, which {@link #endSlots} can end before its deadline.
   */
  void watch(CompletableFuture<?> future, long deadline, boolean cancel, int slot) {
    queue.add(new Entry(future, deadline, cancel, slot));
    if (closed) {
      endAll(); // nobody keeps the deadlines any more: do not let the caller wait forever
    } else if (idle) {
      LockSupport.unpark(thread);
    }
  }

  private void run() {
    while (!closed) {
      Entry e = queue.peek();
      if (e == null) {
        idle = true;
        if (queue.isEmpty()) { // a call may have added one after peek, before idle was set
          LockSupport.parkNanos(this, IDLE_NANOS);
        }
        idle = false;
        continue;
      }
      if (e.future.isDone()) {
        queue.poll();
        continue;
      }
      long wait = e.deadline - System.nanoTime();
      if (wait <= 0) {
        queue.poll();
        end(e);
        continue;
      }
      LockSupport.parkNanos(this, Math.min(wait, SLACK_NANOS));
    }
  }

  /**
   * Ends now, as if their deadline had passed, the calls still watched on the hash slots in {@code
   * slots}: a slot-map reload moved them to another node, and these calls went to the old one.
   *
   * @return how many calls were ended
   */
  int endSlots(java.util.BitSet slots) {
    int ended = 0;
    for (Entry e : queue) { // weakly consistent: calls added meanwhile went by the new map
      if (e.slot >= 0 && slots.get(e.slot) && !e.future.isDone()) {
        end(e);
        ended++;
      }
    }
    return ended;
  }

  private static void end(Entry e) {
    if (e.cancel) {
      e.future.cancel(false);
    } else {
      e.future.completeExceptionally(new TimeoutException("deadline passed"));
    }
  }

  private void endAll() {
    for (Entry e; (e = queue.poll()) != null; ) {
      end(e);
    }
  }

  /** Stops the thread and ends every call still watched, as if its deadline had passed. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    endAll();
  }
}
