package dev.sluice.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The caller threads of the Redis and SQLite reports: each makes one blocking call after another
 * (a warmup, then the measurement, then it stops), timing each call ({@code System.nanoTime()}
 * around it) into its own HdrHistogram (3 significant digits); the histograms and counts are
 * merged once every thread is joined.
 *
 * <pre>{@code
 * Callers callers = Callers.start(64, false, keys, key -> session.tryAcquire(key));
 * callers.warmup(5);
 * long before = counter();      // sampled right before the measured seconds
 * callers.measure(10);
 * long after = counter();       // and right after
 * Callers.Totals calls = callers.join("sluice");
 * }</pre>
 */
public final class Callers {

  /** A call answered with an admission: a decision. */
  public static final int ADMITTED = 1;
  /** A call answered with a denial: a decision. */
  public static final int DENIED = 0;
  /** A call answered, but not by what is measured (a failure policy): not counted as a decision. */
  public static final int NOT_COUNTED = -1;

  /** One blocking call on key number {@code key}. */
  @FunctionalInterface
  public interface Call {
    /** {@link #ADMITTED}, {@link #DENIED} or {@link #NOT_COUNTED}. */
    int call(int key);
  }

  /** What all callers did during the measurement. */
  public record Totals(long decisions, long denied, long notCounted, long notCountedMaxNanos,
      long errors, String firstError, double seconds, Histogram latency) {

    public double perSecond() {
      return decisions / seconds;
    }

    public double p50us() {
      return latency.getValueAtPercentile(50) / 1000.0;
    }

    public double p99us() {
      return latency.getValueAtPercentile(99) / 1000.0;
    }

    public double maxMs() {
      return latency.getMaxValue() / 1e6;
    }
  }

  private static final int WARMUP = 0;
  private static final int MEASURE = 1;
  private static final int STOP = 2;

  /** One caller thread's counts; written by that thread only, read after it is joined. */
  private static final class Caller implements Runnable {
    final Thread thread;
    final Call call;
    final int keys;
    final SplittableRandom random;
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    volatile int phase = WARMUP;
    long decisions;
    long denied;
    long notCounted;
    long notCountedMaxNanos;
    long errors;
    Throwable firstError;

    Caller(Call call, int keys, int index, boolean virtual) {
      this.call = call;
      this.keys = keys;
      this.random = new SplittableRandom(0x5EED + index);
      this.thread = virtual ? virtualThread(this, "caller-" + index) : new Thread(this, "caller-" + index);
      thread.setDaemon(true);
    }

    @Override
    public void run() {
      for (int p; (p = phase) != STOP; ) {
        int key = keys == 1 ? 0 : random.nextInt(keys);
        long t0 = System.nanoTime();
        int outcome;
        try {
          outcome = call.call(key);
        } catch (RuntimeException e) {
          if (p == MEASURE) {
            errors++;
          }
          if (firstError == null) {
            firstError = e;
          }
          continue;
        }
        long t = System.nanoTime() - t0;
        if (p == MEASURE) {
          if (outcome == NOT_COUNTED) {
            notCounted++;
            notCountedMaxNanos = Math.max(notCountedMaxNanos, t);
          } else {
            latency.recordValue(Math.min(t, latency.getHighestTrackableValue()));
            decisions++;
            if (outcome == DENIED) {
              denied++;
            }
          }
        }
      }
    }
  }

  private final List<Caller> callers = new ArrayList<>();
  private long t0;
  private long t1;

  private Callers() {}

  /**
   * Starts {@code threads} callers of {@code call}, warming up, each on a key number drawn
   * uniformly from {@code keys} per call (its own random, seeded by its index); virtual threads
   * need JDK 21+.
   */
  public static Callers start(int threads, boolean virtual, int keys, Call call) {
    Callers c = new Callers();
    for (int i = 0; i < threads; i++) {
      c.callers.add(new Caller(call, keys, i, virtual));
    }
    c.callers.forEach(t -> t.thread.start());
    return c;
  }

  /** Lets the callers warm up for {@code seconds}. */
  public void warmup(int seconds) throws InterruptedException {
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
  }

  /** Counts the callers' calls for {@code seconds}, then tells them to stop. */
  public void measure(int seconds) throws InterruptedException {
    t0 = System.nanoTime();
    callers.forEach(t -> t.phase = MEASURE);
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    callers.forEach(t -> t.phase = STOP);
    t1 = System.nanoTime();
  }

  /** Joins the callers (of {@code row}, for the error) and merges what they counted. */
  public Totals join(String row) throws InterruptedException {
    for (Caller t : callers) {
      t.thread.join(TimeUnit.SECONDS.toMillis(120));
      if (t.thread.isAlive()) {
        throw new IllegalStateException(t.thread.getName() + " of " + row + " did not stop");
      }
    }
    Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    long decisions = 0;
    long denied = 0;
    long notCounted = 0;
    long notCountedMax = 0;
    long errors = 0;
    String firstError = null;
    for (Caller t : callers) {
      latency.add(t.latency);
      decisions += t.decisions;
      denied += t.denied;
      notCounted += t.notCounted;
      notCountedMax = Math.max(notCountedMax, t.notCountedMaxNanos);
      errors += t.errors;
      if (firstError == null && t.firstError != null) {
        firstError = t.firstError.toString();
      }
    }
    return new Totals(decisions, denied, notCounted, notCountedMax, errors, firstError,
        (t1 - t0) / 1e9, latency);
  }

  /**
   * An unstarted virtual thread running {@code r} (JDK 21+; this module compiles for 17, so
   * through reflection).
   */
  static Thread virtualThread(Runnable r, String name) {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> type = Class.forName("java.lang.Thread$Builder");
      builder = type.getMethod("name", String.class).invoke(builder, name);
      return (Thread) type.getMethod("unstarted", Runnable.class).invoke(builder, r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("--virtual-threads needs JDK 21 or later, this is "
          + System.getProperty("java.version"), e);
    }
  }
}
