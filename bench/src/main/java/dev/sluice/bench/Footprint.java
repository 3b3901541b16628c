package dev.sluice.bench;

import dev.sluice.Limiter;
import dev.sluice.Sluice;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.openjdk.jol.info.GraphLayout;

/**
 * Scenario 4: retained heap per key, for one library, in this (fresh) JVM. Builds the per-key
 * structure for N keys (default 1,000,000) exactly as {@link MillionKeys} does, each key a distinct
 * decimal {@code String} retained only by the structure, and prints one line:
 *
 * <pre>footprint subject=sluice keys=1000000 heapBytesPerKey=88.4 jolBytesPerKey=n/a ...</pre>
 *
 * <p>{@code heapBytesPerKey}: heap used after forced full GCs ({@code Runtime} total - free, which
 * with {@code -XX:+UseSerialGC} is exact live bytes) with the structure, minus before it, over N.
 * {@code jolBytesPerKey}: with {@code --jol}, JOL's walk of the object graph reachable from the
 * structure, over N: an independent cross-check, slow (up to two minutes per subject) and in need
 * of {@code -Djdk.attach.allowAttachSelf=true} on JDK 17 (JOL cannot otherwise size records).
 * Both include the map (table and nodes), the key objects and each library's per-key objects. Run
 * it as {@link Report} does:
 *
 * <pre>
 * java -Xms4g -Xmx4g -XX:+UseSerialGC -Djdk.attach.allowAttachSelf=true \
 *     -cp benchmarks.jar dev.sluice.bench.Footprint sluice [1000000] [--jol]
 * </pre>
 *
 * <p>Subjects: {@code bareMap} (a {@code ConcurrentHashMap<String, Object>} with one shared value:
 * the floor for any map-based limiter), {@code sluice}, {@code bucket4jSynchronized},
 * {@code bucket4jLockFree}, {@code resilience4j}, {@code guava}.
 */
public final class Footprint {
  private Footprint() {}

  static final String BARE_MAP = "bareMap";
  static final String[] SUBJECTS = {
    BARE_MAP, Libs.SLUICE, Libs.BUCKET4J_SYNCHRONIZED, Libs.BUCKET4J_LOCK_FREE, Libs.RESILIENCE4J,
    Libs.GUAVA
  };

  /** Keeps the structure alive across the measurement. */
  static volatile Object root;

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: Footprint <subject> [keys] [--jol]; subjects: "
          + String.join(", ", SUBJECTS));
      System.exit(2);
    }
    String subject = args[0];
    int n = args.length > 1 && !args[1].startsWith("--") ? Integer.parseInt(args[1]) : 1_000_000;
    boolean jol = Arrays.asList(args).contains("--jol");

    // Load and initialise every class the subject touches, and its static state, before "before".
    root = build(subject, 1_000, 1L << 40);
    root = null;
    long before = usedAfterGc();
    root = build(subject, n, 1L << 32);
    long after = usedAfterGc();
    double heapPerKey = (after - before) / (double) n;
    String jolPerKey = "n/a";
    if (jol) {
      try {
        long total = GraphLayout.parseInstance(root).totalSize();
        jolPerKey = String.format(Locale.ROOT, "%.1f", total / (double) n);
      } catch (RuntimeException | LinkageError e) {
        jolPerKey = "failed(" + e + ")";
      }
    }
    System.out.printf(Locale.ROOT,
        "footprint subject=%s keys=%d heapBytesPerKey=%.1f jolBytesPerKey=%s heapDelta=%d%n",
        subject, n, heapPerKey, jolPerKey, after - before);
  }

  private static long usedAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(20);
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  /** The structure for {@code n} keys, each key touched once (one token taken). */
  static Object build(String subject, int n, long firstKey) {
    switch (subject) {
      case BARE_MAP: {
        Object shared = new Object();
        ConcurrentHashMap<String, Object> map = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
          map.put(Long.toString(firstKey + i), shared);
        }
        return map;
      }
      case Libs.SLUICE: {
        Sluice sluice = Sluice.builder().build();
        Limiter limiter = Libs.sluicePerKey(sluice);
        for (int i = 0; i < n; i++) {
          if (!limiter.tryAcquire(Long.toString(firstKey + i), 1).allowed()) {
            throw new IllegalStateException("denied key " + i);
          }
        }
        return limiter; // reaches the engine, its store and every key's state
      }
      case Libs.BUCKET4J_SYNCHRONIZED:
      case Libs.BUCKET4J_LOCK_FREE: {
        SynchronizationStrategy strategy = subject.equals(Libs.BUCKET4J_SYNCHRONIZED)
            ? SynchronizationStrategy.SYNCHRONIZED
            : SynchronizationStrategy.LOCK_FREE;
        Bandwidth bandwidth = Libs.bucket4jPerKey();
        ConcurrentHashMap<String, Bucket> map = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
          Bucket b = Libs.bucket4j(bandwidth, strategy);
          b.tryConsume(1);
          map.put(Long.toString(firstKey + i), b);
        }
        return map;
      }
      case Libs.RESILIENCE4J: {
        RateLimiterConfig config = Libs.resilience4jPerKey();
        ConcurrentHashMap<String, AtomicRateLimiter> map = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
          AtomicRateLimiter r = Libs.resilience4j("per-key", config);
          r.acquirePermission();
          map.put(Long.toString(firstKey + i), r);
        }
        return map;
      }
      case Libs.GUAVA: {
        ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> map =
            new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
          com.google.common.util.concurrent.RateLimiter r = Libs.guavaPerKey();
          r.tryAcquire();
          map.put(Long.toString(firstKey + i), r);
        }
        return map;
      }
      default:
        throw new IllegalArgumentException(
            "unknown subject " + subject + "; one of " + String.join(", ", SUBJECTS));
    }
  }
}
