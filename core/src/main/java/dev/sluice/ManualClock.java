package dev.sluice;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * A clock for tests: time moves only when told. {@link #sleep(long)} advances it instead of
 * blocking (and remembers how long each sleep was); futures from {@link #after(long)} complete
 * when the clock is advanced past their deadline. Both timelines show the same time. The clock
 * may be set backwards, to test that nothing is granted when time goes back.
 */
public final class ManualClock implements Clock {

  private record Timer(long deadline, long seq, CompletableFuture<Void> future) {}

  private volatile long now;
  private long seq;
  private final PriorityQueue<Timer> timers = new PriorityQueue<>(
      (a, b) -> a.deadline != b.deadline ? Long.compare(a.deadline, b.deadline) : Long.compare(a.seq, b.seq));
  private final List<Long> sleeps = new ArrayList<>();

  /**
   * A clock at {@code nanos} since the epoch.
   *
   * @param nanos the start time, in nanoseconds since the epoch, within {@code [0, 2^62]}
   * @throws IllegalArgumentException if {@code nanos} is out of range
   */
  public ManualClock(long nanos) {
    this.now = Checks.time("nanos", nanos);
  }

  /**
   * A clock at {@code instant}.
   *
   * @param instant the start time, from the epoch to 2^62 ns after it; not null
   * @throws IllegalArgumentException if {@code instant} is null or out of range
   */
  public ManualClock(Instant instant) {
    this(nanosOf(instant));
  }

  private static long nanosOf(Instant instant) {
    Checks.notNull("instant", instant);
    Instant max = Instant.ofEpochSecond(0, Checks.MAX_DURATION_NANOS);
    if (instant.isBefore(Instant.EPOCH) || instant.isAfter(max)) {
      throw new IllegalArgumentException(
          "instant (" + instant + ") must be within [" + Instant.EPOCH + ", " + max + "]");
    }
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  /** A clock at the epoch. */
  public ManualClock() {
    this(0);
  }

  @Override
  public long nanos() {
    return now;
  }

  @Override
  public long wallNanos() {
    return now;
  }

  /** {@return the current time as an instant} */
  public synchronized Instant instant() {
    return Instant.ofEpochSecond(Math.floorDiv(now, 1_000_000_000L), Math.floorMod(now, 1_000_000_000L));
  }

  /**
   * Moves the clock forward by {@code d} and completes the timers that are due.
   *
   * @param d how far to move, not negative
   * @throws IllegalArgumentException if {@code d} is null or negative, or would take the clock
   *     past 2^62
   */
  public void advance(Duration d) {
    Checks.nonNegative("d", d);
    if (d.compareTo(Duration.ofNanos(Checks.MAX_DURATION_NANOS)) > 0) {
      throw new IllegalArgumentException("d (" + d + ") would move the clock past 2^62");
    }
    advanceNanos(d.toNanos());
  }

  /**
   * Moves the clock forward by {@code nanos} and completes the timers that are due.
   *
   * @param nanos how far to move, in nanoseconds, {@code >= 0}
   * @throws IllegalArgumentException if {@code nanos} is negative or would take the clock past
   *     2^62
   */
  public void advanceNanos(long nanos) {
    Checks.nonNegative("nanos", nanos);
    List<CompletableFuture<Void>> due = new ArrayList<>();
    synchronized (this) {
      checkAdvance(nanos);
      now += nanos;
      while (!timers.isEmpty() && timers.peek().deadline <= now) {
        due.add(timers.poll().future);
      }
    }
    due.forEach(f -> f.complete(null));
  }

  /** Refuses a move of {@code nanos} that would take the clock past 2^62; holds the lock. */
  private void checkAdvance(long nanos) {
    if (nanos > Checks.MAX_DURATION_NANOS - now) {
      throw new IllegalArgumentException("nanos (" + nanos + ") would move the clock past 2^62");
    }
  }

  /**
   * Sets the clock to {@code nanos}, forwards or backwards. Forwards completes the timers that are
   * due; backwards completes none.
   *
   * @param nanos the new time, in nanoseconds since the epoch, within {@code [0, 2^62]}
   * @throws IllegalArgumentException if {@code nanos} is out of range
   */
  public void set(long nanos) {
    Checks.time("nanos", nanos);
    long delta;
    synchronized (this) {
      delta = nanos - now;
      if (delta < 0) {
        now = nanos;
        return;
      }
    }
    advanceNanos(delta);
  }

  /**
   * Sets the clock to {@code instant}, forwards or backwards.
   *
   * @param instant the new time, from the epoch to 2^62 ns after it; not null
   * @throws IllegalArgumentException if {@code instant} is null or out of range
   */
  public void set(Instant instant) {
    set(nanosOf(instant));
  }

  /** Advances the clock by {@code nanos} instead of blocking; a non-positive wait returns at once. */
  @Override
  public void sleep(long nanos) {
    synchronized (this) {
      checkAdvance(nanos);
      sleeps.add(nanos);
    }
    advanceNanos(Math.max(0, nanos));
  }

  /** {@return the durations of every {@link #sleep(long)} so far, in nanoseconds, in order} */
  public synchronized List<Long> sleeps() {
    return List.copyOf(sleeps);
  }

  @Override
  public CompletableFuture<Void> after(long nanos) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      if (nanos > 0) {
        timers.add(new Timer(nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos, seq++, f));
        return f;
      }
    }
    f.complete(null);
    return f;
  }

  /**
   * {@return how many futures from {@link #after(long)} are still waiting (cancelled ones are not)}
   */
  public synchronized int pendingTimers() {
    timers.removeIf(t -> t.future().isDone());
    return timers.size();
  }

  @Override
  public synchronized String toString() {
    return "ManualClock[" + instant() + "]";
  }
}
