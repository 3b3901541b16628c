package dev.sluice.bench;

import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What-if experiments for core changes; not part of the report (run them by name:
 * {@code java -jar bench/target/benchmarks.jar CoreVariants -prof gc}).
 *
 * <p>{@code copy} is a copy of the in-memory store's single-key token-bucket path (packed state,
 * {@code unitsPerNano == 1}) as of core commit ce18444: key check, map lookup, clock read, GCRA
 * step with {@code Arith}'s saturating operations and the reciprocal {@code Divider}, CAS, and a
 * real {@link Decision}. {@code real} is the library itself. The copy is a model, not a twin: on
 * the 2-core VM of docs/performance.md it scored slower than {@code real} in absolute terms, so
 * only compare each variant with {@code copy} from the same run. Each variant changes one thing:
 * <ul>
 *   <li>{@code realAllowedOnly}: the library, with a caller that reads only {@code allowed()}
 *       (does escape analysis remove the Decision when the whole call inlines?);
 *   <li>{@code noAlloc}: returns the outcome packed in a {@code long} instead of allocating a
 *       56-byte {@link Decision} per call;
 *   <li>{@code bound}: the key's cell is held by the caller (a key-bound handle), no map lookup;
 *   <li>{@code inlineNode} (10^6 keys): the state lives in the hash table's own node (one object
 *       per key holding key, hash, next and the TAT) instead of a map node pointing to a
 *       separate {@code Cell}: one dependent cache miss fewer per call and 24 bytes less per key;
 *   <li>{@code contended_*} (one key, two threads): what a failed CAS should do before retrying.
 *       {@code casGcra} retries at once (as the store does today); {@code casGcraPark} parks
 *       {@code 1 ns} after a failed CAS, as Resilience4j's AtomicRateLimiter does;
 *       {@code casGcraSpin} calls {@link Thread#onSpinWait()}; {@code copyPark} is the model of the
 *       store's path with the park backoff.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(value = 3, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class CoreVariants {

  // ---------------------------------------------------------------------------------------------
  // The model: a copy of InMemoryStore.PackedPartition.apply + TokenBucketAlgorithm (D == 1).

  static final long NO_CHANGE = -1;

  /** Mirrors InMemoryStore.Cell. */
  static final class Cell {
    volatile long packed;
    volatile long[] state;
  }

  static final VarHandle PACKED;
  static final VarHandle NODE_TAT;

  static {
    try {
      PACKED = MethodHandles.lookup().findVarHandle(Cell.class, "packed", long.class);
      NODE_TAT = MethodHandles.lookup().findVarHandle(Node.class, "tat", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Mirrors TokenBucketAlgorithm, with the same field loads and the same arithmetic. */
  static final class Bucket {
    final TokenBucket policy;
    final long capacity;
    final long tokenUnits;
    final long unitsPerNano;
    final long bucketUnits;
    /** As core's Divider: floor(x / tokenUnits) for 0 <= x < 2^62, multiplyHigh(x, m) >>> s. */
    final boolean pow2;
    final long magic;
    final int shift;

    Bucket(TokenBucket p) {
      policy = p;
      long periodNanos = p.refillPeriod().toNanos();
      long g = gcd(periodNanos, p.refillTokens());
      capacity = p.capacity();
      tokenUnits = periodNanos / g;
      unitsPerNano = p.refillTokens() / g;
      bucketUnits = Math.multiplyExact(capacity, tokenUnits);
      // Granlund-Montgomery: m = ceil(2^(62+l) / P), l = ceil(log2 P), exact for x < 2^62.
      pow2 = Long.bitCount(tokenUnits) == 1;
      if (pow2) {
        magic = 0;
        shift = Long.numberOfTrailingZeros(tokenUnits);
      } else {
        int l = 64 - Long.numberOfLeadingZeros(tokenUnits - 1);
        magic = BigInteger.ONE.shiftLeft(62 + l).add(BigInteger.valueOf(tokenUnits - 1))
            .divide(BigInteger.valueOf(tokenUnits)).longValueExact();
        shift = l - 2;
      }
      for (long x : new long[] {0, 1, tokenUnits - 1, tokenUnits, bucketUnits, bucketUnits - 1,
          (1L << 62) - 1, 123_456_789_012L}) {
        if (divide(x) != x / tokenUnits) {
          throw new AssertionError("reciprocal division is wrong for " + x);
        }
      }
      if (unitsPerNano != 1) {
        throw new IllegalArgumentException("the model covers packed buckets only");
      }
    }

    long debt(long tat, long rem, long now) {
      if (tat < now || (tat == now && rem == 0)) {
        return 0;
      }
      return satAdd(satMul(tat - now, unitsPerNano), rem);
    }

    long tat(long debt, long now) {
      return satAdd(now, unitsPerNano == 1 ? debt : debt / unitsPerNano);
    }

    long newDebt(long debt, long cost) {
      if (cost > capacity) {
        return NO_CHANGE;
      }
      long after = satAdd(debt, cost * tokenUnits);
      return after <= bucketUnits && cost > 0 ? after : NO_CHANGE;
    }

    Decision decision(long debt, long newDebt, long cost) {
      if (cost > capacity) {
        return Decision.costExceedsLimit(policy, remaining(debt), resetAfter(debt));
      }
      long wanted = satAdd(debt, cost * tokenUnits);
      long wait = wanted <= bucketUnits ? 0 : resetAfter(wanted - bucketUnits);
      if (wait == 0) {
        return Decision.allowed(policy, remaining(wanted), resetAfter(wanted));
      }
      return Decision.limited(policy, remaining(debt), wait, resetAfter(debt));
    }

    /** The same outcome packed into a long: remaining, or -(retryAfter) - 1 when denied. */
    long packedDecision(long debt, long cost) {
      long wanted = satAdd(debt, cost * tokenUnits);
      long wait = wanted <= bucketUnits ? 0 : resetAfter(wanted - bucketUnits);
      return wait == 0 ? remaining(wanted) : ~(wait ^ (remaining(debt) << 40));
    }

    long remaining(long debt) {
      return debt >= bucketUnits ? 0 : divide(bucketUnits - debt);
    }

    long divide(long x) {
      return pow2 ? x >>> shift : Math.multiplyHigh(x, magic) >>> shift;
    }

    long resetAfter(long debt) {
      return unitsPerNano == 1 ? debt : ceilDiv(debt, unitsPerNano);
    }
  }

  static long satAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }

  static long satMul(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
  }

  static long ceilDiv(long a, long b) {
    long q = a / b;
    return q * b == a ? q : q + 1;
  }

  static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** Mirrors SystemClock.nanos(). */
  static final class Clock {
    final long anchorWall = System.currentTimeMillis() * 1_000_000L;
    final long anchorMono = System.nanoTime();

    long nanos() {
      return anchorWall + (System.nanoTime() - anchorMono);
    }
  }

  /** Mirrors Checks.key. */
  static Object checkKey(Object key) {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    if (key instanceof String s && (s.length() == 0 || s.length() > 512)) {
      throw new IllegalArgumentException("bad key");
    }
    return key;
  }

  /** The model of PolicyLimiter.tryAcquire -> PackedPartition.apply, for a known key. */
  static final class Model {
    final ConcurrentHashMap<Object, Cell> cells = new ConcurrentHashMap<>();
    final Bucket bucket;
    final Clock clock = new Clock();
    final boolean wall;

    Model(TokenBucket policy) {
      bucket = new Bucket(policy);
      wall = policy.usesWallClock();
    }

    void touch(Object key) {
      cells.computeIfAbsent(key, k -> new Cell());
      tryAcquire(key, 1);
    }

    long now() {
      return wall ? System.currentTimeMillis() : clock.nanos();
    }

    Decision tryAcquire(Object key, long cost) {
      checkKey(key);
      if (cost < 0) {
        throw new IllegalArgumentException("cost");
      }
      return apply(cells.get(key), cost);
    }

    Decision apply(Cell cell, long cost) {
      long now = now();
      for (;;) {
        long tat = (long) PACKED.getVolatile(cell);
        if (tat < 0) {
          throw new IllegalStateException("not modelled");
        }
        long debt = bucket.debt(tat, 0, now);
        long next = bucket.newDebt(debt, cost);
        if (next == NO_CHANGE || PACKED.compareAndSet(cell, tat, bucket.tat(next, now))) {
          return bucket.decision(debt, next, cost);
        }
      }
    }

    /** The same as tryAcquire, parking 1 ns after a failed CAS. */
    Decision tryAcquireParking(Object key, long cost) {
      checkKey(key);
      Cell cell = cells.get(key);
      long now = now();
      for (;;) {
        long tat = (long) PACKED.getVolatile(cell);
        long debt = bucket.debt(tat, 0, now);
        long next = bucket.newDebt(debt, cost);
        if (next == NO_CHANGE) {
          return bucket.decision(debt, next, cost);
        }
        if (PACKED.compareAndSet(cell, tat, bucket.tat(next, now))) {
          return bucket.decision(debt, next, cost);
        }
        LockSupport.parkNanos(1);
      }
    }

    long tryAcquirePacked(Object key, long cost) {
      checkKey(key);
      Cell cell = cells.get(key);
      long now = now();
      for (;;) {
        long tat = (long) PACKED.getVolatile(cell);
        long debt = bucket.debt(tat, 0, now);
        long next = bucket.newDebt(debt, cost);
        if (next == NO_CHANGE || PACKED.compareAndSet(cell, tat, bucket.tat(next, now))) {
          return bucket.packedDecision(debt, cost);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // One key, one thread.

  @State(Scope.Benchmark)
  public static class OneKeyState {
    String key;
    Limiter realAdmit;
    Limiter realReject;
    Model admit;
    Model reject;
    Cell admitCell;
    Cell rejectCell;

    @Setup(Level.Trial)
    public void setUp() {
      key = Long.toString(System.nanoTime() | (1L << 40));
      Sluice sluice = Sluice.builder().build();
      realAdmit = Libs.sluiceAdmit(sluice);
      realReject = Libs.sluiceReject(sluice);
      realReject.tryAcquire(key, 1);
      admit = new Model((TokenBucket) realAdmit.policy());
      reject = new Model((TokenBucket) realReject.policy());
      admit.touch(key);
      reject.touch(key);
      admitCell = admit.cells.get(key);
      rejectCell = reject.cells.get(key);
      check(admit.tryAcquire(key, 1).allowed() && !reject.tryAcquire(key, 1).allowed()
          && admit.tryAcquirePacked(key, 1) >= 0 && reject.tryAcquirePacked(key, 1) < 0);
    }
  }

  static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("variant is not on the path it claims");
    }
  }

  @Benchmark
  public Decision admit_real(OneKeyState s) {
    return s.realAdmit.tryAcquire(s.key, 1);
  }

  /** The real call with a caller that reads only allowed(): can escape analysis drop the Decision? */
  @Benchmark
  public boolean admit_realAllowedOnly(OneKeyState s) {
    return s.realAdmit.tryAcquire(s.key, 1).allowed();
  }

  @Benchmark
  public Decision admit_copy(OneKeyState s) {
    return s.admit.tryAcquire(s.key, 1);
  }

  @Benchmark
  public long admit_noAlloc(OneKeyState s) {
    return s.admit.tryAcquirePacked(s.key, 1);
  }

  @Benchmark
  public Decision admit_bound(OneKeyState s) {
    return s.admit.apply(s.admitCell, 1);
  }

  @Benchmark
  public Decision reject_real(OneKeyState s) {
    return s.realReject.tryAcquire(s.key, 1);
  }

  @Benchmark
  public boolean reject_realAllowedOnly(OneKeyState s) {
    return s.realReject.tryAcquire(s.key, 1).allowed();
  }

  @Benchmark
  public Decision reject_copy(OneKeyState s) {
    return s.reject.tryAcquire(s.key, 1);
  }

  @Benchmark
  public long reject_noAlloc(OneKeyState s) {
    return s.reject.tryAcquirePacked(s.key, 1);
  }

  @Benchmark
  public Decision reject_bound(OneKeyState s) {
    return s.reject.apply(s.rejectCell, 1);
  }

  // ---------------------------------------------------------------------------------------------
  // One key, two threads: backoff after a failed CAS.

  /** Plain CAS GCRA (as Libs.CasGcra) with a choice of backoff after a failed CAS. */
  static final class Gcra {
    static final int NONE = 0;
    static final int PARK = 1;
    static final int SPIN = 2;
    final AtomicLong tat = new AtomicLong(System.nanoTime() - Libs.ADMIT_RATE);
    final int backoff;

    Gcra(int backoff) {
      this.backoff = backoff;
    }

    boolean tryAcquire() {
      long now = System.nanoTime();
      for (;;) {
        long t = tat.get();
        long next = Math.max(t, now) + 1;
        if (next - now > Libs.ADMIT_RATE) {
          return false;
        }
        if (tat.compareAndSet(t, next)) {
          return true;
        }
        if (backoff == PARK) {
          LockSupport.parkNanos(1);
        } else if (backoff == SPIN) {
          Thread.onSpinWait();
        }
      }
    }
  }

  @State(Scope.Benchmark)
  public static class Contended {
    String key;
    Limiter real;
    Model model;
    Gcra none;
    Gcra park;
    Gcra spin;

    @Setup(Level.Trial)
    public void setUp() {
      key = Long.toString(System.nanoTime() | (1L << 40));
      real = Libs.sluiceAdmit(Sluice.builder().build());
      model = new Model((TokenBucket) real.policy());
      model.touch(key);
      none = new Gcra(Gcra.NONE);
      park = new Gcra(Gcra.PARK);
      spin = new Gcra(Gcra.SPIN);
    }
  }

  @Benchmark
  @Threads(2)
  public Decision contended_real(Contended s) {
    return s.real.tryAcquire(s.key, 1);
  }

  @Benchmark
  @Threads(2)
  public Decision contended_copy(Contended s) {
    return s.model.tryAcquire(s.key, 1);
  }

  @Benchmark
  @Threads(2)
  public Decision contended_copyPark(Contended s) {
    return s.model.tryAcquireParking(s.key, 1);
  }

  @Benchmark
  @Threads(2)
  public boolean contended_casGcra(Contended s) {
    return s.none.tryAcquire();
  }

  @Benchmark
  @Threads(2)
  public boolean contended_casGcraPark(Contended s) {
    return s.park.tryAcquire();
  }

  @Benchmark
  @Threads(2)
  public boolean contended_casGcraSpin(Contended s) {
    return s.spin.tryAcquire();
  }

  // ---------------------------------------------------------------------------------------------
  // 10^6 keys, random key per call (same keys and generator as MillionKeys).

  /** A node holding the key's state itself: key, hash, next and the TAT (32 bytes). */
  static final class Node {
    final Object key;
    final int hash;
    final Node next;
    volatile long tat;

    Node(Object key, int hash, Node next) {
      this.key = key;
      this.hash = hash;
      this.next = next;
    }
  }

  /**
   * A minimal chained hash table whose nodes are the per-key state (filled once; a real one would
   * insert by CAS on empty bins and lock a bin otherwise, as ConcurrentHashMap does). Spreads and
   * indexes hashes exactly as ConcurrentHashMap.
   */
  static final class InlineTable {
    final Node[] table;

    InlineTable(int capacity) {
      table = new Node[capacity];
    }

    static int spread(int h) {
      return (h ^ (h >>> 16)) & 0x7fffffff;
    }

    void put(Object key) {
      int h = spread(key.hashCode());
      int i = h & (table.length - 1);
      table[i] = new Node(key, h, table[i]);
    }

    Node get(Object key) {
      int h = spread(key.hashCode());
      for (Node n = table[h & (table.length - 1)]; n != null; n = n.next) {
        if (n.hash == h && (n.key == key || n.key.equals(key))) {
          return n;
        }
      }
      return null;
    }
  }

  @State(Scope.Benchmark)
  public static class ModelKeys {
    Model model;

    @Setup(Level.Trial)
    public void setUp(MillionKeys.Keys k) {
      model = new Model(TokenBucket.of("per-key", Libs.PER_KEY_RATE, Libs.PER_KEY_RATE,
          Duration.ofSeconds(1)));
      for (String key : k.keys) {
        model.touch(key);
      }
    }
  }

  @State(Scope.Benchmark)
  public static class InlineKeys {
    Model model; // for its bucket and clock
    InlineTable table;

    @Setup(Level.Trial)
    public void setUp(MillionKeys.Keys k) {
      model = new Model(TokenBucket.of("per-key", Libs.PER_KEY_RATE, Libs.PER_KEY_RATE,
          Duration.ofSeconds(1)));
      table = new InlineTable(1 << 21); // the table size ConcurrentHashMap reaches for 10^6 keys
      for (String key : k.keys) {
        table.put(key);
      }
    }
  }

  private long seed = 0x9E3779B97F4A7C15L;

  private int nextIndex() {
    long x = seed;
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    seed = x;
    return (int) (((x >>> 33) * MillionKeys.KEYS) >>> 31);
  }

  @Benchmark
  public Decision random_real(MillionKeys.Keys k, MillionKeys.SluiceKeys s) {
    return s.limiter.tryAcquire(k.keys[nextIndex()], 1);
  }

  @Benchmark
  public Decision random_copy(MillionKeys.Keys k, ModelKeys s) {
    return s.model.tryAcquire(k.keys[nextIndex()], 1);
  }

  @Benchmark
  public long random_noAlloc(MillionKeys.Keys k, ModelKeys s) {
    return s.model.tryAcquirePacked(k.keys[nextIndex()], 1);
  }

  @Benchmark
  public long random_inlineNodeNoAlloc(MillionKeys.Keys k, InlineKeys s) {
    Object key = checkKey(k.keys[nextIndex()]);
    Node node = s.table.get(key);
    Bucket bucket = s.model.bucket;
    long now = s.model.now();
    for (;;) {
      long tat = (long) NODE_TAT.getVolatile(node);
      long debt = bucket.debt(tat, 0, now);
      long next = bucket.newDebt(debt, 1);
      if (next == NO_CHANGE || NODE_TAT.compareAndSet(node, tat, bucket.tat(next, now))) {
        return bucket.packedDecision(debt, 1);
      }
    }
  }

  @Benchmark
  public Decision random_inlineNode(MillionKeys.Keys k, InlineKeys s) {
    Object key = checkKey(k.keys[nextIndex()]);
    Node node = s.table.get(key);
    Bucket bucket = s.model.bucket;
    long now = s.model.now();
    for (;;) {
      long tat = (long) NODE_TAT.getVolatile(node);
      long debt = bucket.debt(tat, 0, now);
      long next = bucket.newDebt(debt, 1);
      if (next == NO_CHANGE || NODE_TAT.compareAndSet(node, tat, bucket.tat(next, now))) {
        return bucket.decision(debt, next, 1);
      }
    }
  }
}
