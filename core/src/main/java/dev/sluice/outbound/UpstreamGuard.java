package dev.sluice.outbound;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A guard for an upstream with its own quota: "we have 1M tokens per 5 h at our LLM vendor; fall
 * back before we hit the wall".
 *
 * <pre>{@code
 * UpstreamGuard llm = UpstreamGuard.builder("llm")
 *     .budget(1_000_000).window(Duration.ofHours(5))
 *     .thresholdPercent(99).probeInterval(Duration.ofMinutes(5))
 *     .build(sluice);
 * if (llm.allowPrimary()) {
 *   try {
 *     Reply r = vendor.call(prompt);
 *     llm.recordUsage(r.tokens());
 *     llm.onPrimarySuccess();
 *   } catch (VendorQuotaError e) {          // the vendor's own 429
 *     llm.onCapError(e.retryAfter());       // nullable
 *     fallback.call(prompt);
 *   }
 * } else {
 *   fallback.call(prompt);
 * }
 * }</pre>
 *
 * <h2>States</h2>
 * <ul>
 *   <li>{@link State#WITHIN_QUOTA}: {@link #allowPrimary()} answers true, unless the window's
 *       usage has reached {@code budget × threshold%}, which moves the guard to exceeded and
 *       answers false.
 *   <li>{@link State#QUOTA_EXCEEDED}: {@link #allowPrimary()} answers true at most once per probe
 *       interval (a probe) and false otherwise. The guard recovers by itself when the usage slides
 *       below the threshold — unless the exceedance came from the upstream's own cap error
 *       ({@link #onCapError}), from which only a successful probe ({@link #onPrimarySuccess()})
 *       recovers. After a cap error the probe interval is {@code max(retryAfter × 1.1, base)}
 *       until recovery.
 * </ul>
 *
 * <p>The usage is a sliding window kept in the engine's store as a {@link SlidingLog} of time
 * buckets ({@code window / 60} unless set): bounded memory, not one entry per call, and shared by
 * every instance using the same store. A cost counts for between {@code window} and
 * {@code window + granularity}: never less. The state machine is this object's (per process).
 * Transitions go to the listeners and to the log ({@code System.Logger}, INFO), with the window in
 * human form ("5h").
 *
 * <p>A disabled guard always answers true and records nothing. Thread-safe.
 */
public final class UpstreamGuard {

  private static final System.Logger DEFAULT_LOG = System.getLogger(UpstreamGuard.class.getName());
  private static final String KEY = "usage";

  /** The guard's state. */
  public enum State {
    /** Usage below the threshold: {@link #allowPrimary()} answers true. */
    WITHIN_QUOTA,
    /** Threshold reached or cap error: {@link #allowPrimary()} answers true only for a probe. */
    QUOTA_EXCEEDED
  }

  /**
   * Called on every state change, on the thread that caused it. A listener that throws a
   * {@link RuntimeException} is logged (WARNING) and the others are still called.
   */
  @FunctionalInterface
  public interface Listener {
    /**
     * One state change, after it happened.
     *
     * @param transition the change, with the guard as it was right after it
     */
    void onTransition(Transition transition);
  }

  /**
   * A state change.
   *
   * @param guard the guard's name
   * @param from the state before
   * @param to the state after
   * @param cause why, in words
   * @param snapshot the guard right after the change
   */
  public record Transition(String guard, State from, State to, String cause, Snapshot snapshot) {}

  /**
   * The guard at one instant.
   *
   * @param state the state
   * @param usage tokens used in the window
   * @param budget the window's budget
   * @param permilleUsed {@code usage × 1000 / budget}, rounded down (may exceed 1000): the
   *     percentage to one decimal, see {@link #percentUsed()}
   * @param thresholdBasisPoints the threshold in hundredths of a percent (9950 for 99.5 %)
   * @param window the window's length
   * @param capped whether the exceedance came from the upstream's cap error
   * @param probeInterval the probe interval now in force
   * @param enabled whether the guard is enabled
   */
  public record Snapshot(
      State state, long usage, long budget, long permilleUsed, int thresholdBasisPoints,
      Duration window, boolean capped, Duration probeInterval, boolean enabled) {

    /**
     * {@return the usage as a percentage of the budget to one decimal, rounded down:
     * {@code "99.5"}}
     */
    public String percentUsed() {
      return (permilleUsed / 10) + "." + (permilleUsed % 10);
    }

    /**
     * {@return the threshold as a percentage without trailing zeros: {@code "99"}, {@code "99.5"},
     * {@code "99.95"}}
     */
    public String thresholdPercent() {
      return percentText(thresholdBasisPoints);
    }
  }

  private final String name;
  private final long budget;
  private final Duration window;
  private final int thresholdBasisPoints;
  private final long thresholdTokens;
  private final long baseProbeNanos;
  private final boolean enabled;
  private final Clock clock;
  private final Limiter usage;
  private final List<Listener> listeners;
  private final String windowText;
  private final System.Logger log;

  // Guarded by `this`.
  private State state = State.WITHIN_QUOTA;
  private boolean capped;
  private long probeNanos;
  private long lastProbeAt;
  private boolean probeOutstanding;

  private UpstreamGuard(Builder b, Sluice sluice) {
    this.name = b.name;
    this.budget = b.budget;
    this.window = b.window;
    this.thresholdBasisPoints = b.thresholdBasisPoints;
    // usage * 10000 >= budget * bp  <=>  usage >= ceil(budget * bp / 10000), exactly, without overflow
    this.thresholdTokens = BigInteger.valueOf(budget).multiply(BigInteger.valueOf(thresholdBasisPoints))
        .add(BigInteger.valueOf(9_999)).divide(BigInteger.valueOf(10_000)).longValueExact();
    this.baseProbeNanos = b.probeInterval.toNanos();
    this.probeNanos = baseProbeNanos;
    this.enabled = b.enabled;
    this.clock = sluice.clock();
    Duration granularity = b.granularity != null ? b.granularity
        : Duration.ofNanos(Math.max(1, window.toNanos() / 60));
    this.usage = sluice.limiter(SlidingLog.bucketed("guard:" + name, budget, window, granularity));
    this.listeners = List.copyOf(b.listeners);
    this.windowText = human(window);
    this.log = b.log;
  }

  /**
   * A builder for a guard named {@code name} (the name keys its usage in the store).
   *
   * @param name the guard's name; not null or empty. Its usage is kept under the policy name
   *     {@code "guard:" + name}, so at most 122 characters of well-formed UTF-16
   * @return a builder with the defaults: threshold 100 %, probe interval 5 min, enabled
   * @throws IllegalArgumentException if {@code name} is null or empty
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Whether to call the primary upstream now (see the class comment for the state machine).
   *
   * @return true to call the primary (always, while disabled), false to use the fallback
   */
  public boolean allowPrimary() {
    if (!enabled) {
      return true;
    }
    long used = usage();
    Transition t;
    boolean answer;
    synchronized (this) {
      long now = clock.nanos();
      if (state == State.WITHIN_QUOTA) {
        if (used < thresholdTokens) {
          return true;
        }
        t = move(State.QUOTA_EXCEEDED, now, used, "usage " + used + " of " + budget + " in "
            + windowText + " reached the " + percentText(thresholdBasisPoints) + "% threshold");
        answer = false;
      } else if (!capped && used < thresholdTokens) {
        t = move(State.WITHIN_QUOTA, now, used, "usage " + used + " of " + budget + " in "
            + windowText + " slid below the " + percentText(thresholdBasisPoints) + "% threshold");
        answer = true;
      } else if (now - lastProbeAt >= probeNanos) {
        lastProbeAt = now;
        probeOutstanding = true;
        return true; // a probe
      } else {
        return false;
      }
    }
    publish(t);
    return answer;
  }

  /**
   * Counts {@code tokens} used at the primary upstream now. Nothing while disabled.
   *
   * @param tokens the tokens used, {@code >= 0}
   * @throws IllegalArgumentException if {@code tokens} is negative
   */
  public void recordUsage(long tokens) {
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens (" + tokens + ") must not be negative");
    }
    if (enabled && tokens > 0) {
      usage.record(KEY, tokens);
    }
  }

  /**
   * Usage history read at start (e.g. from a database): counted as used now, so it stays in the
   * window for a full window length — never less than its real age would allow.
   *
   * @param tokens the tokens used before the start, {@code >= 0}
   * @throws IllegalArgumentException if {@code tokens} is negative
   */
  public void loadBaseline(long tokens) {
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens (" + tokens + ") must not be negative");
    }
    if (enabled && tokens > 0) {
      usage.record(KEY, tokens);
    }
  }

  /** The primary answered: if a probe was out while exceeded, the guard is within quota again. */
  public void onPrimarySuccess() {
    if (!enabled) {
      return;
    }
    Transition t;
    synchronized (this) {
      if (state != State.QUOTA_EXCEEDED || !probeOutstanding) {
        return;
      }
      t = move(State.WITHIN_QUOTA, clock.nanos(), -1, "a probe succeeded");
    }
    publish(t);
  }

  /**
   * The upstream refused with its own cap error (its 429): the guard is exceeded until a probe
   * succeeds, and probes every {@code max(retryAfter × 1.1, base interval)}. A cap error without a
   * Retry-After keeps the interval in force: it never shortens one the upstream asked for.
   *
   * @param retryAfter the upstream's Retry-After, not negative, or null if it gave none
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public void onCapError(Duration retryAfter) {
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter (" + retryAfter + ") must not be negative");
    }
    if (!enabled) {
      return;
    }
    long asked = baseProbeNanos;
    if (retryAfter != null) {
      long r = saturatedNanos(retryAfter);
      long plusTenth = r > Long.MAX_VALUE - r / 10 ? Long.MAX_VALUE : r + r / 10;
      asked = Math.max(plusTenth, baseProbeNanos);
    }
    Transition t = null;
    synchronized (this) {
      long now = clock.nanos();
      // no Retry-After this time: the interval an earlier cap error set stays
      long stretched = retryAfter == null && capped ? Math.max(probeNanos, asked) : asked;
      String cause = "the upstream's cap error"
          + (retryAfter == null ? "" : " (retry after " + human(retryAfter) + ")")
          + "; probing every " + human(Duration.ofNanos(stretched));
      capped = true;
      probeNanos = stretched;
      lastProbeAt = now;
      probeOutstanding = false;
      if (state == State.WITHIN_QUOTA) {
        t = move(State.QUOTA_EXCEEDED, now, -1, cause);
      } else {
        log.log(System.Logger.Level.INFO, "upstream guard '" + name + "' still exceeded: " + cause);
      }
    }
    if (t != null) {
      publish(t);
    }
  }

  /** Forgets the usage and returns to within quota. */
  public void reset() {
    usage.reset(KEY);
    Transition t = null;
    synchronized (this) {
      if (state == State.QUOTA_EXCEEDED) {
        t = move(State.WITHIN_QUOTA, clock.nanos(), 0, "reset");
      }
    }
    if (t != null) {
      publish(t);
    }
  }

  /** {@return the guard now; usage 0 while disabled} */
  public Snapshot snapshot() {
    long used = enabled ? usage() : 0;
    synchronized (this) {
      return snapshot(used);
    }
  }

  /** {@return tokens used in the window now} */
  public long usage() {
    return usage.peek(KEY, 0).used();
  }

  /** {@return the guard's name, as given to {@link #builder}} */
  public String name() {
    return name;
  }

  /**
   * {@return the state now (without moving it: only {@link #allowPrimary()} and the callbacks move
   * it)}
   */
  public synchronized State state() {
    return state;
  }

  private Snapshot snapshot(long used) {
    long permille = BigInteger.valueOf(used).multiply(BigInteger.valueOf(1_000))
        .divide(BigInteger.valueOf(budget)).min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    return new Snapshot(state, used, budget, permille, thresholdBasisPoints, window, capped,
        Duration.ofNanos(probeNanos), enabled);
  }

  /** Changes state under the lock; {@code used < 0}: read the usage for the snapshot. */
  private Transition move(State to, long now, long used, String cause) {
    State from = state;
    state = to;
    if (to == State.WITHIN_QUOTA) {
      capped = false;
      probeNanos = baseProbeNanos;
      probeOutstanding = false;
    } else {
      lastProbeAt = now;
      probeOutstanding = false;
    }
    return new Transition(name, from, to, cause, snapshot(used < 0 ? usage() : used));
  }

  private void publish(Transition t) {
    log.log(System.Logger.Level.INFO, "upstream guard '" + name + "': " + t.from() + " -> " + t.to()
        + " (" + t.cause() + "; window " + windowText + ", budget " + budget + ")");
    for (Listener l : listeners) {
      try {
        l.onTransition(t);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "upstream guard '" + name + "' listener threw", e);
      }
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * A duration in short human form: "5h", "1h30m", "90s" as "1m30s", "250ms".
   *
   * @param d the duration, not negative
   * @return the text: days, hours, minutes, seconds, then the rest in ms, us or ns; "0s" for zero
   * @throws NullPointerException if {@code d} is null
   */
  public static String human(Duration d) {
    Objects.requireNonNull(d, "d");
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder s = new StringBuilder();
    long days = d.toDays();
    Duration rest = d.minusDays(days);
    if (days > 0) {
      s.append(days).append('d');
    }
    long h = rest.toHours();
    rest = rest.minusHours(h);
    if (h > 0) {
      s.append(h).append('h');
    }
    long m = rest.toMinutes();
    rest = rest.minusMinutes(m);
    if (m > 0) {
      s.append(m).append('m');
    }
    long sec = rest.getSeconds();
    int nanos = rest.getNano();
    if (sec > 0) {
      s.append(sec).append('s');
    }
    if (nanos > 0) {
      if (nanos % 1_000_000 == 0) {
        s.append(nanos / 1_000_000).append("ms");
      } else if (nanos % 1_000 == 0) {
        s.append(nanos / 1_000).append("us");
      } else {
        s.append(nanos).append("ns");
      }
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return "UpstreamGuard[" + name + ", " + budget + " per " + windowText + ", threshold "
        + percentText(thresholdBasisPoints) + "%]";
  }

  /** Basis points as a percentage without trailing zeros: 9900 "99", 9950 "99.5", 9995 "99.95". */
  static String percentText(int basisPoints) {
    int whole = basisPoints / 100;
    int hundredths = basisPoints % 100;
    if (hundredths == 0) {
      return Integer.toString(whole);
    }
    return hundredths % 10 == 0 ? whole + "." + hundredths / 10 : whole + "." + (hundredths < 10 ? "0" : "") + hundredths;
  }

  /** Configuration of an {@link UpstreamGuard}. */
  public static final class Builder {
    private final String name;
    private long budget = -1;
    private Duration window;
    private int thresholdBasisPoints = 10_000;
    private Duration probeInterval = Duration.ofMinutes(5);
    private Duration granularity;
    private boolean enabled = true;
    private final List<Listener> listeners = new ArrayList<>();
    private System.Logger log = DEFAULT_LOG;

    private Builder(String name) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("name (" + name + ") must be a non-empty string");
      }
      this.name = name;
    }

    /**
     * Tokens allowed per window (required).
     *
     * @param budget the tokens, {@code >= 1}
     * @return this builder
     * @throws IllegalArgumentException if {@code budget} is not positive
     */
    public Builder budget(long budget) {
      if (budget <= 0) {
        throw new IllegalArgumentException("budget (" + budget + ") must be positive");
      }
      this.budget = budget;
      return this;
    }

    /** The longest duration a guard takes: 2^62 ns, the longest time an algorithm measures. */
    private static final Duration LONGEST = Duration.ofNanos(1L << 62);

    private static Duration positive(String field, Duration d) {
      if (d == null || d.isNegative() || d.isZero() || d.compareTo(LONGEST) > 0) {
        throw new IllegalArgumentException(field + " (" + d + ") must be positive and at most 2^62 ns ("
            + LONGEST + ")");
      }
      return d;
    }

    /**
     * The sliding window's length (required), e.g. 5 h.
     *
     * @param window the length: positive, at most 2^62 ns (about 146 years)
     * @return this builder
     * @throws IllegalArgumentException if {@code window} is null, not positive or longer
     */
    public Builder window(Duration window) {
      this.window = positive("window", window);
      return this;
    }

    /**
     * Move to exceeded when usage reaches this percent of the budget: 1 to 100 (default 100).
     *
     * @param percent the threshold in whole percent, 1 to 100
     * @return this builder
     * @throws IllegalArgumentException if {@code percent} is out of range
     */
    public Builder thresholdPercent(int percent) {
      if (percent < 1 || percent > 100) {
        throw new IllegalArgumentException("thresholdPercent (" + percent + ") must be within [1, 100]");
      }
      this.thresholdBasisPoints = percent * 100;
      return this;
    }

    /**
     * The threshold with fractions of a percent, as a decimal with at most two decimals: "99.5"
     * (exceeded at 99.5 % of the budget), "99.95". Within [0.01, 100].
     *
     * @param percent the threshold as text: 1 to 3 digits, then optionally a dot and 1 or 2
     *     digits
     * @return this builder
     * @throws IllegalArgumentException if {@code percent} is null, not such a decimal, or out of
     *     range
     */
    public Builder thresholdPercent(String percent) {
      String problem = "thresholdPercent (" + (percent == null ? "null" : "\"" + percent + "\"")
          + ") must be a decimal within [0.01, 100] with at most two decimals, e.g. \"99.5\"";
      if (percent == null || !percent.matches("[0-9]{1,3}(\\.[0-9]{1,2})?")) {
        throw new IllegalArgumentException(problem);
      }
      int dot = percent.indexOf('.');
      String whole = dot < 0 ? percent : percent.substring(0, dot);
      String fraction = dot < 0 ? "" : percent.substring(dot + 1);
      int bp = Integer.parseInt(whole) * 100 + (fraction.isEmpty() ? 0
          : Integer.parseInt(fraction) * (fraction.length() == 1 ? 10 : 1));
      if (bp < 1 || bp > 10_000) {
        throw new IllegalArgumentException(problem);
      }
      this.thresholdBasisPoints = bp;
      return this;
    }

    /**
     * While exceeded, at most one probe per this interval (default 5 min); a cap error may
     * stretch it ({@link UpstreamGuard#onCapError}).
     *
     * @param interval the interval: positive, at most 2^62 ns (about 146 years)
     * @return this builder
     * @throws IllegalArgumentException if {@code interval} is null, not positive or longer
     */
    public Builder probeInterval(Duration interval) {
      this.probeInterval = positive("probeInterval", interval);
      return this;
    }

    /**
     * The usage window's time bucket (default window / 60).
     *
     * @param granularity the bucket, positive (at most 2^62 ns); {@link #build} refuses one above
     *     the window or one that cuts it into more than 9,998 buckets
     * @return this builder
     * @throws IllegalArgumentException if {@code granularity} is null, not positive or longer
     */
    public Builder granularity(Duration granularity) {
      this.granularity = positive("granularity", granularity);
      return this;
    }

    /**
     * Disabled: always primary, records nothing (default enabled).
     *
     * @param enabled false to disable the guard
     * @return this builder
     */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /**
     * Adds a listener told about every state change, after those added before.
     *
     * @param listener the listener; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code listener} is null
     */
    public Builder listener(Listener listener) {
      if (listener == null) {
        throw new IllegalArgumentException("listener must not be null");
      }
      listeners.add(listener);
      return this;
    }

    /**
     * Where transitions are logged (default: the logger named after this class).
     *
     * @param logger the logger; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code logger} is null
     */
    public Builder logger(System.Logger logger) {
      if (logger == null) {
        throw new IllegalArgumentException("logger must not be null");
      }
      this.log = logger;
      return this;
    }

    /**
     * The guard, keeping its usage in {@code sluice}'s store and reading its clock.
     *
     * @param sluice the engine; not null
     * @return a new guard, within quota
     * @throws IllegalArgumentException if {@code sluice} is null, the budget or window is
     *     missing, or the usage log refuses the settings (a name too long for its policy, a window
     *     over 2^62 ns, a granularity above the window or too fine for it)
     */
    public UpstreamGuard build(Sluice sluice) {
      if (sluice == null) {
        throw new IllegalArgumentException("sluice must not be null");
      }
      if (budget < 0) {
        throw new IllegalArgumentException("budget is required for guard '" + name + "'");
      }
      if (window == null) {
        throw new IllegalArgumentException("window is required for guard '" + name + "'");
      }
      return new UpstreamGuard(this, sluice);
    }
  }
}
