package dev.sluice;

import dev.sluice.spi.Command;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Slots held on a key under a {@link Concurrency} policy, until {@link #release()} (or
 * {@link #close()}, for try-with-resources) or until the lease expires. Thread-safe.
 *
 * <p>Releasing is idempotent: twice, or after the lease expired, is a no-op and never frees
 * someone else's slot (each lease has its own random id).
 */
public final class Lease implements AutoCloseable {

  private final Leases leases;
  private final String key;
  private final long id;
  private final long slots;
  private volatile long expiresAtNanos;
  private final AtomicBoolean released = new AtomicBoolean();

  Lease(Leases leases, String key, long id, long slots, long expiresAtNanos) {
    this.leases = leases;
    this.key = key;
    this.id = id;
    this.slots = slots;
    this.expiresAtNanos = expiresAtNanos;
  }

  /** {@return the lease's id: random, positive, unique per key among live leases} */
  public long id() {
    return id;
  }

  /** {@return the key the slots are held on} */
  public String key() {
    return key;
  }

  /** {@return the policy the slots count against} */
  public Concurrency policy() {
    return leases.policy();
  }

  /** {@return the slots this lease holds, {@code >= 1}} */
  public long slots() {
    return slots;
  }

  /**
   * When the lease expires unless renewed, on the engine clock's timeline (nanoseconds since the
   * epoch): {@code leaseTtl} after the clock read just before the lease was granted or renewed, so
   * never later than the store's own deadline.
   *
   * @return the expiry in nanoseconds since the epoch
   */
  public long expiresAtNanos() {
    return expiresAtNanos;
  }

  /** {@return {@link #expiresAtNanos()} as an instant} */
  public Instant expiry() {
    return Instant.ofEpochSecond(0, expiresAtNanos);
  }

  /**
   * Extends the lease by the policy's {@code leaseTtl} from now.
   *
   * @return true if the store extended the lease; false if the lease is gone (released, or
   *     expired and its slots freed) or the store could not decide (its failure policy answered,
   *     so nothing was extended and the lease ends at its old {@link #expiresAtNanos()}): the
   *     holder should stop, or acquire a new lease, before then
   */
  public boolean renew() {
    if (released.get()) {
      return false;
    }
    long start = leases.clock().nanos();
    Decision d = leases.apply(key, Command.renew(id));
    if (d.reason() != Decision.Reason.ALLOWED || !d.storeDecided()) {
      return false;
    }
    expiresAtNanos = start + leases.ttlNanos();
    return true;
  }

  /** Gives the slots back. Idempotent; after expiry a no-op. */
  public void release() {
    if (released.compareAndSet(false, true)) {
      leases.apply(key, Command.release(id));
    }
  }

  /** {@return whether {@link #release()} (or {@link #close()}) was called} */
  public boolean released() {
    return released.get();
  }

  /** {@link #release()}. */
  @Override
  public void close() {
    release();
  }

  @Override
  public String toString() {
    return "Lease[" + leases.policy().name() + ", key=" + key + ", id=" + id + ", slots=" + slots
        + (released.get() ? ", released" : "") + "]";
  }
}
