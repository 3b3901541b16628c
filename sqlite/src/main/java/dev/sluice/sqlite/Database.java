package dev.sluice.sqlite;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQLite state table: opening the file (refusing a foreign, corrupt or newer file before
 * touching it), its PRAGMAs and schema, and the SQLite statements behind {@link StateTable}. Used
 * by the writer thread only.
 *
 * <p>Schema version 2:
 *
 * <pre>
 * sluice_state(policy TEXT, key TEXT, state BLOB, kind TEXT, PRIMARY KEY (policy, key)) WITHOUT ROWID
 * sluice_meta(name TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID   -- the time floors
 * PRAGMA application_id = 0x536c6365 ("Slce"), PRAGMA user_version = 2
 * </pre>
 *
 * A state is the algorithm's {@code long[]}, each value as 8 bytes big-endian; {@code kind} is the
 * policy's kind ({@link Name#kind}), so a row written under a name by another kind of policy reads
 * as absent. Version 1 had no {@code kind}: its rows migrate with the kind {@code ''}
 * ({@link StateTable#UNKNOWN_KIND}), read by the kind that asks if the state has that kind's shape.
 */
final class Database implements StateTable {

  private static final System.Logger LOG = System.getLogger(SqliteStore.class.getName());

  /** {@code PRAGMA application_id} of a Sluice database: "Slce". */
  static final int APPLICATION_ID = 0x536c6365;

  /** The page size of a new database file (an existing file keeps its own). */
  static final int PAGE_SIZE = 1024;

  /** The schema this version writes, and the newest it reads. */
  static final int SCHEMA_VERSION = 2;

  private final Path path;
  private final Connection connection;
  private final Statement statement;
  private final PreparedStatement select;
  private final PreparedStatement upsert;
  /** Upserts of {@code UPSERT_ROWS[i]} rows in one statement. */
  private final PreparedStatement[] upserts = new PreparedStatement[UPSERT_ROWS.length];
  private final PreparedStatement delete;
  private final PreparedStatement setMeta;
  private final PreparedStatement scan;

  private Database(Path path, Connection connection) throws SQLException {
    this.path = path;
    this.connection = connection;
    this.statement = connection.createStatement();
    this.select = connection.prepareStatement("SELECT kind, state FROM sluice_state WHERE policy = ? AND key = ?");
    this.upsert = connection.prepareStatement("INSERT INTO sluice_state (policy, key, kind, state) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (policy, key) DO UPDATE SET kind = excluded.kind, state = excluded.state");
    for (int i = 0; i < UPSERT_ROWS.length; i++) {
      StringBuilder sql = new StringBuilder("INSERT INTO sluice_state (policy, key, kind, state) VALUES (?, ?, ?, ?)");
      for (int r = 1; r < UPSERT_ROWS[i]; r++) {
        sql.append(", (?, ?, ?, ?)");
      }
      upserts[i] = connection.prepareStatement(sql.append(
          " ON CONFLICT (policy, key) DO UPDATE SET kind = excluded.kind, state = excluded.state").toString());
    }
    this.delete = connection.prepareStatement("DELETE FROM sluice_state WHERE policy = ? AND key = ?");
    this.setMeta = connection.prepareStatement("INSERT INTO sluice_meta (name, value) VALUES (?, ?)"
        + " ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    this.scan = connection.prepareStatement("SELECT policy, key, kind, state FROM sluice_state"
        + " WHERE (policy, key) > (?, ?) ORDER BY policy, key LIMIT ?");
  }

  /**
   * Opens (creating if absent) the database at {@code path}.
   *
   * @param check whether to run {@code PRAGMA quick_check} (on the first open; not on a reopen
   *     after a failed commit)
   * @param create whether to create the file if absent (on the first open; a reopen never does)
   * @param maxBytes the largest the file may grow ({@code PRAGMA max_page_count} in its page
   *     size); 0 for SQLite's default
   * @throws IllegalStateException with a message naming the file, for a file that is not a
   *     SQLite database, is corrupt, belongs to another application, or has a schema version this
   *     version cannot read
   * @throws SQLException for an I/O problem opening it
   */
  static Database open(Path path, Synchronous synchronous, long maxBytes, boolean check, boolean create)
      throws SQLException {
    org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
    if (!create) {
      config.resetOpenMode(org.sqlite.SQLiteOpenMode.CREATE);
    }
    Connection c = config.createConnection("jdbc:sqlite:" + path);
    boolean ok = false;
    try {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 100");
        if (checkIdentity(path, s)) {
          // A state row is ~40 bytes and a batch's keys land on scattered pages, each written
          // whole to the log at commit: smaller pages write less per decision (+20% decisions/s
          // at 64 callers on 10,000 keys than SQLite's default 4 KiB; docs/performance.md).
          s.execute("PRAGMA page_size = " + PAGE_SIZE);
        }
        if (check) {
          quickCheck(path, s);
        }
        String mode = string(s, "PRAGMA journal_mode = WAL");
        if (!"wal".equalsIgnoreCase(mode)) {
          throw new IllegalStateException("cannot put " + path + " in WAL mode (journal_mode is " + mode + ")");
        }
        s.execute("PRAGMA synchronous = " + synchronous.name());
        // After a checkpoint resets the log, truncate the file to at most this much.
        s.execute("PRAGMA journal_size_limit = " + (16L << 20));
        if (maxBytes > 0) {
          s.execute("PRAGMA max_page_count = " + Math.max(1, maxBytes / number(s, "PRAGMA page_size")));
        }
        createSchema(s);
      }
      Database db = new Database(path, c);
      ok = true;
      return db;
    } catch (SQLException e) {
      throw describe(path, e);
    } finally {
      if (!ok) {
        c.close();
      }
    }
  }

  /** Refuses a file that is not an empty database or a Sluice database this version reads. */
  private static boolean checkIdentity(Path path, Statement s) throws SQLException {
    int applicationId = (int) number(s, "PRAGMA application_id");
    int version = (int) number(s, "PRAGMA user_version");
    long objects = number(s, "SELECT count(*) FROM sqlite_schema");
    if (applicationId == 0 && version == 0 && objects == 0) {
      return true; // new or empty: the schema is created below
    }
    if (applicationId != APPLICATION_ID) {
      throw new IllegalStateException(path + " is not a Sluice database: it is a SQLite database of another"
          + " application (application_id " + String.format("0x%08x", applicationId) + ", " + objects
          + " schema objects); refusing to open or change it");
    }
    if (version > SCHEMA_VERSION) {
      throw new IllegalStateException(path + " was written by a newer Sluice: its schema version is " + version
          + ", and this version reads versions up to " + SCHEMA_VERSION + "; upgrade Sluice or open another file");
    }
    if (version < 1) {
      // Version 1 is the first, so a lower version is a file this store never wrote.
      throw new IllegalStateException(path + " has Sluice schema version " + version
          + ", which no release wrote, and this version cannot migrate it (it reads versions 1 to "
          + SCHEMA_VERSION + "); move the file away to start empty");
    }
    return false; // versions below SCHEMA_VERSION migrate in createSchema
  }

  private static void quickCheck(Path path, Statement s) throws SQLException {
    List<String> problems = new ArrayList<>();
    try (ResultSet r = s.executeQuery("PRAGMA quick_check(5)")) {
      while (r.next()) {
        problems.add(r.getString(1));
      }
    }
    if (!problems.equals(List.of("ok"))) {
      throw new IllegalStateException(path + " is corrupt (PRAGMA quick_check: " + String.join("; ", problems)
          + "); restore it from a backup or move it away to start empty");
    }
  }

  private static void createSchema(Statement s) throws SQLException {
    s.execute("BEGIN IMMEDIATE");
    try {
      long version = number(s, "PRAGMA user_version");
      if (version == 0) {
        s.execute("CREATE TABLE sluice_state (policy TEXT NOT NULL, key TEXT NOT NULL, state BLOB NOT NULL,"
            + " kind TEXT NOT NULL, PRIMARY KEY (policy, key)) WITHOUT ROWID");
        s.execute("CREATE TABLE sluice_meta (name TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
        s.execute("PRAGMA application_id = " + APPLICATION_ID);
      } else if (version == 1) {
        // 1 -> 2: the kind of each row; version 1 did not record it
        s.execute("ALTER TABLE sluice_state ADD COLUMN kind TEXT NOT NULL DEFAULT '" + UNKNOWN_KIND + "'");
      }
      if (version < SCHEMA_VERSION) {
        s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
      }
      s.execute("COMMIT");
    } catch (SQLException | RuntimeException e) {
      s.execute("ROLLBACK");
      throw e;
    }
  }

  /** A clear message for an error from opening the file. */
  static RuntimeException describe(Path path, SQLException e) {
    if (e instanceof SQLiteException se) {
      SQLiteErrorCode code = se.getResultCode();
      if (code == SQLiteErrorCode.SQLITE_NOTADB) {
        return new IllegalStateException(path + " is not a SQLite database, or its header is corrupt"
            + " (SQLite: file is not a database); refusing to open it", e);
      }
      if (code == SQLiteErrorCode.SQLITE_CORRUPT || code.name().startsWith("SQLITE_CORRUPT")) {
        return new IllegalStateException(path + " is corrupt (SQLite: " + e.getMessage()
            + "); restore it from a backup or move it away to start empty", e);
      }
    }
    return new IllegalStateException("cannot open " + path + ": " + e.getMessage(), e);
  }

  /** {@code BEGIN IMMEDIATE}: takes the write lock at once (waiting up to the busy timeout). */
  @Override
  public void begin() throws SQLException {
    statement.execute("BEGIN IMMEDIATE");
  }

  @Override
  public void commit() throws SQLException {
    statement.execute("COMMIT");
  }

  @Override
  public void rollback() {
    try {
      statement.execute("ROLLBACK");
    } catch (SQLException e) {
      // no transaction was active (SQLite rolled it back itself), or the connection is broken:
      // either way it is closed next
    }
  }

  /** Its state is {@link #CORRUPT} if the stored value's length is not 8n. */
  @Override
  public Row load(String policy, String key, String kind) throws SQLException {
    select.setString(1, policy);
    select.setString(2, key);
    try (ResultSet r = select.executeQuery()) {
      if (!r.next()) {
        return null;
      }
      String stored = r.getString(1);
      if (!stored.equals(kind) && !stored.equals(UNKNOWN_KIND)) {
        return null;
      }
      return new Row(policy, key, stored, decode(r.getBytes(2)));
    }
  }

  @Override
  public void delete(String policy, String key) throws SQLException {
    delete.setString(1, policy);
    delete.setString(2, key);
    delete.executeUpdate();
  }

  /** Writes the state of a policy of {@code kind}, replacing a row of any kind. */
  private void save(String policy, String key, String kind, long[] state) throws SQLException {
    upsert.setString(1, policy);
    upsert.setString(2, key);
    upsert.setString(3, kind);
    upsert.setBytes(4, encode(state));
    upsert.executeUpdate();
  }

  /** Row counts of the multi-row upserts: a batch's rows go in the largest that fit. */
  private static final int[] UPSERT_ROWS = {64, 16, 4};

  /** In multi-row statements, so a batch costs a few calls into SQLite rather than one per row. */
  @Override
  public void saveAll(String[] policies, String[] keys, String[] kinds, long[][] states, int n) throws SQLException {
    int i = 0;
    for (int k = 0; k < UPSERT_ROWS.length; k++) {
      int rows = UPSERT_ROWS[k];
      PreparedStatement p = upserts[k];
      for (; n - i >= rows; i += rows) {
        for (int r = 0, col = 1; r < rows; r++) {
          p.setString(col++, policies[i + r]);
          p.setString(col++, keys[i + r]);
          p.setString(col++, kinds[i + r]);
          p.setBytes(col++, encode(states[i + r]));
        }
        p.executeUpdate();
      }
    }
    for (; i < n; i++) {
      save(policies[i], keys[i], kinds[i], states[i]);
    }
  }

  @Override
  public java.util.Map<String, Long> metaAll() throws SQLException {
    java.util.Map<String, Long> rows = new java.util.HashMap<>();
    try (ResultSet r = statement.executeQuery("SELECT name, value FROM sluice_meta")) {
      while (r.next()) {
        rows.put(r.getString(1), r.getLong(2));
      }
    }
    return rows;
  }

  @Override
  public void setMeta(String name, long value) throws SQLException {
    setMeta.setString(1, name);
    setMeta.setLong(2, value);
    setMeta.executeUpdate();
  }

  @Override
  public List<Row> scan(String policy, String key, int limit) throws SQLException {
    scan.setString(1, policy);
    scan.setString(2, key);
    scan.setInt(3, limit);
    List<Row> rows = new ArrayList<>(limit);
    try (ResultSet r = scan.executeQuery()) {
      while (r.next()) {
        rows.add(new Row(r.getString(1), r.getString(2), r.getString(3), decode(r.getBytes(4))));
      }
    }
    return rows;
  }

  /**
   * {@code PRAGMA wal_checkpoint(TRUNCATE)}: copies the log into the database and, once no reader
   * uses it (waiting up to the busy timeout), truncates it; logged (debug) if a reader held it
   * past the busy timeout, so the log was not reset.
   */
  @Override
  public void upkeep() throws SQLException {
    boolean reset;
    try (ResultSet r = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
      reset = r.next() && r.getInt(1) == 0;
    }
    if (!reset) {
      LOG.log(System.Logger.Level.DEBUG, "checkpoint of " + path + " could not reset the log: a reader holds it");
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
    if (bytes == null || bytes.length % 8 != 0) {
      return CORRUPT;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long[] state = new long[bytes.length / 8];
    for (int i = 0; i < state.length; i++) {
      state[i] = b.getLong();
    }
    return state;
  }

  private static long number(Statement s, String sql) throws SQLException {
    try (ResultSet r = s.executeQuery(sql)) {
      return r.next() ? r.getLong(1) : 0;
    }
  }

  private static String string(Statement s, String sql) throws SQLException {
    try (ResultSet r = s.executeQuery(sql)) {
      return r.next() ? r.getString(1) : null;
    }
  }

  /** The size of the write-ahead log file in bytes (0 if absent). */
  static long walBytes(Path db) {
    try {
      Path wal = db.resolveSibling(db.getFileName() + "-wal");
      return Files.exists(wal) ? Files.size(wal) : 0;
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // closing after a failure: nothing more to do
    }
  }
}
