package dev.sluice.spi;

import java.util.Objects;

/**
 * One {@link Operation} with exactly the arguments it takes: what {@link Partition#apply} and
 * {@link Algorithm#step} apply to a key. A wait and a hold's id are different arguments of different
 * factories ({@link #reserve} takes a wait, {@link #hold} an id), so one cannot be passed for the
 * other, and an argument an operation does not take cannot be passed at all.
 *
 * <p>Each factory checks its arguments and throws {@link IllegalArgumentException} naming the
 * field and the value; a command is valid once made, so a store and an algorithm check only what a
 * command cannot know: the key, and whether the policy supports the operation
 * ({@link Algorithm#supports}). The commands of the common calls with small costs (acquire and peek
 * of a cost up to 63) are shared instances, so the hot path allocates nothing for them.
 *
 * <p>Immutable; equal when operation and arguments are equal.
 */
public final class Command {

  /** Shared instances for costs {@code 0 .. CACHED - 1}. */
  private static final int CACHED = 64;
  private static final Command[] ACQUIRES = cache(Operation.ACQUIRE);
  private static final Command[] PEEKS = cache(Operation.PEEK);
  private static final Command RESET = new Command(Operation.RESET, 0, 0, 0);

  private final Operation operation;
  private final long cost;
  private final long maxWaitNanos;
  private final long holdId;

  private Command(Operation operation, long cost, long maxWaitNanos, long holdId) {
    this.operation = operation;
    this.cost = cost;
    this.maxWaitNanos = maxWaitNanos;
    this.holdId = holdId;
  }

  private static Command[] cache(Operation op) {
    Command[] cached = new Command[CACHED];
    for (int i = 0; i < CACHED; i++) {
      cached[i] = new Command(op, i, 0, 0);
    }
    return cached;
  }

  /**
   * {@link Operation#ACQUIRE}: admit and charge {@code cost} if the policy allows it now.
   *
   * @param cost the cost, {@code >= 0}
   * @return the command
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public static Command acquire(long cost) {
    return cost >= 0 && cost < CACHED ? ACQUIRES[(int) cost] : new Command(Operation.ACQUIRE, Args.cost(cost), 0, 0);
  }

  /**
   * {@link Operation#PEEK}: decide as {@link #acquire} would, changing nothing.
   *
   * @param cost the cost, {@code >= 0}
   * @return the command
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public static Command peek(long cost) {
    return cost >= 0 && cost < CACHED ? PEEKS[(int) cost] : new Command(Operation.PEEK, Args.cost(cost), 0, 0);
  }

  /**
   * {@link Operation#RESERVE}: admit and charge {@code cost} if the policy allows it within
   * {@code maxWaitNanos}, granting it ahead of time.
   *
   * @param cost the cost, {@code >= 0}
   * @param maxWaitNanos the longest wait the caller accepts, in nanoseconds, {@code >= 0}
   * @return the command
   * @throws IllegalArgumentException if {@code cost} or {@code maxWaitNanos} is negative
   */
  public static Command reserve(long cost, long maxWaitNanos) {
    return new Command(Operation.RESERVE, Args.cost(cost), Args.maxWaitNanos(maxWaitNanos), 0);
  }

  /**
   * {@link Operation#RECORD}: charge {@code cost} unconditionally.
   *
   * @param cost the cost, {@code >= 0}
   * @return the command
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public static Command record(long cost) {
    return new Command(Operation.RECORD, Args.cost(cost), 0, 0);
  }

  /**
   * {@link Operation#REFUND}: give back up to {@code cost}.
   *
   * @param cost the cost, {@code >= 0}
   * @return the command
   * @throws IllegalArgumentException if {@code cost} is negative
   */
  public static Command refund(long cost) {
    return new Command(Operation.REFUND, Args.cost(cost), 0, 0);
  }

  /**
   * {@link Operation#RESET}: forget the key.
   *
   * @return the command
   */
  public static Command reset() {
    return RESET;
  }

  /**
   * {@link Operation#HOLD}: admit {@code cost} and keep it under {@code holdId} until the policy's
   * time-to-live passes.
   *
   * @param holdId the hold's id, {@code > 0}
   * @param cost the cost, {@code > 0}
   * @return the command
   * @throws IllegalArgumentException if {@code holdId} or {@code cost} is not positive
   */
  public static Command hold(long holdId, long cost) {
    Args.id(holdId);
    if (Args.cost(cost) == 0) {
      throw new IllegalArgumentException("cost (0) must be positive for a hold");
    }
    return new Command(Operation.HOLD, cost, 0, holdId);
  }

  /**
   * {@link Operation#RENEW}: extend the hold {@code holdId} by the policy's time-to-live from now.
   *
   * @param holdId the hold's id, {@code > 0}
   * @return the command
   * @throws IllegalArgumentException if {@code holdId} is not positive
   */
  public static Command renew(long holdId) {
    return new Command(Operation.RENEW, 0, 0, Args.id(holdId));
  }

  /**
   * {@link Operation#RELEASE}: give back the hold {@code holdId} (a hold already gone is a no-op).
   *
   * @param holdId the hold's id, {@code > 0}
   * @return the command
   * @throws IllegalArgumentException if {@code holdId} is not positive
   */
  public static Command release(long holdId) {
    return new Command(Operation.RELEASE, 0, 0, Args.id(holdId));
  }

  /**
   * {@link Operation#SETTLE}: end the hold {@code holdId} and charge {@code cost} unconditionally
   * instead.
   *
   * @param holdId the hold's id, {@code > 0}
   * @param cost the real cost, {@code >= 0}
   * @return the command
   * @throws IllegalArgumentException if {@code holdId} is not positive or {@code cost} is negative
   */
  public static Command settle(long holdId, long cost) {
    return new Command(Operation.SETTLE, Args.cost(cost), 0, Args.id(holdId));
  }

  /** {@return the operation} */
  public Operation operation() {
    return operation;
  }

  /** {@return the cost, {@code >= 0}; 0 for the operations that take none (reset, renew, release)} */
  public long cost() {
    return cost;
  }

  /** {@return the longest wait the caller accepts, in nanoseconds: for {@link Operation#RESERVE}; 0 for the others} */
  public long maxWaitNanos() {
    return maxWaitNanos;
  }

  /** {@return the hold's id, {@code > 0}, for the hold operations ({@link Operation#usesId()}); 0 for the others} */
  public long holdId() {
    return holdId;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Command c && c.operation == operation && c.cost == cost
        && c.maxWaitNanos == maxWaitNanos && c.holdId == holdId;
  }

  @Override
  public int hashCode() {
    return Objects.hash(operation, cost, maxWaitNanos, holdId);
  }

  @Override
  public String toString() {
    return switch (operation) {
      case RESET -> "RESET";
      case RESERVE -> "RESERVE(cost=" + cost + ", maxWaitNanos=" + maxWaitNanos + ")";
      case HOLD, SETTLE -> operation + "(id=" + holdId + ", cost=" + cost + ")";
      case RENEW, RELEASE -> operation + "(id=" + holdId + ")";
      default -> operation + "(cost=" + cost + ")";
    };
  }
}
