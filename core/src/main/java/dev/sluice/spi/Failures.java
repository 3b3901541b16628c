package dev.sluice.redis;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counts failed decisions and reports them in the log at most once per interval. */
final class Failures {

  enum Cause { TIMEOUT, ERROR, BREAKER_OPEN, BAD_STATE, INTERRUPTED }

  private final System.Logger log;
  private final long intervalNanos;
  private final LongAdder[] causes = new LongAdder[Cause.values().length];
  private final LongAdder[] answers = new LongAdder[FailurePolicy.Mode.values().length];
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - (1L << 62));
  private final long[] reported = new long[Cause.values().length];
  private volatile String lastError = "";

  Failures(System.Logger log, long intervalNanos) {
    this.log = log;
    this.intervalNanos = intervalNanos;
    for (int i = 0; i < causes.length; i++) {
      causes[i] = new LongAdder();
    }
    for (int i = 0; i < answers.length; i++) {
      answers[i] = new LongAdder();
    }
  }

  void failed(Cause cause, Throwable error) {
    causes[cause.ordinal()].increment();
    if (error != null) {
      lastError = error.getClass().getSimpleName() + ": " + error.getMessage();
    } else if (cause == Cause.TIMEOUT) {
      lastError = "no answer within the deadline";
    }
    report();
  }

  void badReply(int code, String key) {
    lastError = code == Protocol.E_STATE
        ? "key '" + key + "' holds a value that is not a state of its policy"
        : code == Protocol.E_REQUEST
            ? "the script could not apply the request on key '" + key + "' (refused or raised an error; it changed nothing)"
            : "calendar periods sent do not cover the Redis server's time for key '" + key + "' (clock skew of a period or more?)";
    failed(Cause.BAD_STATE, null);
  }

  void answered(FailurePolicy.Mode mode) {
    answers[mode.ordinal()].increment();
  }

  FailureCounts snapshot() {
    return new FailureCounts(
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
    StringBuilder b = new StringBuilder("Redis store could not decide: ");
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
