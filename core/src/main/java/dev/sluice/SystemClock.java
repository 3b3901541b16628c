package dev.sluice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** {@link System#nanoTime()} anchored to the wall clock once, at class initialisation. */
final class SystemClock implements Clock {
  static final SystemClock INSTANCE = new SystemClock();

  private final long anchorWallNanos;
  private final long anchorMonotonicNanos;

  private SystemClock() {
    java.time.Instant now = java.time.Instant.now();
    this.anchorMonotonicNanos = System.nanoTime();
    this.anchorWallNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public long nanos() {
    return anchorWallNanos + (System.nanoTime() - anchorMonotonicNanos);
  }

  @Override
  public long wallNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public void sleep(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  @Override
  public CompletableFuture<Void> after(long nanos) {
    if (nanos <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    // Completes on the common pool once the JDK's shared delay scheduler fires: no thread waits.
    return CompletableFuture.runAsync(
        () -> {}, CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS));
  }

  @Override
  public String toString() {
    return "Clock.system()";
  }
}
