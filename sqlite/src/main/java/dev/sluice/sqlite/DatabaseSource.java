package dev.sluice.sqlite;

import java.sql.SQLException;

/**
 * Where the writer gets its SQLite table again after a failure closed it: the database file,
 * reopened without ever creating it, and lost while the file at the path is not the one the store
 * opened ({@link DatabaseFile#check}: deleted, moved, or replaced). Logs each loss once. Used by
 * the writer thread only.
 */
final class DatabaseSource implements StateTable.Source {

  private static final System.Logger LOG = System.getLogger(SqliteStore.class.getName());

  private final DatabaseFile file;
  private final Synchronous synchronous;
  private final long maxBytes;
  /** Why the file is lost, or null while it is the one opened (until a reopen is confirmed). */
  private String lost;
  /** Whether the file was reopened and {@link #lost} has not looked at it since. */
  private boolean reopened;

  DatabaseSource(DatabaseFile file, Synchronous synchronous, long maxBytes) {
    this.file = file;
    this.synchronous = synchronous;
    this.maxBytes = maxBytes;
  }

  @Override
  public StateTable reopen() throws SQLException {
    // never creates the file: one deleted or moved away stays lost
    Database db = Database.open(file.path, synchronous, maxBytes, false, false);
    reopened = true;
    return db;
  }

  /**
   * Whether the file at the path is no longer the one opened. A loss is logged once: until the
   * writer reopens the file and finds it is the one (its check right after {@link #reopen}).
   */
  @Override
  public String lost() {
    String problem = file.check();
    if (problem == null) {
      if (reopened) {
        reopened = false;
        lost = null;
      }
      return null;
    }
    reopened = false;
    String error = problem + "; every decision is answered by its policy's failure choice (FailurePolicy) until"
        + " the file is back. Decisions committed since it went are gone with it; close the store and open"
        + " it again to start on a new file";
    if (lost == null) {
      LOG.log(System.Logger.Level.ERROR, "SQLite store lost its database file: " + error);
    }
    lost = error;
    return error;
  }
}
