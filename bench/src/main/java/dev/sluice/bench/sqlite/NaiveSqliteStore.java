package dev.sluice.bench.sqlite;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Step;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline of the SQLite benchmark: the obvious durable store, one transaction per decision.
 *
 * <p>One JDBC connection ({@code jdbc:sqlite:}, WAL, {@code synchronous} FULL unless set) and one
 * lock: every decision, in turn, runs {@code BEGIN IMMEDIATE}; {@code SELECT} of the key's state;
 * the core's pure algorithm ({@link Algorithm#step}, at {@link Clock#system()}'s time); an upsert
 * (or a delete) if the state changed; {@code COMMIT}, and only then answers. The same table shape
 * as {@code SqliteStore}'s ({@code (policy, key, state BLOB) WITHOUT ROWID}, a state as 8-byte
 * big-endian longs). Meant to be fair, not a strawman: the statements are prepared once and
 * reused, and nothing is done that the decision does not need. What it lacks is group commit (and
 * the state cache): each decision waits for its own commit, and commits are serial.
 */
public final class NaiveSqliteStore implements AutoCloseable {

  private final Clock clock = Clock.system();
  private final Connection connection;
  private final PreparedStatement begin;
  private final PreparedStatement commit;
  private final PreparedStatement rollback;
  private final PreparedStatement select;
  private final PreparedStatement upsert;
  private final PreparedStatement delete;
  private final AtomicLong commits = new AtomicLong();

  /**
   * Opens (creating if absent) the database at {@code path}.
   *
   * @param synchronous {@code PRAGMA synchronous}: "FULL" or "NORMAL"
   */
  public NaiveSqliteStore(Path path, String synchronous) throws SQLException {
    connection = DriverManager.getConnection("jdbc:sqlite:" + path.toAbsolutePath());
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA busy_timeout = 5000");
      try (ResultSet r = s.executeQuery("PRAGMA journal_mode = WAL")) {
        if (!r.next() || !"wal".equalsIgnoreCase(r.getString(1))) {
          throw new SQLException("cannot put " + path + " in WAL mode");
        }
      }
      s.execute("PRAGMA synchronous = " + synchronous);
      s.execute("CREATE TABLE IF NOT EXISTS state (policy TEXT NOT NULL, key TEXT NOT NULL,"
          + " state BLOB NOT NULL, PRIMARY KEY (policy, key)) WITHOUT ROWID");
    }
    begin = connection.prepareStatement("BEGIN IMMEDIATE");
    commit = connection.prepareStatement("COMMIT");
    rollback = connection.prepareStatement("ROLLBACK");
    select = connection.prepareStatement("SELECT state FROM state WHERE policy = ? AND key = ?");
    upsert = connection.prepareStatement("INSERT INTO state (policy, key, state) VALUES (?, ?, ?)"
        + " ON CONFLICT (policy, key) DO UPDATE SET state = excluded.state");
    delete = connection.prepareStatement("DELETE FROM state WHERE policy = ? AND key = ?");
  }

  /** The keys of {@code policy}, each decided by its own transaction. */
  public Partition partition(Policy policy) {
    Algorithm algorithm = Algorithm.of(policy);
    String name = policy.name();
    return new Partition() {
      @Override
      public Policy policy() {
        return policy;
      }

      @Override
      public Decision apply(String key, Command command) {
        return decide(algorithm, name, key, command);
      }
    };
  }

  /** Transactions committed since the store opened (one per decision). */
  public long commits() {
    return commits.get();
  }

  /** One decision in one transaction, committed before it is answered. */
  private synchronized Decision decide(Algorithm algorithm, String policy, String key, Command command) {
    try {
      begin.execute();
      try {
        Step step = algorithm.step(load(policy, key), clock.nanos(), command);
        if (step.changed()) {
          save(policy, key, step.state());
        }
        commit.execute();
        commits.incrementAndGet();
        return step.decision();
      } catch (SQLException | RuntimeException e) {
        rollback.execute();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("naive SQLite store: " + e.getMessage(), e);
    }
  }

  /**
   * Applies {@code command} once to each of {@code keys} in one transaction (creating their rows):
   * setup before a measurement, not a decision path.
   */
  public synchronized void prefill(Policy policy, String[] keys, Command command) throws SQLException {
    Algorithm algorithm = Algorithm.of(policy);
    begin.execute();
    try {
      for (String key : keys) {
        Step step = algorithm.step(load(policy.name(), key), clock.nanos(), command);
        if (step.changed()) {
          save(policy.name(), key, step.state());
        }
      }
      commit.execute();
      commits.incrementAndGet();
    } catch (SQLException | RuntimeException e) {
      rollback.execute();
      throw e;
    }
  }

  private long[] load(String policy, String key) throws SQLException {
    select.setString(1, policy);
    select.setString(2, key);
    try (ResultSet r = select.executeQuery()) {
      return r.next() ? decode(r.getBytes(1)) : null;
    }
  }

  private void save(String policy, String key, long[] state) throws SQLException {
    if (state == null) {
      delete.setString(1, policy);
      delete.setString(2, key);
      delete.executeUpdate();
    } else {
      upsert.setString(1, policy);
      upsert.setString(2, key);
      upsert.setBytes(3, encode(state));
      upsert.executeUpdate();
    }
  }

  static byte[] encode(long[] state) {
    ByteBuffer b = ByteBuffer.allocate(state.length * 8);
    for (long v : state) {
      b.putLong(v);
    }
    return b.array();
  }

  static long[] decode(byte[] bytes) {
    if (bytes.length % 8 != 0) {
      throw new IllegalStateException("stored state of " + bytes.length + " bytes is not a list of longs");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long[] state = new long[bytes.length / 8];
    for (int i = 0; i < state.length; i++) {
      state[i] = b.getLong();
    }
    return state;
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // nothing more to do
    }
  }
}
