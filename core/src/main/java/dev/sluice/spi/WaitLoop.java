package dev.sluice.spi;

import dev.sluice.Clock;
import dev.sluice.Decision;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The one loop behind every acquire that waits (a {@code Limiter}'s and a {@code Throttle}'s,
 * blocking and asynchronous): ask, and either return the answer, wait exactly as long as the
 * answer says and ask again, or wait for a cost granted ahead of time and return it. The blocking
 * form sleeps on the clock; the asynchronous one waits on the clock's timers, never on a thread.
 * What to ask, and what an answer means, is the caller's ({@link Attempt}); how long to wait, how
 * a grant is given back when the wait is interrupted or the future cancelled, is here, once.
 *
 * <p>A grant is settled exactly once: either the caller gets it, or it is given back (the
 * blocking wait was interrupted; the future was cancelled, or completed some other way, first).
 */
public final class WaitLoop {
  private WaitLoop() {}

  /** What one attempt found. */
  public sealed interface Next permits Done, Again, Granted {}

  /**
   * The answer to return.
   *
   * @param decision the decision
   */
  public record Done(Decision decision) implements Next {}

  /**
   * Ask again after {@code nanos} (0: at once).
   *
   * @param nanos how long to wait on the clock first, {@code >= 0}
   */
  public record Again(long nanos) implements Next {}

  /**
   * A cost granted ahead of time: wait {@code decision.retryAfterNanos()}, then return it with
   * its wait spent; if the wait is interrupted or the future cancelled, {@code giveBack} runs.
   *
   * @param decision the grant
   * @param giveBack gives the granted cost back (runs at most once)
   */
  public record Granted(Decision decision, Runnable giveBack) implements Next {}

  /** One attempt of a blocking acquire. */
  @FunctionalInterface
  public interface Attempt {
    /**
     * Asks once.
     *
     * @param now the clock's time
     * @param left how much of the caller's wait is left, {@code >= 0}
     * @return what to do next
     * @throws InterruptedException if interrupted while asking
     */
    Next next(long now, long left) throws InterruptedException;
  }

  /** One attempt of an asynchronous acquire. */
  @FunctionalInterface
  public interface AsyncAttempt {
    /**
     * Asks once, without blocking.
     *
     * @param now the clock's time
     * @param left how much of the caller's wait is left, {@code >= 0}
     * @return what to do next, when known
     */
    CompletableFuture<Next> next(long now, long left);
  }

  /**
   * The clock time {@code maxWait} from now, saturated.
   *
   * @param clock the clock waited on
   * @param maxWait the longest wait the caller accepts
   * @return the deadline on {@code clock.nanos()}'s timeline
   * @throws IllegalArgumentException if {@code maxWait} is null or negative
   */
  public static long deadline(Clock clock, Duration maxWait) {
    if (maxWait == null) {
      throw new IllegalArgumentException("maxWait must not be null");
    }
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait (" + maxWait + ") must not be negative");
    }
    long wait = maxWait.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : maxWait.toNanos();
    long now = clock.nanos();
    return wait > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + wait;
  }

  /**
   * Runs {@code attempt} until it is done, sleeping on {@code clock} in between.
   *
   * @param clock the clock slept on
   * @param deadline the caller's deadline ({@link #deadline})
   * @param attempt asks once
   * @return the decision; a grant with its wait spent
   * @throws InterruptedException if interrupted while waiting (a grant is given back first)
   */
  public static Decision block(Clock clock, long deadline, Attempt attempt) throws InterruptedException {
    for (;;) {
      long now = clock.nanos();
      Next next = attempt.next(now, Math.max(0, deadline - now));
      if (next instanceof Done done) {
        return done.decision();
      }
      if (next instanceof Again again) {
        if (again.nanos() > 0) {
          clock.sleep(again.nanos());
        }
        continue;
      }
      Granted g = (Granted) next;
      long wait = g.decision().retryAfterNanos();
      if (wait > 0) {
        try {
          clock.sleep(wait);
        } catch (InterruptedException e) {
          g.giveBack().run();
          throw e;
        }
      }
      return g.decision().afterWait();
    }
  }

  /**
   * Runs {@code attempt} until it is done, waiting on {@code clock}'s timers in between.
   * Cancelling the returned future stops the loop and gives back a grant not yet delivered.
   *
   * @param clock the clock whose timers are waited on
   * @param deadline the caller's deadline ({@link #deadline})
   * @param attempt asks once
   * @param delivered told of the decision the future completes with (not when cancelled)
   * @return the decision, when known; a grant with its wait spent
   */
  public static CompletableFuture<Decision> async(Clock clock, long deadline, AsyncAttempt attempt,
      Consumer<Decision> delivered) {
    CompletableFuture<Decision> result = new CompletableFuture<>();
    new Async(clock, deadline, attempt, delivered, result).ask();
    return result;
  }

  private record Async(Clock clock, long deadline, AsyncAttempt attempt, Consumer<Decision> delivered,
      CompletableFuture<Decision> result) {

    void ask() {
      if (result.isDone()) {
        return; // cancelled while waiting to ask again: nothing is granted
      }
      long now = clock.nanos();
      CompletableFuture<Next> asked;
      try {
        asked = attempt.next(now, Math.max(0, deadline - now));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
        return;
      }
      asked.whenComplete((next, error) -> {
        if (error != null) {
          result.completeExceptionally(error);
        } else if (next instanceof Done done) {
          deliver(done.decision());
        } else if (next instanceof Again again) {
          CompletableFuture<Void> timer = clock.after(again.nanos());
          result.whenComplete((v, e) -> timer.cancel(false));
          timer.thenRun(this::ask);
        } else {
          granted((Granted) next);
        }
      });
    }

    private void deliver(Decision d) {
      if (result.complete(d)) {
        delivered.accept(d);
      }
    }

    /** The cost is granted, usable after the decision's wait: delivered once, or given back once. */
    private void granted(Granted g) {
      AtomicBoolean settled = new AtomicBoolean();
      Runnable giveBack = () -> {
        if (settled.compareAndSet(false, true)) {
          g.giveBack().run();
        }
      };
      if (result.isDone()) {
        giveBack.run(); // cancelled while the store decided
        return;
      }
      Decision usable = g.decision().afterWait();
      CompletableFuture<Void> timer = clock.after(g.decision().retryAfterNanos());
      result.whenComplete((v, e) -> {
        if (result.isCancelled() || e != null) {
          timer.cancel(false);
          giveBack.run();
        }
      });
      timer.thenRun(() -> {
        if (settled.compareAndSet(false, true)) {
          if (result.complete(usable)) {
            delivered.accept(usable);
          } else {
            settled.set(false);
            giveBack.run();
          }
        }
      });
    }
  }
}
