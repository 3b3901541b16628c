package dev.sluice.bench;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.CachedClock;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One key, {@code tryAcquire(1)}, every library side by side: {@code admit_*} always admits,
 * {@code reject_*} always rejects, {@code baseline_*} is context (not a peer). The subclasses fix
 * the thread count; all threads share one limiter per library.
 *
 * <p>Sluice pays for a key lookup on every call (its limiters serve any number of keys); the peers
 * are handed their single limiter object directly, as their users would.
 *
 * <p>{@code sluiceCachedClock} is Sluice on {@link Clock#cached} (1 ms resolution), which reads
 * time from memory instead of a system call. {@code bucket4jSynchronizedCachedClock} is context,
 * not a peer: Bucket4j, synchronized, given the same cached clock as a custom time meter, to show
 * how much of any gap is the clock alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public abstract class OneKey {

  /** Not final and not a small cached value: the JIT must not fold the key's hash. */
  String key;

  Sluice sluice;
  Limiter sluiceAdmit;
  Limiter sluiceReject;
  CachedClock cachedClock;
  Sluice sluiceCached;
  Limiter sluiceCachedClockAdmit;
  Limiter sluiceCachedClockReject;
  Bucket bucket4jCachedClockAdmit;
  Bucket bucket4jCachedClockReject;
  Bucket bucket4jSynchronizedAdmit;
  Bucket bucket4jSynchronizedReject;
  Bucket bucket4jLockFreeAdmit;
  Bucket bucket4jLockFreeReject;
  AtomicRateLimiter resilience4jAdmit;
  AtomicRateLimiter resilience4jReject;
  RateLimiter guavaAdmit;
  RateLimiter guavaReject;
  Libs.CasGcra casGcraAdmit;
  Libs.CasGcra casGcraReject;

  @Setup(Level.Trial)
  public void setUp() {
    key = Long.toString(System.nanoTime() | (1L << 40));
    sluice = Sluice.builder().build();
    sluiceAdmit = Libs.sluiceAdmit(sluice);
    sluiceReject = Libs.sluiceReject(sluice);
    cachedClock = Clock.cached(Libs.CACHED_CLOCK_RESOLUTION);
    sluiceCached = Sluice.builder().clock(cachedClock).build();
    sluiceCachedClockAdmit = Libs.sluiceAdmit(sluiceCached);
    sluiceCachedClockReject = Libs.sluiceReject(sluiceCached);
    bucket4jCachedClockAdmit = Libs.bucket4jCachedClock(
        Libs.bandwidth(Libs.ADMIT_RATE, Libs.ADMIT_RATE, Duration.ofSeconds(1)), cachedClock);
    bucket4jCachedClockReject = Libs.bucket4jCachedClock(
        Libs.bandwidth(1, 1, Duration.ofHours(1)), cachedClock);
    bucket4jSynchronizedAdmit = Libs.bucket4jAdmit(SynchronizationStrategy.SYNCHRONIZED);
    bucket4jSynchronizedReject = Libs.bucket4jReject(SynchronizationStrategy.SYNCHRONIZED);
    bucket4jLockFreeAdmit = Libs.bucket4jAdmit(SynchronizationStrategy.LOCK_FREE);
    bucket4jLockFreeReject = Libs.bucket4jReject(SynchronizationStrategy.LOCK_FREE);
    resilience4jAdmit = Libs.resilience4jAdmit();
    resilience4jReject = Libs.resilience4jReject();
    guavaAdmit = Libs.guavaAdmit();
    guavaReject = Libs.guavaReject();
    casGcraAdmit = Libs.CasGcra.admit();
    casGcraReject = Libs.CasGcra.reject();

    // Drain the reject subjects: their one token goes now, the next comes in an hour.
    sluiceReject.tryAcquire(key, 1);
    sluiceCachedClockReject.tryAcquire(key, 1);
    bucket4jCachedClockReject.tryConsume(1);
    bucket4jSynchronizedReject.tryConsume(1);
    bucket4jLockFreeReject.tryConsume(1);
    resilience4jReject.acquirePermission();
    guavaReject.tryAcquire();
    casGcraReject.tryAcquire();
    checkPaths();
  }

  /** Fails the run if a subject is not on the path its benchmark claims to measure. */
  void checkPaths() {
    expect(sluiceAdmit.tryAcquire(key, 1).allowed(), true, "sluice admit");
    expect(bucket4jSynchronizedAdmit.tryConsume(1), true, "bucket4j synchronized admit");
    expect(bucket4jLockFreeAdmit.tryConsume(1), true, "bucket4j lock-free admit");
    expect(resilience4jAdmit.acquirePermission(), true, "resilience4j admit");
    expect(guavaAdmit.tryAcquire(), true, "guava admit");
    expect(casGcraAdmit.tryAcquire(), true, "CAS GCRA admit");
    expect(sluiceReject.tryAcquire(key, 1).allowed(), false, "sluice reject");
    expect(sluiceCachedClockAdmit.tryAcquire(key, 1).allowed(), true, "sluice cached clock admit");
    expect(sluiceCachedClockReject.tryAcquire(key, 1).allowed(), false,
        "sluice cached clock reject");
    expect(bucket4jCachedClockAdmit.tryConsume(1), true, "bucket4j cached clock admit");
    expect(bucket4jCachedClockReject.tryConsume(1), false, "bucket4j cached clock reject");
    expect(bucket4jSynchronizedReject.tryConsume(1), false, "bucket4j synchronized reject");
    expect(bucket4jLockFreeReject.tryConsume(1), false, "bucket4j lock-free reject");
    expect(resilience4jReject.acquirePermission(), false, "resilience4j reject");
    expect(guavaReject.tryAcquire(), false, "guava reject");
    expect(casGcraReject.tryAcquire(), false, "CAS GCRA reject");
  }

  @TearDown(Level.Trial)
  public void finish() {
    checkPaths();
    sluice.close();
    sluiceCached.close();
    cachedClock.close();
  }

  private static void expect(boolean actual, boolean expected, String what) {
    if (actual != expected) {
      throw new IllegalStateException(what + ": expected " + expected + ", got " + actual);
    }
  }

  // ---- admit path

  @Benchmark
  public Decision admit_sluice() {
    return sluiceAdmit.tryAcquire(key, 1);
  }

  @Benchmark
  public Decision admit_sluiceCachedClock() {
    return sluiceCachedClockAdmit.tryAcquire(key, 1);
  }

  @Benchmark
  public boolean admit_bucket4jSynchronizedCachedClock() {
    return bucket4jCachedClockAdmit.tryConsume(1);
  }

  @Benchmark
  public boolean admit_bucket4jSynchronized() {
    return bucket4jSynchronizedAdmit.tryConsume(1);
  }

  @Benchmark
  public boolean admit_bucket4jLockFree() {
    return bucket4jLockFreeAdmit.tryConsume(1);
  }

  @Benchmark
  public boolean admit_resilience4j() {
    return resilience4jAdmit.acquirePermission();
  }

  @Benchmark
  public boolean admit_guava() {
    return guavaAdmit.tryAcquire();
  }

  @Benchmark
  public boolean admit_casGcra() {
    return casGcraAdmit.tryAcquire();
  }

  // ---- reject path

  @Benchmark
  public Decision reject_sluice() {
    return sluiceReject.tryAcquire(key, 1);
  }

  @Benchmark
  public Decision reject_sluiceCachedClock() {
    return sluiceCachedClockReject.tryAcquire(key, 1);
  }

  @Benchmark
  public boolean reject_bucket4jSynchronizedCachedClock() {
    return bucket4jCachedClockReject.tryConsume(1);
  }

  @Benchmark
  public boolean reject_bucket4jSynchronized() {
    return bucket4jSynchronizedReject.tryConsume(1);
  }

  @Benchmark
  public boolean reject_bucket4jLockFree() {
    return bucket4jLockFreeReject.tryConsume(1);
  }

  @Benchmark
  public boolean reject_resilience4j() {
    return resilience4jReject.acquirePermission();
  }

  @Benchmark
  public boolean reject_guava() {
    return guavaReject.tryAcquire();
  }

  @Benchmark
  public boolean reject_casGcra() {
    return casGcraReject.tryAcquire();
  }

  // ---- context

  /** The clock read every library does at least once per call. */
  @Benchmark
  public long baseline_nanoTime() {
    return System.nanoTime();
  }

  /** The clock Bucket4j reads by default (millisecond precision). */
  @Benchmark
  public long baseline_currentTimeMillis() {
    return System.currentTimeMillis();
  }
}
