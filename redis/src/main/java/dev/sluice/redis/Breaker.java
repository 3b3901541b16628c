package dev.sluice.redis;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A circuit breaker in front of Redis: after {@code threshold} failures in a row it opens, and
 * decisions are answered by their failure policy at once instead of each waiting out its deadline
 * on a dead connection. While open, one probe at a time is let through every {@code probeNanos};
 * the first success closes it. Reads System.nanoTime (operational timing, not algorithm state).
 */
final class Breaker {
  private final int threshold;
  private final long probeNanos;
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicBoolean probing = new AtomicBoolean();
  /** 0 while closed; otherwise when the next probe may go. */
  private volatile long nextProbe;

  Breaker(int threshold, long probeNanos) {
    this.threshold = threshold;
    this.probeNanos = probeNanos;
  }

  /** Whether a call may go to Redis now (closed, or this caller is the probe). */
  boolean allow() {
    long next = nextProbe;
    if (next == 0) {
      return true;
    }
    return System.nanoTime() - next >= 0 && probing.compareAndSet(false, true);
  }

  void success() {
    if (nextProbe != 0 || failures.get() != 0) {
      failures.set(0);
      nextProbe = 0;
      probing.set(false);
    }
  }

  void failure() {
    if (probing.get()) {
      nextProbe = System.nanoTime() + probeNanos;
      probing.set(false);
    } else if (failures.incrementAndGet() >= threshold && nextProbe == 0) {
      nextProbe = System.nanoTime() + probeNanos;
    }
  }

  boolean isOpen() {
    return nextProbe != 0;
  }

  /** Time until Redis is tried again: at least one millisecond. */
  long retryAfterNanos() {
    long next = nextProbe;
    long wait = next == 0 ? 0 : next - System.nanoTime();
    return Math.max(1_000_000L, wait);
  }
}
