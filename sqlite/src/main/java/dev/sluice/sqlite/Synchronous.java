package dev.sluice.sqlite;

/**
 * SQLite's {@code synchronous} setting: when a commit waits for the disk. The store acknowledges a
 * decision only after its transaction commits; this says what "committed" survives.
 */
public enum Synchronous {
  /**
   * The default. A commit returns after the write-ahead log is synced to disk: an acknowledged
   * decision survives a process crash and a power loss.
   */
  FULL,
  /**
   * A commit returns after the write-ahead log is written, syncing only at checkpoints: several
   * times faster per commit, and still safe against a process crash (kill -9), but a power loss
   * or an operating system crash can lose the last commits, so decisions already acknowledged
   * may be forgotten (their cost given back). The database stays consistent either way.
   */
  NORMAL
}
