package dev.sluice.sqlite;

import dev.sluice.spi.FailureChoices;
import dev.sluice.spi.FailureCounts;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.Failures;
import dev.sluice.spi.MultiStep;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.Args;
import dev.sluice.spi.Definitions;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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

  /** Keys per idle-sweep step. */
  static final int SWEEP_CHUNK = 512;

  /** Threads that complete asynchronous decisions' futures (and so run their callbacks). */
  static final int COMPLETION_THREADS = Math.min(4, Math.max(2, Runtime.getRuntime().availableProcessors()));

  private final Path path;
  private final Clock clock;
  private final int maxBatch;
  private final long maxWaitNanos;
  private final long timeoutNanos;
  private final long idleSweepNanos;
  private final long checkpointNanos;
  private final int maxCachedKeys;
  private final FailureChoices failureChoices;
  private final DatabaseFile file;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ConcurrentHashMap<Policy, SqlitePartition> partitions = new ConcurrentHashMap<>();
  /** Per policy name, its definitions (all of one kind). */
  private final ConcurrentHashMap<String, Name> byName = new ConcurrentHashMap<>();
  private final Definitions definitions = new Definitions();
  private final ConcurrentLinkedQueue<Call> queue = new ConcurrentLinkedQueue<>();
  private final Writer writer;
  private final Thread writerThread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean writerParked;
  private volatile boolean writerExited;
  private final Failures failures;
  private final AtomicLong commits = new AtomicLong();
  /**
   * Completes asynchronous calls' futures, so that their callbacks never run on the writer (nor
   * on the timer); its threads start on first use and stop after 30 s idle.
   */
  private final ThreadPoolExecutor completions;
  /** Gives up on asynchronous calls at their decision timeout; its thread starts on first use. */
  private final ScheduledThreadPoolExecutor timer;

  private SqliteStore(Builder b, DatabaseFile file, Database db) {
    this.file = file;
    this.path = file.path;
    this.clock = b.clock;
    this.maxBatch = b.maxBatch;
    this.maxWaitNanos = b.maxWait.toNanos();
    this.timeoutNanos = b.decisionTimeout.toNanos();
    this.idleSweepNanos = b.idleSweepInterval.toNanos();
    this.checkpointNanos = b.checkpointInterval.toNanos();
    this.maxCachedKeys = b.maxCachedKeys;
    this.failureChoices = b.failureChoices.build();
    this.failures = new Failures("SQLite store on " + file.path, LOG, b.logInterval.toNanos());
    this.lockChannel = b.lockChannel;
    this.lock = b.lock;
    this.writer = new Writer(db, new DatabaseSource(file, b.synchronous, b.maxBytes));
    this.completions = new ThreadPoolExecutor(COMPLETION_THREADS, COMPLETION_THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemons("sluice-sqlite-async " + path.getFileName()));
    this.completions.allowCoreThreadTimeOut(true);
    this.timer = new ScheduledThreadPoolExecutor(1, daemons("sluice-sqlite-timeout " + path.getFileName()));
    this.timer.setRemoveOnCancelPolicy(true);
    this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.timer.setKeepAliveTime(30, TimeUnit.SECONDS);
    this.timer.allowCoreThreadTimeOut(true);
    this.writerThread = new Thread(writer, "sluice-sqlite-writer " + path.getFileName());
    this.writerThread.setDaemon(true);
    this.writerThread.start();
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + " #" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
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
    return failureChoices.of(policy);
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
    return commits.get();
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
    enqueue(call);
    Ticket<?> t = call.ticket();
    if (!t.await(timeoutNanos)) {
      failed(Failures.Cause.TIMEOUT, "no commit within the decision timeout (" + Duration.ofNanos(timeoutNanos) + ")");
      return false;
    }
    if (t.error != null) {
      throw t.error;
    }
    return !t.failed;
  }

  /**
   * Hands {@code call} to the writer and wakes it; if the writer has already exited (a close
   * raced this call), the call is abandoned at once, since no writer will take it.
   */
  private void enqueue(Call call) {
    failures.asked(call.decisions());
    queue.offer(call);
    if (writerParked) {
      LockSupport.unpark(writerThread);
    }
    if (writerExited) {
      writer.abandonQueued(); // closed meanwhile: no writer will take it
    }
  }

  /**
   * Queues an asynchronous {@code call} and returns its future at once: the writer completes it
   * after the commit (on {@link #completions}), or the timer with the failure decision at the
   * decision timeout, whichever comes first ({@link Ticket#abandon}).
   */
  CompletableFuture<Decision> submit(Call.Apply call) {
    if (closed.get()) {
      throw new IllegalStateException("the SQLite store on " + path + " is closed");
    }
    try {
      call.ticket().deadline = timer.schedule(() -> expire(call), timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("the SQLite store on " + path + " is closed");
    }
    enqueue(call);
    return call.ticket().future;
  }

  /** The decision timeout of an asynchronous call: answered by its failure choice, if still open. */
  private void expire(Call.Apply call) {
    if (call.ticket().abandon()) {
      failed(Failures.Cause.TIMEOUT, "no commit within the decision timeout (" + Duration.ofNanos(timeoutNanos) + ")");
      Decision d = failureDecision(call.partition().policy);
      dispatch(() -> call.ticket().future.complete(d));
    }
  }

  /** Completes an asynchronous call the writer (or a close) finished, from its fields. */
  private void settle(Call.Apply call) {
    Ticket<Decision> t = call.ticket();
    ScheduledFuture<?> deadline = t.deadline;
    if (deadline != null) {
      deadline.cancel(false);
    }
    if (t.error != null) {
      t.future.completeExceptionally(t.error);
    } else {
      t.future.complete(t.failed ? failureDecision(call.partition().policy) : t.answer);
    }
  }

  /**
   * Finishes a call outside a batch's wake tree (a failed batch, a close): wakes its caller or
   * completes its future; false if its caller gave up first.
   */
  private boolean complete(Call call) {
    if (!call.ticket().finish()) {
      return false;
    }
    release(call);
    return true;
  }

  /** Wakes the caller of a finished call, or completes its future. */
  private void release(Call call) {
    if (call instanceof Call.Apply a && a.ticket().future != null) {
      dispatch(() -> settle(a));
    } else {
      LockSupport.unpark(call.ticket().waiter);
    }
  }

  /** Runs {@code task} on {@link #completions}; on the calling thread once that is shut down. */
  private void dispatch(Runnable task) {
    try {
      completions.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // closed: a call that raced the close
    }
  }

  private void failed(Failures.Cause cause, String error) {
    failures.failed(cause, error);
  }

  /** The answer of {@code policy}'s failure choice, counted. */
  Decision failureDecision(Policy policy) {
    FailurePolicy fp = failurePolicy(policy);
    failures.answered(fp.mode());
    return fp.answer(policy, Writer.RETRY_NANOS);
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
    LockSupport.unpark(writerThread);
    boolean interrupted = false;
    while (writerThread.isAlive()) {
      try {
        writerThread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    // Every call is finished now: the writer decided what was queued, and a call queued after it
    // left is failed by its caller (submit). Timeouts still pending have nothing left to answer.
    timer.shutdown();
    completions.shutdown();
    long until = System.nanoTime() + timeoutNanos;
    for (long left; !completions.isTerminated() && (left = until - System.nanoTime()) > 0; ) {
      try {
        completions.awaitTermination(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      // the lock goes with the channel
    }
    file.release();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A key in the writer's maps: what a row is keyed by, the policy name and the key. Every
   * definition of a name reads the same entry (one name holds one kind in a store).
   */
  record CacheKey(String name, String key) {}

  /** A stored state that is not one of its policy's. */
  static final class BadState extends Exception {
    private static final long serialVersionUID = 1;

    BadState(String message) {
      super(message, null, false, false);
    }
  }

  // ---------------------------------------------------------------- the writer

  /** The one thread that reads and writes the state table. */
  final class Writer implements Runnable {
    /** The retryAfter of a fail-closed answer, and the pause between attempts to reopen. */
    static final long RETRY_NANOS = 100_000_000;

    /** How often the writer asks its source whether the table is lost ({@link StateTable.Source#lost}). */
    static final long LOST_CHECK_NANOS = 100_000_000;

    /** Marks a key known to have no row. */
    private final long[] absent = new long[0];

    private StateTable table;
    private final StateTable.Source source;
    /** Committed states, most recently used last. */
    private final Map<CacheKey, long[]> cache;
    /** States written by the batch in progress, not yet committed. */
    private final Map<CacheKey, long[]> staged = new HashMap<>();
    /** The idle sweep's floors, per name and timeline. */
    private final Floors floors = new Floors();
    private long nextOpen = System.nanoTime();
    private long lastLostCheck = System.nanoTime();
    private long lastSweep;
    private String sweepPolicy;
    private String sweepKey;
    private long lastUpkeep = System.nanoTime();

    Writer(StateTable table, StateTable.Source source) {
      this.table = table;
      this.source = source;
      this.cache = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1;

        @Override
        protected boolean removeEldestEntry(Map.Entry<CacheKey, long[]> eldest) {
          return size() > maxCachedKeys;
        }
      };
      this.lastSweep = clock.nanos();
    }

    @Override
    public void run() {
      java.util.ArrayList<Call> batch = new java.util.ArrayList<>(maxBatch);
      try {
        if (table != null) {
          loadFloors();
        }
        for (;;) {
          Call first = queue.poll();
          if (first == null) {
            if (closed.get()) {
              break;
            }
            maintain();
            writerParked = true;
            first = queue.poll();
            if (first == null) {
              if (!closed.get()) {
                LockSupport.parkNanos(this, 50_000_000);
              }
              writerParked = false;
              continue;
            }
            writerParked = false;
          }
          batch.add(first);
          fill(batch);
          process(batch);
          batch.clear();
          maintain();
        }
      } catch (Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "SQLite store writer on " + path + " stopped", t);
        for (Call c : batch) {
          c.ticket().failed = true;
          complete(c);
        }
      } finally {
        writerExited = true;
        abandonQueued();
        if (table != null) {
          table.close();
        }
      }
    }

    /** Fails every queued call: no writer will take them. */
    void abandonQueued() {
      for (Call c; (c = queue.poll()) != null; ) {
        c.ticket().failed = true;
        complete(c);
      }
    }

    /** Adds what is queued, up to maxBatch, waiting up to maxWait for more. */
    private void fill(java.util.List<Call> batch) {
      long deadline = maxWaitNanos > 0 ? System.nanoTime() + maxWaitNanos : 0;
      while (batch.size() < maxBatch) {
        Call c = queue.poll();
        if (c != null) {
          batch.add(c);
          continue;
        }
        if (maxWaitNanos == 0) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        LockSupport.parkNanos(Math.min(left, 20_000));
      }
    }

    private void loadFloors() throws java.sql.SQLException {
      floors.load(table);
    }

    /** The table, reopened after a failure (at most once per RETRY_NANOS); null if none. */
    private StateTable table() {
      if (table != null) {
        return table;
      }
      long now = System.nanoTime();
      if (now - nextOpen < 0) {
        return null;
      }
      try {
        if (lost()) {
          nextOpen = now + RETRY_NANOS;
          return null;
        }
        table = source.reopen();
        if (lost()) { // lost while being reopened
          table.close();
          table = null;
          nextOpen = now + RETRY_NANOS;
          return null;
        }
        loadFloors();
        return table;
      } catch (java.sql.SQLException | RuntimeException e) {
        if (table != null) {
          table.close();
          table = null;
        }
        nextOpen = now + RETRY_NANOS;
        failures.lastError(describe(e));
        return null;
      }
    }

    /**
     * Whether the table is lost ({@link StateTable.Source#lost}): then the connection is closed, the
     * cache dropped, and every decision fails by choice until the source has it back.
     */
    private boolean lost() {
      lastLostCheck = System.nanoTime();
      String error = source.lost();
      if (error == null) {
        return false;
      }
      failures.lastError(error);
      if (table != null) {
        table.close();
        table = null;
      }
      staged.clear();
      cache.clear();
      return true;
    }

    /** {@link #lost()}, at most once per LOST_CHECK_NANOS. */
    private boolean lostDue() {
      return System.nanoTime() - lastLostCheck >= LOST_CHECK_NANOS && lost();
    }

    /** Decides the batch in one transaction; completes every call after the commit. */
    private void process(java.util.List<Call> batch) {
      StateTable d = table != null && lostDue() ? null : table();
      if (d == null) {
        failAll(batch, failures.lastError());
        return;
      }
      long monotonic = Args.time("clock.nanos()", clock.nanos());
      long wall = Args.time("clock.wallNanos()", clock.wallNanos());
      boolean wrote = false;
      try {
        d.begin();
        for (Call c : batch) {
          if (c.ticket().take()) { // else given up by its caller before the write lock was ours: skipped
            decide(d, c, monotonic, wall);
          }
        }
        if (!staged.isEmpty()) {
          saveStaged(d);
          wrote = true;
        }
        d.commit();
      } catch (java.sql.SQLException | RuntimeException e) {
        abort(d, e);
        failAll(batch, failures.lastError());
        return;
      }
      if (wrote) {
        commits.incrementAndGet();
        cache.putAll(staged);
        staged.clear();
      }
      completeAll(batch);
    }

    /**
     * Completes the batch, waking its callers as a binary tree: the writer wakes the first, and
     * each caller, once awake, wakes the next two. The wake-ups (a system call each) then run on
     * the callers' threads, in parallel, rather than one after another on the writer's.
     */
    private void completeAll(java.util.List<Call> batch) {
      Ticket.link(batch);
      for (int i = 0, n = batch.size(); i < n; i++) {
        Call c = batch.get(i);
        Ticket<?> t = c.ticket();
        if (t.finish()) { // else its caller gave up, and counted the failure
          if (t.failed) {
            failed(t.badState ? Failures.Cause.BAD_STATE : Failures.Cause.ERROR, null);
          }
          if (c instanceof Call.Apply a && a.ticket().future != null) {
            asynchronous.add(a);
          }
        }
      }
      Ticket.wake(batch.get(0).ticket());
      if (!asynchronous.isEmpty()) {
        Call.Apply[] done = asynchronous.toArray(new Call.Apply[0]);
        asynchronous.clear();
        dispatch(() -> {
          for (Call.Apply c : done) {
            settle(c);
          }
        });
      }
    }

    /** The asynchronous calls of the batch being completed. */
    private final java.util.ArrayList<Call.Apply> asynchronous = new java.util.ArrayList<>();

    private String[] policies = new String[0];
    private String[] keys = new String[0];
    private String[] kinds = new String[0];
    private long[][] states = new long[0][];

    /** Writes the staged states: deletions one by one (rare), the rest in multi-row upserts. */
    private void saveStaged(StateTable d) throws java.sql.SQLException {
      int n = staged.size();
      if (policies.length < n) {
        policies = new String[n];
        keys = new String[n];
        kinds = new String[n];
        states = new long[n][];
      }
      int rows = 0;
      for (Map.Entry<CacheKey, long[]> e : staged.entrySet()) {
        long[] s = e.getValue();
        String name = e.getKey().name();
        if (s == absent) {
          d.delete(name, e.getKey().key());
        } else {
          policies[rows] = name;
          keys[rows] = e.getKey().key();
          kinds[rows] = byName.get(name).kind;
          states[rows++] = s;
        }
      }
      d.saveAll(policies, keys, kinds, states, rows);
    }

    /**
     * After a failed transaction: roll back, forget cached states, and close the connection (a
     * statement that failed mid-step may not be reusable); the next batch reopens it.
     */
    private void abort(StateTable d, Exception e) {
      staged.clear();
      cache.clear();
      failures.lastError(describe(e));
      d.rollback();
      d.close();
      table = null;
    }

    private void failAll(java.util.List<Call> batch, String error) {
      for (Call c : batch) {
        c.ticket().failed = true;
        if (c.ticket().finish()) { // else its caller gave up, and counted the failure
          failed(Failures.Cause.ERROR, error); // before the caller learns of it
          release(c);
        }
      }
    }

    private void decide(StateTable d, Call c, long monotonic, long wall) throws java.sql.SQLException {
      try {
        if (c instanceof Call.Apply a) {
          a.ticket().answer = decide(d, a, monotonic, wall);
        } else {
          Call.ApplyAll m = (Call.ApplyAll) c; // the only other kind (Call is sealed)
          m.ticket().answer = decideAll(d, m, monotonic, wall);
        }
      } catch (BadState e) {
        c.ticket().failed = true;
        c.ticket().badState = true;
        failures.lastError(e.getMessage());
      } catch (IllegalArgumentException e) {
        c.ticket().error = e; // e.g. a hold whose id is already held: the caller's error, nothing changed
      }
    }

    private Decision decide(StateTable d, Call.Apply c, long monotonic, long wall) throws java.sql.SQLException, BadState {
      SqlitePartition p = c.partition();
      long now = p.wall ? wall : monotonic;
      long at = at(p, now);
      CacheKey k = new CacheKey(p.name, c.key());
      if (c.op() == Operation.RESET) {
        // Forgets the key without reading it, so a key holding a bad state can be reset.
        Decision decision = p.algorithm.step(null, at, c.cost(), c.op(), c.arg()).decision().later(at - now);
        staged.put(k, absent);
        return decision;
      }
      dev.sluice.spi.Step s = p.algorithm.step(load(d, p, k, at), at, c.cost(), c.op(), c.arg());
      if (s.changed()) {
        staged.put(k, s.state() == null ? absent : s.state());
      }
      return s.decision().later(at - now);
    }

    private MultiDecision decideAll(StateTable d, Call.ApplyAll c, long monotonic, long wall)
        throws java.sql.SQLException, BadState {
      int n = c.parts().length;
      CacheKey[] keys = new CacheKey[n];
      MultiStep m = MultiStep.<java.sql.SQLException, BadState>apply(n, c.op(), i -> {
        SqlitePartition p = c.parts()[i];
        long now = p.wall ? wall : monotonic;
        long at = at(p, now);
        keys[i] = new CacheKey(p.name, c.keys()[i]);
        return p.algorithm.step(load(d, p, keys[i], at), at, c.charges().get(i).cost(), c.op(), 0).later(at - now);
      });
      if (m.write()) {
        for (int i = 0; i < n; i++) {
          if (m.step(i).changed()) {
            staged.put(keys[i], m.step(i).state() == null ? absent : m.step(i).state());
          }
        }
      }
      return m.decision();
    }

    /**
     * The time {@code p} decides at when its clock shows {@code now}: its name's idle-sweep floor
     * while that is at most the name's period ahead, else {@code now} ({@link Floors}).
     */
    private long at(SqlitePartition p, long now) {
      return floors.at(p.name, p.wall, now, p.named.periodNanos);
    }

    /**
     * The key's state: staged in this batch, cached, or read (and cached); null if none. A row of
     * another kind reads as absent (a write replaces it).
     */
    private long[] load(StateTable d, SqlitePartition p, CacheKey k, long now) throws java.sql.SQLException, BadState {
      long[] s = staged.get(k);
      if (s == null) {
        s = cache.get(k);
        if (s == null) {
          StateTable.Row row = d.load(k.name(), k.key(), p.kind);
          s = row == null ? null : row.state();
          if (s != null && !check(p, k, row.kind().equals(StateTable.UNKNOWN_KIND), s, now)) {
            s = null;
          }
          s = s == null ? absent : s;
          cache.put(k, s);
        }
      }
      return s == absent ? null : s;
    }

    /**
     * Whether {@code s} is a state of {@code p}'s kind; false for a row of unknown kind (written by
     * schema version 1) that does not have its shape, which reads as absent like a row of another
     * kind.
     *
     * @throws BadState if a row of {@code p}'s kind does not hold one of its states
     */
    private boolean check(SqlitePartition p, CacheKey k, boolean unknownKind, long[] s, long now) throws BadState {
      String problem = s == StateTable.CORRUPT ? "a value that is not a list of 64-bit integers" : null;
      if (problem == null) {
        try {
          p.algorithm.idle(s, now);
        } catch (IllegalArgumentException e) {
          problem = e.getMessage();
        }
      }
      if (problem != null && unknownKind) {
        return false;
      }
      if (problem != null) {
        throw new BadState("key '" + k.key() + "' of policy '" + k.name() + "' holds " + problem
            + " (was the policy redefined under the same name with another shape?); reset the key to start it fresh");
      }
      return true;
    }

    // ------------------------------------------------------------ maintenance

    /** Runs one step of the idle sweep and the table's upkeep, when due. */
    private void maintain() {
      if (table != null && lostDue()) {
        return;
      }
      StateTable d = table;
      if (d == null) {
        return;
      }
      try {
        long now = clock.nanos();
        if (sweepPolicy == null && now - lastSweep >= idleSweepNanos) {
          lastSweep = now;
          sweepPolicy = "";
          sweepKey = "";
        }
        if (sweepPolicy != null) {
          sweepStep(d);
        }
        long real = System.nanoTime();
        if (real - lastUpkeep >= checkpointNanos) {
          lastUpkeep = real;
          d.upkeep();
        }
      } catch (java.sql.SQLException | RuntimeException e) {
        abort(d, e);
        sweepPolicy = null;
      }
    }

    /** Deletes idle keys among the next SWEEP_CHUNK rows. */
    private void sweepStep(StateTable d) throws java.sql.SQLException {
      List<StateTable.Row> rows = d.scan(sweepPolicy, sweepKey, SWEEP_CHUNK);
      long monotonicNow = Args.time("clock.nanos()", clock.nanos());
      long wallNow = Args.time("clock.wallNanos()", clock.wallNanos());
      // per name swept, the times its keys were found idle at: {monotonic, wall}
      Map<String, long[]> times = new HashMap<>();
      java.util.List<CacheKey> idle = new java.util.ArrayList<>();
      for (StateTable.Row r : rows) {
        Name named = byName.get(r.policy());
        if (named == null || r.state() == StateTable.CORRUPT
            || !(r.kind().equals(named.kind) || r.kind().equals(StateTable.UNKNOWN_KIND))) {
          // a policy (or a kind under the name) this process does not use: it cannot tell
          // whether the key is idle
          continue;
        }
        long[] at = times.get(r.policy());
        if (at == null) {
          at = new long[] {
              floors.at(r.policy(), false, monotonicNow, named.periodNanos),
              floors.at(r.policy(), true, wallNow, named.periodNanos)};
        }
        if (idleUnderEvery(named.definitions, r.state(), at[0], at[1])) {
          idle.add(new CacheKey(r.policy(), r.key()));
          times.put(r.policy(), at);
        }
      }
      if (!idle.isEmpty()) {
        d.begin();
        for (CacheKey k : idle) {
          d.delete(k.name(), k.key());
        }
        for (Map.Entry<String, long[]> e : times.entrySet()) {
          String name = e.getKey();
          d.setMeta(Floors.row(name, false), Math.max(floors.get(name, false), e.getValue()[0]));
          d.setMeta(Floors.row(name, true), Math.max(floors.get(name, true), e.getValue()[1]));
        }
        d.commit();
        for (Map.Entry<String, long[]> e : times.entrySet()) {
          floors.raise(e.getKey(), false, e.getValue()[0]);
          floors.raise(e.getKey(), true, e.getValue()[1]);
        }
        for (CacheKey k : idle) {
          cache.remove(k);
        }
      }
      if (rows.size() < SWEEP_CHUNK) {
        sweepPolicy = null;
      } else {
        StateTable.Row last = rows.get(rows.size() - 1);
        sweepPolicy = last.policy();
        sweepKey = last.key();
      }
    }
  }

  /** Whether {@code state} decides like a fresh key under every definition of its name. */
  private static boolean idleUnderEvery(List<SqlitePartition> defs, long[] state, long monotonic, long wall) {
    for (SqlitePartition p : defs) {
      try {
        if (!p.algorithm.idle(state, p.wall ? wall : monotonic)) {
          return false;
        }
      } catch (IllegalArgumentException e) {
        return false; // not this definition's state: left for the decision that meets it to report
      }
    }
    return true;
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
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
    private FileChannel lockChannel;
    private FileLock lock;

    private Builder(Path path) {
      this.path = path;
    }

    /**
     * The clock the store reads: {@link Clock#system()} unless set. A step back of it never grants
     * anything (the algorithms absorb it), and the idle sweep's floors, committed with the states,
     * hold decisions at most one period ahead of it, across restarts too (see {@link Floors}).
     */
    public Builder clock(Clock clock) {
      if (clock == null) {
        throw new IllegalArgumentException("clock must not be null");
      }
      this.clock = clock;
      return this;
    }

    /** When a commit waits for the disk: {@link Synchronous#FULL} unless set. */
    public Builder synchronous(Synchronous synchronous) {
      if (synchronous == null) {
        throw new IllegalArgumentException("synchronous must not be null");
      }
      this.synchronous = synchronous;
      return this;
    }

    /** The most decisions per transaction: 256 unless set; 1 to 65,536. */
    public Builder maxBatch(int maxBatch) {
      if (maxBatch < 1 || maxBatch > 65_536) {
        throw new IllegalArgumentException("maxBatch (" + maxBatch + ") must be within [1, 65536]");
      }
      this.maxBatch = maxBatch;
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
      Path lockFile = file.lockFile();
      try {
        lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException e) {
        file.release();
        throw new IllegalStateException("cannot create " + lockFile + ": " + e, e);
      }
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException | IOException e) {
        // overlapping: held in this JVM outside the registry (not by a store)
        closeQuietly(file);
        throw new IllegalStateException("cannot lock " + lockFile + ": " + e, e);
      }
      if (lock == null) {
        closeQuietly(file);
        throw new IllegalStateException(p + " is in use by another process's SQLite store (" + lockFile + " is locked)");
      }
      Database db;
      try {
        db = Database.open(file.path, synchronous, maxBytes, true, true);
        file.identify();
      } catch (java.sql.SQLException e) {
        closeQuietly(file);
        throw Database.describe(file.path, e);
      } catch (RuntimeException e) {
        closeQuietly(file);
        throw e;
      }
      return new SqliteStore(this, file, db);
    }

    private void closeQuietly(DatabaseFile file) {
      try {
        lockChannel.close();
      } catch (IOException e) {
        // nothing held
      }
      file.release();
    }
  }
}
