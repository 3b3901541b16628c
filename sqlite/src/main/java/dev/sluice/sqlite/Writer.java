package dev.sluice.sqlite;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.spi.Args;
import dev.sluice.spi.Failures;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.MultiStep;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Step;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The group-commit writer: the one thread that reads and writes the {@link StateTable}. It takes
 * what is queued (up to {@code maxBatch}), decides it in order in one transaction on the states of
 * its {@link StateCache}, writes each changed key once, commits, and only then answers every call,
 * waking their callers as a binary tree ({@link Ticket}). A failed transaction is rolled back, the
 * cache and the connection dropped, and the batch answered by failure choice ({@link Answers});
 * the next batch reopens the table through its {@link StateTable.Source}. Between batches it runs
 * the {@link IdleSweep} and the table's upkeep.
 */
final class Writer implements Runnable {

  /** The retryAfter of a fail-closed answer, and the pause between attempts to reopen. */
  static final long RETRY_NANOS = 100_000_000;

  /** How often the writer asks its source whether the table is lost ({@link StateTable.Source#lost}). */
  static final long LOST_CHECK_NANOS = 100_000_000;

  /**
   * The writer's settings, from the store's builder.
   *
   * @param upkeepNanos how often {@link StateTable#upkeep} runs (on {@link System#nanoTime})
   */
  record Settings(Clock clock, int maxBatch, long maxWaitNanos, long idleSweepNanos, long upkeepNanos,
      int maxCachedKeys) {}

  private final String name;
  private final System.Logger log;
  private final Clock clock;
  private final int maxBatch;
  private final long maxWaitNanos;
  private final long upkeepNanos;
  private final StateTable.Source source;
  private final Answers answers;
  private final Failures failures;
  private final ConcurrentLinkedQueue<Call> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong commits = new AtomicLong();
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean parked;
  private volatile boolean exited;

  private StateTable table;
  private final StateCache states;
  /** The idle sweep's floors, per name and timeline. */
  private final Floors floors = new Floors();
  private final IdleSweep sweep;
  private long nextOpen = System.nanoTime();
  private long lastLostCheck = System.nanoTime();
  private long lastUpkeep = System.nanoTime();

  /**
   * @param name the writer, for its log ("... stopped")
   * @param threadName its thread's name
   * @param table the table, open
   * @param byName the store's names, as it registers them
   */
  Writer(String name, String threadName, System.Logger log, StateTable table, StateTable.Source source,
      Settings settings, Map<String, Name> byName, Answers answers, Failures failures) {
    this.name = name;
    this.log = log;
    this.clock = settings.clock();
    this.maxBatch = settings.maxBatch();
    this.maxWaitNanos = settings.maxWaitNanos();
    this.upkeepNanos = settings.upkeepNanos();
    this.table = table;
    this.source = source;
    this.answers = answers;
    this.failures = failures;
    this.states = new StateCache(settings.maxCachedKeys(), byName);
    this.sweep = new IdleSweep(clock, settings.idleSweepNanos(), byName, floors);
    this.thread = new Thread(this, threadName);
    this.thread.setDaemon(true);
  }

  /** Starts the writer's thread (a daemon). */
  void start() {
    thread.start();
  }

  /** Transactions committed since the writer started (one per batch that wrote something). */
  long commits() {
    return commits.get();
  }

  /**
   * Hands {@code call} to the writer and wakes it; if the writer has already exited (a close
   * raced this call), the call is abandoned at once, since no writer will take it.
   */
  void offer(Call call) {
    failures.asked(call.decisions());
    queue.offer(call);
    if (parked) {
      LockSupport.unpark(thread);
    }
    if (exited) {
      abandonQueued(); // closed meanwhile: no writer will take it
    }
  }

  /**
   * Lets the writer decide what is queued, then stop and close the table; waits for its thread to
   * end.
   *
   * @return whether the calling thread was interrupted meanwhile (its interrupt is then cleared,
   *     for the caller to restore)
   */
  boolean stop() {
    stopping = true;
    LockSupport.unpark(thread);
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }

  @Override
  public void run() {
    ArrayList<Call> batch = new ArrayList<>(maxBatch);
    try {
      if (table != null) {
        floors.load(table);
      }
      for (;;) {
        Call first = queue.poll();
        if (first == null) {
          if (stopping) {
            break;
          }
          maintain();
          parked = true;
          first = queue.poll();
          if (first == null) {
            if (!stopping) {
              LockSupport.parkNanos(this, 50_000_000);
            }
            parked = false;
            continue;
          }
          parked = false;
        }
        batch.add(first);
        fill(batch);
        process(batch);
        batch.clear();
        maintain();
      }
    } catch (Throwable t) {
      log.log(System.Logger.Level.ERROR, name + " stopped", t);
      for (Call c : batch) {
        c.ticket().failed = true;
        answers.complete(c);
      }
    } finally {
      exited = true;
      abandonQueued();
      if (table != null) {
        table.close();
      }
    }
  }

  /** Fails every queued call: no writer will take them. */
  private void abandonQueued() {
    for (Call c; (c = queue.poll()) != null; ) {
      c.ticket().failed = true;
      answers.complete(c);
    }
  }

