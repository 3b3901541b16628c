package dev.sluice.sqlite;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.Args;
import dev.sluice.spi.Definitions;
import dev.sluice.spi.FailureChoices;
import dev.sluice.spi.FailureCounts;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.Failures;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A durable {@link Store} in a local SQLite file: quotas and windows survive restarts and
 * {@code kill -9}. It runs the core's pure algorithms; it only adds durability.
 *
 * <p>One writer thread owns the database. Callers queue their decisions and wait; the writer takes
 * what is queued (up to {@link Builder#maxBatch}), applies it in order in one {@code BEGIN
 * IMMEDIATE} transaction, commits (WAL, {@code synchronous=FULL} unless set), and only then
 * completes every caller: group commit, so throughput grows with the number of callers while each
 * acknowledged decision is on disk. States are kept in memory after they are read or written
 * (the database stays the record: the cache only ever holds committed states).
 *
 * <p>When a commit fails (disk full, I/O error, the file locked by another writer) the
 * transaction is rolled back, nothing in it is acknowledged, and each decision is answered by its
 * policy's {@link FailurePolicy} choice; the next batch tries again, so service resumes when the
 * cause goes away. Idle keys (whose state decides like a fresh key) are deleted by a periodic
 * sweep, and the write-ahead log is checkpointed periodically. See docs/sqlite.md.
 */
public final class SqliteStore implements Store {

  private static final System.Logger LOG = System.getLogger(SqliteStore.class.getName());

  private final Path path;
  private final Clock clock;
  private final DatabaseFile file;
  private final ConcurrentHashMap<Policy, SqlitePartition> partitions = new ConcurrentHashMap<>();
  /** Per policy name, its definitions (all of one kind). */
  private final ConcurrentHashMap<String, Name> byName = new ConcurrentHashMap<>();
  private final Definitions definitions = new Definitions();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Failures failures;
  private final Answers answers;
  private final Writer writer;

  private SqliteStore(Builder b, DatabaseFile file, Database db) {
    this.file = file;
    this.path = file.path;
    this.clock = b.clock;
    this.failures = new Failures("SQLite store on " + file.path, LOG, b.logInterval.toNanos());
    Writer.Settings settings = new Writer.Settings(b.clock, b.maxBatch, b.maxWait.toNanos(),
        b.idleSweepInterval.toNanos(), b.checkpointInterval.toNanos(), b.maxCachedKeys);
    this.answers = new Answers(failures, b.failureChoices.build(), b.decisionTimeout.toNanos(),
        "sluice-sqlite-async " + path.getFileName(), "sluice-sqlite-timeout " + path.getFileName());
    this.writer = new Writer("SQLite store writer on " + path, "sluice-sqlite-writer " + path.getFileName(), LOG,
        db, new DatabaseSource(file, b.synchronous, b.maxBytes), settings, byName, answers, failures);
    this.writer.start();
  }

  /** Starts configuring a store on the database file at {@code path} (created if absent). */
  public static Builder open(Path path) {
    if (path == null) {
      throw new IllegalArgumentException("path must not be null");
    }
    return new Builder(path);
  }

  /** The database file: its real path (symbolic links resolved). */
  public Path path() {
    return path;
  }

  @Override
  public Partition partition(Policy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    SqlitePartition p = partitions.get(policy);
    if (p != null) {
      return p;
    }
    return partitions.computeIfAbsent(definitions.register(policy), q -> {
      SqlitePartition fresh = new SqlitePartition(this, q, byName.computeIfAbsent(q.name(), n -> new Name(q)));
      fresh.named.add(fresh);
      return fresh;
    });
  }

  /** The failure policy that applies to {@code policy}. */
  public FailurePolicy failurePolicy(Policy policy) {
    return answers.failurePolicy(policy);
  }

  /**
   * Decisions asked, and those answered by a failure policy (not committed) since the store
   * opened, by cause, and the last error that made decisions fail.
   */
  public FailureCounts failures() {
    return failures.snapshot();
  }

  /** Transactions committed since the store opened (one per batch that wrote something). */
  public long commits() {
    return writer.commits();
  }

  @Override
  public MultiDecision applyAll(List<Charge> charges, Operation op) {
    Args.charges(charges, op);
    int n = charges.size();
    SqlitePartition[] parts = new SqlitePartition[n];
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      Charge c = charges.get(i);
      parts[i] = (SqlitePartition) partition(c.policy());
      parts[i].algorithm.check(op);
      keys[i] = c.key().toString();
    }
    Call.ApplyAll call = new Call.ApplyAll(new Ticket<>(), charges, parts, keys, op);
    if (!run(call)) {
      for (int i = 0; i < n; i++) {
        if (failurePolicy(parts[i].policy).mode() == FailurePolicy.Mode.CLOSED) {
          return new MultiDecision(i, failureDecision(parts[i].policy));
        }
      }
      return new MultiDecision(0, failureDecision(parts[0].policy));
    }
    return call.ticket().answer;
  }

  /** Queues {@code call} and waits for it; false if it failed (answer by failure choice). */
  boolean run(Call call) {
    if (closed.get()) {
      throw new IllegalStateException("the SQLite store on " + path + " is closed");
    }
    writer.offer(call);
    return answers.await(call);
  }

  /**
   * Queues an asynchronous {@code call} and returns its future at once: the writer completes it
   * after the commit, or the timer with the failure decision at the decision timeout, whichever
   * comes first ({@link Answers#watch}).
   */
  CompletableFuture<Decision> submit(Call.Apply call) {
    if (closed.get()) {
      throw new IllegalStateException("the SQLite store on " + path + " is closed");
    }
    try {
      answers.watch(call);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("the SQLite store on " + path + " is closed");
    }
    writer.offer(call);
    return call.ticket().future;
  }

  /** The answer of {@code policy}'s failure choice, counted. */
  Decision failureDecision(Policy policy) {
    return answers.failureDecision(policy);
  }

  /** The clock the store reads ({@link Builder#clock}); the engine waits on it. */
  @Override
  public Clock clock() {
    return clock;
  }

  /**
   * Stops taking decisions, lets the writer commit what is queued, and closes the database and
   * its lock. Decisions asked after this throw {@link IllegalStateException}. The futures of
   * asynchronous decisions still open are completed (committed, or by failure choice) before it
   * returns, unless their callbacks keep the completion threads busy for longer than the decision
   * timeout.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    boolean interrupted = writer.stop();
    // Every call is finished now: the writer decided what was queued, and a call queued after it
    // left is failed by its caller (submit).
    interrupted |= answers.close();
    file.release();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- builder

  /** Configures a {@link SqliteStore}. */
  public static final class Builder {
    private final Path path;
    private Clock clock = Clock.system();
    private Synchronous synchronous = Synchronous.FULL;
    private int maxBatch = 256;
    private Duration maxWait = Duration.ZERO;
    private Duration decisionTimeout = Duration.ofSeconds(5);
    private Duration idleSweepInterval = Duration.ofMinutes(1);
    private Duration checkpointInterval = Duration.ofSeconds(10);
    private long maxBytes;
    private int maxCachedKeys = 1_000_000;
    private final FailureChoices.Builder failureChoices = new FailureChoices.Builder("the SQLite store", false);
    private Duration logInterval = Duration.ofSeconds(10);

    private Builder(Path path) {
      this.path = path;
    }

    /**
     * The clock the store reads: {@link Clock#system()} unless set. A step back of it never grants
     * anything (the algorithms absorb it), and the idle sweep's floors, committed with the states,
     * hold decisions at most one period ahead of it, across restarts too (see {@link Floors}).
     */
    public Builder clock(Clock clock) {
      this.clock = Args.notNull("clock", clock);
      return this;
    }

    /** When a commit waits for the disk: {@link Synchronous#FULL} unless set. */
    public Builder synchronous(Synchronous synchronous) {
      this.synchronous = Args.notNull("synchronous", synchronous);
      return this;
    }

    /** The most decisions per transaction: 256 unless set; 1 to 65,536. */
    public Builder maxBatch(int maxBatch) {
      this.maxBatch = Args.between("maxBatch", maxBatch, 1, 65_536);
      return this;
    }

    /**
     * How long the writer waits for a batch to fill before committing what it has: zero unless
     * set (it commits what is queued; decisions that arrive during a commit form the next batch).
     * Up to 1 s.
     */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = Args.between("maxWait", maxWait, Duration.ZERO, Duration.ofSeconds(1));
      return this;
    }

    /**
     * How long a caller waits for its decision's commit before it is answered by the failure
     * choice: 5 s unless set; 1 ms to 10 min. It bounds asynchronous decisions too (their future
     * completes with the failure decision then). A decision given up before the writer took it
     * into a transaction (holding the write lock) is never applied; one given up after that, while
     * its batch is being decided or committed, still commits if the commit succeeds: it then
     * counts against the limit without having been acknowledged.
     */
    public Builder decisionTimeout(Duration timeout) {
      this.decisionTimeout = Args.between("decisionTimeout", timeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      return this;
    }

    /** How often (on the store's clock) idle keys are swept from the file: 1 minute unless set. */
    public Builder idleSweepInterval(Duration interval) {
      this.idleSweepInterval = Args.between("idleSweepInterval", interval, Duration.ofMillis(1), Duration.ofDays(365));
      return this;
    }

    /**
     * How often the write-ahead log is checkpointed and truncated ({@code wal_checkpoint(TRUNCATE)},
     * waiting up to 100 ms for readers): 10 s unless set. SQLite also checkpoints passively every
     * 1000 pages; this one keeps the log bounded while other connections keep reading.
     */
    public Builder checkpointInterval(Duration interval) {
      this.checkpointInterval = Args.between("checkpointInterval", interval, Duration.ofMillis(1), Duration.ofDays(1));
      return this;
    }

    /**
     * The largest the database file may grow, in bytes (rounded down to whole pages, 1 KiB in a
     * file this version created; {@code PRAGMA max_page_count}): no limit unless set. When it is reached, decisions that need
     * a new row fail as if the disk were full, until idle keys are swept or the limit is raised.
     */
    public Builder maxDatabaseBytes(long bytes) {
      if (bytes < 64 * 1024) {
        throw new IllegalArgumentException("maxDatabaseBytes (" + bytes + ") must be at least 65536");
      }
      this.maxBytes = bytes;
      return this;
    }

    /** The most states kept in memory: 1,000,000 unless set (the least recently used go first). */
    public Builder maxCachedKeys(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxCachedKeys (" + max + ") must be positive");
      }
      this.maxCachedKeys = max;
      return this;
    }

    /**
     * The failure policy of every policy not named in {@link #failure(String, FailurePolicy)}:
     * {@link FailurePolicy#open()} or {@link FailurePolicy#closed()} ({@link FailurePolicy#local}
     * is for stores shared by several instances, and is refused). Unless set: open for rate
     * limits, closed for budgets and concurrency limits ({@link FailurePolicy#defaultFor}).
     */
    public Builder failure(FailurePolicy policy) {
      failureChoices.all(policy);
      return this;
    }

    /** The failure policy of the policy named {@code policyName}. */
    public Builder failure(String policyName, FailurePolicy policy) {
      failureChoices.named(policyName, policy);
      return this;
    }

    /** At most one failure report in the log per interval: 10 s unless set. */
    public Builder logInterval(Duration interval) {
      this.logInterval = Args.between("logInterval", interval, Duration.ofMillis(1), Duration.ofDays(1));
      return this;
    }

    /**
     * Opens the database (creating it and its directory if absent) and starts the writer.
     *
     * @throws IllegalStateException naming the file, if it is not a SQLite database, is corrupt,
     *     belongs to another application, has a schema version this version cannot read, is in
     *     use by another store (in this or another process), or cannot be opened
     */
    public SqliteStore build() {
      Path p = path.toAbsolutePath();
      try {
        if (p.getParent() != null) {
          Files.createDirectories(p.getParent());
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot create the directory of " + p + ": " + e, e);
      }
      // Claimed in this JVM before any channel on the lock file is opened: closing a channel on
      // it, even one refused the lock, would drop the lock this process holds (POSIX locks are
      // per process).
      DatabaseFile file = DatabaseFile.claim(p);
      file.lock(p);
      Database db = null;
      try {
        db = Database.open(file.path, synchronous, maxBytes, true, true);
        file.identify();
      } catch (java.sql.SQLException | RuntimeException e) {
        if (db != null) {
          db.close(); // opened, then the file could not be identified
        }
        file.release();
        throw e instanceof java.sql.SQLException s ? Database.describe(file.path, s) : (RuntimeException) e;
      }
      return new SqliteStore(this, file, db);
    }
  }
}
