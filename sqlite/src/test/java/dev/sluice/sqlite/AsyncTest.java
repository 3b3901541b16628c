package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code applyAsync} on the SQLite store: the caller's thread never waits for the writer; the
 * future completes after the commit on the store's completion threads (not the writer's), or
 * with the policy's failure decision at the decision timeout, never charged afterwards; and
 * close() leaves no future open. Real files, real commits; another connection holding the write
 * lock stands for a slow commit.
 *
 * <p>While another connection holds the lock, the writer waits up to SQLite's busy timeout
 * (100 ms) and then fails its batch by choice. Tests that need the store's own decision release
 * the lock well within that; a test thread stalled past it gets a failure decision, and the
 * attempt is made again (at most {@link #ATTEMPTS} times).
 */
class AsyncTest {
  private static final int ATTEMPTS = 5;

  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T10:00:00Z"));
  private final Budget budget = Budget.of("bytes", 100, Window.of(Duration.ofHours(1)));
  private final TokenBucket bucket = TokenBucket.of("calls", 100, 100, Duration.ofHours(1));

  /** (a) The future is returned before the commit it waits for, and completes after it. */
  @Test
  void anAsyncDecisionReturnsAtOnceWhileTheLockIsHeldAndCompletesOnceItIsReleased() throws Exception {
    Path file = dir.resolve("a.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build();
         Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      Partition bytes = store.partition(budget);
      assertThat(bytes.apply("warm", Command.acquire(1)).allowed()).isTrue();
      Decision d = null;
      for (int attempt = 0; attempt < ATTEMPTS && (d == null || !d.storeDecided()); attempt++) {
        s.execute("BEGIN IMMEDIATE");
        CompletableFuture<Decision> f;
        try {
          f = bytes.applyAsync("alice", Command.acquire(10));
          assertThat(f).as("not done when applyAsync returns: no commit can happen yet").isNotDone();
          Thread.sleep(20);
        } finally {
          s.execute("ROLLBACK");
        }
        d = f.get(10, TimeUnit.SECONDS);
      }
      assertThat(d.storeDecided()).as("decided by the store after the lock was released: %s", d).isTrue();
      assertThat(d.allowed()).isTrue();
      assertThat(d.used()).as("only the decided attempt charged").isEqualTo(10);
      assertThat(bytes.apply("alice", Command.peek(0)).used()).isEqualTo(10);
    }
    FailureTest.assertIntact(file);
  }

  /** (b) Callbacks run on the store's completion threads, never on the writer's. */
  @Test
  void theFutureCompletesOnACompletionThreadNotTheWriter() throws Exception {
    Path file = dir.resolve("b.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build();
         Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      Partition bytes = store.partition(budget);
      assertThat(bytes.apply("warm", Command.acquire(1)).allowed()).isTrue();
      String writer = writerThreadName(file);
      Decision d = null;
      AtomicReference<String> ranOn = new AtomicReference<>();
      for (int attempt = 0; attempt < ATTEMPTS && (d == null || !d.storeDecided()); attempt++) {
        s.execute("BEGIN IMMEDIATE");
        CompletableFuture<Decision> f;
        CompletableFuture<Decision> after;
        try {
          f = bytes.applyAsync("alice", Command.acquire(1));
          assertThat(f).isNotDone(); // so the callback cannot run on this thread
          after = f.whenComplete((x, e) -> ranOn.set(Thread.currentThread().getName()));
        } finally {
          s.execute("ROLLBACK");
        }
        d = after.get(10, TimeUnit.SECONDS);
      }
      assertThat(d.storeDecided()).isTrue();
      assertThat(ranOn.get()).isNotEqualTo(writer).startsWith("sluice-sqlite-async ");

      // Under load, without a held lock: every callback registered before its future completed
      // ran on a completion thread.
      String test = Thread.currentThread().getName();
      Set<String> threads = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<Decision>> all = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        all.add(store.partition(bucket).applyAsync("k" + (i % 50), Command.acquire(1))
            .whenComplete((x, e) -> threads.add(Thread.currentThread().getName())));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
      threads.remove(test); // callbacks registered after their future completed run here
      assertThat(threads).isNotEmpty().allMatch(n -> n.startsWith("sluice-sqlite-async "), "completion threads");
    }
  }

  /**
   * (c) Outliving the decision timeout: the future completes with the policy's failure decision
   * (counted once), and the call is never charged, although the lock comes back while the writer
   * still waits for it.
   */
  @Test
  void anAsyncDecisionPastTheDecisionTimeoutCompletesByFailureChoiceAndIsNeverCharged() throws Exception {
    Path file = dir.resolve("c.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).decisionTimeout(Duration.ofMillis(30)).build();
         Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      Partition bytes = store.partition(budget); // fails closed
      Partition calls = store.partition(bucket); // fails open
      assertThat(bytes.apply("warm", Command.acquire(1)).allowed()).isTrue();
      String writer = writerThreadName(file);
      AtomicReference<String> ranOn = new AtomicReference<>();
      s.execute("BEGIN IMMEDIATE");
      CompletableFuture<Decision> closed;
      CompletableFuture<Decision> open;
      long start = System.nanoTime();
      try {
        closed = bytes.applyAsync("alice", Command.acquire(30));
        open = calls.applyAsync("alice", Command.acquire(1));
        assertThat(closed).isNotDone();
        closed.whenComplete((x, e) -> ranOn.set(Thread.currentThread().getName()));
        CompletableFuture.allOf(closed, open).get(10, TimeUnit.SECONDS);
      } finally {
        s.execute("ROLLBACK"); // within the writer's 100 ms wait for the lock (it waited since ~0 ms)
      }
      long took = System.nanoTime() - start;
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(30).toNanos());
      Decision c = closed.join();
      Decision o = open.join();
      assertThat(c.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(c.storeDecided()).isFalse();
      assertThat(o.reason()).isEqualTo(Decision.Reason.FAILED_OPEN);
      assertThat(o.storeDecided()).isFalse();
      assertThat(ranOn.get()).isNotEqualTo(writer).startsWith("sluice-sqlite-async ");
      // queued after them: when these return, the batch that held the given-up calls is done
      assertThat(bytes.apply("alice", Command.peek(0)).used()).as("the 30 given up was never charged").isZero();
      assertThat(calls.apply("alice", Command.peek(0)).remaining()).as("nor the 1").isEqualTo(100);
      assertThat(store.failures().total()).as("each failure counted once").isEqualTo(2);
      assertThat(store.failures().lastError()).startsWith("no commit within the decision timeout (PT0.03S)");
      try (Connection r = DriverManager.getConnection("jdbc:sqlite:" + file);
           PreparedStatement p = r.prepareStatement("SELECT count(*) FROM sluice_state WHERE key = 'alice'");
           ResultSet rs = p.executeQuery()) {
        assertThat(rs.getLong(1)).as("no row for alice in the file").isZero();
      }
    }
    FailureTest.assertIntact(file);
  }

  /** (d) Async acquires from several threads on one key admit exactly the limit. */
  @Test
  void manyAsyncAcquiresFromSeveralThreadsAdmitExactlyTheLimit() throws Exception {
    Path file = dir.resolve("d.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build()) {
      Sluice sluice = Sluice.builder().store(store).build();
      Limiter l = sluice.limiter(FixedWindow.of("w", 1_000, Window.of(Duration.ofHours(1))));
      Partition bytes = store.partition(budget);
      List<CompletableFuture<Decision>> acquires = new CopyOnWriteArrayList<>();
      List<CompletableFuture<Decision>> charges = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread thread = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < 300; i++) {
            acquires.add(l.acquireAsync("k", 1, Duration.ZERO));
            charges.add(bytes.applyAsync("k", Command.acquire(1)));
          }
        });
        threads.add(thread);
        thread.start();
      }
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      CompletableFuture.allOf(acquires.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      CompletableFuture.allOf(charges.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      assertThat(acquires).hasSize(2_400).allMatch(f -> f.join().storeDecided());
      assertThat(acquires.stream().filter(f -> f.join().allowed()).count()).isEqualTo(1_000);
      assertThat(charges.stream().filter(f -> f.join().allowed()).count()).isEqualTo(100);
      assertThat(store.failures().total()).isZero();
      assertThat(l.peek("k", 0).remaining()).isZero();
      assertThat(bytes.apply("k", Command.peek(0)).used()).isEqualTo(100);
    }
    // durable: a new store on the file sees the same
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build()) {
      assertThat(store.partition(budget).apply("k", Command.peek(0)).used()).isEqualTo(100);
      assertThat(store.partition(FixedWindow.of("w", 1_000, Window.of(Duration.ofHours(1))))
          .apply("k", Command.peek(0)).remaining()).isZero();
    }
  }

  /**
   * (e, SQLite's own case) An async acquire cancelled while the store has not answered yet: the
   * reservation the store then grants is given back. (The conformance suite covers a cancel
   * after the store answered.)
   */
  @Test
  void cancellingBeforeTheStoreAnsweredGivesTheReservationBack() throws Exception {
    Path file = dir.resolve("e.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build();
         Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      Sluice sluice = Sluice.builder().store(store).build();
      Limiter l = sluice.limiter(TokenBucket.of("b", 5, 5, Duration.ofHours(1)));
      assertThat(l.tryAcquire("warm", 1).allowed()).isTrue();
      boolean granted = false;
      for (int attempt = 0; attempt < ATTEMPTS && !granted; attempt++) {
        long failures = store.failures().total();
        long commits = store.commits();
        s.execute("BEGIN IMMEDIATE");
        try {
          CompletableFuture<Decision> f = l.acquireAsync("k", 2, Duration.ofSeconds(10));
          assertThat(f.cancel(false)).as("cancelled before the store answered").isTrue();
        } finally {
          s.execute("ROLLBACK");
        }
        // Once the lock is back the store commits the reservation, then the refund; or, if the
        // writer's wait for the lock ran out first, it failed the call (nothing reserved).
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && store.commits() < commits + 2 && store.failures().total() == failures) {
          Thread.sleep(5);
        }
        granted = store.failures().total() == failures;
        if (granted) {
          assertThat(store.commits()).as("the reservation and its refund committed").isEqualTo(commits + 2);
        }
      }
      assertThat(granted).as("the store answered one attempt").isTrue();
      assertThat(l.peek("k", 0).remaining()).as("the 2 reserved were given back").isEqualTo(5);
      assertThat(l.tryAcquire("k", 5).allowed()).isTrue();
    }
  }

  /**
   * (f) close() with asynchronous calls pending completes every future (committed, or by failure
   * choice), including calls that race the close; applyAsync after close throws like apply.
   */
  @Test
  void closeCompletesEveryPendingFuture() throws Exception {
    Path file = dir.resolve("f.db");
    SqliteStore store = SqliteStore.open(file).clock(clock).build();
    Partition bytes = store.partition(budget);
    Partition calls = store.partition(bucket);
    assertThat(bytes.apply("warm", Command.acquire(1)).allowed()).isTrue();
    List<CompletableFuture<Decision>> futures = new CopyOnWriteArrayList<>();
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      for (int i = 0; i < 100; i++) {
        futures.add(calls.applyAsync("k" + i, Command.acquire(1)));
      }
      // and callers that keep asking while the store closes
      List<Thread> racers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Thread racer = new Thread(() -> {
          for (int i = 0; ; i++) {
            try {
              futures.add(calls.applyAsync("r" + (i % 20), Command.acquire(1)));
            } catch (IllegalStateException e) {
              return; // closed
            }
          }
        });
        racers.add(racer);
        racer.start();
      }
      Thread closer = new Thread(store::close);
      closer.start();
      Thread.sleep(50);
      s.execute("ROLLBACK");
      closer.join(30_000);
      assertThat(closer.isAlive()).as("close returned").isFalse();
      for (Thread t : racers) {
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
      }
    }
    assertThat(futures).hasSizeGreaterThan(100);
    assertThat(futures).as("no future left open").allMatch(CompletableFuture::isDone);
    assertThat(futures).as("none failed exceptionally").noneMatch(CompletableFuture::isCompletedExceptionally);
    assertThat(futures).as("committed, or failed open")
        .allMatch(f -> f.join().storeDecided() || f.join().reason() == Decision.Reason.FAILED_OPEN);
    assertThatThrownBy(() -> calls.applyAsync("k", Command.acquire(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    assertThatThrownBy(() -> calls.apply("k", Command.acquire(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    FailureTest.assertIntact(file);
  }

  @Test
  void badArgumentsAreRefusedAtOnceByThrowing() throws Exception {
    try (SqliteStore store = SqliteStore.open(dir.resolve("g.db")).clock(clock).build()) {
      Partition bytes = store.partition(budget);
      assertThatThrownBy(() -> bytes.applyAsync("k", Command.acquire(-1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> bytes.applyAsync(null, Command.acquire(1)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(store.failures().total()).isZero();
    }
  }

  private static String writerThreadName(Path file) {
    return "sluice-sqlite-writer " + file.getFileName();
  }
}
