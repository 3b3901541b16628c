package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.ManualClock;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Command;
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
        w.apply("w" + i, Command.acquire(1));
      }
      b.apply("busy", Command.acquire(1));
      assertThat(FailureTest.rows(reader, "short")).isEqualTo(2_000);

      clock.advance(Duration.ofSeconds(15)); // windows over: idle; the bucket still owes a day's refill
      b.apply("nudge", Command.peek(0)); // wakes the writer; the sweep is due
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (FailureTest.rows(reader, "short") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(FailureTest.rows(reader, "short")).as("idle keys swept").isZero();
      assertThat(FailureTest.rows(reader, "slow")).as("a key still holding state stays").isEqualTo(1);
      assertThat(b.apply("busy", Command.peek(0)).remaining()).isEqualTo(4);
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
      assertThat(w.apply("k", Command.acquire(1)).allowed()).isTrue();
      clock.advance(Duration.ofSeconds(15)); // 10:00:17: the key is idle and swept
      w.apply("other", Command.peek(0));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (FailureTest.rows(reader, "w") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(FailureTest.rows(reader, "w")).isZero();
    }
    // 10:00:08, back in the window whose key was swept, 9 s behind the floor: within the
    // window's period (10 s), so the floor holds
    clock.set(Instant.parse("2026-11-24T10:00:08Z"));
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build()) { // the floor is in the file
      Partition w = store.partition(window);
      assertThat(w.apply("k", Command.acquire(1)).allowed()).as("in the window of 10:00:17").isTrue();
      Decision denied = w.apply("k", Command.acquire(1));
      assertThat(denied.allowed()).isFalse();
      // Decided at 10:00:17 (the window ends at 10:00:20), and measured from the caller's clock,
      // 10:00:08: 12 s (not 3 s, which the caller would wait four times over)
      assertThat(denied.retryAfterNanos()).isEqualTo(Duration.ofSeconds(12).toNanos());
    }
  }

  /**
   * Below the sweep floor, a decision was made at the floor but its retryAfter was measured from
   * it, not from the caller's clock: a blocking acquire 5 s below the floor woke after 3 s, 3 s and
   * 2 s, asking three times for one wait. Now one sleep, exactly as long as needed.
   */
  @Test
  void aBlockingAcquireBelowTheSweepFloorSleepsOnceForExactlyTheWait() throws Exception {
    Path file = dir.resolve("acquire.db");
    FixedWindow window = FixedWindow.of("w", 1, Window.of(Duration.ofSeconds(10)));
    try (SqliteStore store = SqliteStore.open(file).clock(clock).idleSweepInterval(Duration.ofSeconds(5)).build();
         dev.sluice.Sluice sluice = dev.sluice.Sluice.builder().store(store).build()) {
      sweepAt(store, file, window, Instant.parse("2026-11-24T10:00:17Z")); // the floor: 10:00:17
      clock.set(Instant.parse("2026-11-24T10:00:12Z")); // 5 s back, within the period (10 s)
      dev.sluice.Limiter l = sluice.limiter(window);
      assertThat(l.tryAcquire("k", 1).allowed()).as("in the window of the floor, [10, 20)").isTrue();
      Decision denied = l.tryAcquire("k", 1);
      assertThat(denied.retryAfter()).as("until 10:00:20 on the caller's clock").isEqualTo(Duration.ofSeconds(8));
      clock.set(Instant.parse("2026-11-24T10:00:20Z").minusNanos(1));
      assertThat(l.tryAcquire("k", 1).allowed()).as("one nanosecond before the wait is over").isFalse();
      clock.set(Instant.parse("2026-11-24T10:00:12Z")); // back again: still within the period
      int before = clock.sleeps().size();
      long commits = store.commits();
      assertThat(l.acquire("k", 1, Duration.ofMinutes(1)).allowed()).isTrue();
      assertThat(clock.sleeps().subList(before, clock.sleeps().size()))
          .as("one sleep, to 10:00:20").containsExactly(Duration.ofSeconds(8).toNanos());
      assertThat(clock.instant()).isEqualTo(Instant.parse("2026-11-24T10:00:20Z"));
      assertThat(store.commits() - commits).as("one admission committed").isEqualTo(1);
    }
  }

  /**
   * A step back longer than the period below the sweep floor used to pin time at the floor: a
   * 10 s window denied for the day the clock went back. Now the floor is dropped and the window
   * decides on the caller's clock (the algorithms absorb long steps).
   */
  @Test
  void aLongStepBackBelowTheSweepFloorDoesNotPinTime() throws Exception {
    Path file = dir.resolve("pin.db");
    FixedWindow window = FixedWindow.of("w", 1, Window.of(Duration.ofSeconds(10)));
    try (SqliteStore store = SqliteStore.open(file).clock(clock).idleSweepInterval(Duration.ofSeconds(5)).build()) {
      sweepAt(store, file, window, Instant.parse("2026-11-24T10:00:17Z"));
      clock.set(Instant.parse("2026-11-23T10:00:02Z")); // a day back
      Partition w = store.partition(window);
      assertThat(w.apply("k", Command.acquire(1)).allowed()).isTrue();
      Decision denied = w.apply("k", Command.acquire(1));
      assertThat(denied.retryAfterNanos()).as("to the end of the window the clock shows")
          .isEqualTo(Duration.ofSeconds(8).toNanos());
      clock.set(Instant.parse("2026-11-23T10:00:10Z"));
      assertThat(w.apply("k", Command.acquire(1)).allowed()).isTrue();
    }
  }

  /** Spends key "swept" at the clock's time, moves the clock to {@code at} and waits until it is swept. */
  private void sweepAt(SqliteStore store, Path file, FixedWindow window, Instant at) throws Exception {
    Partition w = store.partition(window);
    assertThat(w.apply("swept", Command.acquire(1)).allowed()).isTrue();
    clock.set(at);
    try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (FailureTest.rows(reader, window.name()) > 0 && System.nanoTime() < deadline) {
        w.apply("nudge", Command.peek(0)); // wakes the writer; the sweep is due
        Thread.sleep(10);
      }
      assertThat(FailureTest.rows(reader, window.name())).as("swept").isZero();
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
      p.apply("first", Command.acquire(1));
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
            p.apply(id + "-" + i, Command.acquire(1));
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