  /** Adds what is queued, up to maxBatch, waiting up to maxWait for more. */
  private void fill(List<Call> batch) {
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
      if (lost()) { // lost while being reopened (lost() closed the table, and keeps the loss as the last error)
        nextOpen = now + RETRY_NANOS;
        return null;
      }
      floors.load(table);
      return table;
    } catch (SQLException | RuntimeException e) {
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
    states.clear();
    return true;
  }

  /** {@link #lost()}, at most once per LOST_CHECK_NANOS. */
  private boolean lostDue() {
    return System.nanoTime() - lastLostCheck >= LOST_CHECK_NANOS && lost();
  }

  /** Decides the batch in one transaction; completes every call after the commit. */
  private void process(List<Call> batch) {
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
      if (states.changed()) {
        states.save(d);
        wrote = true;
      }
      d.commit();
    } catch (SQLException | RuntimeException e) {
      abort(d, e);
      failAll(batch, failures.lastError());
      return;
    }
    if (wrote) {
      commits.incrementAndGet();
      states.committed();
    }
    completeAll(batch);
  }

  private void finished(Call c) {
    Ticket<?> t = c.ticket();
    if (t.failed) {
      failures.failed(t.badState ? Failures.Cause.BAD_STATE : Failures.Cause.ERROR, (String) null);
    }
    if (c instanceof Call.Apply a && a.ticket().future != null) {
      asynchronous.add(a);
    }
  }

  /** What completing a batch does with each call it finished. */
  private final java.util.function.Consumer<Call> onFinished = this::finished;

  /** The asynchronous calls of the batch being completed. */
  private final ArrayList<Call.Apply> asynchronous = new ArrayList<>();

  /** Completes the batch ({@link Ticket#finishAll}), then settles its asynchronous calls' futures. */
  private void completeAll(List<Call> batch) {
    Ticket.finishAll(batch, onFinished);
    if (!asynchronous.isEmpty()) {
      Call.Apply[] done = asynchronous.toArray(new Call.Apply[0]);
      asynchronous.clear();
      answers.settleAll(done);
    }
  }

  /**
   * After a failed transaction: roll back, forget cached states, and close the connection (a
   * statement that failed mid-step may not be reusable); the next batch reopens it.
   */
  private void abort(StateTable d, Exception e) {
    states.clear();
    failures.lastError(describe(e));
    d.rollback();
    d.close();
    table = null;
  }

  private void failAll(List<Call> batch, String error) {
    for (Call c : batch) {
      c.ticket().failed = true;
      if (c.ticket().finish()) { // else its caller gave up, and counted the failure
        failures.failed(Failures.Cause.ERROR, error); // before the caller learns of it
        answers.release(c);
      }
    }
  }

  private void decide(StateTable d, Call c, long monotonic, long wall) throws SQLException {
    try {
      if (c instanceof Call.Apply a) {
        a.ticket().answer = decide(d, a, monotonic, wall);
      } else {
        Call.ApplyAll m = (Call.ApplyAll) c; // the only other kind (Call is sealed)
        m.ticket().answer = decideAll(d, m, monotonic, wall);
      }
    } catch (StateCache.BadState e) {
      c.ticket().failed = true;
      c.ticket().badState = true;
      failures.lastError(e.getMessage());
    } catch (IllegalArgumentException e) {
      c.ticket().error = e; // e.g. a hold whose id is already held: the caller's error, nothing changed
    }
  }

  private Decision decide(StateTable d, Call.Apply c, long monotonic, long wall)
      throws SQLException, StateCache.BadState {
    SqlitePartition p = c.partition();
    long now = p.wall ? wall : monotonic;
    long at = at(p, now);
    StateCache.Key k = new StateCache.Key(p.name, c.key());
    if (c.command().operation() == Operation.RESET) {
      // Forgets the key without reading it, so a key holding a bad state can be reset.
      Decision decision = p.algorithm.step(null, at, c.command()).decision().later(at - now);
      states.stage(k, null);
      return decision;
    }
    Step s = p.algorithm.step(states.load(d, p, k, at), at, c.command());
    if (s.changed()) {
      states.stage(k, s.state());
    }
    return s.decision().later(at - now);
  }

  private MultiDecision decideAll(StateTable d, Call.ApplyAll c, long monotonic, long wall)
      throws SQLException, StateCache.BadState {
    int n = c.parts().length;
    StateCache.Key[] keys = new StateCache.Key[n];
    MultiStep m = MultiStep.<SQLException, StateCache.BadState>apply(n, c.op(), i -> {
      SqlitePartition p = c.parts()[i];
      long now = p.wall ? wall : monotonic;
      long at = at(p, now);
      keys[i] = new StateCache.Key(p.name, c.keys()[i]);
      return p.algorithm.step(states.load(d, p, keys[i], at), at, MultiStep.command(c.op(), c.charges().get(i).cost())).later(at - now);
    });
    if (m.write()) {
      for (int i = 0; i < n; i++) {
        if (m.step(i).changed()) {
          states.stage(keys[i], m.step(i).state());
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
      for (StateCache.Key k : sweep.step(d)) {
        states.forget(k);
      }
      long real = System.nanoTime();
      if (real - lastUpkeep >= upkeepNanos) {
        lastUpkeep = real;
        d.upkeep();
      }
    } catch (SQLException | RuntimeException e) {
      abort(d, e);
      sweep.stop();
    }
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
