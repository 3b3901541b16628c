package dev.sluice.spi;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Policy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory store. Each key's state sits in a {@link Cell} and changes by compare-and-swap
 * from one value computed by the algorithm's pure function to the next: no global lock, no lock
 * per key on the single-key path. A multi-policy call locks its cells (each CAS'd to a LOCKED
 * marker, in a global order), so no one observes a half-applied call; single-key callers that meet
 * a LOCKED cell spin until it is released.
 *
 * <p>A token bucket whose refill interval is a whole number of nanoseconds keeps its state in one
 * {@code long} (the GCRA theoretical arrival time); other policies keep an immutable
 * {@code long[]} that each step replaces.
 *
 * <p>Eviction CASes an idle state to a DEAD marker before removing the cell, so a concurrent
 * update either lands before (and the key is no longer idle) or sees DEAD and starts over on a
 * fresh cell.
 */
final class InMemoryStore implements Store {

  /** A key's state. 24 bytes with compressed oops. */
  static final class Cell {
    volatile long packed;
    volatile long[] state;
  }

  static final VarHandle PACKED;
  static final VarHandle STATE;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      PACKED = l.findVarHandle(Cell.class, "packed", long.class);
      STATE = l.findVarHandle(Cell.class, "state", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static final long PACKED_DEAD = -1;
  static final long PACKED_LOCKED = -2;
  static final long[] DEAD = new long[0];
  static final long[] LOCKED = new long[0];

  private final Clock clock;
  private final long maxKeys;
  private final long idleSweepNanos;
  private final long fullSweepNanos;
  private final AtomicLong keys = new AtomicLong();
  private final AtomicLong lastIdleSweep;
  private final AtomicLong lastFullSweep;
  private final ConcurrentHashMap<Policy, MemoryPartition> partitions = new ConcurrentHashMap<>();
  private final Definitions definitions = new Definitions();
  /**
   * Per timeline, the latest time at which a key was evicted; no decision sees an earlier time.
   * Eviction forgets a key whose window has ended; if a clock then stepped back into that window
   * (the wall clock does, under NTP), the key would find it open and empty. Raised only by sweeps
   * (rare), read by every decision (one uncontended volatile read).
   */
  private final AtomicLong monotonicFloor = new AtomicLong();
  private final AtomicLong wallFloor = new AtomicLong();
  private final ReentrantLock tieLock = new ReentrantLock();

  InMemoryStore(Clock clock, long maxKeys, long idleSweepNanos, long fullSweepNanos) {
    this.clock = clock;
    this.maxKeys = maxKeys;
    this.idleSweepNanos = idleSweepNanos;
    this.fullSweepNanos = fullSweepNanos;
    long now = clock.nanos();
    this.lastIdleSweep = new AtomicLong(now);
    this.lastFullSweep = new AtomicLong(now - fullSweepNanos);
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public Partition partition(Policy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    MemoryPartition p = partitions.get(policy);
    return p != null ? p : partitions.computeIfAbsent(definitions.register(policy), this::newPartition);
  }

  private MemoryPartition newPartition(Policy policy) {
    Algorithm algorithm = Algorithm.of(policy);
    if (algorithm instanceof TokenBucketAlgorithm tb && tb.packable()) {
      return new PackedPartition(tb);
    }
    return new GeneralPartition(algorithm);
  }

  /** Keys held, over all policies. */
  long keyCount() {
    return keys.get();
  }

  /** Removes every idle key; returns how many. */
  long sweep() {
    long removed = 0;
    for (MemoryPartition p : partitions.values()) {
      removed += p.sweep(p.now());
    }
    return removed;
  }

  @Override
  public void close() {
    partitions.clear();
    keys.set(0);
  }

  /** Reserves room for one more key; false when full (after a sweep, if one is due). */
  private boolean reserveKey(Operation op) {
    for (;;) {
      long n = keys.get();
      if (n < maxKeys || op.charges()) {
        if (keys.compareAndSet(n, n + 1)) {
          maybeSweepIdle();
          return true;
        }
        continue;
      }
      long now = clock.nanos();
      long last = lastFullSweep.get();
      if (now - last >= fullSweepNanos && lastFullSweep.compareAndSet(last, now)) {
        if (sweep() > 0) {
          continue;
        }
      }
      return false;
    }
  }

  private void maybeSweepIdle() {
    long now = clock.nanos();
    long last = lastIdleSweep.get();
    if (now - last >= idleSweepNanos && lastIdleSweep.compareAndSet(last, now)) {
      sweep();
    }
  }

  private void releaseKey() {
    keys.decrementAndGet();
  }

  @Override
  public MultiDecision applyAll(List<Charge> charges, Operation op) {
    Args.charges(charges, op);
    int n = charges.size();
    MemoryPartition[] parts = new MemoryPartition[n];
    for (int i = 0; i < n; i++) {
      parts[i] = (MemoryPartition) partition(charges.get(i).policy());
      parts[i].algorithm.check(op); // before any cell is locked
    }
    Cell[] cells = new Cell[n];
    long[][] saved = new long[n][];
    Integer[] order = new Integer[n];
    for (;;) {
      for (int i = 0; i < n; i++) {
        cells[i] = parts[i].cellFor(charges.get(i).key(), op);
        if (cells[i] == null && op == Operation.ACQUIRE) {
          return new MultiDecision(i, Decision.storeFull(parts[i].algorithm.policy(), fullSweepNanos));
        }
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Integer.compare(identity(cells[a]), identity(cells[b])));
      boolean ties = false;
      for (int k = 1; k < n; k++) {
        ties |= cells[order[k]] != null && identity(cells[order[k]]) == identity(cells[order[k - 1]]);
      }
      if (ties) {
        tieLock.lock();
      }
      try {
        int locked = 0;
        boolean dead = false;
        for (; locked < n; locked++) {
          int i = order[locked];
          if (cells[i] == null) {
            saved[i] = null;
            continue;
          }
          long[] s = parts[i].lock(cells[i]);
          if (s == DEAD) {
            parts[i].cells.remove(charges.get(i).key(), cells[i]);
            dead = true;
            break;
          }
          saved[i] = s;
        }
        if (dead) {
          for (int k = 0; k < locked; k++) {
            int i = order[k];
            if (cells[i] != null) {
              parts[i].unlock(cells[i], saved[i]);
            }
          }
          continue;
        }
        Step[] steps = new Step[n];
        boolean all = true;
        for (int i = 0; i < n; i++) {
          Charge c = charges.get(i);
          steps[i] = parts[i].algorithm.step(saved[i], parts[i].now(), c.cost(), op, 0);
          all &= steps[i].decision().allowed();
        }
        for (int k = n - 1; k >= 0; k--) {
          int i = order[k];
          if (cells[i] != null) {
            parts[i].unlock(cells[i], all && op == Operation.ACQUIRE ? steps[i].state() : saved[i]);
          }
        }
        return mostRestrictive(steps);
      } finally {
        if (ties) {
          tieLock.unlock();
        }
      }
    }
  }

  private static int identity(Cell c) {
    return c == null ? 0 : System.identityHashCode(c);
  }

  private static MultiDecision mostRestrictive(Step[] steps) {
    Decision[] ds = new Decision[steps.length];
    for (int i = 0; i < steps.length; i++) {
      ds[i] = steps[i].decision();
    }
    return MultiDecision.mostRestrictive(ds);
  }

  /** One policy's keys. */
  abstract sealed class MemoryPartition implements Partition permits PackedPartition, GeneralPartition {
    final Algorithm algorithm;
    final boolean wall;
    final AtomicLong floor;
    final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();

    MemoryPartition(Algorithm algorithm) {
      this.algorithm = algorithm;
      this.wall = algorithm.policy().usesWallClock();
      this.floor = wall ? wallFloor : monotonicFloor;
    }

    @Override
    public Policy policy() {
      return algorithm.policy();
    }

    /** The store's time for this policy: its timeline, never below the last eviction. */
    final long now() {
      long t = wall ? clock.wallNanos() : clock.nanos();
      long f = floor.get();
      return t >= f ? t : f;
    }

    /** Called before evicting a key idle at {@code now}: later decisions see at least {@code now}. */
    final void holdFloor(long now) {
      for (long f = floor.get(); f < now && !floor.compareAndSet(f, now); f = floor.get()) {
        // another sweep raised it meanwhile; retry against its value
      }
    }

    /**
     * The key's cell, inserted if absent and the operation changes state; {@code null} if absent
     * and not inserted (a read-only operation, or the store is full).
     */
    final Cell cellFor(String key, Operation op) {
      Cell cell = cells.get(key);
      if (cell != null || !op.createsState()) {
        return cell;
      }
      if (!reserveKey(op)) {
        return null;
      }
      Cell fresh = new Cell();
      Cell prior = cells.putIfAbsent(key, fresh);
      if (prior != null) {
        releaseKey();
        return prior;
      }
      return fresh;
    }

    /** Locks the cell and returns its state (as the algorithm sees it), or DEAD. */
    abstract long[] lock(Cell cell);

    /** Stores {@code state} and unlocks. */
    abstract void unlock(Cell cell, long[] state);

    abstract long sweep(long now);

    final void remove(String key, Cell cell) {
      cells.remove(key, cell);
    }
  }

  /** Token buckets whose state is one long: the theoretical arrival time. */
  final class PackedPartition extends MemoryPartition {
    private final TokenBucketAlgorithm bucket;

    PackedPartition(TokenBucketAlgorithm bucket) {
      super(bucket);
      this.bucket = bucket;
    }

    @Override
    public Decision apply(String key, long cost, Operation op, long maxWaitNanos) {
      Args.apply(key, cost, op, maxWaitNanos);
      if (op.usesId()) {
        bucket.check(op); // throws: a token bucket holds nothing under an id
      }
      for (;;) {
        Cell cell = cellFor(key, op);
        long now = now();
        if (cell == null) {
          if (!op.createsState()) {
            return bucket.decision(0, TokenBucketAlgorithm.NO_CHANGE, cost, op);
          }
          return Decision.storeFull(bucket.policy(), fullSweepNanos);
        }
        for (;;) {
          long tat = (long) PACKED.getVolatile(cell);
          if (tat < 0) {
            if (tat == PACKED_DEAD) {
              remove(key, cell);
              break;
            }
            Thread.yield(); // a multi-policy call holds the cell for a few hundred ns
            continue;
          }
          long debt = bucket.debt(tat, 0, now);
          long next = bucket.newDebt(debt, cost, op, maxWaitNanos);
          if (next == TokenBucketAlgorithm.NO_CHANGE
              || PACKED.compareAndSet(cell, tat, bucket.tat(next, now))) {
            return bucket.decision(debt, next, cost, op);
          }
        }
      }
    }

    @Override
    long[] lock(Cell cell) {
      for (;;) {
        long tat = (long) PACKED.getVolatile(cell);
        if (tat == PACKED_DEAD) {
          return DEAD;
        }
        if (tat != PACKED_LOCKED && PACKED.compareAndSet(cell, tat, PACKED_LOCKED)) {
          return new long[] {tat, 0};
        }
        Thread.yield(); // a multi-policy call holds the cell for a few hundred ns
      }
    }

    @Override
    void unlock(Cell cell, long[] state) {
      PACKED.setVolatile(cell, state == null ? 0L : state[0]);
    }

    @Override
    long sweep(long now) {
      long removed = 0;
      for (var e : cells.entrySet()) {
        Cell cell = e.getValue();
        long tat = (long) PACKED.getVolatile(cell);
        if (tat < 0 || bucket.debt(tat, 0, now) != 0) {
          continue;
        }
        holdFloor(now);
        if (PACKED.compareAndSet(cell, tat, PACKED_DEAD)) {
          remove(e.getKey(), cell);
          releaseKey();
          removed++;
        }
      }
      return removed;
    }
  }

  /** Every other policy: an immutable long[] per key, replaced by CAS. */
  final class GeneralPartition extends MemoryPartition {

    GeneralPartition(Algorithm algorithm) {
      super(algorithm);
    }

    @Override
    public Decision apply(String key, long cost, Operation op, long arg) {
      Args.apply(key, cost, op, arg);
      algorithm.check(op); // before a cell is made for the key
      for (;;) {
        Cell cell = cellFor(key, op);
        long now = now();
        if (cell == null) {
          if (!op.createsState()) {
            return algorithm.step(null, now, cost, op, arg).decision();
          }
          return Decision.storeFull(algorithm.policy(), fullSweepNanos);
        }
        for (;;) {
          long[] state = (long[]) STATE.getVolatile(cell);
          if (state == DEAD) {
            remove(key, cell);
            break;
          }
          if (state == LOCKED) {
            Thread.yield(); // a multi-policy call holds the cell for a few hundred ns
            continue;
          }
          Step step = algorithm.step(state, now, cost, op, arg);
          if (!step.changed() || STATE.compareAndSet(cell, state, step.state())) {
            return step.decision();
          }
        }
      }
    }

    @Override
    long[] lock(Cell cell) {
      for (;;) {
        long[] state = (long[]) STATE.getVolatile(cell);
        if (state == DEAD) {
          return DEAD;
        }
        if (state != LOCKED && STATE.compareAndSet(cell, state, LOCKED)) {
          return state;
        }
        Thread.yield(); // a multi-policy call holds the cell for a few hundred ns
      }
    }

    @Override
    void unlock(Cell cell, long[] state) {
      STATE.setVolatile(cell, state);
    }

    @Override
    long sweep(long now) {
      long removed = 0;
      for (var e : cells.entrySet()) {
        Cell cell = e.getValue();
        long[] state = (long[]) STATE.getVolatile(cell);
        if (state == DEAD || state == LOCKED || (state != null && !algorithm.idle(state, now))) {
          continue;
        }
        holdFloor(now);
        if (STATE.compareAndSet(cell, state, DEAD)) {
          remove(e.getKey(), cell);
          releaseKey();
          removed++;
        }
      }
      return removed;
    }
  }
}
