package dev.sluice.redis;

import io.lettuce.core.RedisNoScriptException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One script call to Redis as one future that owns the Lettuce command under it: {@code EVALSHA};
 * {@code EVAL} once if Redis answers NOSCRIPT; the same again after TRYAGAIN (a Redis Cluster
 * slot being migrated holds some of the call's keys and not others). Ending this future in any
 * way — cancelled at its deadline, or completed — cancels the command in flight, so Lettuce never
 * keeps it buffered for a node that is gone, nor sends it again after a reconnect.
 *
 * <p>Neither NOSCRIPT nor TRYAGAIN runs the script, so sending it again applies it at most once.
 * TRYAGAIN is retried after 1, 2, 4, then every 8 ms, until the answer comes or the call is ended
 * (its owner cancels it at the decision's deadline): a migration of a slot's keys takes
 * milliseconds, after which Redis answers ASK, which Lettuce follows.
 */
final class ScriptCall extends CompletableFuture<long[]> {

  /** Sends the script: whole ({@code EVAL}) or by its SHA-1 ({@code EVALSHA}). */
  interface Sender {
    CompletableFuture<long[]> send(boolean whole);
  }

  private static final long MAX_BACKOFF_NANOS = 8_000_000;

  private final Sender sender;
  private final ScheduledExecutorService timer;
  private final LongAdder tryAgain;
  private volatile CompletableFuture<long[]> command;
  private long backoffNanos = 1_000_000;

  private ScriptCall(Sender sender, ScheduledExecutorService timer, LongAdder tryAgain) {
    this.sender = sender;
    this.timer = timer;
    this.tryAgain = tryAgain;
    whenComplete((result, error) -> {
      CompletableFuture<long[]> c = command;
      if (c != null) {
        c.cancel(false);
      }
    });
  }

  /**
   * Sends the call; TRYAGAIN retries wait on {@code timer} and are counted in {@code tryAgain}.
   */
  static ScriptCall start(Sender sender, ScheduledExecutorService timer, LongAdder tryAgain) {
    ScriptCall call = new ScriptCall(sender, timer, tryAgain);
    call.send(false);
    return call;
  }

  private void send(boolean whole) {
    if (isDone()) {
      return;
    }
    CompletableFuture<long[]> c;
    try {
      c = sender.send(whole);
    } catch (RuntimeException e) {
      completeExceptionally(e);
      return;
    }
    command = c;
    if (isDone()) { // ended while sending: the listener may have seen the previous command
      c.cancel(false);
      return;
    }
    c.whenComplete((result, error) -> {
      if (error == null) {
        complete(result);
        return;
      }
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      if (!whole && noScript(cause)) {
        send(true); // Redis does not know the script (first use, restart, failover): send it whole
      } else if (tryAgain(cause) && !isDone()) {
        tryAgain.increment();
        long delay = backoffNanos;
        backoffNanos = Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
        try {
          timer.schedule(() -> send(whole), delay, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) { // the store is closing
          completeExceptionally(cause);
        }
      } else {
        completeExceptionally(cause);
      }
    });
  }

  static boolean noScript(Throwable t) {
    return t instanceof RedisNoScriptException || startsWith(t, "NOSCRIPT");
  }

  /** A Redis Cluster's TRYAGAIN: keys of one call are split across a slot migration. */
  static boolean tryAgain(Throwable t) {
    return startsWith(t, "TRYAGAIN");
  }

  private static boolean startsWith(Throwable t, String code) {
    return t != null && t.getMessage() != null && t.getMessage().startsWith(code);
  }
}
