package dev.sluice.spi;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts a store's decisions and those it could not make ({@link FailureCounts}), and reports the
 * failures in the log at most once per interval. Shared by every store, so their stats read alike.
 */
public final class Failures {

  /** Why a decision could not be made. */
  public enum Cause {
    /** No answer (or no commit) within the decision's deadline. */
    TIMEOUT,
    /**
     * The store answered with an error (refused, reset, disconnected; an I/O error, a full disk).
     */
    ERROR,
    /** Not sent: the store's circuit breaker was open. */
    BREAKER_OPEN,
    /**
     * The key held a value that is not a state of its policy, a calendar period could not be
     * placed, or the store could not apply the request.
     */
    BAD_STATE,
    /** The waiting thread was interrupted. */
    INTERRUPTED
  }

  private final String store;
  private final System.Logger log;
  private final long intervalNanos;
  private final LongAdder decisions = new LongAdder();
  private final LongAdder[] causes = new LongAdder[Cause.values().length];
  private final LongAdder[] answers = new LongAdder[FailurePolicy.Mode.values().length];
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - (1L << 62));
  private final long[] reported = new long[Cause.values().length];
  private volatile String lastError = "";

  /**
   * @param store the store, as the log names it (e.g. "Redis store")
   * @param log where reports go
   * @param intervalNanos the least time between two reports
   */
  public Failures(String store, System.Logger log, long intervalNanos) {
    this.store = store;
    this.log = log;
    this.intervalNanos = intervalNanos;
    for (int i = 0; i < causes.length; i++) {
      causes[i] = new LongAdder();
    }
    for (int i = 0; i < answers.length; i++) {
      answers[i] = new LongAdder();
    }
  }

  /**
   * {@code n} decisions were asked of the store.
   *
   * @param n how many (each charge of a multi-policy call counts once)
   */
  public void asked(int n) {
    decisions.add(n);
  }

  /**
   * A decision failed for {@code cause}, with no error to show (a timeout says so itself).
   *
   * @param cause why; not null
   */
  public void failed(Cause cause) {
    failed(cause, (Throwable) null);
  }

  /**
   * A decision failed for {@code cause}; {@code error} (may be null) becomes the last error.
   *
   * @param cause why; not null
   * @param error the error, shown as its class's simple name and message; null keeps the last
   *     error, except for a timeout, which records "no answer within the deadline"
   */
  public void failed(Cause cause, Throwable error) {
    failed(cause, error == null ? (cause == Cause.TIMEOUT ? "no answer within the deadline" : null)
        : error.getClass().getSimpleName() + ": " + error.getMessage());
  }

  /**
   * A decision failed for {@code cause}; {@code error} (may be null) becomes the last error.
   *
   * @param cause why; not null
   * @param error the error's text; null keeps the last error
   */
  public void failed(Cause cause, String error) {
    causes[cause.ordinal()].increment();
    if (error != null) {
      lastError = error;
    }
    report();
  }

  /**
   * Records {@code error} as the last error without counting a decision (e.g. a reconnect).
   *
   * @param error the error's text; not null
   */
  public void lastError(String error) {
    lastError = error;
  }

  /**
   * The last error seen.
   *
   * @return the last error's text, or "" if none
   */
  public String lastError() {
    return lastError;
  }

  /**
   * A decision was answered by {@code mode}.
   *
   * @param mode the failure choice that answered; not null
   */
  public void answered(FailurePolicy.Mode mode) {
    answers[mode.ordinal()].increment();
  }

  /** {@return the counts so far, and the last error} */
  public FailureCounts snapshot() {
    return new FailureCounts(decisions.sum(),
        causes[Cause.TIMEOUT.ordinal()].sum(), causes[Cause.ERROR.ordinal()].sum(),
        causes[Cause.BREAKER_OPEN.ordinal()].sum(), causes[Cause.BAD_STATE.ordinal()].sum(),
        causes[Cause.INTERRUPTED.ordinal()].sum(),
        answers[FailurePolicy.Mode.OPEN.ordinal()].sum(), answers[FailurePolicy.Mode.CLOSED.ordinal()].sum(),
        answers[FailurePolicy.Mode.LOCAL.ordinal()].sum(), lastError);
  }

  private void report() {
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last < intervalNanos || !lastLog.compareAndSet(last, now)) {
      return;
    }
    StringBuilder b = new StringBuilder(store).append(" could not decide: ");
    synchronized (reported) {
      for (Cause c : Cause.values()) {
        long total = causes[c.ordinal()].sum();
        long since = total - reported[c.ordinal()];
        reported[c.ordinal()] = total;
        if (since > 0) {
          b.append(since).append(' ').append(c.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')).append(", ");
        }
      }
    }
    FailureCounts s = snapshot();
    b.append("since the last report; answered so far: ").append(s.answeredOpen()).append(" open, ")
        .append(s.answeredClosed()).append(" closed, ").append(s.answeredLocal()).append(" local");
    String e = lastError;
    if (!e.isEmpty()) {
      b.append("; last error: ").append(e);
    }
    log.log(System.Logger.Level.WARNING, b.toString());
  }
}
