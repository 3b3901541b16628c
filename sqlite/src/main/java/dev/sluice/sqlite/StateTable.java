package dev.sluice.sqlite;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The state table as the {@link Writer} uses it, through one connection: rows
 * {@code (policy name, key) -> (kind, state)}, the meta rows that hold the idle sweep's floors,
 * and the transactions around them. It says nothing of how rows are stored: the SQLite store's is
 * {@link Database}; a store on another SQL database would supply its own statements here and
 * reuse the writer.
 *
 * <p>Used by the writer thread only. After any method throws, the writer rolls back and closes the
 * table, and asks its {@link Source} for another before the next batch.
 */
interface StateTable {

  /**
   * The kind of a row written before kinds were recorded (SQLite's schema version 1): read by the
   * kind that asks for it if the state has that kind's shape.
   */
  String UNKNOWN_KIND = "";

  /** A stored state that is not a list of 64-bit integers ({@link Row#state}). */
  long[] CORRUPT = new long[0];

  /** One stored row: a key's state under a policy name, written by a policy of {@code kind}. */
  record Row(String policy, String key, String kind, long[] state) {}

  /** Opens a transaction that holds the write lock from its start. */
  void begin() throws SQLException;

  void commit() throws SQLException;

  /** Rolls back the open transaction, if any; never throws (the table is closed next). */
  void rollback();

  /**
   * The row of {@code (policy, key)} if it holds a state of {@code kind} or of
   * {@link #UNKNOWN_KIND}; null if there is none or it holds another kind's.
   */
  Row load(String policy, String key, String kind) throws SQLException;

  /**
   * Writes {@code n} states (none null, distinct keys), replacing rows of any kind:
   * {@code states[i]} of {@code (policies[i], keys[i])}, written by a policy of {@code kinds[i]}.
   */
  void saveAll(String[] policies, String[] keys, String[] kinds, long[][] states, int n) throws SQLException;

  /** Deletes the row of {@code (policy, key)}, if any. */
  void delete(String policy, String key) throws SQLException;

  /** Up to {@code limit} rows after {@code (policy, key)}, in key order: the idle sweep's walk. */
  List<Row> scan(String policy, String key, int limit) throws SQLException;

  /** Every meta row, by name ({@link Floors}). */
  Map<String, Long> metaAll() throws SQLException;

  /** Writes the meta row {@code name} (in the open transaction). */
  void setMeta(String name, long value) throws SQLException;

  /**
   * Housekeeping the writer runs between batches, outside any transaction, every
   * {@link Writer.Settings#upkeepNanos} (SQLite: the log checkpoint, every
   * {@code checkpointInterval}).
   */
  void upkeep() throws SQLException;

  /** Closes the connection; never throws. */
  void close();

  /** Where the writer gets a table again after a failure closed its own. */
  interface Source {

    /** Opens the table again; never creates what was lost. */
    StateTable reopen() throws SQLException;

    /**
     * Why the table the store opened can no longer be reached, or null while it can. The writer
     * asks before and right after each reopen, and at most every {@link Writer#LOST_CHECK_NANOS}
     * while it has a table; while it is lost, every decision is answered by its policy's failure
     * choice, and this is the last error the store reports.
     */
    String lost();
  }
}
