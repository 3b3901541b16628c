package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One store per file, by the file's real identity: another store in this JVM or another process
 * never opens it while a store runs, whatever path it comes by, and a file deleted or replaced
 * under a running store is never recreated or written to: decisions fail by choice.
 */
class FileIdentityTest {
  @TempDir Path dir;

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-24T10:00:00Z"));
  private final Budget budget = Budget.of("budget", 60, Window.of(Duration.ofHours(1)));

  /**
   * Bug: closing the refused second open's channel on {@code <db>.lock} released this process's
   * POSIX lock, and another process then opened the file while the first store ran.
   */
  @Test
  void aRefusedSecondOpenInThisJvmKeepsTheLockAgainstOtherProcesses() throws Exception {
    Path file = dir.resolve("q.db");
    try (SqliteStore store = SqliteStore.open(file).build()) {
      assertThatThrownBy(() -> SqliteStore.open(file).build())
          .hasMessage(file + " is already open in another SQLite store in this JVM");
      assertThat(openInChild(file)).startsWith("REFUSED " + file + " is in use by another process's SQLite store");
      assertThat(store.partition(budget).apply("k", Command.acquire(1)).allowed()).isTrue();
    }
    assertThat(openInChild(file)).as("closing released it").startsWith("OPENED");
  }

  /**
   * Bug: the lock was named from the path given, so a symbolic link to an open file took another
   * lock: budget 60, 50 spent by the parent plus 50 by a child through the link.
   */
  @Test
  void aSymbolicLinkReachesTheSameLockInThisJvmAndInAnotherProcess() throws Exception {
    Path file = dir.resolve("real.db");
    Path link = Files.createSymbolicLink(dir.resolve("link.db"), file.getFileName());
    try (SqliteStore store = SqliteStore.open(file).build()) {
      assertThatThrownBy(() -> SqliteStore.open(link).build())
          .hasMessage(link + " (" + file + ") is already open in another SQLite store in this JVM");
      assertThat(openInChild(link)).startsWith("REFUSED " + link + " is in use by another process's SQLite store");
      assertThat(store.partition(budget).apply("k", Command.acquire(1)).allowed()).isTrue();
    }
    try (SqliteStore store = SqliteStore.open(link).build()) {
      assertThat(store.path()).isEqualTo(file);
      assertThat(store.partition(budget).apply("k", Command.peek(0)).used()).isEqualTo(1);
      assertThatThrownBy(() -> SqliteStore.open(file).build()).hasMessageContaining("is already open");
    }
  }

