package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.Decision.Reason;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Seeded random property tests of the bounds each algorithm's documentation promises, plus
 * exactness against an independent model of each policy, and no drift of the token bucket over a
 * billion simulated seconds.
 *
 * <p>Every schedule runs through the pure {@link Algorithm} and, in lockstep, through the public
 * API on a {@link ManualClock}; the two must decide identically. Every failure names the seed,
 * whether an assertion failed or the code under test threw ({@link #underSeed}): rerun one with
 * {@code -Dsluice.seed=<seed>} (each property then runs that seed only).
 */
class PolicyPropertyTest {

  private static final long S = 1_000_000_000L;
  /** The end of the timeline algorithms accept. */
  private static final long MAX_T = 1L << 62;
  /** 2023-11-14T22:13:20Z, a multiple of 10 s. */
  private static final long T0 = 1_700_000_000L * S;
  private static final long BASE_SEED = 0x5_1CE_2024L;
  private static final int RUNS = 100;
  private static final int EVENTS = 300;
  private static final String KEY = "k";

  /** The seeds of one property: derived from a constant, or the one given by -Dsluice.seed. */
  static long[] seeds(String property, int runs) {
    Long only = Long.getLong("sluice.seed");
    if (only != null) {
      return new long[] {only};
    }
    SplittableRandom r = new SplittableRandom(BASE_SEED ^ property.hashCode());
    long[] seeds = new long[runs];
    for (int i = 0; i < runs; i++) {
      seeds[i] = r.nextLong();
    }
    return seeds;
  }

  /** Whether every seed runs (not just one given by -Dsluice.seed): then coverage is checked too. */
  static boolean fullRun() {
    return Long.getLong("sluice.seed") == null;
  }

  static void require(boolean ok, Supplier<String> message) {
    if (!ok) {
      fail(message.get());
    }
  }

  static void requireEq(long actual, long expected, String what, Supplier<String> context) {
    if (actual != expected) {
      fail(context.get() + ": " + what + " expected " + expected + " but was " + actual);
    }
  }

  /** One seed's run of a property. */
  @FunctionalInterface
  interface SeededBody<T> {
    T run() throws Throwable;
  }

  /** One seed's run of a property that returns nothing. */
  @FunctionalInterface
  interface SeededRun {
    void run() throws Throwable;
  }

  /**
   * Runs one seed of a property. Whatever it throws (a failed check, or an exception from the code
   * under test that no check anticipated) is rethrown as an AssertionError that names the
   * property and the seed, with the original as its cause.
   */
  static <T> T underSeed(String property, long seed, SeededBody<T> body) {
    try {
      return body.run();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(
          property + " failed for seed=" + seed + " (rerun with -Dsluice.seed=" + seed + "): " + t, t);
    }
  }

  static void underSeed(String property, long seed, SeededRun body) {
    underSeed(property, seed, () -> {
      body.run();
      return null;
    });
  }

  // ------------------------------------------------------------------------- random setups

  /** A policy, the time scale its schedule should move at, and a start instant. */
  record Setup(Policy policy, long scale, long t0) {}

  static Setup bucket(SplittableRandom r) {
    long capacity = r.nextInt(5) == 0 ? 1 + r.nextInt(1000) : 1 + r.nextInt(12);
    long tokens = r.nextInt(4) == 0 ? 1 + r.nextLong(1_000_000) : 1 + r.nextInt(10);
    Duration period = switch (r.nextInt(4)) {
      case 0 -> Duration.ofSeconds(1 + r.nextInt(60));
      case 1 -> Duration.ofMillis(1 + r.nextInt(1000));
      case 2 -> Duration.ofNanos(1 + r.nextLong(100 * S));
      default -> Duration.ofNanos(1 + r.nextInt(1000));
    };
    TokenBucket p = TokenBucket.of("tb", capacity, tokens, period);
    return new Setup(p, Math.max(1, period.toNanos() / tokens), r.nextLong(MAX_T / 2));
  }

  static Duration randomLength(SplittableRandom r) {
    return switch (r.nextInt(4)) {
      case 0 -> Duration.ofSeconds(1 + r.nextInt(3600));
      case 1 -> Duration.ofMillis(1 + r.nextInt(10_000));
      case 2 -> Duration.ofNanos(1 + r.nextLong(100 * S));
      default -> Duration.ofNanos(1 + r.nextInt(1000));
    };
  }

  static long randomLimit(SplittableRandom r, long big) {
    return r.nextInt(5) == 0 ? 1 + r.nextLong(big) : 1 + r.nextInt(30);
  }

  /** A time scale that puts roughly 1 to 2 * limit events in a window of length w. */
  static long scaleFor(SplittableRandom r, long w, long limit) {
    return Math.max(1, w / (1 + r.nextLong(2 * Math.min(limit, 1000))));
  }

  static Setup epochWindow(SplittableRandom r) {
    long limit = randomLimit(r, 100_000);
    Duration length = randomLength(r);
    return new Setup(FixedWindow.of("fw", limit, Window.of(length)),
        scaleFor(r, length.toNanos(), limit), r.nextLong(MAX_T / 2));
  }

  static final ZoneId[] ZONES = {
    ZoneOffset.UTC, ZoneId.of("Europe/Prague"), ZoneId.of("America/New_York"),
    ZoneId.of("America/Santiago"), ZoneId.of("America/Havana"), ZoneId.of("Australia/Lord_Howe"),
    ZoneId.of("Asia/Kolkata"), ZoneId.of("Pacific/Chatham"), ZoneId.of("Pacific/Apia"),
    ZoneId.of("Europe/London")
  };

  static Setup calendarWindow(SplittableRandom r) {
    long limit = randomLimit(r, 100_000);
    ZoneId zone = ZONES[r.nextInt(ZONES.length)];
    long scale;
    Window window;
    switch (r.nextInt(4)) {
      case 0 -> {
        window = r.nextBoolean() && zone == ZoneOffset.UTC ? Window.day() : Window.day(zone);
        scale = 2 * 3600 * S;
      }
      case 1 -> {
        window = Window.week(zone);
        scale = 12 * 3600 * S;
      }
      case 2 -> {
        window = Window.month(zone);
        scale = 2 * 86400 * S;
      }
      default -> {
        window = Window.year(zone);
        scale = 20 * 86400 * S;
      }
    }
    // 1970 .. 2060; half the time just before one of the zone's offset changes.
    long t0 = r.nextLong(2_840_000_000L * S);
    if (r.nextBoolean()) {
      ZoneOffsetTransition next = zone.getRules().nextTransition(toInstant(t0));
      if (next != null && next.getInstant().getEpochSecond() < 2_840_000_000L) {
        t0 = Math.max(0, next.getInstant().getEpochSecond() * S - r.nextLong(3 * scale));
      }
    }
    if (zone.getId().equals("Pacific/Apia") && r.nextBoolean()) {
      t0 = 1_325_030_400L * S; // 2011-12-28T00:00Z, before Samoa skipped 2011-12-30
    }
    return new Setup(FixedWindow.of("cal", limit, window), scale, t0);
  }

  static Setup log(SplittableRandom r) {
    long limit = randomLimit(r, 1000);
    Duration w = randomLength(r);
    return new Setup(SlidingLog.of("log", limit, w), scaleFor(r, w.toNanos(), limit),
        r.nextLong(MAX_T / 2));
  }

  static Setup counter(SplittableRandom r) {
    long limit = switch (r.nextInt(6)) {
      case 0 -> 1 + r.nextLong(1_000_000);
      case 1 -> 1 + r.nextLong(1L << 50);
      default -> 1 + r.nextInt(30);
    };
    Duration w = randomLength(r);
    return new Setup(SlidingCounter.of("sc", limit, w), scaleFor(r, w.toNanos(), limit),
        r.nextLong(MAX_T / 2));
  }

  static Operation nextOp(SplittableRandom r) {
    int k = r.nextInt(100);
    return k < 84 ? Operation.ACQUIRE : k < 94 ? Operation.PEEK : Operation.RECORD;
  }

  /** Costs: often small, sometimes 0, the limit, above the limit, or Long.MAX_VALUE. */
  static long nextCost(SplittableRandom r, long limit, Operation op) {
    if (op == Operation.RECORD) {
      return 1 + r.nextLong(limit);
    }
    int k = r.nextInt(100);
    if (k < 8) {
      return 0;
    } else if (k < 10) {
      return Long.MAX_VALUE;
    } else if (k < 13) {
      return limit + 1 + r.nextLong(limit);
    } else if (k < 23) {
      return limit;
    }
    return 1 + r.nextLong(Math.max(1, limit / 3));
  }

  /** Gaps: often 0, mostly within the scale, sometimes large. */
  static long nextGap(SplittableRandom r, long scale) {
    int k = r.nextInt(100);
    if (k < 25) {
      return 0;
    } else if (k < 70) {
      return r.nextLong(Math.max(1, scale / 2));
    } else if (k < 90) {
      return r.nextLong(2 * scale + 1);
    } else if (k < 97) {
      return r.nextLong(10 * scale + 1);
    }
    return r.nextLong(100 * scale + 1);
  }

  // ------------------------------------------------------------------------- lockstep driver

  /** One key driven through the pure algorithm and through the public API at the same instants. */
  static final class Driver implements AutoCloseable {
    final Policy policy;
    final Algorithm algorithm;
    final ManualClock clock;
    final Sluice sluice;
    final Limiter limiter;
    long[] state;

    Driver(Policy policy, long t0) {
      this.policy = policy;
      this.algorithm = Algorithm.of(policy);
      this.clock = new ManualClock(t0);
      this.sluice = Sluice.builder().clock(clock).build();
      this.limiter = sluice.limiter(policy);
    }

    Decision apply(long t, Operation op, long cost, Supplier<String> ctx) {
      Step step = algorithm.step(state, t, Commands.of(op, cost, 0));
      Decision d = step.decision();
      if (op == Operation.ACQUIRE || op == Operation.PEEK) {
        Operation other = op == Operation.ACQUIRE ? Operation.PEEK : Operation.ACQUIRE;
        Step twin = algorithm.step(state, t, Commands.of(other, cost, 0));
        require(twin.decision().equals(d),
            () -> ctx.get() + ": PEEK and ACQUIRE decide differently: " + d + " vs " + twin.decision());
        Step peek = op == Operation.PEEK ? step : twin;
        require(!peek.changed() && peek.state() == state, () -> ctx.get() + ": PEEK changed the state");
      }
      clock.set(t);
      Decision viaApi = switch (op) {
        case ACQUIRE -> limiter.tryAcquire(KEY, cost);
        case PEEK -> limiter.peek(KEY, cost);
        case RECORD -> limiter.record(KEY, cost);
        case REFUND -> limiter.refund(KEY, cost);
        default -> throw new AssertionError(op);
      };
      require(viaApi.equals(d),
          () -> ctx.get() + ": public API decided " + viaApi + ", the algorithm " + d);
      sane(d, op, cost, ctx);
      state = step.state();
      return d;
    }

    void sane(Decision d, Operation op, long cost, Supplier<String> ctx) {
      Supplier<String> c = () -> ctx.get() + " decision=" + d;
      require(d.policy().equals(policy) && d.limit() == policy.limit(), () -> c.get() + ": policy/limit");
      require(d.remaining() >= 0 && d.remaining() <= policy.limit(), () -> c.get() + ": remaining out of range");
      require(d.resetAfterNanos() >= 0, () -> c.get() + ": negative resetAfter");
      boolean tooBig = cost > policy.limit() && (op == Operation.ACQUIRE || op == Operation.PEEK);
      require((d.reason() == Reason.COST_EXCEEDS_LIMIT) == tooBig, () -> c.get() + ": COST_EXCEEDS_LIMIT iff cost > limit");
      if (d.allowed()) {
        require(d.retryAfterNanos() == 0, () -> c.get() + ": allowed with a retryAfter");
      } else if (d.reason() == Reason.LIMITED) {
        require(d.retryAfterNanos() > 0 && d.retryAfterNanos() != Decision.NEVER, () -> c.get() + ": LIMITED needs a finite retryAfter > 0");
      } else {
        require(d.retryAfterNanos() == Decision.NEVER, () -> c.get() + ": COST_EXCEEDS_LIMIT must say NEVER");
      }
      require(op != Operation.RECORD || d.allowed(), () -> c.get() + ": record is always allowed");
    }

    @Override
    public void close() {
      sluice.close();
    }
  }

  // ------------------------------------------------------------------------- independent models

  /** What a policy should decide, computed independently of the implementation. */
  interface Model {
    boolean allows(long t, long cost);

    long remaining(long t);

    long resetAfter(long t);

    void charge(long t, long cost);

    /** Post-hoc usage; the same as a charge unless the policy bounds its memory. */
    default void record(long t, long cost) {
      charge(t, cost);
    }
  }

  /** A token bucket as tokens * P (an integer: P is the period in ns), refilled R per ns, capped. */
  static final class BucketModel implements Model {
    final long capacity;
    final long rate;
    final long period;
    final long full;
    long level;
    long last;

    BucketModel(TokenBucket p, long t0) {
      capacity = p.capacity();
      rate = p.refillTokens();
      period = p.refillPeriod().toNanos();
      full = Math.multiplyExact(capacity, period);
      level = full;
      last = t0;
    }

    long level(long t) {
      long missing = full - level;
      long gap = t - last;
      return gap >= (missing + rate - 1) / rate ? full : level + rate * gap;
    }

    @Override
    public boolean allows(long t, long cost) {
      return cost <= capacity && level(t) >= cost * period;
    }

    @Override
    public long remaining(long t) {
      long l = level(t);
      return l <= 0 ? 0 : l / period;
    }

    @Override
    public long resetAfter(long t) {
      long missing = full - level(t);
      return (missing + rate - 1) / rate;
    }

    @Override
    public void charge(long t, long cost) {
      level = Math.subtractExact(level(t), Math.multiplyExact(cost, period));
      last = t;
    }
  }

  /** Fixed windows keyed by their first instant, computed with java.time for calendar units. */
  static final class WindowModel implements Model {
    final long limit;
    final Window window;
    final Map<Long, Long> used = new HashMap<>();

    WindowModel(FixedWindow p) {
      limit = p.limit();
      window = p.window();
    }

    long[] bounds(long t) {
      if (window instanceof Window.Epoch e) {
        long n = e.length().toNanos();
        long start = Math.floorDiv(t, n) * n;
        return new long[] {start, start + n};
      }
      Window.Calendar c = (Window.Calendar) window;
      LocalDate day = toInstant(t).atZone(c.zone()).toLocalDate();
      LocalDate first = switch (c.unit()) {
        case DAY -> day;
        case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        case MONTH -> day.withDayOfMonth(1);
        case YEAR -> day.withDayOfYear(1);
      };
      LocalDate next = switch (c.unit()) {
        case DAY -> first.plusDays(1);
        case WEEK -> first.plusWeeks(1);
        case MONTH -> first.plusMonths(1);
        case YEAR -> first.plusYears(1);
      };
      long start = toNanos(first.atStartOfDay(c.zone()).toInstant());
      long end = toNanos(next.atStartOfDay(c.zone()).toInstant());
      require(start <= t && t < end, () -> "model window [" + start + ", " + end + ") misses " + t);
      return new long[] {start, end};
    }

    long used(long t) {
      return used.getOrDefault(bounds(t)[0], 0L);
    }

    @Override
    public boolean allows(long t, long cost) {
      return cost <= limit && used(t) <= limit - cost;
    }

    @Override
    public long remaining(long t) {
      return Math.max(0, limit - used(t));
    }

    @Override
    public long resetAfter(long t) {
      return used(t) == 0 ? 0 : bounds(t)[1] - t;
    }

    @Override
    public void charge(long t, long cost) {
      used.merge(bounds(t)[0], cost, Math::addExact);
    }
  }

  /** Every charge with its time; live while younger than the window. */
  static final class LogModel implements Model {
    final long limit;
    final long window;
    final List<long[]> entries = new ArrayList<>();

    LogModel(SlidingLog p) {
      limit = p.limit();
      window = p.window().toNanos();
    }

    long used(long t) {
      long sum = 0;
      for (long[] e : entries) {
        if (e[0] > t - window) {
          sum = Math.addExact(sum, e[1]);
        }
      }
      return sum;
    }

    @Override
    public boolean allows(long t, long cost) {
      return cost <= limit && used(t) <= limit - cost;
    }

    @Override
    public long remaining(long t) {
      return Math.max(0, limit - used(t));
    }

    @Override
    public long resetAfter(long t) {
      if (entries.isEmpty()) {
        return 0;
      }
      long newest = entries.get(entries.size() - 1)[0];
      return newest > t - window ? newest + window - t : 0;
    }

    @Override
    public void charge(long t, long cost) {
      entries.add(new long[] {t, cost});
    }

    /**
     * A record that finds {@code limit} live instants merges into the newest entry, moved up to
     * {@code t}: the log's memory stays bounded (it expires later, so never more room).
     */
    @Override
    public void record(long t, long cost) {
      long live = entries.stream().filter(e -> e[0] > t - window).mapToLong(e -> e[0]).distinct().count();
      if (live >= limit) {
        long newest = entries.get(entries.size() - 1)[0];
        long moved = 0;
        for (var it = entries.iterator(); it.hasNext();) {
          long[] e = it.next();
          if (e[0] == newest) {
            moved = Math.addExact(moved, e[1]);
            it.remove();
          }
        }
        entries.add(new long[] {Math.max(t, newest), Math.addExact(moved, cost)});
      } else {
        charge(t, cost);
      }
    }
  }

  /** Counts per aligned window; the weighted estimate in exact BigInteger arithmetic. */
  static final class CounterModel implements Model {
    final long limit;
    final long window;
    final Map<Long, Long> counts = new HashMap<>();

    CounterModel(SlidingCounter p) {
      limit = p.limit();
      window = p.window().toNanos();
    }

    @Override
    public boolean allows(long t, long cost) {
      long k = Math.floorDiv(t, window);
      BigInteger w = BigInteger.valueOf(window);
      BigInteger x = BigInteger.valueOf(t - k * window);
      BigInteger prev = BigInteger.valueOf(counts.getOrDefault(k - 1, 0L));
      BigInteger cur = BigInteger.valueOf(counts.getOrDefault(k, 0L));
      BigInteger estimate = prev.multiply(w.subtract(x)).add(cur.add(BigInteger.valueOf(cost)).multiply(w));
      return cost <= limit && estimate.compareTo(BigInteger.valueOf(limit).multiply(w)) <= 0;
    }

    @Override
    public long remaining(long t) {
      long k = Math.floorDiv(t, window);
      long cur = counts.getOrDefault(k, 0L);
      if (cur >= limit) {
        return 0;
      }
      BigInteger w = BigInteger.valueOf(window);
      BigInteger weighted = BigInteger.valueOf(counts.getOrDefault(k - 1, 0L))
          .multiply(BigInteger.valueOf((k + 1) * window - t)).add(w.subtract(BigInteger.ONE)).divide(w);
      return Math.max(0, BigInteger.valueOf(limit - cur).subtract(weighted).max(BigInteger.ZERO).longValueExact());
    }

    @Override
    public long resetAfter(long t) {
      long k = Math.floorDiv(t, window);
      if (counts.getOrDefault(k, 0L) > 0) {
        return (k + 2) * window - t;
      }
      return counts.getOrDefault(k - 1, 0L) > 0 ? (k + 1) * window - t : 0;
    }

    @Override
    public void charge(long t, long cost) {
      counts.merge(Math.floorDiv(t, window), cost, Math::addExact);
    }
  }

  static Model modelOf(Policy p, long t0) {
    if (p instanceof TokenBucket tb) {
      return new BucketModel(tb, t0);
    } else if (p instanceof FixedWindow fw) {
      return new WindowModel(fw);
    } else if (p instanceof SlidingLog sl) {
      return new LogModel(sl);
    }
    return new CounterModel((SlidingCounter) p);
  }

  // ------------------------------------------------------------------------- schedules

  /** Admitted acquisitions, {time, cost}, in time order. */
  record Outcome(List<long[]> admitted, int limited) {}

  /**
   * Runs a random schedule (monotone time) through the driver, checks each decision against the
   * model, and returns the admitted acquisitions.
   */
  static Outcome run(long seed, String property, Setup setup, SplittableRandom r) {
    Policy p = setup.policy();
    Model model = modelOf(p, setup.t0());
    List<long[]> admitted = new ArrayList<>();
    int limited = 0;
    try (Driver driver = new Driver(p, setup.t0())) {
      long t = setup.t0();
      for (int i = 0; i < EVENTS; i++) {
        long gap = nextGap(r, setup.scale());
        if (gap > MAX_T - t) {
          break;
        }
        t += gap;
        Operation op = nextOp(r);
        long cost = nextCost(r, p.limit(), op);
        long now = t;
        int step = i;
        Supplier<String> ctx = () -> property + " seed=" + seed + " policy=" + p + " step=" + step
            + " t=" + now + " (" + toInstant(now) + ") op=" + op + " cost=" + cost;
        Decision d = driver.apply(t, op, cost, ctx);
        Supplier<String> dctx = () -> ctx.get() + " decision=" + d;
        if (op == Operation.RECORD) {
          model.record(t, cost);
        } else if (cost > p.limit()) {
          require(d.reason() == Reason.COST_EXCEEDS_LIMIT, () -> dctx.get() + ": expected COST_EXCEEDS_LIMIT");
        } else if (model.allows(t, cost)) {
          require(d.allowed(), () -> dctx.get() + ": the model admits this cost");
          if (op == Operation.ACQUIRE && cost > 0) {
            model.charge(t, cost);
            admitted.add(new long[] {t, cost});
          }
        } else {
          require(!d.allowed(), () -> dctx.get() + ": the model denies this cost");
          limited++;
          long retry = d.retryAfterNanos();
          require(model.allows(t + retry, cost), () -> dctx.get() + ": not admitted after retryAfter");
          require(!model.allows(t + retry - 1, cost), () -> dctx.get() + ": admitted before retryAfter");
        }
        if (op != Operation.PEEK || !d.allowed()) {
          requireEq(d.remaining(), model.remaining(t), "remaining", dctx);
          requireEq(d.resetAfterNanos(), model.resetAfter(t), "resetAfter", dctx);
        }
      }
    }
    return new Outcome(admitted, limited);
  }

  /** Sum of admitted cost in [t, t + w) for the worst t (the max is reached at an event). */
  static long maxInAnyWindow(List<long[]> ev, long w) {
    long best = 0;
    int j = 0;
    long sum = 0;
    for (int i = 0; i < ev.size(); i++) {
      while (j < ev.size() && ev.get(j)[0] - ev.get(i)[0] < w) {
        sum += ev.get(j++)[1];
      }
      best = Math.max(best, sum);
      sum -= ev.get(i)[1];
    }
    return best;
  }

  /** floor(a * b / d) for non-negative a, b and positive d, exactly. */
  static long floorMulDiv(long a, long b, long d) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / d;
    }
    return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(d))
        .min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
  }

  // ------------------------------------------------------------------------- bounds

  @Test
  void tokenBucketAdmitsAtMostCapacityPlusRefillInAnyInterval() {
    int limited = 0;
    int admittedEvents = 0;
    for (long seed : seeds("tokenBucket", RUNS)) {
      Outcome out = underSeed("tokenBucket", seed, () -> {
        SplittableRandom r = new SplittableRandom(seed);
        Setup setup = bucket(r);
        TokenBucket p = (TokenBucket) setup.policy();
        Outcome o = run(seed, "tokenBucket", setup, r);
        List<long[]> ev = o.admitted();
        long period = p.refillPeriod().toNanos();
        for (int i = 0; i < ev.size(); i++) {
          long sum = 0;
          for (int j = i; j < ev.size(); j++) {
            sum += ev.get(j)[1];
            long bound = p.capacity() + floorMulDiv(p.refillTokens(), ev.get(j)[0] - ev.get(i)[0], period);
            if (sum > bound) {
              fail("tokenBucket seed=" + seed + " policy=" + p + ": " + sum + " admitted in ["
                  + ev.get(i)[0] + ", " + ev.get(j)[0] + "] > capacity + floor(refill * t / period) = " + bound);
            }
          }
        }
        return o;
      });
      limited += out.limited();
      admittedEvents += out.admitted().size();
    }
    if (fullRun()) {
      assertThat(limited).as("the schedules must hit the limit").isGreaterThan(RUNS);
      assertThat(admittedEvents).as("the schedules must admit").isGreaterThan(RUNS * 10);
    }
  }

  @Test
  void fixedWindowAdmitsAtMostTheLimitPerEpochWindow() {
    int limited = 0;
    for (long seed : seeds("fixedWindow", RUNS)) {
      limited += underSeed("fixedWindow", seed, () -> {
        SplittableRandom r = new SplittableRandom(seed);
        Setup setup = epochWindow(r);
        Outcome out = run(seed, "fixedWindow", setup, r);
        checkPerWindow(seed, (FixedWindow) setup.policy(), out.admitted());
        return out.limited();
      });
    }
    if (fullRun()) {
      assertThat(limited).as("the schedules must hit the limit").isGreaterThan(RUNS);
    }
  }

  @Test
  void fixedWindowAdmitsAtMostTheLimitPerCalendarWindow() {
    int limited = 0;
    for (long seed : seeds("calendarWindow", RUNS)) {
      limited += underSeed("calendarWindow", seed, () -> {
        SplittableRandom r = new SplittableRandom(seed);
        Setup setup = calendarWindow(r);
        Outcome out = run(seed, "calendarWindow", setup, r);
        checkPerWindow(seed, (FixedWindow) setup.policy(), out.admitted());
        return out.limited();
      });
    }
    if (fullRun()) {
      assertThat(limited).as("the schedules must hit the limit").isGreaterThan(RUNS);
    }
  }

  static void checkPerWindow(long seed, FixedWindow p, List<long[]> ev) {
    WindowModel windows = new WindowModel(p);
    Map<Long, Long> perWindow = new HashMap<>();
    for (long[] e : ev) {
      long start = windows.bounds(e[0])[0];
      long sum = perWindow.merge(start, e[1], Long::sum);
      require(sum <= p.limit(), () -> "seed=" + seed + " policy=" + p + ": " + sum
          + " admitted in the window starting " + toInstant(start) + " > limit");
    }
  }

  @Test
  void slidingLogAdmitsAtMostTheLimitInEveryTrailingWindow() {
    int limited = 0;
    for (long seed : seeds("slidingLog", RUNS)) {
      limited += underSeed("slidingLog", seed, () -> {
        SplittableRandom r = new SplittableRandom(seed);
        Setup setup = log(r);
        SlidingLog p = (SlidingLog) setup.policy();
        Outcome out = run(seed, "slidingLog", setup, r);
        List<long[]> ev = out.admitted();
        long w = p.window().toNanos();
        for (long[] end : ev) {
          long x = end[0];
          long sum = 0;
          for (long[] e : ev) {
            if (e[0] > x - w && e[0] <= x) {
              sum += e[1];
            }
          }
          long s = sum;
          require(s <= p.limit(), () -> "seed=" + seed + " policy=" + p + ": " + s + " admitted in ("
              + (x - w) + ", " + x + "] > limit");
        }
        return out.limited();
      });
    }
    if (fullRun()) {
      assertThat(limited).as("the schedules must hit the limit").isGreaterThan(RUNS);
    }
  }

  @Test
  void slidingCounterAdmitsAtMostTheLimitPerAlignedWindowAndUnderTwiceInAnyWindow() {
    int limited = 0;
    double worst = 0;
    record Run(int limited, double ratio) {}
    for (long seed : seeds("slidingCounter", RUNS)) {
      Run run = underSeed("slidingCounter", seed, () -> {
        SplittableRandom r = new SplittableRandom(seed);
        Setup setup = counter(r);
        SlidingCounter p = (SlidingCounter) setup.policy();
        Outcome out = run(seed, "slidingCounter", setup, r);
        List<long[]> ev = out.admitted();
        long w = p.window().toNanos();
        Map<Long, Long> perWindow = new HashMap<>();
        for (long[] e : ev) {
          long k = Math.floorDiv(e[0], w);
          long sum = perWindow.merge(k, e[1], Long::sum);
          require(sum <= p.limit(), () -> "seed=" + seed + " policy=" + p + ": " + sum
              + " admitted in aligned window " + k + " > limit");
        }
        long most = maxInAnyWindow(ev, w);
        require(most < 2 * p.limit(), () -> "seed=" + seed + " policy=" + p + ": " + most
            + " admitted in one window-long interval, not < 2 * limit");
        return new Run(out.limited(), (double) most / p.limit());
      });
      limited += run.limited();
      worst = Math.max(worst, run.ratio());
    }
    if (fullRun()) {
      assertThat(limited).as("the schedules must hit the limit").isGreaterThan(RUNS);
      // Random schedules do go past the limit in some window-long interval: the error is real.
      assertThat(worst).as("worst interval / limit over all seeds").isGreaterThan(1.0).isLessThan(2.0);
    }
  }

  @Test
  void slidingCounterWorstCaseApproachesTwiceTheLimit() {
    // The whole limit at the last nanosecond of one window, then greedily all the estimate allows
    // in the next: 2 * limit - ceil(2 * limit / W) in the W-long interval [W - 1, 2W - 1).
    long[][] cases = {{100, 10 * S}, {1_000_000, S}, {7, 1000}};
    for (long[] c : cases) {
      long limit = c[0];
      long w = c[1];
      SlidingCounter p = SlidingCounter.of("sc", limit, Duration.ofNanos(w));
      ManualClock clock = new ManualClock(T0); // T0 is a multiple of each W
      List<long[]> ev = new ArrayList<>();
      try (Sluice sluice = Sluice.builder().clock(clock).build()) {
        Limiter l = sluice.limiter(p);
        clock.set(T0 + w - 1);
        assertThat(l.tryAcquire(KEY, limit).allowed()).as(p.toString()).isTrue();
        ev.add(new long[] {clock.nanos(), limit});
        for (long x : new long[] {w / 2, w - 2}) {
          clock.set(T0 + w + x);
          long left = l.peek(KEY, 0).remaining();
          Decision d = l.tryAcquire(KEY, left);
          assertThat(d.allowed()).as(p + " at x=" + x + ": " + d).isTrue();
          assertThat(l.peek(KEY, 1).allowed()).as(p + " at x=" + x + ": greedy took all").isFalse();
          ev.add(new long[] {clock.nanos(), left});
        }
      }
      long most = maxInAnyWindow(ev, w);
      assertThat(most).as(p.toString()).isEqualTo(2 * limit - (2 * limit + w - 1) / w);
      assertThat(most).as(p.toString()).isLessThan(2 * limit);
      if (limit >= 100) {
        assertThat(most * 10).as(p + ": above 1.9 * limit").isGreaterThan(19 * limit);
      }
    }
    // The same schedule on a sliding log stays at the limit.
    ManualClock clock = new ManualClock(T0);
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter l = sluice.limiter(SlidingLog.of("log", 100, Duration.ofSeconds(10)));
      clock.set(T0 + 10 * S - 1);
      assertThat(l.tryAcquire(KEY, 100).allowed()).isTrue();
      clock.set(T0 + 20 * S - 2);
      assertThat(l.peek(KEY, 0).remaining()).isZero();
    }
  }

  // ------------------------------------------------------------------------- clock going back

  @Test
  void clockGoingBackwardsNeverGrantsMoreAndRetryAfterStaysExact() {
    long probes = 0;
    for (long seed : seeds("clockBack", RUNS)) {
      probes += underSeed("clockBack", seed, () -> clockGoingBackwards(seed));
    }
    assertThat(probes).isGreaterThan(EVENTS);
  }

  /** A random policy of any kind, with its time scale. */
  static Setup anyPolicy(SplittableRandom r) {
    return switch (r.nextInt(5)) {
      case 0 -> bucket(r);
      case 1 -> epochWindow(r);
      case 2 -> calendarWindow(r);
      case 3 -> log(r);
      default -> counter(r);
    };
  }

  /** One seed of the clock-going-back property; returns how many probes it made. */
  static long clockGoingBackwards(long seed) {
    long probes = 0;
    SplittableRandom r = new SplittableRandom(seed);
    Setup setup = anyPolicy(r);
    Policy p = setup.policy();
    Algorithm a = Algorithm.of(p);
    long limit = p.limit();
    long scale = setup.scale();
    long[] state = null;
    long t = setup.t0() + 10 * scale;
    long latest = t;
    for (int i = 0; i < EVENTS; i++) {
      // Forward most of the time, backwards sometimes (never below 0).
      if (r.nextInt(4) == 0) {
        t = Math.max(0, t - r.nextLong(5 * scale + 1));
      } else {
        t = Math.min(MAX_T / 2 + MAX_T / 4, t + nextGap(r, scale));
      }
      latest = Math.max(latest, t);
      // Probe the current state: no instant, however far back, admits more than the latest
      // instant the clock has shown, or a later one, nor has more available (remaining, plus the
      // cost when an allowed decision has counted it). (Between the two, a shorter step back may
      // deny longer than a longer one: a step back longer than the policy's period is absorbed.)
      long c = r.nextInt(4) == 0 ? 0 : 1 + r.nextLong(limit);
      long t1 = Math.max(0, t - r.nextLong(5 * scale + 1));
      long[] later = {latest, latest + r.nextLong(5 * scale + 1)};
      Step probe = a.step(state, t1, Command.peek(c));
      Decision d1 = probe.decision();
      for (long t2 : later) {
        Decision d2 = a.step(state, t2, Command.peek(c)).decision();
        long[] s = state;
        Supplier<String> ctx = () -> "clockBack seed=" + seed + " policy=" + p + " state="
            + java.util.Arrays.toString(s) + " cost=" + c + ": at " + t1 + " " + d1 + ", at " + t2 + " " + d2;
        require(!d1.allowed() || d2.allowed(), () -> ctx.get() + ": the earlier instant admits more");
        require(d1.remaining() + (d1.allowed() ? c : 0) <= d2.remaining() + (d2.allowed() ? c : 0),
            () -> ctx.get() + ": the earlier instant has more available");
        probes++;
      }
      if (d1.reason() == Reason.LIMITED) {
        long retry = d1.retryAfterNanos();
        long[] s = state;
        Supplier<String> ctx = () -> "clockBack seed=" + seed + " policy=" + p + " state="
            + java.util.Arrays.toString(s) + " cost=" + c + " at " + t1 + ": " + d1;
        // on the state as the store keeps it after the probe (an absorbed step is written)
        long[] kept = probe.changed() ? probe.state() : state;
        require(a.step(kept, t1 + retry, Command.peek(c)).decision().allowed(),
            () -> ctx.get() + ": not admitted after retryAfter");
        require(!a.step(kept, t1 + retry - 1, Command.peek(c)).decision().allowed(),
            () -> ctx.get() + ": admitted before retryAfter");
      }
      // Then move the state on: acquire, record, or refund at the (possibly earlier) time.
      int k = r.nextInt(20);
      Operation op = k < 16 ? Operation.ACQUIRE : k < 19 ? Operation.RECORD : Operation.REFUND;
      long cost = op == Operation.ACQUIRE ? nextCost(r, limit, op) : 1 + r.nextLong(limit);
      state = a.step(state, t, Commands.of(op, cost, 0)).state();
    }
    return probes;
  }

  // ------------------------------------------------------------------------- purity

  /** Any cost an operation may be given: 0, small, the limit, above it, or Long.MAX_VALUE. */
  static long anyCost(SplittableRandom r, long limit) {
    return r.nextInt(10) == 0 ? 1 + r.nextLong(limit) : nextCost(r, limit, Operation.ACQUIRE);
  }

  /** A maximum wait for RESERVE: none, within the schedule's scale, any, or unbounded. */
  static long anyMaxWait(SplittableRandom r, long scale) {
    return switch (r.nextInt(4)) {
      case 0 -> 0;
      case 1 -> r.nextLong(10 * scale + 1);
      case 2 -> r.nextLong(MAX_T);
      default -> Long.MAX_VALUE;
    };
  }

  @Test
  void stepNeverModifiesTheStateItIsGiven() {
    // Algorithm.step documents its state argument as "never modified": a store keeps the array
    // it passed in as the expected value of a compare-and-swap, and a remote store may have it
    // cached. Every operation, on random states reached by random schedules (time moving back
    // sometimes, records of up to Long.MAX_VALUE, refunds, resets), with random costs and waits.
    Map<Operation, Long> changedFromAState = new EnumMap<>(Operation.class);
    for (long seed : seeds("pureStep", RUNS)) {
      Map<Operation, Long> changed = underSeed("pureStep", seed, () -> stepOnCopies(seed));
      changed.forEach((op, n) -> changedFromAState.merge(op, n, Long::sum));
    }
    if (fullRun()) {
      // Not vacuous: every writing operation did replace a non-empty state.
      for (Operation op : List.of(Operation.ACQUIRE, Operation.RESERVE, Operation.RECORD,
          Operation.REFUND, Operation.RESET)) {
        assertThat(changedFromAState.getOrDefault(op, 0L)).as(op + " steps that changed a state")
            .isGreaterThan(RUNS);
      }
    }
  }

  /**
   * One seed of the purity property: before each step the state is cloned, after it compared.
   * Returns, per operation, how many steps from a non-null state reported a change.
   */
  static Map<Operation, Long> stepOnCopies(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Setup setup = anyPolicy(r);
    Policy p = setup.policy();
    Algorithm a = Algorithm.of(p);
    long limit = p.limit();
    long scale = setup.scale();
    Map<Operation, Long> changed = new EnumMap<>(Operation.class);
    long[] state = null;
    long t = setup.t0();
    for (int i = 0; i < EVENTS; i++) {
      if (r.nextInt(5) == 0) {
        t = Math.max(0, t - r.nextLong(5 * scale + 1));
      } else {
        t = Math.min(MAX_T / 2 + MAX_T / 4, t + nextGap(r, scale));
      }
      for (Operation op : Operation.values()) {
        if (!a.supports(op)) {
          continue;
        }
        long cost = anyCost(r, limit);
        long maxWait = op.usesId() ? 1 + r.nextInt(4) : anyMaxWait(r, scale);
        long[] given = state;
        long[] copy = state == null ? null : state.clone();
        Step step = a.step(given, t, Commands.of(op, cost, maxWait));
        long now = t;
        int event = i;
        require(Arrays.equals(given, copy), () -> "pureStep seed=" + seed + " policy=" + p + " event="
            + event + " " + op + " cost=" + cost + " maxWait=" + maxWait + " at " + now + ": state "
            + Arrays.toString(copy) + " became " + Arrays.toString(given) + "; " + step.decision());
        if (given != null && step.changed()) {
          changed.merge(op, 1L, Long::sum);
        }
      }
      // Move on: mostly acquisitions, with reservations, records, refunds and resets.
      int k = r.nextInt(100);
      Operation op = k < 55 ? Operation.ACQUIRE : k < 70 ? Operation.RESERVE
          : k < 85 ? Operation.RECORD : k < 96 ? Operation.REFUND : Operation.RESET;
      long cost = op == Operation.RECORD && r.nextInt(50) == 0 ? Long.MAX_VALUE
          : op == Operation.RECORD || op == Operation.REFUND ? 1 + r.nextLong(limit)
          : anyCost(r, limit);
      state = a.step(state, t, Commands.of(op, cost, anyMaxWait(r, scale))).state();
    }
    return changed;
  }

  @Test
  void anythingThrownUnderASeedNamesTheSeed() {
    assertThatThrownBy(() -> underSeed("demo", 42, () -> {
      throw new ArithmeticException("long overflow");
    }))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("demo failed for seed=42")
        .hasMessageContaining("-Dsluice.seed=42")
        .hasMessageContaining("ArithmeticException: long overflow")
        .hasCauseInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> underSeed("demo", 7, () -> require(false, () -> "a check failed")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("seed=7")
        .hasMessageContaining("a check failed");
    assertThat(underSeed("demo", 1, () -> 5)).isEqualTo(5);
  }

  // ------------------------------------------------------------------------- no drift

  /**
   * Drains a fresh bucket greedily (tryAcquire of all that remains) at random instants such that
   * it never fills to capacity in between: then exactly {@code capacity + floor(R * elapsed / P)}
   * has been charged after every drain, whatever the instants. Gaps of at most
   * {@code (capacity - 1) * P / R} keep a bucket left with less than one token below capacity.
   *
   * <p>With {@code longJumps}, the clock also leaps ahead by up to days at a time: first a
   * {@code record} of K tokens puts the bucket K tokens in debt, then the clock jumps to just
   * before the debt is repaid, so the bucket again never fills; recorded cost counts as charged.
   * That covers 10^9 simulated seconds in a few thousand steps.
   */
  static void drainGreedily(long seed, long capacity, long tokens, long periodNanos, boolean longJumps,
      long horizonNanos, int maxSteps) {
    SplittableRandom r = new SplittableRandom(seed);
    TokenBucket p = TokenBucket.of("drift", capacity, tokens, Duration.ofNanos(periodNanos));
    BigInteger cap = BigInteger.valueOf(capacity);
    BigInteger rate = BigInteger.valueOf(tokens);
    BigInteger period = BigInteger.valueOf(periodNanos);
    // Longest gap that cannot fill a bucket holding less than one token: floor((C - 1) * P / R).
    long dense = floorMulDiv(capacity - 1, periodNanos, tokens);
    assertThat(dense).isPositive();
    // Records of up to 2 * 10^6 s of refill.
    long maxRecord = floorMulDiv(2_000_000 * S, tokens, periodNanos);
    ManualClock clock = new ManualClock(T0);
    long t = T0;
    BigInteger charged = BigInteger.ZERO;
    long admitted = 0;
    long recorded = 0;
    int steps = 0;
    try (Sluice sluice = Sluice.builder().clock(clock).build()) {
      Limiter l = sluice.limiter(p);
      while (t - T0 < horizonNanos && steps < maxSteps) {
        if (steps > 0) {
          if (longJumps && r.nextInt(10) == 0) {
            long k = 1 + r.nextLong(maxRecord);
            Decision rec = l.record(KEY, k);
            charged = charged.add(BigInteger.valueOf(k));
            recorded += k;
            // The level, scaled by P, is C*P + R*(t - T0) - charged*P; full again after
            // ceil((C*P - level) / R) ns.
            BigInteger level = cap.multiply(period).add(rate.multiply(BigInteger.valueOf(t - T0)))
                .subtract(charged.multiply(period));
            long toFull = cap.multiply(period).subtract(level).add(rate).subtract(BigInteger.ONE)
                .divide(rate).longValueExact();
            long at = t;
            assertThat(rec.resetAfterNanos()).as("seed=%d %s record %d at %d: %s", seed, p, k, at, rec)
                .isEqualTo(toFull);
            // Land 1..dense ns before full: between 1 and C tokens in the bucket.
            t += toFull - 1 - r.nextLong(dense);
          } else {
            t += r.nextInt(4) == 0 ? 0 : r.nextLong(dense + 1);
          }
        }
        clock.set(t);
        steps++;
        Decision probe = l.tryAcquire(KEY, 0);
        long take = probe.remaining();
        if (take > 0) {
          Decision d = l.tryAcquire(KEY, take);
          long at = t;
          assertThat(d.allowed()).as("seed=%d %s take %d at %d: %s", seed, p, take, at, d).isTrue();
          assertThat(d.remaining()).as("seed=%d %s at %d: %s", seed, p, at, d).isZero();
          charged = charged.add(BigInteger.valueOf(take));
          admitted += take;
        }
        BigInteger expected = cap.add(rate.multiply(BigInteger.valueOf(t - T0)).divide(period));
        if (!charged.equals(expected)) {
          fail("seed=" + seed + " " + p + " step " + steps + " at T0 + " + (t - T0) + " ns: charged "
              + charged + " (admitted " + admitted + ", recorded " + recorded
              + ") but capacity + floor(R * elapsed / P) = " + expected + "; probe " + probe);
        }
      }
    }
    if (longJumps) {
      assertThat(t - T0).as("seed=%d %s simulated time", seed, p).isGreaterThanOrEqualTo(horizonNanos);
    }
    assertThat(admitted).as("seed=%d %s admitted", seed, p).isPositive();
  }

  @Test
  void threePerTenSecondsDoesNotDriftOverABillionSeconds() {
    for (long seed : seeds("drift3per10s", 2)) {
      underSeed("drift3per10s", seed,
          () -> drainGreedily(seed, 3, 3, 10 * S, true, 1_000_000_000L * S, Integer.MAX_VALUE));
    }
  }

  @Test
  void sevenPerSecondDoesNotDriftOverABillionSeconds() {
    // One token every 142_857_142.857... ns: not a whole number of nanoseconds.
    for (long seed : seeds("drift7perS", 2)) {
      underSeed("drift7perS", seed, () -> {
        drainGreedily(seed, 7, 7, S, true, 1_000_000_000L * S, Integer.MAX_VALUE);
        drainGreedily(seed, 2, 7, S, true, 1_000_000_000L * S, Integer.MAX_VALUE);
      });
    }
  }

  @Test
  void greedyAcquiresAtRandomInstantsAdmitExactlyTheRefill() {
    // Only acquisitions, no records: 100_000 drains at random instants each.
    for (long seed : seeds("driftDense", 1)) {
      underSeed("driftDense", seed, () -> {
        drainGreedily(seed, 3, 3, 10 * S, false, Long.MAX_VALUE, 100_000);
        drainGreedily(seed, 7, 7, S, false, Long.MAX_VALUE, 100_000);
        drainGreedily(seed, 2, 7, S, false, Long.MAX_VALUE, 100_000);
      });
    }
  }

  // ------------------------------------------------------------------------- helpers

  static Instant toInstant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, S), Math.floorMod(nanos, S));
  }

  static long toNanos(Instant i) {
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), S), i.getNano());
  }
}
