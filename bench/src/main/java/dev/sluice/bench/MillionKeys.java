package dev.sluice.bench;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.CachedClock;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.util.concurrent.ConcurrentHashMap;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 3: 1,000,000 keys, one thread, {@code tryAcquire(1)} on a key picked at random per call
 * from a pre-built {@code String[]} (the same key objects for every library). Peers keep one limiter
 * per key in a {@code ConcurrentHashMap<String, X>} filled up front; Sluice keeps its state in its
 * own store, pre-touched with every key in setup. Every key is configured 100/s, burst 100, so all
 * calls admit. {@code baseline_mapGet} is the map lookup alone, on a map of the same size.
 *
 * <p>Each benchmark takes only its own state object, so a fork builds one library's structure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(value = 3, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class MillionKeys {

  static final int KEYS = 1_000_000;

  private long seed;

  @Setup(Level.Trial)
  public void seed() {
    seed = 0x9E3779B97F4A7C15L;
  }

  /** xorshift64, then a multiply-shift into [0, KEYS): a few cycles, no division, no allocation. */
  private int nextIndex() {
    long x = seed;
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    seed = x;
    return (int) (((x >>> 33) * KEYS) >>> 31);
  }

  /** The keys: distinct decimal Strings, allocated once per fork. */
  @State(Scope.Benchmark)
  public static class Keys {
    String[] keys;

    @Setup(Level.Trial)
    public void setUp() {
      keys = new String[KEYS];
      for (int i = 0; i < KEYS; i++) {
        keys[i] = Long.toString((1L << 32) + i * 7919L);
      }
    }
  }

  @State(Scope.Benchmark)
  public static class SluiceKeys {
    Sluice sluice;
    Limiter limiter;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      sluice = Sluice.builder().build();
      limiter = Libs.sluicePerKey(sluice);
      for (String key : k.keys) {
        if (!limiter.tryAcquire(key, 1).allowed()) {
          throw new IllegalStateException("pre-touch denied " + key);
        }
      }
    }
  }

  @State(Scope.Benchmark)
  public static class SluiceCachedClockKeys {
    CachedClock clock;
    Sluice sluice;
    Limiter limiter;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      clock = Clock.cached(Libs.CACHED_CLOCK_RESOLUTION);
      sluice = Sluice.builder().clock(clock).build();
      limiter = Libs.sluicePerKey(sluice);
      for (String key : k.keys) {
        if (!limiter.tryAcquire(key, 1).allowed()) {
          throw new IllegalStateException("pre-touch denied " + key);
        }
      }
    }

    @TearDown(Level.Trial)
    public void close() {
      sluice.close();
      clock.close();
    }
  }

  static ConcurrentHashMap<String, Bucket> bucket4jMap(Keys k, SynchronizationStrategy strategy) {
    Bandwidth bandwidth = Libs.bucket4jPerKey();
    ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
    for (String key : k.keys) {
      Bucket b = Libs.bucket4j(bandwidth, strategy);
      b.tryConsume(1);
      map.put(key, b);
    }
    return map;
  }

  @State(Scope.Benchmark)
  public static class Bucket4jSynchronizedKeys {
    ConcurrentHashMap<String, Bucket> map;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      map = bucket4jMap(k, SynchronizationStrategy.SYNCHRONIZED);
    }
  }

  @State(Scope.Benchmark)
  public static class Bucket4jLockFreeKeys {
    ConcurrentHashMap<String, Bucket> map;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      map = bucket4jMap(k, SynchronizationStrategy.LOCK_FREE);
    }
  }

  @State(Scope.Benchmark)
  public static class Resilience4jKeys {
    ConcurrentHashMap<String, AtomicRateLimiter> map;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      RateLimiterConfig config = Libs.resilience4jPerKey();
      map = new ConcurrentHashMap<>();
      for (String key : k.keys) {
        AtomicRateLimiter r = Libs.resilience4j("per-key", config);
        r.acquirePermission();
        map.put(key, r);
      }
    }
  }

  @State(Scope.Benchmark)
  public static class GuavaKeys {
    ConcurrentHashMap<String, RateLimiter> map;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      map = new ConcurrentHashMap<>();
      for (String key : k.keys) {
        RateLimiter r = Libs.guavaPerKey();
        r.tryAcquire();
        map.put(key, r);
      }
    }
  }

  @State(Scope.Benchmark)
  public static class BareMap {
    ConcurrentHashMap<String, Object> map;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      Object shared = new Object();
      map = new ConcurrentHashMap<>();
      for (String key : k.keys) {
        map.put(key, shared);
      }
    }
  }

  @Benchmark
  public Decision random_sluice(Keys k, SluiceKeys s) {
    return s.limiter.tryAcquire(k.keys[nextIndex()], 1);
  }

  @Benchmark
  public Decision random_sluiceCachedClock(Keys k, SluiceCachedClockKeys s) {
    return s.limiter.tryAcquire(k.keys[nextIndex()], 1);
  }

  @Benchmark
  public boolean random_bucket4jSynchronized(Keys k, Bucket4jSynchronizedKeys s) {
    return s.map.get(k.keys[nextIndex()]).tryConsume(1);
  }

  @Benchmark
  public boolean random_bucket4jLockFree(Keys k, Bucket4jLockFreeKeys s) {
    return s.map.get(k.keys[nextIndex()]).tryConsume(1);
  }

  @Benchmark
  public boolean random_resilience4j(Keys k, Resilience4jKeys s) {
    return s.map.get(k.keys[nextIndex()]).acquirePermission();
  }

  @Benchmark
  public boolean random_guava(Keys k, GuavaKeys s) {
    return s.map.get(k.keys[nextIndex()]).tryAcquire();
  }

  /** Context: the lookup alone, same keys, same map size, one shared value. */
  @Benchmark
  public Object baseline_mapGet(Keys k, BareMap s) {
    return s.map.get(k.keys[nextIndex()]);
  }
}