  @Test
  void aLinkToNothingIsRefused() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("dangling.db"), dir.resolve("absent.db"));
    assertThatThrownBy(() -> SqliteStore.open(link).build())
        .hasMessage(link + " is a symbolic link to " + dir.resolve("absent.db")
            + ", which does not exist; refusing to create a database through it");
    assertThat(Files.exists(dir.resolve("absent.db"))).isFalse();
  }

  /** No path tells two hard links of one file apart, so such a file is refused by either name. */
  @Test
  void aFileWithTwoHardLinksIsRefused() throws Exception {
    Path file = dir.resolve("one.db");
    SqliteStore.open(file).build().close();
    Path other = Files.createLink(dir.resolve("two.db"), file);
    for (Path p : new Path[] {file, other}) {
      assertThatThrownBy(() -> SqliteStore.open(p).build())
          .hasMessage(p + " has 2 hard links; a SQLite store refuses a file with more than one name, because a"
              + " store opened under another name would not see the lock (<file>.lock is named from the path):"
              + " remove the other links, or copy the file");
    }
    Files.delete(other);
    SqliteStore.open(file).build().close();
  }

  /**
   * Bug: after a transient failure the writer reconnected with a plain open, which created a new
   * empty file where the database had been deleted: budget 60, 50 admitted, file deleted, disk
   * full, then 60 more admitted, 110 of 60.
   */
  @Test
  void aDeletedFileIsNeverCreatedAgainAndDecisionsFailByChoice() throws Exception {
    Path file = dir.resolve("deleted.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).maxDatabaseBytes(64 * 1024).build()) {
      Partition b = store.partition(budget);
      Partition calls = store.partition(TokenBucket.of("calls", 100, 100, Duration.ofHours(1)));
      assertThat(b.apply("k", Command.acquire(50)).allowed()).isTrue();
      fill(store);
      Files.delete(file);
      // A new key does not fit: a failed commit, and then the reconnect.
      b.apply("a-new-key-that-needs-a-page-" + "x".repeat(200), Command.acquire(1));
      long admitted = 50 + spend(b, "k");
      assertThat(admitted).as("admitted on a budget of 60").isLessThanOrEqualTo(60);
      assertThat(awaitFailure(b, "k").reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      Thread.sleep(3 * Writer.RETRY_NANOS / 1_000_000); // several reconnect attempts
      assertThat(b.apply("k", Command.acquire(1)).reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(calls.apply("k", Command.acquire(1)).reason()).as("a rate limit fails open")
          .isEqualTo(Decision.Reason.FAILED_OPEN);
      assertThat(Files.exists(file)).as("never created again").isFalse();
      assertThat(store.failures().lastError()).startsWith(file + " was deleted or moved while its SQLite store was open");
      assertThat(store.failures().total()).isPositive();
    }
  }

  /** A file moved away and replaced by another is not written to; the store fails by choice. */
  @Test
  void aReplacedFileIsLeftAloneAndDecisionsFailByChoice() throws Exception {
    Path file = dir.resolve("replaced.db");
    try (SqliteStore store = SqliteStore.open(file).clock(clock).build()) {
      Partition b = store.partition(budget);
      assertThat(b.apply("k", Command.acquire(50)).allowed()).isTrue();
      Files.move(file, dir.resolve("moved-away.db"));
      byte[] other = new byte[4096];
      new Random(3).nextBytes(other);
      Files.write(file, other);
      long admitted = 50 + spend(b, "k");
      assertThat(admitted).as("admitted on a budget of 60").isLessThanOrEqualTo(60);
      assertThat(awaitFailure(b, "k").reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
      assertThat(store.failures().lastError()).startsWith(file + " was replaced by another file");
      assertThat(Files.readAllBytes(file)).as("the other file is untouched").isEqualTo(other);
    }
  }

  /** Fills the file with keys of another policy until a decision fails (the file is full). */
  private static void fill(SqliteStore store) {
    Partition filler = store.partition(Budget.of("filler", 100, Window.of(Duration.ofHours(1))));
    long before = store.failures().total();
    for (int i = 0; i < 100_000 && store.failures().total() == before; i++) {
      filler.apply(String.format("filler-%06d-with-a-long-name-to-fill-pages-sooner", i), Command.acquire(1));
    }
    assertThat(store.failures().total()).as("the file is full").isGreaterThan(before);
  }

  /** Asks for 1 a hundred times; how many were admitted. */
  private static long spend(Partition p, String key) {
    long admitted = 0;
    for (int i = 0; i < 100; i++) {
      Decision d = p.apply(key, Command.acquire(1));
      if (d.allowed()) {
        admitted++;
      }
    }
    return admitted;
  }

  /** Asks until a decision is answered by the failure choice (within 10 s). */
  private static Decision awaitFailure(Partition p, String key) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    Decision d = p.apply(key, Command.acquire(1));
    while (d.storeDecided() && System.nanoTime() < deadline) {
      assertThat(d.allowed()).as("nothing admitted past the limit: %s", d).isFalse();
      Thread.sleep(10);
      d = p.apply(key, Command.acquire(1));
    }
    return d;
  }

  /** What {@link OpenChild} says, run in another JVM on {@code path}. */
  private static String openInChild(Path path) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), OpenChild.class.getName(), path.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try {
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child finished").isTrue();
      return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    } finally {
      child.destroyForcibly();
    }
  }
}
