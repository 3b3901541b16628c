package dev.sluice.bench;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.Window;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
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
 * The in-memory store's array-state path (every policy but the one-long token bucket), on a fixed
 * window that never denies: {@code oneKey} and {@code oneKeyTwoThreads} decide on one cell (the
 * second contends for its lock), {@code manyKeys} on 100,000 keys picked at random, as the server
 * bench's descriptors are. Not part of the report; run by name with the allocation profiler:
 * {@code java -jar bench/target/benchmarks.jar WindowCells -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
public class WindowCells {

  static final int KEYS = 100_000;

  Sluice sluice;
  Limiter limiter;
  /** Not final and not a small cached value: the JIT must not fold the key's hash. */
  String key;
  String[] keys;

  @Setup(Level.Trial)
  public void setUp() {
    sluice = Sluice.builder().build();
    limiter = sluice.limiter(FixedWindow.of("window", Long.MAX_VALUE / 2, Window.of(Duration.ofHours(1))));
    key = Long.toString(System.nanoTime() | (1L << 40));
    keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "k" + i;
      check(limiter.tryAcquire(keys[i], 1));
    }
    check(limiter.tryAcquire(key, 1));
  }

  @TearDown(Level.Trial)
  public void finish() {
    check(limiter.tryAcquire(key, 1));
    sluice.close();
  }

  private static void check(Decision d) {
    if (!d.allowed()) {
      throw new IllegalStateException("the window denied: " + d);
    }
  }

  @Benchmark
  public Decision oneKey() {
    return limiter.tryAcquire(key, 1);
  }

  @Benchmark
  @Threads(2)
  public Decision oneKeyTwoThreads() {
    return limiter.tryAcquire(key, 1);
  }

  @Benchmark
  public Decision manyKeys() {
    return limiter.tryAcquire(keys[ThreadLocalRandom.current().nextInt(KEYS)], 1);
  }
}
