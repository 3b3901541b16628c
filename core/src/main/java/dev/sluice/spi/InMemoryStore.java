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
 * The in-memory store. Each key's state sits in a {@link Cell}; no global lock. A token bucket
 * whose refill interval is a whole number of nanoseconds keeps its state in one {@code long} (the
 * GCRA theoretical arrival time), which changes by compare-and-swap from one value computed by the
 * algorithm's pure function to the next: no lock per key on its single-key path. Other policies
 * keep a {@code long[]}, read and written with the cell locked (its state CAS'd to a LOCKED marker)
 * and rewritten in place when the new state has the same length, so a decision leaves no new
 * object behind (an array per decision, each reached from an old cell, made young collections copy
 * every recently decided key's state). A multi-policy call locks its cells in a global order, so no
 * one observes a half-applied call; callers that meet a LOCKED cell spin until it is released.
 *
 * <p>Eviction locks an idle state (or CASes a one-long one) to a DEAD marker before removing the
 * cell, so a concurrent update either lands before (and the key is no longer idle) or sees DEAD
 * and starts over on a fresh cell.
 *
 * <p>States belong to a policy name ({@link States}): every definition of one kind under one name
 * (a policy reloaded with a new limit) decides on the same cells, each by its own parameters. The
 * representation (one long or a long[]) is chosen by the first definition; a later token bucket
 * whose refill interval is not a whole number of nanoseconds, on one-long cells, rounds its debt up
 * to the next nanosecond when it writes (never more tokens).
 *
 * <p>Time: a one-long cell has no room for the time of its last change, which the token bucket's
 * own rule for a long step back of the clock needs, so one-long cells live on their {@link States}'
 * timeline instead: the clock plus an offset that grows by every step back longer than a full
 * refill, so that timeline never goes back further than that (a step back is absorbed: the keys
 * decide as at the latest time seen). Other cells carry their algorithm's own rule. An idle-sweep
 * floor (the latest time at which a key was evicted) holds the decisions of a name at or after it,
 * but only while it is at most the policy's period ahead of the clock; a longer step back drops it.
 * A decision made at the floor adds the difference to its retryAfter and resetAfter.
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
  private final ConcurrentHashMap<String, States> states = new ConcurrentHashMap<>();
  private final Definitions definitions = new Definitions();
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
    PackedBucket packed = PackedBucket.of(algorithm);
    States st = states.computeIfAbsent(policy.name(), n -> new States(packed != null && packed.exact()));
    st.add(algorithm);
    if (st.packed) {
      return new PackedPartition(packed, st); // one name holds one kind: a token bucket here too
    }
    return new GeneralPartition(algorithm, st);
  }

  /** Keys held, over all policies. */
  long keyCount() {
    return keys.get();
  }

  /** Removes every idle key; returns how many. */
  long sweep() {
    long removed = 0;
    for (States st : states.values()) {
      removed += st.sweep();
    }
    return removed;
  }

  @Override
  public void close() {
    partitions.clear();
    states.clear();
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
    if (n == 1) {
      // one charge is one policy's decision: the single-key path, with no locks and no arrays
      Charge c = charges.get(0);
      MemoryPartition part = (MemoryPartition) partition(c.policy());
      part.algorithm.check(op);
      return new MultiDecision(0, part.apply(c.key(), MultiStep.command(op, c.cost())));
    }
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
            parts[i].remove(charges.get(i).key(), cells[i]);
            dead = true;
            break;
          }
          saved[i] = s;
        }
        if (dead) {
          for (int k = 0; k < locked; k++) {
            int i = order[k];
            if (cells[i] != null) {
              parts[i].unlock(cells[i], saved[i], saved[i]);
            }
          }
          continue;
        }
        MultiStep m = MultiStep.apply(n, op, i -> {
          long now = parts[i].clockNow();
          long at = parts[i].at(now);
          return parts[i].algorithm.step(saved[i], at, MultiStep.command(op, charges.get(i).cost())).later(at - now);
        });
        for (int k = n - 1; k >= 0; k--) {
          int i = order[k];
          if (cells[i] != null) {
            parts[i].unlock(cells[i], saved[i], m.write() ? m.step(i).state() : saved[i]);
          }
        }
        return m.decision();
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

  /**
   * The states of one policy name: its cells, shared by every definition of the name in this
   * store, with the timeline of one-long cells and the idle-sweep floors.
   */
  final class States {
    final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();
    /** Whether cells hold one long (a token bucket's TAT), chosen by the first definition. */
    final boolean packed;
    /** The definitions of this name, for the sweep: a key goes only if idle under every one. */
    private final List<Algorithm> algorithms = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The longest period of the definitions: how far ahead a floor may hold decisions. */
    private volatile long periodNanos = 1;
    /**
     * Per timeline, the latest time at which a key of this name was evicted; while it is at most
     * {@link #periodNanos} ahead of the clock, decisions are made at it (eviction forgets a key
     * whose window has ended; a clock stepping back a little into that window must not find it
     * open and empty). Raised only by sweeps (rare), read by every decision.
     */
    final AtomicLong monotonicFloor = new AtomicLong();
    final AtomicLong wallFloor = new AtomicLong();
    /**
     * One-long cells: the offset added to the clock, and the latest time decided at, kept to
     * within {@link #LATEST_GRAIN_NANOS} (it may lag the true latest by less than that).
     */
    volatile long offset;
    volatile long latest;

    States(boolean packed) {
      this.packed = packed;
    }

    void add(Algorithm a) {
      algorithms.add(a);
      periodNanos = Math.max(periodNanos, a.periodNanos());
    }

    long periodNanos() {
      return periodNanos;
    }

    /**
     * The timeline of one-long cells: the clock plus an offset that absorbs every step back longer
     * than {@link #periodNanos} (a full refill), so it never goes back further than that.
     */
    long packedNow() {
      long t = Arith.satAdd(clock.nanos(), (long) OFFSET.getOpaque(this));
      long hw = (long) LATEST.getOpaque(this);
      if (t >= hw) {
        // written once per grain, not per decision: threads deciding on one name would otherwise
        // contend for this line on every call (measured: 2 threads on one key, 56 -> 218 ns/op)
        if (t - hw >= LATEST_GRAIN_NANOS) {
          LATEST.setOpaque(this, t);
        }
        return t;
      }
      if (hw - t <= periodNanos) {
        return t;
      }
      synchronized (this) { // a long step back: rare
        long o = (long) OFFSET.getOpaque(this);
        long now = Arith.satAdd(clock.nanos(), o);
        long latestNow = (long) LATEST.getOpaque(this);
        if (latestNow - now > periodNanos) {
          OFFSET.setOpaque(this, o + (latestNow - now));
          now = latestNow;
        }
        return now;
      }
    }

    /** Removes every key idle under every definition; returns how many. */
    long sweep() {
      long removed = 0;
      long monotonic = packed ? packedNow() : clock.nanos();
      long wall = clock.wallNanos();
      for (var e : cells.entrySet()) {
        Cell cell = e.getValue();
        if (packed) {
          long tat = (long) PACKED.getVolatile(cell);
          if (tat < 0 || tat > monotonic) { // the debt is 0 iff TAT <= now, whatever the rate
            continue;
          }
          hold(monotonicFloor, monotonic);
          if (PACKED.compareAndSet(cell, tat, PACKED_DEAD)) {
            cells.remove(e.getKey(), cell);
            releaseKey();
            removed++;
          }
          continue;
        }
        long[] state = (long[]) STATE.getVolatile(cell);
        // unlocked, this look is a hint (a decider may be rewriting the array in place); the key
        // goes only if it is still idle once locked
        if (state == DEAD || state == LOCKED || !idle(state, monotonic, wall)
            || !STATE.compareAndSet(cell, state, LOCKED)) {
          continue;
        }
        if (!idle(state, monotonic, wall)) {
          STATE.setVolatile(cell, state);
          continue;
        }
        hold(monotonicFloor, monotonic);
        hold(wallFloor, wall);
        STATE.setVolatile(cell, DEAD);
        cells.remove(e.getKey(), cell);
        releaseKey();
        removed++;
      }
      return removed;
    }

    private boolean idle(long[] state, long monotonic, long wall) {
      if (state == null) {
        return true;
      }
      for (Algorithm a : algorithms) {
        try {
          if (!a.idle(state, a.policy().usesWallClock() ? wall : monotonic)) {
            return false;
          }
        } catch (RuntimeException e) {
          return false; // not this definition's state, or the sweep's unlocked look tore it: keep it
        }
      }
      return true;
    }

    /** Raises {@code floor} to {@code now} before evicting a key idle at {@code now}. */
    private void hold(AtomicLong floor, long now) {
      for (long f = floor.get(); f < now && !floor.compareAndSet(f, now); f = floor.get()) {
        // another sweep raised it meanwhile; retry against its value
      }
    }
  }

  /**
   * How far {@code States.latest} may lag the latest time decided at: a step back is absorbed once
   * it exceeds the period by up to this much more, and the timeline then resumes at most this much
   * before the latest time seen (a small step back, taken conservatively: never a grant).
   */
  static final long LATEST_GRAIN_NANOS = 1_000_000;

  static final VarHandle OFFSET;
  static final VarHandle LATEST;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      OFFSET = l.findVarHandle(States.class, "offset", long.class);
      LATEST = l.findVarHandle(States.class, "latest", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** One definition's view of its name's states. */
  abstract sealed class MemoryPartition implements Partition permits PackedPartition, GeneralPartition {
    final Algorithm algorithm;
    final States states;
    final ConcurrentHashMap<String, Cell> cells;
    final boolean wall;
    final AtomicLong floor;

    MemoryPartition(Algorithm algorithm, States states) {
      this.algorithm = algorithm;
      this.states = states;
      this.cells = states.cells;
      this.wall = algorithm.policy().usesWallClock();
      this.floor = wall ? states.wallFloor : states.monotonicFloor;
    }

    @Override
    public Policy policy() {
      return algorithm.policy();
    }

    /** The clock's time on this partition's timeline. */
    long clockNow() {
      return wall ? clock.wallNanos() : clock.nanos();
    }

    /**
     * The time to decide at, given the clock's {@code now}: the floor when it is ahead by at most
     * the period, else {@code now} (a longer step back drops the floor: the keys' own rules absorb
     * it).
     */
    final long at(long now) {
      long f = floor.get();
      long period = states.periodNanos();
      if (EvictionFloor.dropped(f, now, period)) {
        floor.compareAndSet(f, now);
      }
      return EvictionFloor.decideAt(f, now, period);
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

    /** Stores {@code state} and unlocks; {@code held} is what {@link #lock} returned. */
    abstract void unlock(Cell cell, long[] held, long[] state);

    final void remove(String key, Cell cell) {
      cells.remove(key, cell);
    }
  }

  /** Token buckets whose state is one long: the theoretical arrival time. */
  final class PackedPartition extends MemoryPartition {
    private final PackedBucket bucket;

    PackedPartition(PackedBucket bucket, States states) {
      super(bucket.algorithm(), states);
      this.bucket = bucket;
    }

    @Override
    long clockNow() {
      return states.packedNow();
    }

    @Override
    public Decision apply(String key, Command command) {
      Operation op = Args.apply(key, command, algorithm); // a bucket holds nothing under an id
      for (;;) {
        Cell cell = cellFor(key, op);
        long clockNow = states.packedNow();
        long now = at(clockNow);
        if (cell == null) {
          if (!op.createsState()) {
            return later(bucket.decision(0, PackedBucket.NO_CHANGE, command), now - clockNow);
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
          long debt = bucket.debt(tat, now);
          long next = bucket.next(debt, command);
          if (next == PackedBucket.NO_CHANGE || PACKED.compareAndSet(cell, tat, bucket.tat(next, now))) {
            return later(bucket.decision(debt, next, command), now - clockNow);
          }
        }
      }
    }

    private Decision later(Decision d, long nanos) {
      return nanos == 0 ? d : d.later(nanos);
    }

    @Override
    long[] lock(Cell cell) {
      for (;;) {
        long tat = (long) PACKED.getVolatile(cell);
        if (tat == PACKED_DEAD) {
          return DEAD;
        }
        if (tat != PACKED_LOCKED && PACKED.compareAndSet(cell, tat, PACKED_LOCKED)) {
          return tat == 0 ? null : new long[] {tat, 0};
        }
        Thread.yield(); // a multi-policy call holds the cell for a few hundred ns
      }
    }

    @Override
    void unlock(Cell cell, long[] held, long[] state) {
      long tat = 0;
      if (state != null) {
        // {tat, rem, last}: a fractional TAT (a definition with another rate) rounds up
        tat = state[1] > 0 ? Arith.satAdd(state[0], 1) : state[0];
      }
      PACKED.setVolatile(cell, tat);
    }
  }

  /**
   * Every other policy: a long[] per key, read and written under the cell's lock (the state CAS'd
   * to LOCKED), rewritten in place when the new state has the same length.
   */
  final class GeneralPartition extends MemoryPartition {

    GeneralPartition(Algorithm algorithm, States states) {
      super(algorithm, states);
    }

    @Override
    public Decision apply(String key, Command command) {
      Operation op = Args.apply(key, command, algorithm); // before a cell is made for the key
      for (;;) {
        Cell cell = cellFor(key, op);
        long clockNow = clockNow();
        long now = at(clockNow);
        if (cell == null) {
          if (!op.createsState()) {
            return later(algorithm.step(null, now, command).decision(), now - clockNow);
          }
          return Decision.storeFull(algorithm.policy(), fullSweepNanos);
        }
        long[] state = lock(cell);
        if (state == DEAD) {
          remove(key, cell);
          continue;
        }
        Step step = null;
        try {
          step = algorithm.step(state, now, command);
        } finally {
          unlock(cell, state, step != null && step.changed() ? step.state() : state);
        }
        return later(step.decision(), now - clockNow);
      }
    }

    private Decision later(Decision d, long nanos) {
      return nanos == 0 ? d : d.later(nanos);
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
        Thread.yield(); // a decision holds the cell for under a microsecond, a multi-policy one for a few
      }
    }

    /**
     * Stores {@code state} and unlocks. A state as long as the held one is copied into the held
     * array: the step's new array then dies young, and a young collection has no fresh state to
     * copy for every key decided since the last one, each reached from an old cell (with 100,000
     * keys that copying set the server's pauses: 20-50 ms). Safe because every reader of a cell's
     * array, the sweep included, holds the lock.
     */
    @Override
    void unlock(Cell cell, long[] held, long[] state) {
      if (held != null && state != null && held != state && held.length == state.length) {
        System.arraycopy(state, 0, held, 0, state.length);
        state = held;
      }
      STATE.setVolatile(cell, state);
    }
  }
}
