package dev.sluice.spi;

/**
 * The one rule of a store's eviction floor (the latest time at which its idle sweep forgot a key
 * of a policy name, per timeline), for every store that sweeps: while the floor is ahead of the
 * clock by at most the name's period ({@link Algorithm#periodNanos()}, the longest of its
 * definitions), decisions are made at the floor, so a key evicted after its window ended never
 * finds that window open and empty after a small step back; the store adds the difference to the
 * decision's retryAfter and resetAfter ({@link dev.sluice.Decision#later}), so waiting retryAfter
 * always suffices. A floor further ahead is dropped: holding decisions at it would lock every key
 * out for the length of the step, and the algorithms absorb such a step themselves.
 */
public final class EvictionFloor {
  private EvictionFloor() {}

  /**
   * The time to decide at.
   *
   * @param floor the floor on this timeline (0 if none)
   * @param now the clock's time on this timeline
   * @param periodNanos how far ahead the floor may hold decisions
   * @return {@code floor} when it is ahead of {@code now} by at most {@code periodNanos}, else
   *     {@code now}; a caller that gets {@code now} while its floor is ahead drops the floor
   */
  public static long decideAt(long floor, long now, long periodNanos) {
    return floor > now && floor - now <= periodNanos ? floor : now;
  }

  /**
   * Whether the floor is to be dropped.
   *
   * @param floor the floor on this timeline (0 if none)
   * @param now the clock's time on this timeline
   * @param periodNanos how far ahead the floor may hold decisions
   * @return whether {@code floor} is ahead of {@code now} by more than {@code periodNanos}
   */
  public static boolean dropped(long floor, long now, long periodNanos) {
    return floor > now && floor - now > periodNanos;
  }
}
