package dev.sluice.outbound;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.spi.Args;
import dev.sluice.spi.WaitLoop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One named limit on calls to one upstream ("anilist": 30 at once, then one every 2 s), obtained
 * from {@link Throttles}. Thread-safe; share it.
 *
 * <p>The limit is a core {@link TokenBucket} named after the upstream and applied by the engine to
 * one key, the upstream's name: {@link #tryAcquire}, {@link #acquire} and {@link #acquireAsync}
 * are the {@link Limiter}'s and return its {@link Decision}s. Over any interval of length
 * {@code t}, a throttle admits at most {@code capacity + floor(refillTokens * t / refillPeriod)}
 * cost, whatever its mode.
 *
 * <h2>Slow mode</h2>
 * {@link #slow(boolean) slow(true)} halves the refill rate (never faster than configured). It
 * uses a second token bucket, {@link #slowPolicy()} ({@code <name>:slow}: same capacity, half the
 * refill rate exactly), on the same key. While slow, every admission is one atomic call over both
 * buckets, all or nothing, so the configured bucket is always charged and its limit always holds.
 * Entering slow mode seeds the slow bucket with what the configured bucket has used at that moment
 * ({@code capacity - remaining}), so a drained throttle that turns slow waits for the slow rate;
 * leaving slow mode stops using the slow bucket. In slow mode a blocking or asynchronous acquire
 * waits until the exact instant both buckets admit the cost and tries again; it reserves nothing
 * ahead, so a later caller may be served first. A denial in slow mode may name the slow policy
 * (the multi-policy call names the most restrictive one). Entering slow mode is not atomic with
 * admissions made at the same instant: one of those may count on the configured bucket only.
 *
 * <h2>Pauses</h2>
 * An upstream that says "not before" ({@link #onRetryAfter}, {@link #onRateLimit}) or a caller
 * ({@link #pauseUntil}) pauses the throttle. While paused, {@link #tryAcquire} is denied at once
 * without consuming ({@link Decision.Reason#LIMITED}, remaining 0, retryAfter and resetAfter the
 * rest of the pause), and {@link #acquire} / {@link #acquireAsync} wait for the pause to end when
 * that fits their {@code maxWait} (otherwise they return that denial at once), then acquire as
 * usual. A caller already granted a token ahead of time that finds the throttle paused when its
 * wait ends gives the token back and waits for the pause too. A pause never shortens an earlier
 * one. Pauses are kept in this object, in this process: other processes sharing the store do not
 * see them, and a call that started before the pause was set may still be admitted. A pause
 * denial is decided here, not by the engine, so decision listeners do not see it.
 */
public final class Throttle {

  /** Appended to a throttle's name to name its slow-mode policy. */
  public static final String SLOW_SUFFIX = ":slow";

  /**
   * The longest throttle name: a policy name's 128 characters less the 5 of {@link #SLOW_SUFFIX},
   * so the slow-mode policy's name fits too.
   */
  public static final int MAX_NAME_LENGTH = 123;

  private final String name;
  private final TokenBucket policy;
  private final TokenBucket slowPolicy;
  private final Sluice sluice;
  private final Clock clock;
  private final Limiter normal;
  private final Limiter slow;
  private final AtomicBoolean slowMode = new AtomicBoolean();
  /** The end of the current pause on the clock's {@code nanos()} timeline; 0: never paused. */
  private final AtomicLong pausedUntil = new AtomicLong();
  private final Object modeLock = new Object();

  /**
   * A throttle for {@code policy} on {@code sluice}.
   *
   * @throws IllegalArgumentException if the slow-mode bucket (half the rate) cannot be built
   */
  Throttle(Sluice sluice, TokenBucket policy) {
    this.sluice = sluice;
    this.policy = policy;
    this.name = policy.name();
    this.slowPolicy = halved(policy);
    this.clock = sluice.clock();
    this.normal = sluice.limiter(policy);
    this.slow = sluice.limiter(slowPolicy);
  }

  /**
   * The same bucket at half the refill rate, exactly: half the tokens when their number is even,
   * otherwise the same tokens over twice the period.
   */
  static TokenBucket halved(TokenBucket policy) {
    String slowName = policy.name() + SLOW_SUFFIX;
    long tokens = policy.refillTokens();
    Duration period = policy.refillPeriod();
    try {
      return tokens % 2 == 0
          ? TokenBucket.of(slowName, policy.capacity(), tokens / 2, period)
          : TokenBucket.of(slowName, policy.capacity(), tokens, period.multipliedBy(2));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("throttle '" + policy.name() + "': its slow mode (" + tokens
          + " tokens per " + period.multipliedBy(2) + ") is not a valid token bucket: "
          + e.getMessage(), e);
    }
  }

  /** {@return the upstream's name; also the key this throttle's buckets use} */
  public String name() {
    return name;
  }

  /** {@return the configured limit, named after the upstream} */
  public TokenBucket policy() {
    return policy;
  }

  /** {@return the slow-mode bucket: {@code <name>:slow}, same capacity, half the refill rate} */
  public TokenBucket slowPolicy() {
    return slowPolicy;
  }

  /**
   * {@link #tryAcquire(long)} for a cost of 1.
   *
   * @return the decision, as {@link #tryAcquire(long)} returns it
   */
  public Decision tryAcquire() {
    return tryAcquire(1);
  }

  /**
   * Admits and charges {@code cost} if the throttle allows it now; otherwise changes nothing.
   * Denied while paused (see the class comment).
   *
   * @param cost {@code >= 0}; 0 checks without consuming
   * @return the decision; while paused, for a cost within the capacity, {@link
   *     Decision.Reason#LIMITED} with remaining 0 and retryAfter the rest of the pause
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public Decision tryAcquire(long cost) {
    Args.cost(cost);
    long pause = pausedUntil.get() - clock.nanos();
    if (pause > 0 && cost <= policy.capacity()) {
      return pauseDenial(pause);
    }
    return admit(cost);
  }

  /**
   * Waits as long as needed, up to {@code maxWait}, for {@code cost} to be admitted, sleeping
   * exactly on the engine's clock (no polling): through a pause, then as the {@link Limiter}'s
   * {@code acquire} does (a token bucket grants ahead of time and the caller sleeps until its
   * turn) or, in slow mode, until the instant both buckets admit the cost. If the cost cannot be
   * admitted within {@code maxWait}, returns the denial at once without consuming anything.
   *
   * @param cost {@code >= 0}
   * @param maxWait the longest wait accepted, not negative ({@link Duration#ZERO}: no wait)
   * @return the decision once usable, or the denial no wait within {@code maxWait} could lift
   * @throws InterruptedException if interrupted while waiting (a granted cost is refunded)
   * @throws IllegalArgumentException if {@code cost} is negative or {@code maxWait} is null or
   *     negative
   */
  public Decision acquire(long cost, Duration maxWait) throws InterruptedException {
    Args.cost(cost);
    return WaitLoop.block(clock, WaitLoop.deadline(clock, maxWait), (now, left) -> {
      WaitLoop.Next next = pausedOrSlow(cost, now, left);
      if (next != null) {
        return next;
      }
      Decision d = normal.acquire(name, cost, Duration.ofNanos(left));
      return pausedDuringWait(d, cost) ? new WaitLoop.Again(0) : new WaitLoop.Done(d);
    });
  }

  /**
   * {@link #acquire} without holding a thread while waiting: it waits on {@link Clock#after}.
   *
   * @param cost {@code >= 0}
   * @param maxWait the longest wait accepted, not negative ({@link Duration#ZERO}: no wait)
   * @return a future of what {@link #acquire} would return; a failure of the engine completes it
   *     exceptionally
   * @throws IllegalArgumentException if {@code cost} is negative or {@code maxWait} is null or
   *     negative (thrown at once, not through the future)
   */
  public CompletableFuture<Decision> acquireAsync(long cost, Duration maxWait) {
    Args.cost(cost);
    return WaitLoop.async(clock, WaitLoop.deadline(clock, maxWait), (now, left) -> {
      WaitLoop.Next next = pausedOrSlow(cost, now, left);
      if (next != null) {
        return CompletableFuture.completedFuture(next);
      }
      return normal.acquireAsync(name, cost, Duration.ofNanos(left)).thenApply(d ->
          pausedDuringWait(d, cost) ? new WaitLoop.Again(0) : new WaitLoop.Done(d));
    }, d -> { });
  }

  /**
   * One attempt's answer while paused (wait for the pause, or the denial if it outlasts the wait
   * left) or in slow mode (both buckets at once: the answer, or a wait before asking again); null
   * otherwise: the configured bucket's own acquire decides.
   */
  private WaitLoop.Next pausedOrSlow(long cost, long now, long left) {
    long pause = pausedUntil.get() - now;
    if (pause > 0 && cost <= policy.capacity()) {
      return pause > left ? new WaitLoop.Done(pauseDenial(pause)) : new WaitLoop.Again(pause);
    }
    if (slowMode.get()) {
      Decision d = admitBoth(cost);
      if (d.allowed() || d.reason() != Decision.Reason.LIMITED || d.retryAfterNanos() > left) {
        return new WaitLoop.Done(d);
      }
      return new WaitLoop.Again(d.retryAfterNanos());
    }
    return null;
  }

  /**
   * Whether a cost granted ahead of time finds the throttle paused once its wait is over; if so
   * the cost is given back, and the caller waits for the pause.
   */
  private boolean pausedDuringWait(Decision d, long cost) {
    if (d.allowed() && cost > 0 && pausedUntil.get() > clock.nanos()) {
      normal.refund(name, cost);
      return true;
    }
    return false;
  }

  private Decision admit(long cost) {
    return slowMode.get() ? admitBoth(cost) : normal.tryAcquire(name, cost);
  }

  /** Slow mode: both buckets admit {@code cost}, atomically, or neither. */
  private Decision admitBoth(long cost) {
    return sluice.tryAcquireAll(normal.charge(name, cost), slow.charge(name, cost));
  }

  private Decision pauseDenial(long pause) {
    return Decision.limited(policy, 0, pause, pause);
  }

  /**
   * Turns slow mode on or off; setting the current mode again changes nothing. On: admissions
   * also need the slow bucket, seeded with what the configured bucket has used now. Off: the slow
   * bucket is no longer used.
   *
   * @param on true for slow mode, false for the configured rate
   */
  public void slow(boolean on) {
    synchronized (modeLock) {
      if (slowMode.get() == on) {
        return;
      }
      slowMode.set(on);
      if (on) {
        long used = policy.capacity() - normal.peek(name, 0).remaining();
        slow.reset(name);
        if (used > 0) {
          slow.record(name, used);
        }
      }
    }
  }

  /** {@return whether slow mode is on} */
  public boolean isSlow() {
    return slowMode.get();
  }

  /**
   * Pauses the throttle until {@code clockNanos} on the engine clock's {@code nanos()} timeline;
   * a pause that ends earlier than the current one changes nothing.
   *
   * @param clockNanos within {@code [0, 2^62]}
   */
  public void pauseUntil(long clockNanos) {
    Args.time("clockNanos", clockNanos);
    pausedUntil.accumulateAndGet(clockNanos, Math::max);
  }

  /**
   * Pauses the throttle as a {@code Retry-After} field value asks: delay-seconds ({@code "120"})
   * or an HTTP-date ({@code "Wed, 21 Oct 2015 07:28:00 GMT"}, read against the clock's wall time
   * and converted to its monotonic timeline). A date in the past changes nothing.
   *
   * @param retryAfter the {@code Retry-After} field value; not null
   * @throws IllegalArgumentException if the value does not parse (naming it); nothing changes
   */
  public void onRetryAfter(String retryAfter) {
    long now = clock.nanos();
    pauseFor(RetryHeaders.retryAfterNanos(retryAfter, clock.wallNanos()), now);
  }

  /**
   * Pauses the throttle as the IETF {@code RateLimit} fields ask: when a policy has nothing
   * remaining, until its reset. Both forms are read: the structured list
   * {@code "default";r=0;t=30} (a missing {@code t} is taken from the window {@code w} of the
   * same policy in {@code RateLimit-Policy}) and the older dictionary
   * {@code limit=100, remaining=0, reset=30}. While quota remains, nothing changes.
   *
   * @param rateLimit the {@code RateLimit} field value
   * @param rateLimitPolicy the {@code RateLimit-Policy} field value, or {@code null} if absent
   * @throws IllegalArgumentException if either value does not parse (naming the field and the
   *     value); nothing changes
   */
  public void onRateLimit(String rateLimit, String rateLimitPolicy) {
    long now = clock.nanos();
    pauseFor(RetryHeaders.rateLimitNanos(rateLimit, rateLimitPolicy), now);
  }

  private void pauseFor(long nanos, long now) {
    if (nanos > 0) {
      long until = nanos > RetryHeaders.MAX_NANOS - now ? RetryHeaders.MAX_NANOS : now + nanos;
      pausedUntil.accumulateAndGet(until, Math::max);
    }
  }

  /** {@return how much of the current pause is left; zero when not paused} */
  public Duration pausedFor() {
    return Duration.ofNanos(Math.max(0, pausedUntil.get() - clock.nanos()));
  }

  /**
   * Continues {@code old}, the throttle this one replaces under the same name: its pause and its
   * slow mode. What the old bucket used carries over by itself: a store keeps a policy's state under
   * its name, so the new definition decides on the old one's state.
   */
  void takeOver(Throttle old) {
    pausedUntil.accumulateAndGet(old.pausedUntil.get(), Math::max);
    if (old.isSlow()) {
      slow(true);
    }
  }

  @Override
  public String toString() {
    return "Throttle[" + policy + (isSlow() ? ", slow" : "") + "]";
  }
}
