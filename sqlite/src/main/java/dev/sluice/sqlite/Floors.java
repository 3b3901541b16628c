package dev.sluice.sqlite;

import dev.sluice.spi.EvictionFloor;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The idle sweep's time floors, per policy name and timeline (monotonic, wall): the latest time at
 * which the sweep deleted a key of the name, committed with the deletion in {@code sluice_meta}
 * (rows {@code monotonic_floor:<name>} and {@code wall_floor:<name>}). Used by the writer only.
 *
 * <p>Deleting forgets a key whose window has ended; if the clock then stepped back a little into
 * that window (a wall clock does under NTP, and so may a restarted process's clock), the key would
 * find it open and empty. So while a floor is ahead of the clock by at most the name's period (the
 * longest {@link dev.sluice.spi.Algorithm#periodNanos()} of its definitions), decisions are made at
 * the floor, and the store adds the difference to their retryAfter and resetAfter
 * ({@link dev.sluice.Decision#later}): waiting retryAfter on the caller's clock always suffices. A
 * floor further ahead than that is dropped: holding decisions at it would lock every key out for
 * the length of the step, and the algorithms absorb such a step themselves (docs/architecture.md,
 * "Clock steps"), as the in-memory store does.
 *
 * <p>Files of schema version 1 kept one floor per timeline for every name ({@code monotonic_floor},
 * {@code wall_floor}); it is read as the floor of every name that has none of its own.
 */
final class Floors {

  /** Name of the meta row of the monotonic timeline's floor (version 1: of every name). */
  static final String MONOTONIC = "monotonic_floor";

  /** Name of the meta row of the wall timeline's floor (version 1: of every name). */
  static final String WALL = "wall_floor";

  /** Per name, {monotonic floor, wall floor}. */
  private final Map<String, long[]> byName = new HashMap<>();
  private long sharedMonotonic;
  private long sharedWall;

  /** The meta row holding {@code name}'s floor on one timeline. */
  static String row(String name, boolean wall) {
    return (wall ? WALL : MONOTONIC) + ":" + name;
  }

  /** Raises the floors to those committed in the file (on opening and reopening it). */
  void load(StateTable d) throws SQLException {
    for (Map.Entry<String, Long> e : d.metaAll().entrySet()) {
      String row = e.getKey();
      long value = e.getValue();
      if (row.equals(MONOTONIC)) {
        sharedMonotonic = Math.max(sharedMonotonic, value);
      } else if (row.equals(WALL)) {
        sharedWall = Math.max(sharedWall, value);
      } else if (row.startsWith(MONOTONIC + ":")) {
        raise(row.substring(MONOTONIC.length() + 1), false, value);
      } else if (row.startsWith(WALL + ":")) {
        raise(row.substring(WALL.length() + 1), true, value);
      }
    }
  }

  /**
   * The time to decide at for {@code name} on one timeline, given the clock's {@code now}: the
   * floor when it is ahead by at most {@code periodNanos}, else {@code now} (a longer step back
   * drops the floor).
   */
  long at(String name, boolean wall, long now, long periodNanos) {
    long[] f = floors(name);
    int i = wall ? 1 : 0;
    long at = EvictionFloor.decideAt(f[i], now, periodNanos);
    if (EvictionFloor.dropped(f[i], now, periodNanos)) {
      f[i] = now;
    }
    return at;
  }

  /** {@code name}'s floor on one timeline. */
  long get(String name, boolean wall) {
    return floors(name)[wall ? 1 : 0];
  }

  /** Raises {@code name}'s floor on one timeline to {@code t} (after the sweep committed it). */
  void raise(String name, boolean wall, long t) {
    long[] f = floors(name);
    int i = wall ? 1 : 0;
    f[i] = Math.max(f[i], t);
  }

  private long[] floors(String name) {
    long[] f = byName.get(name);
    if (f == null) {
      f = new long[] {sharedMonotonic, sharedWall};
      byName.put(name, f);
    }
    return f;
  }
}
