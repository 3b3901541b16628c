package dev.sluice;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One policy, applied to keys. Obtained from {@link Sluice#limiter(Policy)}; thread-safe, cheap to
 * keep. Keys are Strings of 1 to 512 characters of well-formed UTF-16 (no lone surrogate);
 * a key means the same on every store, and two different keys never share state. Costs are {@code >= 0}: 1 per request,
 * or bytes, or tokens; a cost of 0 checks without consuming.
 */
public interface Limiter {

  /** The policy this limiter applies. */
  Policy policy();

  /** Admits and charges {@code cost} if the policy allows it now; otherwise changes nothing. */
  Decision tryAcquire(String key, long cost);

  /**
   * Waits as long as needed, up to {@code maxWait}, for {@code cost} to be admitted. If the policy
   * can promise the cost within {@code maxWait}, it is granted ahead of time and this method
   * sleeps exactly until then (token buckets reserve it, first come first served; windows and logs
   * sleep until the computed retry instant and try again); otherwise it returns the denial at once
   * without consuming anything.
   *
   * @throws InterruptedException if interrupted while waiting (a granted cost is refunded)
   */
  Decision acquire(String key, long cost, Duration maxWait) throws InterruptedException;

  /** {@link #acquire} without holding a thread while waiting. */
  CompletableFuture<Decision> acquireAsync(String key, long cost, Duration maxWait);

  /** What {@link #tryAcquire} would decide now, without consuming (a pre-flight check). */
  Decision peek(String key, long cost);

  /**
   * Charges {@code cost} unconditionally: post-hoc usage that may overshoot. A key in debt is
   * denied until it is repaid (token bucket: refilled; window: the window ends; log: the entry
   * slides out). The decision is allowed (unless the store cannot decide and the policy fails
   * closed) and shows what remains.
   */
  Decision record(String key, long cost);

  /** Gives back up to {@code cost}, never beyond a full bucket or an empty window. */
  Decision refund(String key, long cost);

  /** Forgets {@code key}: it starts fresh. */
  void reset(String key);

  /** {@code cost} on {@code key} under this limiter's policy, for {@link Sluice#tryAcquireAll}. */
  Charge charge(String key, long cost);
}
