package dev.sluice.redis;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A circuit breaker in front of Redis: when at least {@code threshold} decisions have failed and
 * none has succeeded since the first of them, {@code windowNanos} or more ago, it opens, and
 * decisions are answered by their failure policy at once instead of each waiting out its deadline
 * on a dead connection. While open, one probe at a time is let through every {@code probeNanos};
 * the first success closes it.
 *
 * <p>Only failures are evidence: the window starts at the first failure since the last success,
 * never at the store's construction or at its last success. Counting from the last success
 * opened it on a healthy Redis: a fresh store (no success yet) or one idle for longer than the
 * window opened at its third slow first call, and answered every decision of a cold burst by its
 * failure policy. Requiring a window, not just failures in a row, matters under concurrency: a
 * pause of the JVM or the machine longer than the deadline fails every call in flight at once (64
 * callers: 64 failures in a row) although Redis is fine and answers the next ones; opening then
 * would fail everything for a probe interval. Reads System.nanoTime (operational timing, not
 * algorithm state).
 */
final class Breaker {
  private final int threshold;
  private final long windowNanos;
  private final long probeNanos;
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicBoolean probing = new AtomicBoolean();
  /** When the first failure since the last success happened (System.nanoTime, never 0); 0: none. */
  private final AtomicLong firstFailure = new AtomicLong();
  /** 0 while closed; otherwise when the next probe may go. */
  private volatile long nextProbe;

  private final LongSupplier nanoTime;

  Breaker(int threshold, long windowNanos, long probeNanos) {
    this(threshold, windowNanos, probeNanos, System::nanoTime);
  }

  /** With the given time source (tests). */
  Breaker(int threshold, long windowNanos, long probeNanos, LongSupplier nanoTime) {
    this.threshold = threshold;
    this.windowNanos = windowNanos;
    this.probeNanos = probeNanos;
    this.nanoTime = nanoTime;
  }

  /** Whether a call may go to Redis now (closed, or this caller is the probe). */
  boolean allow() {
    long next = nextProbe;
    if (next == 0) {
      return true;
    }
    return nanoTime.getAsLong() - next >= 0 && probing.compareAndSet(false, true);
  }

  void success() {
    if (nextProbe != 0 || failures.get() != 0) {
      failures.set(0);
      firstFailure.set(0);
      nextProbe = 0;
      probing.set(false);
    }
  }

  void failure() {
    long now = nanoTime.getAsLong();
    if (probing.get()) {
      nextProbe = now + probeNanos;
      probing.set(false);
      return;
    }
    // the window starts at the first failure since the last success (set before counting, so a
    // caller that counts a later failure never sees the start of an earlier episode)
    long first = firstFailure.get();
    if (first == 0) {
      long stamp = now == 0 ? 1 : now;
      first = firstFailure.compareAndSet(0, stamp) ? stamp : firstFailure.get();
    }
    int n = failures.incrementAndGet();
    if (n >= threshold && now - first >= windowNanos && nextProbe == 0) {
      nextProbe = now + probeNanos;
    }
  }

  boolean isOpen() {
    return nextProbe != 0;
  }

  /** Time until Redis is tried again: at least one millisecond. */
  long retryAfterNanos() {
    long next = nextProbe;
    long wait = next == 0 ? 0 : next - nanoTime.getAsLong();
    return Math.max(1_000_000L, wait);
  }
}
