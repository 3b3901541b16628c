package dev.sluice;

import dev.sluice.DecisionListener.Call;

import dev.sluice.spi.InMemory;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Store;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine: a store, a clock and listeners. Policies become {@link Limiter}s here, and several
 * policies can be applied in one atomic call. One instance is meant to be shared by a whole
 * application; it is thread-safe.
 *
 * <pre>{@code
 * Sluice sluice = Sluice.inMemory();
 * Limiter api = sluice.limiter(TokenBucket.of("api", 20, 100, Duration.ofMinutes(1)));
 * Decision d = api.tryAcquire("alice", 1);
 * }</pre>
 */
public final class Sluice implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Sluice.class.getName());

  private final Store store;
  private final Clock clock;
  private final DecisionListener[] listeners;
  private final AtomicLong listenerFailures = new AtomicLong();

  private Sluice(Builder b) {
    if (b.store == null) {
      this.clock = b.clock != null ? b.clock : Clock.system();
      this.store = InMemory.builder().clock(clock).build();
    } else {
      Clock storeClock = b.store.clock();
      if (storeClock == null) {
        throw new IllegalArgumentException("store " + b.store + " has no clock (Store.clock() returned null)");
      }
      if (b.clock != null && b.clock != storeClock) {
        throw new IllegalArgumentException("clock (" + b.clock + ") differs from the store's clock (" + storeClock
            + "): the engine waits on the clock its store decides on, so set the clock on the store only"
            + " (e.g. SqliteStore.open(file).clock(c), RedisStore...callerTime(c)) and not on the engine");
      }
      this.clock = storeClock;
      this.store = b.store;
    }
    this.listeners = b.listeners.toArray(new DecisionListener[0]);
  }

  /** {@return an engine on the in-memory store and the system clock} */
  public static Sluice inMemory() {
    return builder().build();
  }

  /** {@return a builder: by default the in-memory store, the system clock and no listener} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A limiter for {@code policy}.
   *
   * @param policy the policy to apply; not null
   * @return the limiter, on this engine's store
   * @throws IllegalArgumentException if {@code policy} is null, or for a {@link Concurrency}
   *     policy: its slots are taken by leases ({@link #leases}), which can be given back; or if a
   *     policy of another kind uses its name in the store
   */
  public Limiter limiter(Policy policy) {
    Checks.notNull("policy", policy);
    if (policy.kind() == Policy.Kind.CONCURRENCY) {
      throw new IllegalArgumentException("Concurrency policy '" + policy.name()
          + "' takes its slots by leases: use Sluice.leases(policy)");
    }
    return new PolicyLimiter(this, store.partition(policy));
  }

  /**
   * Leases under a {@link Concurrency} policy: "at most 5 scans in flight per user".
   *
   * @param policy the concurrency policy; not null
   * @return the leases, on this engine's store
   * @throws IllegalArgumentException if {@code policy} is null, or a policy of another kind uses
   *     its name in the store
   */
  public Leases leases(Concurrency policy) {
    Checks.notNull("policy", policy);
    return new Leases(this, store.partition(policy));
  }

  /**
   * A lease of one slot on {@code key} under {@code policy}: {@code leases(policy).acquire(key)}.
   *
   * @param policy the concurrency policy; not null
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @return the lease; release it (or close it) when done
   * @throws QuotaExceededException when the slots are all held, or the store cannot decide and
   *     the policy fails closed
   * @throws IllegalArgumentException if {@code policy} is null or {@code key} is invalid
   */
  public Lease acquireLease(Concurrency policy, String key) {
    return leases(policy).acquire(key);
  }

  /**
   * A cost budget per period: check, record, reserve/settle, usage.
   *
   * @param policy the budget; not null
   * @return the budgets, on this engine's store
   * @throws IllegalArgumentException if {@code policy} is null, or a policy of another kind uses
   *     its name in the store
   */
  public Budgets budget(Budget policy) {
    Checks.notNull("policy", policy);
    return new Budgets(this, store.partition(policy));
  }

  /**
   * Admits all charges or none, atomically. The decision names the most restrictive policy: the
   * denying one with the longest retryAfter, or, when all admit, the one with the least remaining.
   *
   * @param charges distinct (policy, key) pairs, at least one
   * @return the deciding policy's decision: allowed if every charge was admitted and charged
   * @throws IllegalArgumentException if {@code charges} is null or empty, holds a null, names a
   *     (policy, key) pair twice, or names a {@link Concurrency} policy
   */
  public Decision tryAcquireAll(List<Charge> charges) {
    return applyAll(charges, Operation.ACQUIRE, Call.TRY_ACQUIRE_ALL);
  }

  /**
   * {@link #tryAcquireAll(List)} for a fixed set of charges.
   *
   * @param charges distinct (policy, key) pairs, at least one
   * @return the deciding policy's decision: allowed if every charge was admitted and charged
   * @throws IllegalArgumentException as {@link #tryAcquireAll(List)}
   */
  public Decision tryAcquireAll(Charge... charges) {
    Checks.notNull("charges", charges);
    return tryAcquireAll(Arrays.asList(charges));
  }

  /**
   * What {@link #tryAcquireAll(List)} would decide, without consuming.
   *
   * @param charges distinct (policy, key) pairs, at least one
   * @return the decision {@code tryAcquireAll} would make; nothing is charged
   * @throws IllegalArgumentException if {@code charges} is null or empty, holds a null, or names a
   *     (policy, key) pair twice
   */
  public Decision peekAll(List<Charge> charges) {
    return applyAll(charges, Operation.PEEK, Call.PEEK_ALL);
  }

  private Decision applyAll(List<Charge> charges, Operation op, Call call) {
    Checks.notNull("charges", charges);
    if (charges.isEmpty()) {
      throw new IllegalArgumentException("charges must not be empty");
    }
    List<Charge> copy;
    try {
      copy = List.copyOf(charges); // the caller's list may change; an immutable one is kept as it is
    } catch (NullPointerException e) {
      Object[] held = charges.toArray();
      for (int i = 0; i < held.length; i++) {
        Checks.notNull("charges[" + i + "]", held[i]);
      }
      throw new IllegalArgumentException("charges must not contain null", e);
    }
    long started = startTimer();
    MultiDecision m = store.applyAll(copy, op);
    if (listeners.length > 0) {
      Charge deciding = copy.get(m.index());
      notify(call, deciding.key(), deciding.cost(), m.decision(), started);
    }
    return m.decision();
  }

  /** {@return the clock this engine's limiters sleep on: its store's ({@link Store#clock()})} */
  public Clock clock() {
    return clock;
  }

  /**
   * {@return how many times a listener threw since the engine was built (each is logged: the 1st,
   * 2nd, 4th, 8th and so on)}
   */
  public long listenerFailures() {
    return listenerFailures.get();
  }

  /**
   * The start of a store call's timing for the listeners: {@link System#nanoTime()} when there
   * are listeners (a metric of the call, not an input of any decision), else
   * {@link DecisionListener#UNTIMED}.
   */
  long startTimer() {
    return listeners.length > 0 ? System.nanoTime() : DecisionListener.UNTIMED;
  }

  Decision notify(Call call, String key, long cost, Decision decision) {
    return notify(call, key, cost, decision, DecisionListener.UNTIMED);
  }

  /**
   * Tells the listeners.
   *
   * @param started {@link #startTimer()} before the store call, or {@link DecisionListener#UNTIMED}
   */
  Decision notify(Call call, String key, long cost, Decision decision, long started) {
    long storeNanos = started == DecisionListener.UNTIMED ? DecisionListener.UNTIMED
        : Math.max(0, System.nanoTime() - started);
    for (DecisionListener l : listeners) {
      try {
        l.onDecision(call, key, cost, decision, storeNanos);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable t) {
        long n = listenerFailures.incrementAndGet();
        if (Long.bitCount(n) == 1) { // 1st, 2nd, 4th, 8th... failure: logging stays bounded
          LOG.log(System.Logger.Level.WARNING,
              "decision listener " + l + " threw (failure #" + n + "); the decision stands", t);
        }
      }
    }
    return decision;
  }

  boolean hasListeners() {
    return listeners.length > 0;
  }

  @Override
  public void close() {
    store.close();
  }

  /** Builds a {@link Sluice}. */
  public static final class Builder {
    private Clock clock;
    private Store store;
    private final List<DecisionListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * The clock of the default in-memory store, which the engine also waits on;
     * {@link Clock#system()} by default. With {@link #store}, the engine takes the store's clock:
     * set a test clock on the store, and this one only if it is the very same clock (a different
     * one is refused by {@link #build()}, since it would mix two timelines).
     *
     * @param clock the clock; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code clock} is null
     */
    public Builder clock(Clock clock) {
      this.clock = Checks.notNull("clock", clock);
      return this;
    }

    /**
     * The store; by default an in-memory store on this builder's clock. The engine waits on its
     * clock.
     *
     * @param store the store, which the engine closes when it is closed; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code store} is null
     */
    public Builder store(Store store) {
      this.store = Checks.notNull("store", store);
      return this;
    }

    /**
     * Adds a listener told about every decision, after those added before.
     *
     * @param listener the listener; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code listener} is null
     */
    public Builder listener(DecisionListener listener) {
      listeners.add(Checks.notNull("listener", listener));
      return this;
    }

    /**
     * The engine.
     *
     * @return a new engine with this builder's store, clock and listeners
     * @throws IllegalArgumentException if both a clock and a store were given and the clock is not
     *     the store's, or the store has no clock
     */
    public Sluice build() {
      return new Sluice(this);
    }
  }
}
