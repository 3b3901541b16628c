package dev.sluice.spi;

import dev.sluice.Decision;
import dev.sluice.Policy;

/**
 * A token bucket's state as one {@code long}, for a store that keeps each key in one atomic word
 * and so cannot afford {@link Algorithm#step}'s {@code long[]} (the in-memory store's packed
 * partitions). The same pure functions as {@code step}, in pieces, so that the store can
 * compare-and-set between them: {@link #debt} of the stored TAT at now, {@link #next} debt after
 * the command, the {@link #tat} to store, and the {@link #decision}.
 *
 * <p>The packed state is the theoretical arrival time {@code TAT} in whole nanoseconds on the
 * store's timeline ({@code 0}: a fresh key). It is exact when the refill interval is a whole number
 * of nanoseconds ({@link #exact()}: "100 per minute" is); otherwise each stored TAT is rounded up
 * to the next nanosecond, which is later: never more tokens. It keeps no time of last change, so a
 * store using it absorbs long steps back of its own clock itself (see the token bucket's "Clock
 * jumps").
 */
public final class PackedBucket {

  /** {@link #next}'s answer when the state stays as it is. */
  public static final long NO_CHANGE = TokenBucketAlgorithm.NO_CHANGE;

  private final TokenBucketAlgorithm bucket;
  private final boolean exact;

  private PackedBucket(TokenBucketAlgorithm bucket) {
    this.bucket = bucket;
    this.exact = bucket.packable();
  }

  /**
   * The packed form of a token bucket's algorithm.
   *
   * @param algorithm an algorithm; not null
   * @return its packed form, or {@code null} if it is not a token bucket's
   * @throws IllegalArgumentException if {@code algorithm} is null
   */
  public static PackedBucket of(Algorithm algorithm) {
    if (algorithm == null) {
      throw new IllegalArgumentException("algorithm must not be null");
    }
    return algorithm instanceof TokenBucketAlgorithm tb ? new PackedBucket(tb) : null;
  }

  /** {@return the algorithm this is the packed form of} */
  public Algorithm algorithm() {
    return bucket;
  }

  /** {@return the token bucket policy} */
  public Policy policy() {
    return bucket.policy();
  }

  /**
   * {@return whether the packed state is exact: the refill interval is a whole number of
   * nanoseconds; otherwise stored TATs are rounded up}
   */
  public boolean exact() {
    return exact;
  }

  /**
   * The debt, in the bucket's internal units, of a stored TAT at {@code nowNanos}.
   *
   * @param tat the stored TAT ({@code >= 0}; 0 for a fresh key)
   * @param nowNanos the store's time
   * @return the debt, {@code >= 0}
   */
  public long debt(long tat, long nowNanos) {
    return bucket.debt(tat, 0, nowNanos);
  }

  /**
   * The debt after {@code command}.
   *
   * @param debt the debt before, from {@link #debt}
   * @param command the command; its operation one the bucket supports ({@link Algorithm#check})
   * @return the new debt, or {@link #NO_CHANGE} if the state stays as it is
   */
  public long next(long debt, Command command) {
    return bucket.newDebt(debt, command);
  }

  /**
   * The TAT to store for a debt at {@code nowNanos} (rounded up to a whole nanosecond unless
   * {@link #exact()}).
   *
   * @param debt a debt from {@link #next} (not {@link #NO_CHANGE})
   * @param nowNanos the store's time
   * @return the TAT to store
   */
  public long tat(long debt, long nowNanos) {
    return exact ? bucket.tat(debt, nowNanos) : bucket.tatUp(debt, nowNanos);
  }

  /**
   * The decision for {@code command}.
   *
   * @param debt the debt before, from {@link #debt}
   * @param next the debt after, from {@link #next} (or {@link #NO_CHANGE})
   * @param command the command
   * @return the decision, as {@link Algorithm#step} would give it
   */
  public Decision decision(long debt, long next, Command command) {
    return bucket.decision(debt, next, command);
  }
}
