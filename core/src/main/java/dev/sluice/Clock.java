package dev.sluice;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Where time comes from. Algorithms never read a clock: stores read this one and pass the time in.
 *
 * <p>Both timelines are in nanoseconds since the epoch. {@link #nanos()} is driven by a monotonic
 * source and used for elapsed time; {@link #wallNanos()} follows the wall clock and is used only
 * for calendar boundaries. Values must stay within {@code [0, 2^62]} (until the year 2116).
 */
public interface Clock {

  /** {@return the system clock: {@link System#nanoTime()} anchored once to the wall clock} */
  static Clock system() {
    return SystemClock.INSTANCE;
  }

  /**
   * The system clock read from memory: a daemon thread samples {@link #system()} every
   * {@code resolution} (100 µs to 1 s), so a read costs a volatile load instead of a system call.
   * Time moves in steps and lags the system clock by up to one step; see {@link CachedClock} for
   * what that means for decisions. Close it to stop its thread.
   *
   * @param resolution how often the system clock is sampled: {@link CachedClock#MIN_RESOLUTION}
   *     to {@link CachedClock#MAX_RESOLUTION}
   * @return a new clock, its sampling thread started
   * @throws IllegalArgumentException if {@code resolution} is null or out of range
   */
  static CachedClock cached(Duration resolution) {
    return new CachedClock(system(), resolution);
  }

  /** {@return monotonic time in nanoseconds on an epoch-anchored timeline, in [0, 2^62]} */
  long nanos();

  /**
   * {@return wall-clock time in nanoseconds since the epoch, for calendar boundaries, in
   * [0, 2^62]}
   */
  long wallNanos();

  /**
   * Blocks for {@code nanos} nanoseconds of this clock's time; {@code nanos <= 0} returns at once.
   *
   * @param nanos how long to wait, in nanoseconds
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  void sleep(long nanos) throws InterruptedException;

  /**
   * A future completed after {@code nanos} of this clock's time (at once for {@code nanos <= 0});
   * holds no thread while waiting.
   *
   * @param nanos how long to wait, in nanoseconds
   * @return a future completed (with null) once the time has passed; cancelling it is harmless
   */
  CompletableFuture<Void> after(long nanos);
}
