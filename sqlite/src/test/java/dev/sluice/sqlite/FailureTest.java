package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Command;
import dev.sluice.spi.FailurePolicy;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the database cannot commit: nothing is acknowledged without a commit, each policy answers
 * by its failure choice (budgets closed, rate limits open, unless set), no exception reaches the
 * caller, the store recovers by itself, and the file stays intact.
 */
class FailureTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T10:00:00Z"));
  private final Budget budget = Budget.of("bytes", 100, Window.of(Duration.ofHours(1)));
  private final TokenBucket bucket = TokenBucket.of("calls", 100, 100, Duration.ofHours(1));

  @Test
  void aFullDatabaseFailsNewKeysByChoiceAndRecoversWhenSpaceReturns() throws Exception {
    Path file = dir.resolve("full.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock)
        .maxDatabaseBytes(64 * 1024).idleSweepInterval(Duration.ofMillis(1)).build()) {
      Partition bytes = store.partition(budget);
      Partition calls = store.partition(bucket);
      List<String> acked = new ArrayList<>();
      Decision refused = null;
      for (int i = 0; i < 100_000 && refused == null; i++) {
        String key = String.format("user-%06d-with-a-long-name-to-fill-pages-sooner", i);
        Decision d = bytes.apply(key, Command.acquire(7));
        if (d.reason() == Decision.Reason.STORE_UNAVAILABLE) {
          refused = d;
        } else {
          assertThat(d.allowed()).isTrue();
          acked.add(key);
        }
      }
      assertThat(refused).as("the database filled up").isNotNull();
      assertThat(acked).hasSizeGreaterThan(100);
      assertThat(refused.retryAfterNanos()).isPositive();
      assertThat(store.failures().lastError()).contains("full");
      long failures = store.failures().total();
      assertThat(failures).isPositive();

      // A rate limit fails open: admitted, nothing charged, counted. (A row or two may still fit
      // in a page's free space, so it takes new keys until one does not.)
      long callsAcked = 0;
      Decision open = null;
      for (int i = 0; i < 1_000 && open == null; i++) {
        long before = store.failures().total();
        Decision d = calls.apply("new-caller-" + i + "-with-a-long-name-to-need-a-page", Command.acquire(1));
        assertThat(d.allowed()).isTrue();
        if (store.failures().total() > before) {
          open = d;
        } else {
          callsAcked++;
        }
      }
      assertThat(open).as("a rate limit's decision failed").isNotNull();
      assertThat(open.remaining()).isZero();

      // Every acknowledged decision is in the file; no refused one is.
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
        assertThat(rows(c, "bytes")).isEqualTo(acked.size());
        assertThat(rows(c, "calls")).isEqualTo(callsAcked);
      }

      // Space returns: the window ends, the sweep deletes the idle keys, new keys fit again.
      clock.advance(Duration.ofHours(2));
      Decision after = null;
      for (long deadline = System.nanoTime() + 20_000_000_000L; System.nanoTime() < deadline; ) {
        after = bytes.apply("a-new-user-after-the-sweep", Command.acquire(7));
        if (after.allowed()) {
          break;
        }
        Thread.sleep(10);
      }
      assertThat(after.allowed()).as("recovered: %s", after).isTrue();
      assertThat(bytes.apply("a-new-user-after-the-sweep", Command.peek(0)).used()).isEqualTo(7);
    }
    assertIntact(file);
  }

  @Test
  void anotherWriterHoldingTheLockFailsDecisionsByChoiceUntilItLetsGo() throws Exception {
    Path file = dir.resolve("busy.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).failure("calls", FailurePolicy.closed()).build();
         Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      Partition bytes = store.partition(budget);
      Partition calls = store.partition(bucket);
      assertThat(bytes.apply("alice", Command.acquire(30)).allowed()).isTrue();

      s.execute("BEGIN IMMEDIATE"); // another process's write transaction, left open
      long start = System.nanoTime();
      Decision d = bytes.apply("alice", Command.acquire(30));
      Decision c = calls.apply("alice", Command.acquire(1));
      assertThat(System.nanoTime() - start).as("answered, not hung").isLessThan(Duration.ofSeconds(4).toNanos());
      assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(c.reason()).as("named policy chose closed").isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(store.failures().lastError()).contains("locked");
      s.execute("ROLLBACK");

      Decision back = bytes.apply("alice", Command.acquire(30));
      assertThat(back.allowed()).isTrue();
      assertThat(back.used()).as("the failed 30 was never charged").isEqualTo(60);
    }
    assertIntact(file);
  }

  @Test
  void callersWhoseCommitDoesNotComeInTimeAreAnsweredByChoiceAndLaterCallersStillComplete() throws Exception {
    Path file = dir.resolve("slow.db");
    // The writer waits up to 100 ms for a held write lock; the callers wait 10 ms.
    try (SqliteStore store = SqliteStore.open(file).clock(clock).decisionTimeout(Duration.ofMillis(10)).build();
         Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      Partition bytes = store.partition(budget);
      assertThat(bytes.apply("warm", Command.acquire(1)).allowed()).isTrue();
      s.execute("BEGIN IMMEDIATE");
      Decision[] answers = new Decision[8];
      Thread[] callers = new Thread[answers.length];
      for (int i = 0; i < callers.length; i++) {
        int n = i;
        callers[i] = new Thread(() -> answers[n] = bytes.apply("k" + n, Command.acquire(1)));
        callers[i].start();
      }
      for (Thread t : callers) {
        t.join();
      }
      for (Decision d : answers) {
        assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      }
      assertThat(store.failures().lastError()).startsWith("no commit within the decision timeout (PT0.01S)");
      s.execute("ROLLBACK");

      // Calls given up on are skipped when their batch completes; every later caller is woken.
      Thread[] later = new Thread[16];
      Decision[] after = new Decision[later.length];
      for (int i = 0; i < later.length; i++) {
        int n = i;
        later[i] = new Thread(() -> {
          Decision d = null;
          for (int attempt = 0; attempt < 100 && (d == null || !d.allowed()); attempt++) {
            d = bytes.apply("later" + n, Command.acquire(1));
          }
          after[n] = d;
        });
        later[i].start();
      }
      for (Thread t : later) {
        t.join();
      }
      for (Decision d : after) {
        assertThat(d.allowed()).isTrue();
      }
    }
    assertIntact(file);
  }

  /**
   * A caller told "store unavailable" at its decision timeout is not charged afterwards: its call,
   * queued behind a held write lock, is skipped when the writer gets the lock. (It used to be
   * applied and committed then; or, when the lock came after SQLite's 100 ms busy timeout, the
   * failed batch counted the failure a second time.)
   */
  @Test
  void aCallGivenUpBeforeTheWriterTookItIsNeverCharged() throws Exception {
    Path file = dir.resolve("abandoned.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).decisionTimeout(Duration.ofMillis(20)).build();
         Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = other.createStatement()) {
      Partition bytes = store.partition(budget);
      assertThat(bytes.apply("warm", Command.acquire(1)).allowed()).isTrue();
      s.execute("BEGIN IMMEDIATE");
      // The writer takes the call into a batch and waits up to 100 ms for the lock; the caller
      // gives up after 20 ms, and the lock is back within the writer's wait.
      Decision d = bytes.apply("alice", Command.acquire(30));
      s.execute("ROLLBACK");
      assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(d.storeDecided()).isFalse();
      // Queued after it: when this returns, the batch that held the given-up call is done.
      assertThat(bytes.apply("alice", Command.peek(0)).used()).as("the given-up 30 was never charged").isZero();
      assertThat(store.failures().total()).as("the failure is counted once, by the caller").isEqualTo(1);
      assertThat(store.failures().lastError()).startsWith("no commit within the decision timeout (PT0.02S)");
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
           PreparedStatement p = c.prepareStatement("SELECT count(*) FROM sluice_state WHERE key = 'alice'");
           ResultSet r = p.executeQuery()) {
        assertThat(r.getLong(1)).as("no row for alice in the file").isZero();
      }
    }
    assertIntact(file);
  }

  @Test
  void aStateThatIsNotItsPolicysFailsThatKeyByChoiceAndNamesIt() throws Exception {
    Path file = dir.resolve("bad.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build()) {
      store.partition(budget).apply("alice", Command.acquire(10));
      store.partition(budget).apply("bob", Command.acquire(10));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
         PreparedStatement p = c.prepareStatement("UPDATE sluice_state SET state = ? WHERE key = 'alice'")) {
      p.setBytes(1, new byte[] {1, 2, 3});
      p.executeUpdate();
    }
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build()) {
      Partition bytes = store.partition(budget);
      Decision d = bytes.apply("alice", Command.acquire(10));
      assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(store.failures().lastError()).contains("key 'alice' of policy 'bytes' holds a value that is not a list of 64-bit integers");
      assertThat(bytes.apply("bob", Command.acquire(10)).used()).as("other keys work").isEqualTo(20);
      bytes.apply("alice", Command.reset());
      assertThat(bytes.apply("alice", Command.acquire(10)).used()).as("a reset starts it fresh").isEqualTo(10);
    }
  }

  static long rows(Connection c, String policy) throws Exception {
    try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM sluice_state WHERE policy = ?")) {
      p.setString(1, policy);
      try (ResultSet r = p.executeQuery()) {
        return r.getLong(1);
      }
    }
  }

  static void assertIntact(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
      assertThat(r.getString(1)).isEqualTo("ok");
    }
  }
}
