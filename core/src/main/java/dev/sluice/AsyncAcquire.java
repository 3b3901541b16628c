package dev.sluice;

import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * One {@link Limiter#acquireAsync}: asks the store without blocking ({@link Partition#applyAsync}),
 * waits on the clock's timers, never on a thread, and gives the reservation back when the caller
 * cancels the future before it completes — as the blocking acquire does when interrupted.
 *
 * <p>Each reservation the store grants is settled exactly once: either the future completes with
 * it, or it is refunded (the future was cancelled, or completed some other way, first).
 */
final class AsyncAcquire {

  private final Partition partition;
  private final Clock clock;
  private final String key;
  private final long cost;
  private final long deadline;
  private final UnaryOperator<Decision> notify;
  private final CompletableFuture<Decision> result = new CompletableFuture<>();

  AsyncAcquire(Partition partition, Clock clock, String key, long cost, long deadline,
      UnaryOperator<Decision> notify) {
    this.partition = partition;
    this.clock = clock;
    this.key = key;
    this.cost = cost;
    this.deadline = deadline;
    this.notify = notify;
  }

  CompletableFuture<Decision> start() {
    attempt();
    return result;
  }

  private void attempt() {
    if (result.isDone()) {
      return; // cancelled while waiting to ask again: nothing is reserved
    }
    long left = Math.max(0, deadline - clock.nanos());
    CompletableFuture<Decision> asked;
    try {
      asked = partition.applyAsync(key, cost, Operation.RESERVE, left);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    asked.whenComplete((d, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      } else if (d.allowed()) {
        granted(d);
      } else if (d.reason() != Decision.Reason.LIMITED || d.retryAfterNanos() > left) {
        if (result.complete(d)) {
          notify.apply(d);
        }
      } else {
        CompletableFuture<Void> timer = clock.after(d.retryAfterNanos());
        result.whenComplete((v, e) -> timer.cancel(false));
        timer.thenRun(this::attempt);
      }
    });
  }

  /** The store reserved {@code cost}, usable after the decision's wait. */
  private void granted(Decision d) {
    AtomicBoolean settled = new AtomicBoolean();
    Runnable refund = () -> {
      if (settled.compareAndSet(false, true)) {
        try {
          partition.applyAsync(key, cost, Operation.REFUND, 0);
        } catch (RuntimeException e) {
          // the store is closed: nothing left to give back to
        }
      }
    };
    if (result.isDone()) {
      refund.run(); // cancelled while the store decided
      return;
    }
    Decision usable = d.afterWait();
    CompletableFuture<Void> timer = clock.after(d.retryAfterNanos());
    result.whenComplete((v, e) -> {
      if (result.isCancelled() || e != null) {
        timer.cancel(false);
        refund.run();
      }
    });
    timer.thenRun(() -> {
      if (settled.compareAndSet(false, true)) {
        if (result.complete(usable)) {
          notify.apply(usable);
        } else {
          settled.set(false);
          refund.run();
        }
      }
    });
  }
}
