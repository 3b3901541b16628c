package dev.sluice.sqlite;

import dev.sluice.Clock;
import dev.sluice.spi.Args;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The idle sweep: every interval (on the store's clock) a walk over the state table in key order,
 * a chunk of rows per step between the writer's batches, that deletes the keys whose state decides
 * like a fresh key's under every definition of their name, and commits each swept name's time
 * floors with the deletion ({@link Floors}). Runs on the writer thread.
 */
final class IdleSweep {

  /** Keys per step. */
  static final int CHUNK = 512;

  private final Clock clock;
  private final long intervalNanos;
  private final Map<String, Name> byName;
  private final Floors floors;
  private long last;
  /** The walk's place: after (policy, key); policy null between walks. */
  private String policy;
  private String key;

  IdleSweep(Clock clock, long intervalNanos, Map<String, Name> byName, Floors floors) {
    this.clock = clock;
    this.intervalNanos = intervalNanos;
    this.byName = byName;
    this.floors = floors;
    this.last = clock.nanos();
  }

  /**
   * Starts a walk if one is due, and takes its next step if one is under way: deletes the idle
   * keys among the next {@link #CHUNK} rows in one transaction.
   *
   * @return the keys deleted (committed), for the writer to forget
   */
  List<StateCache.Key> step(StateTable d) throws SQLException {
    long now = clock.nanos();
    if (policy == null && now - last >= intervalNanos) {
      last = now;
      policy = "";
      key = "";
    }
    if (policy == null) {
      return List.of();
    }
    List<StateTable.Row> rows = d.scan(policy, key, CHUNK);
    long monotonicNow = Args.time("clock.nanos()", clock.nanos());
    long wallNow = Args.time("clock.wallNanos()", clock.wallNanos());
    // per name swept, the times its keys were found idle at: {monotonic, wall}
    Map<String, long[]> times = new HashMap<>();
    List<StateCache.Key> idle = new ArrayList<>();
    for (StateTable.Row r : rows) {
      Name named = byName.get(r.policy());
      if (named == null || r.state() == StateTable.CORRUPT
          || !(r.kind().equals(named.kind) || r.kind().equals(StateTable.UNKNOWN_KIND))) {
        // a policy (or a kind under the name) this process does not use: it cannot tell
        // whether the key is idle
        continue;
      }
      long[] at = times.get(r.policy());
      if (at == null) {
        at = new long[] {
            floors.at(r.policy(), false, monotonicNow, named.periodNanos),
            floors.at(r.policy(), true, wallNow, named.periodNanos)};
      }
      if (idleUnderEvery(named.definitions, r.state(), at[0], at[1])) {
        idle.add(new StateCache.Key(r.policy(), r.key()));
        times.put(r.policy(), at);
      }
    }
    if (!idle.isEmpty()) {
      d.begin();
      for (StateCache.Key k : idle) {
        d.delete(k.name(), k.key());
      }
      for (Map.Entry<String, long[]> e : times.entrySet()) {
        String name = e.getKey();
        d.setMeta(Floors.row(name, false), Math.max(floors.get(name, false), e.getValue()[0]));
        d.setMeta(Floors.row(name, true), Math.max(floors.get(name, true), e.getValue()[1]));
      }
      d.commit();
      for (Map.Entry<String, long[]> e : times.entrySet()) {
        floors.raise(e.getKey(), false, e.getValue()[0]);
        floors.raise(e.getKey(), true, e.getValue()[1]);
      }
    }
    if (rows.size() < CHUNK) {
      policy = null;
    } else {
      StateTable.Row lastRow = rows.get(rows.size() - 1);
      policy = lastRow.policy();
      key = lastRow.key();
    }
    return idle;
  }

  /** Ends the walk under way (its transaction failed); the next starts at the next interval. */
  void stop() {
    policy = null;
  }

  /** Whether {@code state} decides like a fresh key under every definition of its name. */
  private static boolean idleUnderEvery(List<SqlitePartition> defs, long[] state, long monotonic, long wall) {
    for (SqlitePartition p : defs) {
      try {
        if (!p.algorithm.idle(state, p.wall ? wall : monotonic)) {
          return false;
        }
      } catch (IllegalArgumentException e) {
        return false; // not this definition's state: left for the decision that meets it to report
      }
    }
    return true;
  }
}
