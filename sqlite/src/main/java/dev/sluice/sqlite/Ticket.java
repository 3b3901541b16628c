package dev.sluice.sqlite;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * A call's meeting point between its caller and the writer: the call's state (queued, taken into
 * a transaction, done, given up), changed by CAS; the answer the writer sets; and how the caller
 * waits for it and is woken, a batch's callers as a binary tree.
 *
 * @param <R> the answer: a {@link dev.sluice.Decision} or a {@link dev.sluice.spi.MultiDecision}
 */
final class Ticket<R> {

  final Thread waiter = Thread.currentThread();
  /**
   * For an asynchronous call ({@link SqlitePartition#applyAsync}): completed with the answer on
   * the store's completion threads; null for a caller that waits.
   */
  final CompletableFuture<R> future;
  /** The answer, once decided and committed. */
  R answer;
  RuntimeException error;
  boolean failed;
  /** Whether it failed because its key held a state its policy cannot read. */
  boolean badState;
  /** The decision timeout of an asynchronous call, cancelled once it is answered. */
  ScheduledFuture<?> deadline;
  /** Tickets of the same batch this one's thread wakes once it is woken ({@link #finishAll}). */
  Ticket<?> child1;
  Ticket<?> child2;

  /** Queued: the writer has not come to it yet. */
  static final int PENDING = 0;
  /** Decided and its fields set (committed, or answered by failure): its caller may read it. */
  static final int DONE = 1;
  /** Given up by its caller (its decision timeout): the writer skips it if it has not taken it. */
  static final int ABANDONED = 2;
  /** Taken by the writer into the open transaction: it will commit with its batch (or fail). */
  static final int TAKEN = 3;
  volatile int state;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Ticket.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The ticket of a caller that waits (on this thread). */
  Ticket() {
    this(null);
  }

  /** The ticket of an asynchronous call, answered through {@code future}. */
  Ticket(CompletableFuture<R> future) {
    this.future = future;
  }

  /**
   * The caller's wait: until the call is done (then it wakes the calls it is to wake), or until
   * {@code timeoutNanos} have passed and it gives up on it.
   *
   * @return true if done; false if given up (the writer skips it unless it took it already)
   */
  boolean await(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (state != DONE) {
      long left = deadline - System.nanoTime();
      if (left <= 0 && abandon()) {
        return false;
      }
      LockSupport.parkNanos(this, Math.max(left, 1));
    }
    wakeChildren();
    return true;
  }

  /**
   * Finishes a batch whose fields are set, waking its callers as a binary tree: the writer
   * wakes the first, and each caller, once awake, wakes the next two ({@link #await}). The
   * wake-ups (a system call each) then run on the callers' threads, in parallel, rather than one
   * after another on the writer's. {@code finished} sees each call this finished (not one its
   * caller gave up), before any caller is woken.
   */
  static void finishAll(List<? extends Call> batch, java.util.function.Consumer<Call> finished) {
    link(batch);
    for (int i = 0, n = batch.size(); i < n; i++) {
      Call c = batch.get(i);
      if (c.ticket().finish()) { // else its caller gave up, and counted the failure
        finished.accept(c);
      }
    }
    wake(batch.get(0).ticket());
  }

  /** Sets each call's children in the batch's wake tree: call i wakes calls 2i+1 and 2i+2. */
  static void link(List<? extends Call> batch) {
    int n = batch.size();
    for (int i = 0; i < n; i++) {
      Ticket<?> t = batch.get(i).ticket();
      t.child1 = 2 * i + 1 < n ? batch.get(2 * i + 1).ticket() : null;
      t.child2 = 2 * i + 2 < n ? batch.get(2 * i + 2).ticket() : null;
    }
  }

  /**
   * The writer takes the call into its transaction, holding the write lock, just before deciding
   * it; false if its caller gave up first: the call is then skipped, never applied.
   */
  boolean take() {
    return STATE.compareAndSet(this, PENDING, TAKEN);
  }

  /** Marks the call done (its fields set before); false if its caller gave up waiting. */
  boolean finish() {
    int s = state;
    return (s == PENDING || s == TAKEN) && STATE.compareAndSet(this, s, DONE);
  }

  /**
   * The caller gives up waiting; false if the call is done meanwhile. Given up before the writer
   * took it, the call is never applied; given up after ({@link #TAKEN}), it may still commit.
   */
  boolean abandon() {
    for (;;) {
      int s = state;
      if (s == DONE || s == ABANDONED) {
        return false;
      }
      if (STATE.compareAndSet(this, s, ABANDONED)) {
        return true;
      }
    }
  }

  /** Wakes the callers this one is to wake; one whose caller gave up has its children woken. */
  void wakeChildren() {
    wake(child1);
    wake(child2);
  }

  static void wake(Ticket<?> t) {
    if (t == null) {
      return;
    }
    if (t.state == DONE && t.future == null) {
      LockSupport.unpark(t.waiter);
    } else {
      // abandoned, or asynchronous (no thread waits for it): its duty falls to the waker
      t.wakeChildren();
    }
  }
}
