package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.ManualClock;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle keys leave the file; the write-ahead log stays bounded while another connection reads. */
class MaintenanceTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T10:00:02Z"));

  @Test
  void idleKeysAreDeletedAndBusyOnesKept() throws Exception {
    Path file = dir.resolve("sweep.db");
    FixedWindow shortWindow = FixedWindow.of("short", 5, Window.of(Duration.ofSeconds(10)));
    TokenBucket slow = TokenBucket.of("slow", 5, 1, Duration.ofDays(1));
    try (SqliteStore store = SqliteStore.open(file).clock(clock).idleSweepInterval(Duration.ofSeconds(5)).build();
         Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      Partition w = store.partition(shortWindow);
      Partition b = store.partition(slow);
      for (int i = 0; i < 2_000; i++) { // several sweep chunks
        w.apply("w" + i, 1, Operation.ACQUIRE, 0);
      }
      b.apply("busy", 1, Operation.ACQUIRE, 0);
      assertThat(FailureTest.rows(reader, "short")).isEqualTo(2_000);

      clock.advance(Duration.ofSeconds(15)); // windows over: idle; the bucket still owes a day's refill
      b.apply("nudge", 0, Operation.PEEK, 0); // wakes the writer; the sweep is due
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (FailureTest.rows(reader, "short") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(FailureTest.rows(reader, "short")).as("idle keys swept").isZero();
      assertThat(FailureTest.rows(reader, "slow")).as("a key still holding state stays").isEqualTo(1);
      assertThat(b.apply("busy", 0, Operation.PEEK, 0).remaining()).isEqualTo(4);
    }
  }

  @Test
  void afterASweepTheClockGoingBackDoesNotReopenASweptWindow() throws Exception {
    Path file = dir.resolve("floor.db");
    FixedWindow window = FixedWindow.of("w", 1, Window.of(Duration.ofSeconds(10)));
    // at 10:00:02, in the window [10:00:00, 10:00:10)
    try (SqliteStore store = SqliteStore.open(file).clock(clock).idleSweepInterval(Duration.ofSeconds(5)).build();
         Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      Partition w = store.partition(window);
      assertThat(w.apply("k", 1, Operation.ACQUIRE, 0).allowed()).isTrue();
      clock.advance(Duration.ofSeconds(15)); // 10:00:17: the key is idle and swept
      w.apply("other", 0, Operation.PEEK, 0);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (FailureTest.rows(reader, "w") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(FailureTest.rows(reader, "w")).isZero();
    }
    clock.set(Instant.parse("2026-11-24T10:00:04Z")); // 10:00:04, back in the window whose key was swept
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build()) { // the floor is in the file
      Partition w = store.partition(window);
      assertThat(w.apply("k", 1, Operation.ACQUIRE, 0).allowed()).as("in the window of 10:00:17").isTrue();
      Decision denied = w.apply("k", 1, Operation.ACQUIRE, 0);
      assertThat(denied.allowed()).isFalse();
      // Decided at 10:00:17 (window ends 10:00:20), not at 10:00:04 (which would say 6 s).
      assertThat(denied.retryAfterNanos()).isEqualTo(Duration.ofSeconds(3).toNanos());
    }
  }

  @Test
  void theLogStaysBoundedWhileAnotherConnectionKeepsReading() throws Exception {
    // SQLite's own passive checkpoints cannot restart the log while some read is always open: it
    // grows as long as the writes go on (over 100 MB in these 3 s on the development VM).
    long without = maxLogBytes(Duration.ofDays(1));
    // The store's periodic wal_checkpoint(TRUNCATE) waits for the reads open at that moment (new
    // ones start on the checkpointed file) and restarts it: bounded by what 200 ms of writes add.
    long with = maxLogBytes(Duration.ofMillis(200));
    assertThat(with).as("largest -wal file, checkpointed every 200 ms").isLessThan(64L << 20);
    assertThat(without).as("largest -wal file with no periodic checkpoint, vs. with (%d)", with)
        .isGreaterThan(2 * with);
  }

  /** The largest the -wal file gets in 3 s of writes on new keys while two readers take turns. */
  private long maxLogBytes(Duration checkpointInterval) throws Exception {
    Path file = dir.resolve("wal-" + checkpointInterval.toMillis() + ".db");
    TokenBucket policy = TokenBucket.of("t", 100, 1, Duration.ofSeconds(1));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong reads = new AtomicLong();
    long max = 0;
    try (SqliteStore store = SqliteStore.open(file).checkpointInterval(checkpointInterval).build()) {
      Partition p = store.partition(policy);
      p.apply("first", 1, Operation.ACQUIRE, 0);
      // Two readers whose transactions overlap, so some read transaction is always open: SQLite's
      // own passive checkpoints then never find a moment to restart the log.
      Thread[] readers = new Thread[2];
      for (int r = 0; r < readers.length; r++) {
        long offset = r * 15L;
        readers[r] = new Thread(() -> {
          try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            Thread.sleep(offset);
            while (!stop.get()) {
              s.execute("BEGIN");
              try (ResultSet q = s.executeQuery("SELECT count(*) FROM sluice_state")) {
                q.next();
              }
              Thread.sleep(30); // a reader that takes its time
              s.execute("COMMIT");
              reads.incrementAndGet();
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        readers[r].start();
      }
      Thread[] writers = new Thread[4];
      for (int t = 0; t < writers.length; t++) {
        int id = t;
        writers[t] = new Thread(() -> {
          for (int i = 0; !stop.get(); i++) {
            p.apply(id + "-" + i, 1, Operation.ACQUIRE, 0);
          }
        });
        writers[t].start();
      }
      long end = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < end) {
        max = Math.max(max, Database.walBytes(file));
        Thread.sleep(20);
      }
      stop.set(true);
      for (Thread w : writers) {
        w.join();
      }
      for (Thread r : readers) {
        r.join();
      }
      assertThat(reads.get()).as("the reader kept reading").isGreaterThan(10);
    }
    return max;
  }
}
