package dev.sluice;

import dev.sluice.DecisionListener.Call;
import dev.sluice.spi.Command;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link Concurrency} policy applied to keys: "at most 5 scans in flight per user". Obtained
 * from {@link Sluice#leases(Concurrency)}; thread-safe, stateless, cheap to keep: one instance
 * serves every endpoint of an application.
 *
 * <pre>{@code
 * Leases scans = sluice.leases(Concurrency.of("scans", 5, Duration.ofMinutes(10)));
 * try (Lease lease = scans.acquire(userId)) {   // QuotaExceededException when 5 are in flight
 *   runScan();
 * }                                             // released, even on an exception
 * }</pre>
 *
 * <p>A lease lives until released or until the policy's {@code leaseTtl} passes without a
 * {@link Lease#renew()}: a holder that dies frees its slots by itself. Every decision goes
 * through the engine's store, so leases are shared by every instance using the same store.
 */
public final class Leases {

  private final Sluice sluice;
  private final Partition partition;
  private final Concurrency policy;

  Leases(Sluice sluice, Partition partition) {
    this.sluice = sluice;
    this.partition = partition;
    this.policy = (Concurrency) partition.policy();
  }

  /** {@return the policy these leases count against} */
  public Concurrency policy() {
    return policy;
  }

  /**
   * A lease of one slot on {@code key}.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @return the lease; release it (or close it) when done
   * @throws QuotaExceededException (kind {@code CONCURRENCY}) when the slots are all held: current
   *     and limit, and retryAfter until the earliest lease expires; also when the store cannot
   *     decide and the policy fails closed (the default for concurrency limits)
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public Lease acquire(String key) {
    return acquire(key, 1);
  }

  /**
   * A lease of {@code slots} slots on {@code key} (a weighted lease).
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param slots the slots to hold, {@code >= 1}; more than the policy's limit is always denied
   * @return the lease; release it (or close it) when done
   * @throws QuotaExceededException (kind {@code CONCURRENCY}) as {@link #acquire(String)}; with
   *     retryAfter {@link Decision#NEVER} for more slots than the limit
   * @throws IllegalArgumentException if {@code key} is invalid or {@code slots} is not positive
   */
  public Lease acquire(String key, long slots) {
    Object[] denied = new Object[1];
    Lease lease = attempt(key, slots, denied);
    if (lease == null) {
      throw ((QuotaExceeded) denied[0]).toException();
    }
    return lease;
  }

  /**
   * A lease of one slot on {@code key}, or empty when the slots are all held.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @return the lease, or empty when denied (also when the store cannot decide and the policy
   *     fails closed)
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public Optional<Lease> tryAcquire(String key) {
    return Optional.ofNullable(attempt(key, 1, null));
  }

  private Lease attempt(String key, long slots, Object[] denied) {
    Checks.key(key);
    Checks.positive("slots", slots);
    long id = newId();
    long start = sluice.clock().nanos();
    long started = sluice.startTimer();
    Decision d = partition.apply(key, Command.hold(id, slots));
    sluice.notify(Call.ACQUIRE_LEASE, key, slots, d, started);
    if (!d.allowed()) {
      if (denied != null) {
        denied[0] = QuotaExceeded.of(d, key);
      }
      return null;
    }
    return new Lease(this, key, id, slots, start + policy.leaseTtl().toNanos());
  }

  /**
   * What acquiring {@code slots} would decide now, without taking anything; {@code used()} is the
   * slots held.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param slots the slots to check, {@code >= 0}
   * @return the decision acquiring would get; no lease is taken and no listener is told
   * @throws IllegalArgumentException if {@code key} is invalid or {@code slots} is negative
   */
  public Decision peek(String key, long slots) {
    return partition.apply(key, Command.peek(slots));
  }

  /**
   * Slots held on {@code key} now.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @return the slots held by live leases, {@code >= 0}
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public long held(String key) {
    return peek(key, 0).used();
  }

  /**
   * Drops every lease on {@code key}: their slots are free at once, and their holders' renewals
   * fail.
   *
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @throws IllegalArgumentException if {@code key} is invalid
   */
  public void reset(String key) {
    partition.apply(key, Command.reset());
  }

  Decision apply(String key, Command command) {
    long started = sluice.startTimer();
    Decision d = partition.apply(key, command);
    return sluice.notify(command.operation() == Operation.RENEW ? Call.RENEW_LEASE : Call.RELEASE_LEASE, key, 0, d,
        started);
  }

  long ttlNanos() {
    return policy.leaseTtl().toNanos();
  }

  Clock clock() {
    return sluice.clock();
  }

  /** A random id in {@code [1, 2^63)}: ids are never reused across restarts or evictions. */
  static long newId() {
    long id;
    do {
      id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    } while (id == 0);
    return id;
  }

  @Override
  public String toString() {
    return "Leases[" + policy + "]";
  }
}
