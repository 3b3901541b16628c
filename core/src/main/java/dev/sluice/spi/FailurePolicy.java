package dev.sluice.redis;

/**
 * What a policy's decisions are while Redis cannot answer within the deadline (down, paused,
 * failing over, or the circuit breaker open after repeated failures): the operator's choice, per
 * policy. Every such decision is counted ({@link RedisStore#failures()}) and logged, rate-limited.
 *
 * <ul>
 *   <li>{@link #open()}: admit (remaining reads 0). Nothing is charged anywhere.
 *   <li>{@link #closed()}: deny with {@link dev.sluice.Decision.Reason#STORE_UNAVAILABLE} and a
 *       retryAfter of the time until Redis is tried again.
 *   <li>{@link #local(int)}: decide in a local in-memory store with the policy's limit divided by
 *       the number of instances sharing the limit (rounded down; a share of 0 denies). While
 *       Redis is away the instances together admit at most the policy's limit, provided no more
 *       than {@code instances} of them run; what they admitted is not carried into Redis.
 * </ul>
 */
public final class FailurePolicy {

  /** The three choices. */
  public enum Mode { OPEN, CLOSED, LOCAL }

  private static final FailurePolicy OPEN = new FailurePolicy(Mode.OPEN, 0);
  private static final FailurePolicy CLOSED = new FailurePolicy(Mode.CLOSED, 0);

  private final Mode mode;
  private final int instances;

  private FailurePolicy(Mode mode, int instances) {
    this.mode = mode;
    this.instances = instances;
  }

  /** Admit while Redis is unavailable. */
  public static FailurePolicy open() {
    return OPEN;
  }

  /** Deny while Redis is unavailable. */
  public static FailurePolicy closed() {
    return CLOSED;
  }

  /**
   * Decide locally with {@code limit / instances} while Redis is unavailable.
   *
   * @param instances how many instances share the limit, {@code >= 1}
   */
  public static FailurePolicy local(int instances) {
    if (instances < 1) {
      throw new IllegalArgumentException("instances (" + instances + ") must be at least 1");
    }
    return new FailurePolicy(Mode.LOCAL, instances);
  }

  public Mode mode() {
    return mode;
  }

  /** For {@link Mode#LOCAL}: how many instances share the limit; otherwise 0. */
  public int instances() {
    return instances;
  }

  @Override
  public String toString() {
    return mode == Mode.LOCAL ? "local(" + instances + ")" : mode.name().toLowerCase(java.util.Locale.ROOT);
  }
}
