package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.Policy;

/**
 * What a policy's decisions are while its store cannot decide (a remote store down, paused,
 * failing over or behind a circuit breaker; a database that cannot commit): the operator's choice,
 * per policy, the same type on every store ({@link FailureChoices} holds a store's choices). Every
 * such decision is counted ({@link Failures}) and logged, rate-limited.
 *
 * <ul>
 *   <li>{@link #open()}: admit ({@link Decision.Reason#FAILED_OPEN}: remaining reads 0, nothing is
 *       charged anywhere). The default for rate limits ({@link Policy.Kind#RATE}).
 *   <li>{@link #closed()}: deny with {@link Decision.Reason#STORE_UNAVAILABLE} and a retryAfter of
 *       the time until the store is tried again. The default for budgets and concurrency limits,
 *       whose whole point is that they are never exceeded.
 *   <li>{@link #local(int)}: decide in a local in-memory store with the policy's share of its
 *       limit ({@link Policy#share}: the limit divided by the number of instances sharing it,
 *       rounded down; a share of 0 denies). While the shared store is away the instances together
 *       admit at most the policy's limit, provided no more than {@code instances} of them run;
 *       what they admitted is not carried into the shared store. Only for a store shared by
 *       several instances (Redis); a single node's store refuses it when it is built.
 * </ul>
 */
public final class FailurePolicy {

  /** The three choices. */
  public enum Mode {
    /** Admit: {@link FailurePolicy#open()}. */
    OPEN,
    /** Deny: {@link FailurePolicy#closed()}. */
    CLOSED,
    /** Decide on a local share of the limit: {@link FailurePolicy#local(int)}. */
    LOCAL
  }

  private static final FailurePolicy OPEN = new FailurePolicy(Mode.OPEN, 0);
  private static final FailurePolicy CLOSED = new FailurePolicy(Mode.CLOSED, 0);

  private final Mode mode;
  private final int instances;

  private FailurePolicy(Mode mode, int instances) {
    this.mode = mode;
    this.instances = instances;
  }

  /** {@return the choice to admit while the store cannot decide} */
  public static FailurePolicy open() {
    return OPEN;
  }

  /** {@return the choice to deny while the store cannot decide} */
  public static FailurePolicy closed() {
    return CLOSED;
  }

  /**
   * Decide locally with {@code limit / instances} while the store cannot decide.
   *
   * @param instances how many instances share the limit, {@code >= 1}
   * @return the choice
   * @throws IllegalArgumentException if {@code instances < 1}
   */
  public static FailurePolicy local(int instances) {
    if (instances < 1) {
      throw new IllegalArgumentException("instances (" + instances + ") must be at least 1");
    }
    return new FailurePolicy(Mode.LOCAL, instances);
  }

  /**
   * The default for {@code policy}: {@link #open()} for rates, {@link #closed()} for quotas.
   *
   * @param policy the policy; not null
   * @return {@link #open()} for {@link Policy.Kind#RATE}, else {@link #closed()}
   */
  public static FailurePolicy defaultFor(Policy policy) {
    return policy.kind() == Policy.Kind.RATE ? OPEN : CLOSED;
  }

  /** {@return which choice this is} */
  public Mode mode() {
    return mode;
  }

  /** {@return for {@link Mode#LOCAL}: how many instances share the limit; otherwise 0} */
  public int instances() {
    return instances;
  }

  /**
   * The decision of an open or closed choice for {@code policy}: {@link Decision#failedOpen} or
   * {@link Decision#storeUnavailable} with {@code retryAfterNanos}, the time until the store is
   * tried again. The one place a store makes such a decision.
   *
   * @param policy the policy asked for; not null
   * @param retryAfterNanos for {@link Mode#CLOSED}: nanoseconds until the store is tried again,
   *     {@code >= 0}; ignored for {@link Mode#OPEN}
   * @return the decision
   * @throws IllegalArgumentException if {@code policy} is null or {@code retryAfterNanos} is
   *     negative (closed)
   * @throws IllegalStateException for {@link Mode#LOCAL}, which the store decides locally
   */
  public Decision answer(Policy policy, long retryAfterNanos) {
    return switch (mode) {
      case OPEN -> Decision.failedOpen(policy);
      case CLOSED -> Decision.storeUnavailable(policy, retryAfterNanos);
      case LOCAL -> throw new IllegalStateException("a local share is decided by the store's local store");
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FailurePolicy f && f.mode == mode && f.instances == instances;
  }

  @Override
  public int hashCode() {
    return mode.hashCode() * 31 + instances;
  }

  @Override
  public String toString() {
    return mode == Mode.LOCAL ? "local(" + instances + ")" : mode.name().toLowerCase(java.util.Locale.ROOT);
  }
}
