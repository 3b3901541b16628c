package dev.sluice.sqlite;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.FailureChoices;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.Failures;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How callers get their answers once their calls are queued: a waiting caller waits on its ticket
 * up to the decision timeout; an asynchronous call's future is completed on the completion
 * threads (never on the writer, nor on the timer), after its commit or at its decision timeout; a
 * call that failed or timed out is answered by its policy's failure choice, and counted.
 */
final class Answers {

  /** Threads that complete asynchronous decisions' futures (and so run their callbacks). */
  static final int COMPLETION_THREADS = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));

  private final Failures failures;
  private final FailureChoices failureChoices;
  private final long timeoutNanos;
  /**
   * Completes asynchronous calls' futures, so that their callbacks never run on the writer (nor
   * on the timer); its threads start on first use and stop after 30 s idle.
   */
  private final ThreadPoolExecutor completions;
  /** Gives up on asynchronous calls at their decision timeout; its thread starts on first use. */
  private final ScheduledThreadPoolExecutor timer;

  /**
   * @param asyncThreads the name of the completion threads (each then gets a number)
   * @param timeoutThreads the name of the timer's thread
   */
  Answers(Failures failures, FailureChoices failureChoices, long timeoutNanos, String asyncThreads,
      String timeoutThreads) {
    this.failures = failures;
    this.failureChoices = failureChoices;
    this.timeoutNanos = timeoutNanos;
    this.completions = new ThreadPoolExecutor(COMPLETION_THREADS, COMPLETION_THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemons(asyncThreads));
    this.completions.allowCoreThreadTimeOut(true);
    this.timer = new ScheduledThreadPoolExecutor(1, daemons(timeoutThreads));
    this.timer.setRemoveOnCancelPolicy(true);
    this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.timer.setKeepAliveTime(30, TimeUnit.SECONDS);
    this.timer.allowCoreThreadTimeOut(true);
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + " #" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The failure policy that applies to {@code policy}. */
  FailurePolicy failurePolicy(Policy policy) {
    return failureChoices.of(policy);
  }

  /** The answer of {@code policy}'s failure choice, counted. */
  Decision failureDecision(Policy policy) {
    FailurePolicy fp = failurePolicy(policy);
    failures.answered(fp.mode());
    return fp.answer(policy, Writer.RETRY_NANOS);
  }

  /**
   * The caller's wait for a queued call, up to the decision timeout: false if it failed or timed
   * out (then answer by failure choice).
   *
   * @throws RuntimeException the caller's error the writer found (nothing was changed)
   */
  boolean await(Call call) {
    Ticket<?> t = call.ticket();
    if (!t.await(timeoutNanos)) {
      timedOut();
      return false;
    }
    if (t.error != null) {
      throw t.error;
    }
    return !t.failed;
  }

  private void timedOut() {
    failures.failed(Failures.Cause.TIMEOUT,
        "no commit within the decision timeout (" + Duration.ofNanos(timeoutNanos) + ")");
  }

  /**
   * Sets an asynchronous call's decision timeout, before it is queued: the writer completes its
   * future after the commit, or the timer with the failure decision at the decision timeout,
   * whichever comes first ({@link Ticket#abandon}).
   *
   * @throws RejectedExecutionException once closed
   */
  void watch(Call.Apply call) {
    call.ticket().deadline = timer.schedule(() -> expire(call), timeoutNanos, TimeUnit.NANOSECONDS);
  }

  /** The decision timeout of an asynchronous call: answered by its failure choice, if still open. */
  private void expire(Call.Apply call) {
    if (call.ticket().abandon()) {
      timedOut();
      Decision d = failureDecision(call.partition().policy);
      dispatch(() -> call.ticket().future.complete(d));
    }
  }

  /** Completes asynchronous calls the writer finished, from their fields, on the completion threads. */
  void settleAll(Call.Apply[] calls) {
    dispatch(() -> {
      for (Call.Apply c : calls) {
        settle(c);
      }
    });
  }

  /** Completes an asynchronous call the writer (or a close) finished, from its fields. */
  private void settle(Call.Apply call) {
    Ticket<Decision> t = call.ticket();
    ScheduledFuture<?> deadline = t.deadline;
    if (deadline != null) {
      deadline.cancel(false);
    }
    if (t.error != null) {
      t.future.completeExceptionally(t.error);
    } else {
      t.future.complete(t.failed ? failureDecision(call.partition().policy) : t.answer);
    }
  }

  /**
   * Finishes a call outside a batch's wake tree (a failed batch, a close): wakes its caller or
   * completes its future; false if its caller gave up first.
   */
  boolean complete(Call call) {
    if (!call.ticket().finish()) {
      return false;
    }
    release(call);
    return true;
  }

  /** Wakes the caller of a finished call, or completes its future. */
  void release(Call call) {
    if (call instanceof Call.Apply a && a.ticket().future != null) {
      dispatch(() -> settle(a));
    } else {
      LockSupport.unpark(call.ticket().waiter);
    }
  }

  /** Runs {@code task} on {@link #completions}; on the calling thread once that is shut down. */
  private void dispatch(Runnable task) {
    try {
      completions.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // closed: a call that raced the close
    }
  }

  /**
   * Once every call is finished (the writer has stopped): drops the timeouts still pending, which
   * have nothing left to answer, and waits up to the decision timeout for the futures being
   * completed.
   *
   * @return whether the calling thread was interrupted meanwhile (its interrupt is then cleared,
   *     for the caller to restore)
   */
  boolean close() {
    timer.shutdown();
    completions.shutdown();
    boolean interrupted = false;
    long until = System.nanoTime() + timeoutNanos;
    for (long left; !completions.isTerminated() && (left = until - System.nanoTime()) > 0; ) {
      try {
        completions.awaitTermination(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }
}
