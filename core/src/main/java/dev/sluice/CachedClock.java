package dev.sluice;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The system clock, read from memory: one daemon thread samples {@link Clock#system()} every
 * {@code resolution} and publishes the sample; {@link #nanos()} and {@link #wallNanos()} are one
 * volatile read each instead of a system call.
 *
 * <p>Why: on the decision path the clock read is most of the cost. On the 2-core VM of
 * docs/performance.md {@code System.nanoTime()} alone takes about 24 ns while a whole in-memory
 * token-bucket decision takes about 37 ns, so a limiter that reads the clock per call can never be
 * much faster than that read. With this clock a decision costs a volatile read instead.
 *
 * <p>The trade-off, which is the same one Bucket4j makes with its default millisecond clock:
 * time moves in steps of about {@code resolution} and lags the system clock by up to one step
 * (plus however long the sampling thread waits for a CPU). Decisions stay exact on this clock's
 * timeline; measured against the system clock, a token bucket admits at most {@code capacity +
 * rate × (interval + lag)} in any interval, and a window opens up to one lag late. A lagging clock
 * never grants early: time that has not been published yet simply has not refilled anything.
 * The cost of the steps: a token bucket whose capacity is below {@code rate × resolution} (say
 * capacity 1 at 10,000/s on a 1 ms clock) can take only one capacity per step, so it admits less
 * than its rate. That, and the thread, is why {@link Clock#system()} stays the default.
 * Waits ({@link #sleep}, {@link #after}) run on the system clock, so {@code acquire} on a window
 * may wake up to one step before this clock shows the window open and wait once more.
 *
 * <p>The clock is monotonic: a sample earlier than the last one published (the wall clock stepped
 * back) is not published. It owns a thread: {@link #close()} stops it, after which time stands
 * still at the last sample (decisions still work, nothing refills). Share one instance per
 * application.
 *
 * <pre>{@code
 * CachedClock clock = Clock.cached(Duration.ofMillis(1));
 * Sluice sluice = Sluice.builder().clock(clock).build();
 * ...
 * sluice.close();
 * clock.close();
 * }</pre>
 */
public final class CachedClock implements Clock, AutoCloseable {

  /** Shortest resolution accepted: below it the sampling thread costs more than it saves. */
  public static final Duration MIN_RESOLUTION = Duration.ofNanos(100_000);

  /** Longest resolution accepted. */
  public static final Duration MAX_RESOLUTION = Duration.ofSeconds(1);

  private final Clock source;
  private final long resolutionNanos;
  private final Thread sampler;
  private volatile long nanos;
  private volatile long wallNanos;
  private volatile boolean closed;

  CachedClock(Clock source, Duration resolution) {
    if (resolution == null) {
      throw new IllegalArgumentException("resolution must not be null");
    }
    if (resolution.compareTo(MIN_RESOLUTION) < 0 || resolution.compareTo(MAX_RESOLUTION) > 0) {
      throw new IllegalArgumentException("resolution (" + resolution + ") must be between "
          + MIN_RESOLUTION + " and " + MAX_RESOLUTION);
    }
    this.source = source;
    this.resolutionNanos = resolution.toNanos();
    this.nanos = source.nanos();
    this.wallNanos = source.wallNanos();
    this.sampler = new Thread(this::run, "sluice-cached-clock-" + resolution);
    this.sampler.setDaemon(true);
    this.sampler.start();
  }

  private void run() {
    while (!closed) {
      LockSupport.parkNanos(this, resolutionNanos);
      sample();
    }
  }

  /** Publishes a fresh sample of the source clock (the sampling thread's one job). */
  void sample() {
    long n = source.nanos();
    if (n > nanos) {
      nanos = n;
    }
    long w = source.wallNanos();
    if (w > wallNanos) {
      wallNanos = w;
    }
  }

  /** {@return how often the clock is sampled, in nanoseconds} */
  public long resolutionNanos() {
    return resolutionNanos;
  }

  @Override
  public long nanos() {
    return nanos;
  }

  @Override
  public long wallNanos() {
    return wallNanos;
  }

  @Override
  public void sleep(long nanos) throws InterruptedException {
    source.sleep(nanos);
  }

  @Override
  public CompletableFuture<Void> after(long nanos) {
    return source.after(nanos);
  }

  /** Stops the sampling thread; time stands still from then on. Idempotent. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(sampler);
  }

  /** Whether the sampling thread is still running. */
  boolean sampling() {
    return sampler.isAlive();
  }

  @Override
  public String toString() {
    return "Clock.cached(" + Duration.ofNanos(resolutionNanos) + ")";
  }
}
