package dev.sluice.sqlite;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The writer's states in memory: those the batch in progress wrote (staged, not yet committed)
 * over those committed (cached, the least recently used dropped past {@code maxCachedKeys}), over
 * the table, read on a miss and cached. The table stays the record: the cache only ever holds
 * committed states, and is dropped whenever a transaction fails. Used by the writer thread only.
 */
final class StateCache {

  /**
   * A key in the maps: what a row is keyed by, the policy name and the key. Every definition of a
   * name reads the same entry (one name holds one kind in a store).
   */
  record Key(String name, String key) {}

  /** A stored state that is not one of its policy's. */
  static final class BadState extends Exception {
    private static final long serialVersionUID = 1;

    BadState(String message) {
      super(message, null, false, false);
    }
  }

  /** Marks a key known to have no row. */
  private final long[] absent = new long[0];

  /** Committed states, most recently used last. */
  private final Map<Key, long[]> cache;
  /** States written by the batch in progress, not yet committed. */
  private final Map<Key, long[]> staged = new HashMap<>();
  /** Per policy name, its definitions: the kind each staged row is written with. */
  private final Map<String, Name> byName;

  private String[] policies = new String[0];
  private String[] keys = new String[0];
  private String[] kinds = new String[0];
  private long[][] states = new long[0][];

  StateCache(int maxCachedKeys, Map<String, Name> byName) {
    this.byName = byName;
    this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
      private static final long serialVersionUID = 1;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, long[]> eldest) {
        return size() > maxCachedKeys;
      }
    };
  }

  /**
   * The key's state: staged in this batch, cached, or read (and cached); null if none. A row of
   * another kind reads as absent (a write replaces it).
   *
   * @param now the time {@code p} decides at, for checking the state read
   * @throws BadState if the key's row holds no state of {@code p}'s
   */
  long[] load(StateTable d, SqlitePartition p, Key k, long now) throws SQLException, BadState {
    long[] s = staged.get(k);
    if (s == null) {
      s = cache.get(k);
      if (s == null) {
        StateTable.Row row = d.load(k.name(), k.key(), p.kind);
        s = row == null ? null : row.state();
        if (s != null && !check(p, k, row.kind().equals(StateTable.UNKNOWN_KIND), s, now)) {
          s = null;
        }
        s = s == null ? absent : s;
        cache.put(k, s);
      }
    }
    return s == absent ? null : s;
  }

  /**
   * Whether {@code s} is a state of {@code p}'s kind; false for a row of unknown kind
   * ({@link StateTable#UNKNOWN_KIND}) that does not have its shape, which reads as absent like a
   * row of another kind.
   *
   * @throws BadState if a row of {@code p}'s kind does not hold one of its states
   */
  private static boolean check(SqlitePartition p, Key k, boolean unknownKind, long[] s, long now) throws BadState {
    String problem = s == StateTable.CORRUPT ? "a value that is not a list of 64-bit integers" : null;
    if (problem == null) {
      try {
        p.algorithm.idle(s, now);
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
    }
    if (problem != null && unknownKind) {
      return false;
    }
    if (problem != null) {
      throw new BadState("key '" + k.key() + "' of policy '" + k.name() + "' holds " + problem
          + " (was the policy redefined under the same name with another shape?); reset the key to start it fresh");
    }
    return true;
  }

  /** Stages the key's new state in the batch in progress; null deletes its row. */
  void stage(Key k, long[] state) {
    staged.put(k, state == null ? absent : state);
  }

  /** Whether the batch in progress changed any key. */
  boolean changed() {
    return !staged.isEmpty();
  }

  /** Writes the staged states: deletions one by one (rare), the rest in multi-row upserts. */
  void save(StateTable d) throws SQLException {
    int n = staged.size();
    if (policies.length < n) {
      policies = new String[n];
      keys = new String[n];
      kinds = new String[n];
      states = new long[n][];
    }
    int rows = 0;
    for (Map.Entry<Key, long[]> e : staged.entrySet()) {
      long[] s = e.getValue();
      String name = e.getKey().name();
      if (s == absent) {
        d.delete(name, e.getKey().key());
      } else {
        policies[rows] = name;
        keys[rows] = e.getKey().key();
        kinds[rows] = byName.get(name).kind;
        states[rows++] = s;
      }
    }
    d.saveAll(policies, keys, kinds, states, rows);
  }

  /** The batch's transaction committed: its staged states are the committed ones now. */
  void committed() {
    cache.putAll(staged);
    staged.clear();
  }

  /** Forgets a committed state (its row was deleted by the idle sweep). */
  void forget(Key k) {
    cache.remove(k);
  }

  /** Forgets every state, staged and cached (a transaction failed, or the table was lost). */
  void clear() {
    staged.clear();
    cache.clear();
  }
}
