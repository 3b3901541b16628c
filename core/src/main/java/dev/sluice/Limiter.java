package dev.sluice;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One policy, applied to keys. Obtained from {@link Sluice#limiter(Policy)}; thread-safe, cheap to
 * keep. Keys are Strings of 1 to 512 characters of well-formed UTF-16 (no lone surrogate);
 * a key means the same on every store, and two different keys never share state. Costs are
 * {@code >= 0}: 1 per request, or bytes, or tokens; a cost of 0 checks without consuming.
 */
public interface Limiter {

  /** {@return the policy this limiter applies} */
  Policy policy();

  /**
   * Admits and charges {@code cost} if the policy allows it now; otherwise changes nothing.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost, {@code >= 0}; 0 checks without consuming
   * @return the decision: allowed and charged, or denied with nothing changed
   * @throws IllegalArgumentException if {@code key} or {@code cost} is invalid, before any change
   */
  Decision tryAcquire(String key, long cost);

  /**
   * Waits as long as needed, up to {@code maxWait}, for {@code cost} to be admitted. If the policy
   * can promise the cost within {@code maxWait}, it is granted ahead of time and this method
   * sleeps exactly until then (token buckets reserve it, first come first served; windows and logs
   * sleep until the computed retry instant and try again); otherwise it returns the denial at once
   * without consuming anything.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost, {@code >= 0}; 0 checks without consuming
   * @param maxWait the longest wait accepted, not negative ({@link Duration#ZERO}: no wait);
   *     beyond {@code Long.MAX_VALUE} ns it is taken as {@code Long.MAX_VALUE} ns
   * @return the decision once usable (allowed, its retryAfter 0: the wait is spent), or the first
   *     denial that waiting up to {@code maxWait} could not turn into an admission
   * @throws InterruptedException if interrupted while waiting (a granted cost is refunded)
   * @throws IllegalArgumentException if {@code key}, {@code cost} or {@code maxWait} is invalid,
   *     before any change
   */
  Decision acquire(String key, long cost, Duration maxWait) throws InterruptedException;

  /**
   * {@link #acquire} without holding a thread while waiting.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost, {@code >= 0}; 0 checks without consuming
   * @param maxWait the longest wait accepted, not negative ({@link Duration#ZERO}: no wait)
   * @return a future of what {@link #acquire} would return; cancelling it before it completes
   *     gives a granted cost back
   * @throws IllegalArgumentException if {@code key}, {@code cost} or {@code maxWait} is invalid
   *     (thrown at once, not through the future)
   */
  CompletableFuture<Decision> acquireAsync(String key, long cost, Duration maxWait);

  /**
   * What {@link #tryAcquire} would decide now, without consuming (a pre-flight check).
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost to check, {@code >= 0}
   * @return the decision {@code tryAcquire} would make; nothing is charged
   * @throws IllegalArgumentException if {@code key} or {@code cost} is invalid, before any change
   */
  Decision peek(String key, long cost);

  /**
   * Charges {@code cost} unconditionally: post-hoc usage that may overshoot. A key in debt is
   * denied until it is repaid (token bucket: refilled; window: the window ends; log: the entry
   * slides out). The decision is allowed (unless the store cannot decide and the policy fails
   * closed) and shows what remains.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost used, {@code >= 0}
   * @return the decision after the charge; {@link Decision.Reason#STORE_UNAVAILABLE} (nothing
   *     charged) if the store cannot decide and the policy fails closed
   * @throws IllegalArgumentException if {@code key} or {@code cost} is invalid, before any change
   */
  Decision record(String key, long cost);

  /**
   * Gives back up to {@code cost}, never beyond a full bucket or an empty window.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the most cost to give back, {@code >= 0}
   * @return the decision after the refund, showing what remains
   * @throws IllegalArgumentException if {@code key} or {@code cost} is invalid, before any change
   */
  Decision refund(String key, long cost);

  /**
   * Forgets {@code key}: it starts fresh.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  void reset(String key);

  /**
   * {@code cost} on {@code key} under this limiter's policy, for {@link Sluice#tryAcquireAll}.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost, {@code >= 0}
   * @return the charge; nothing is applied until it is passed to {@code tryAcquireAll}
   * @throws IllegalArgumentException if {@code key} or {@code cost} is invalid
   */
  Charge charge(String key, long cost);
}
