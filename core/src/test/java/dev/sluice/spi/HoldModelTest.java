package dev.sluice.spi;

import static dev.sluice.spi.PolicyPropertyTest.fullRun;
import static dev.sluice.spi.PolicyPropertyTest.require;
import static dev.sluice.spi.PolicyPropertyTest.seeds;
import static dev.sluice.spi.PolicyPropertyTest.underSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sluice.Budget;
import dev.sluice.Concurrency;
import dev.sluice.Decision.Reason;
import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.Window;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Seeded model-based tests of the hold operations ({@link Operation#HOLD}, {@link Operation#RENEW},
 * {@link Operation#RELEASE}, {@link Operation#SETTLE}) of {@link Concurrency} and {@link Budget}.
 *
 * <p>Random schedules over three keys (time moving forward, standing still, now and then stepping
 * back a little or landing on a hold's deadline) run in lockstep through
 *
 * <ul>
 *   <li>the pure {@link Algorithm#step} on states this test keeps, and
 *   <li>the real in-memory store's {@link Partition#apply} on a {@link ManualClock},
 * </ul>
 *
 * and both must agree exactly (reason, used, remaining, retryAfter, resetAfter; and the pure state,
 * in its documented layout) with a reference model written here from the documentation: a list of
 * (id, deadline, amount) holds per key and, for budgets, the period and its usage. A hold counts
 * while {@code now < deadline}; expired holds are dropped when a key's state is written, so a clock
 * stepping back before a deadline finds an unwritten expired hold counting again (deadlines are
 * absolute). Besides agreement, each schedule checks: slots held never exceed the limit
 * (Concurrency); every admission leaves usage within the limit (Budget; record and settle charge
 * unconditionally); releasing an id not live frees nothing; an expiring hold still counts one
 * nanosecond before its deadline and is gone exactly at it; a HOLD of an id already live, a HOLD of
 * cost 0 and an unsupported operation are refused with IllegalArgumentException and change nothing.
 *
 * <p>A third of the schedules run on a store that sweeps idle keys often; those never step back
 * (the store's eviction floor, by design, keeps time from going back past a sweep), and check that
 * eviction forgets only keys that decide like fresh ones.
 *
 * <p>Every failure names the seed ({@link PolicyPropertyTest#underSeed}); rerun one with {@code
 * -Dsluice.seed=<seed>}.
 */
class HoldModelTest {

  private static final long S = 1_000_000_000L;
  private static final long MAX_T = Algorithm.MAX_NANOS;
  /** Schedules per property. */
  private static final int SEQUENCES = 2_000;
  private static final String[] KEYS = {"k0", "k1", "k2"};
  private static final ZoneId PRAGUE = ZoneId.of("Europe/Prague");

  // ------------------------------------------------------------------------------ properties

  @Test
  void concurrencyAgreesWithTheModel() {
    Coverage cov = runAll("concurrency", HoldModelTest::concurrencySetup);
    if (fullRun()) {
      cov.require("concurrency", false);
    }
  }

  @Test
  void epochBudgetAgreesWithTheModel() {
    Coverage cov = runAll("budget-epoch", HoldModelTest::epochBudgetSetup);
    if (fullRun()) {
      cov.require("budget-epoch", true);
    }
  }

  @Test
  void calendarBudgetAgreesWithTheModel() {
    Coverage cov = runAll("budget-prague-day", HoldModelTest::calendarBudgetSetup);
    if (fullRun()) {
      cov.require("budget-prague-day", true);
      // Europe/Prague days of 23 and 25 hours (summer time starting and ending) were crossed.
      assertThat(cov.periodHours).as("period lengths seen, in hours").contains(23L, 24L, 25L);
    }
  }

  private static Coverage runAll(String property, java.util.function.Function<SplittableRandom, Setup> setups) {
    Coverage cov = new Coverage();
    for (long seed : seeds("hold-model-" + property, SEQUENCES)) {
      underSeed(property, seed, () -> new Schedule(property, seed, setups, cov).run());
    }
    return cov;
  }

  // ------------------------------------------------------------------------------ setups

  /**
   * A policy, the time scale its schedule moves at, a start, and whether the store sweeps idle keys
   * often (then time only moves forward).
   */
  record Setup(Policy policy, long scale, long t0, boolean sweeping) {}

  static Duration randomDuration(SplittableRandom r) {
    return switch (r.nextInt(3)) {
      case 0 -> Duration.ofNanos(1 + r.nextInt(1000));
      case 1 -> Duration.ofMillis(1 + r.nextInt(10_000));
      default -> Duration.ofSeconds(1 + r.nextInt(3600));
    };
  }

  static Setup concurrencySetup(SplittableRandom r) {
    long limit = r.nextInt(5) == 0 ? 1 + r.nextInt(60) : 1 + r.nextInt(8);
    Duration ttl = randomDuration(r);
    long scale = Math.max(1, ttl.toNanos() / (1 + r.nextInt(4)));
    return new Setup(Concurrency.of("leases", limit, ttl), scale, r.nextLong(MAX_T / 2), r.nextInt(3) == 0);
  }

  static int maxReservations(SplittableRandom r) {
    return r.nextInt(3) == 0 ? 1 + r.nextInt(4) : r.nextBoolean() ? 1 + r.nextInt(40) : Budget.DEFAULT_MAX_RESERVATIONS;
  }

  static long budgetLimit(SplittableRandom r) {
    return r.nextInt(6) == 0 ? 1 + r.nextLong(1_000_000) : 1 + r.nextInt(25);
  }

  static Setup epochBudgetSetup(SplittableRandom r) {
    Duration length = randomDuration(r);
    long ttl = Math.max(1, r.nextLong(3 * length.toNanos()) + 1);
    Budget b = new Budget("budget", budgetLimit(r), Window.of(length), Duration.ofNanos(ttl), maxReservations(r));
    long scale = Math.max(1, Math.min(length.toNanos(), ttl) / (1 + r.nextInt(4)));
    return new Setup(b, scale, r.nextLong(MAX_T / 2), r.nextInt(3) == 0);
  }

  static Setup calendarBudgetSetup(SplittableRandom r) {
    Duration ttl = Duration.ofMinutes(1 + r.nextInt(36 * 60));
    Budget b = new Budget("daily", budgetLimit(r), Window.day(PRAGUE), ttl, maxReservations(r));
    long scale = (1 + r.nextInt(4)) * 3600 * S;
    // 1970 .. 2060; half the time just before a change of Prague's offset (a 23 or 25 hour day).
    long t0 = r.nextLong(2_840_000_000L * S);
    if (r.nextBoolean()) {
      ZoneOffsetTransition next = PRAGUE.getRules().nextTransition(instant(t0));
      if (next != null && next.getInstant().getEpochSecond() < 2_840_000_000L) {
        t0 = Math.max(0, next.getInstant().getEpochSecond() * S - r.nextLong(30 * 3600 * S));
      }
    }
    return new Setup(b, scale, t0, r.nextInt(3) == 0);
  }

  static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, S), Math.floorMod(nanos, S));
  }

  // ------------------------------------------------------------------------------ reference model

  /** One hold: an id, the instant it stops counting, what it holds. */
  static final class Hold {
    final long id;
    long deadline;
    final long amount;

    Hold(long id, long deadline, long amount) {
      this.id = id;
      this.deadline = deadline;
      this.amount = amount;
    }

    Hold copy() {
      return new Hold(id, deadline, amount);
    }

    @Override
    public String toString() {
      return "(id=" + id + ", deadline=" + deadline + ", amount=" + amount + ")";
    }
  }

  /** What the last write left for a key: holds in grant order and, for a budget, its period. */
  static final class Stored {
    boolean hasPeriod;
    long start;
    long end;
    long used;
    List<Hold> holds = new ArrayList<>();

    @Override
    public String toString() {
      return (hasPeriod ? "period [" + start + ", " + end + ") used " + used + ", " : "") + "holds " + holds;
    }
  }

  static long sat(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }

  static long sum(List<Hold> holds) {
    long s = 0;
    for (Hold h : holds) {
      s = sat(s, h.amount);
    }
    return s;
  }

  static List<Hold> copies(List<Hold> holds, long t) {
    List<Hold> live = new ArrayList<>();
    for (Hold h : holds) {
      if (h.deadline > t) {
        live.add(h.copy());
      }
    }
    return live;
  }

  static Hold find(List<Hold> holds, long id) {
    for (Hold h : holds) {
      if (h.id == id) {
        return h;
      }
    }
    return null;
  }

  /** The reference: what the documentation says each operation does. */
  abstract static class Model {
    final Policy policy;
    final long limit;
    final long ttl;
    final Map<String, Stored> keys = new HashMap<>();

    Model(Policy policy, long ttl) {
      this.policy = policy;
      this.limit = policy.limit();
      this.ttl = ttl;
    }

    Stored stored(String key) {
      return keys.computeIfAbsent(key, k -> new Stored());
    }

    /** Holds counting at {@code t}: deadline after {@code t}. */
    List<Hold> live(String key, long t) {
      return copies(stored(key).holds, t);
    }

    abstract boolean supports(Operation op);

    /** The message an illegal call is refused with, or null if it is legal. */
    String refusal(String key, long t, Operation op, long cost, long id) {
      if (!supports(op)) {
        return "operation " + op + " does not apply to " + policy.getClass().getSimpleName()
            + " policy '" + policy.name() + "'";
      }
      if (op == Operation.HOLD && cost == 0) {
        return "cost (0) must be positive for a hold";
      }
      if (op == Operation.HOLD && find(live(key, t), id) != null) {
        return "id (" + id + ") is already held on this key";
      }
      return null;
    }

    abstract Decision apply(String key, long t, Operation op, long cost, long id);

    /**
     * A step back of the clock longer than the TTL is absorbed before any operation, and written:
     * a deadline more than two TTLs after {@code t} comes back to {@code t + ttl}.
     */
    void absorb(String key, long t) {
      if (clamp(key, t)) {
        Stored s = stored(key);
        s.holds = live(key, t); // written as any write: open holds only
      }
    }

    /** Brings deadlines more than two TTLs ahead back to {@code t + ttl}; whether any was. */
    boolean clamp(String key, long t) {
      long far = sat(sat(t, ttl), ttl);
      boolean any = false;
      for (Hold h : stored(key).holds) {
        if (h.deadline > far) {
          h.deadline = sat(t, ttl);
          any = true;
        }
      }
      return any;
    }

    /** Usage at {@code t} if nothing else happens: slots held, or a budget's used plus estimates. */
    abstract long usage(String key, long t);

    /** The key's state in the algorithm's documented layout. */
    abstract long[] encode(String key);

    Decision of(Reason reason, long used, long remaining, long retry, long reset) {
      return Decision.of(policy, reason, used, remaining, retry, reset);
    }
  }

  /** Concurrency: holds of slots; at most {@code limit} slots counting at once. */
  static final class ConcurrencyModel extends Model {

    ConcurrencyModel(Concurrency p) {
      super(p, p.leaseTtl().toNanos());
    }

    @Override
    boolean supports(Operation op) {
      return switch (op) {
        case PEEK, HOLD, RENEW, RELEASE, RESET -> true;
        default -> false;
      };
    }

    @Override
    long usage(String key, long t) {
      return sum(live(key, t));
    }

    /** Until the last counting hold ends. */
    static long resetAfter(List<Hold> live, long t) {
      long last = t;
      for (Hold h : live) {
        last = Math.max(last, h.deadline);
      }
      return last - t;
    }

    /** The first deadline from which {@code cost} more slots fit. */
    long retryAfter(List<Hold> live, long t, long cost) {
      TreeSet<Long> instants = new TreeSet<>();
      live.forEach(h -> instants.add(h.deadline));
      for (long u : instants) {
        long held = 0;
        for (Hold h : live) {
          if (h.deadline > u) {
            held += h.amount;
          }
        }
        if (held + cost <= limit) {
          return u - t;
        }
      }
      throw new AssertionError("model: no instant fits " + cost);
    }

    @Override
    Decision apply(String key, long t, Operation op, long cost, long id) {
      absorb(key, t);
      Stored s = stored(key);
      List<Hold> live = live(key, t);
      long held = sum(live);
      long reset = resetAfter(live, t);
      switch (op) {
        case PEEK:
        case HOLD: {
          Decision d;
          if (cost > limit) {
            d = of(Reason.COST_EXCEEDS_LIMIT, held, limit - held, Decision.NEVER, reset);
          } else if (held + cost <= limit) {
            // What the hold would get: its own deadline counts in resetAfter.
            d = of(Reason.ALLOWED, held + cost, limit - held - cost, 0,
                cost == 0 ? reset : Math.max(reset, ttl));
          } else {
            d = of(Reason.LIMITED, held, limit - held, retryAfter(live, t, cost), reset);
          }
          if (op == Operation.HOLD && d.allowed()) {
            live.add(new Hold(id, sat(t, ttl), cost));
            s.holds = live;
            return of(Reason.ALLOWED, held + cost, limit - held - cost, 0, resetAfter(live, t));
          }
          return d;
        }
        case RENEW: {
          Hold h = find(live, id);
          if (h == null) {
            return of(Reason.NOT_HELD, held, limit - held, 0, reset);
          }
          h.deadline = Math.max(h.deadline, sat(t, ttl));
          s.holds = live;
          return of(Reason.ALLOWED, held, limit - held, 0, resetAfter(live, t));
        }
        case RELEASE: {
          Hold h = find(live, id);
          if (h == null) {
            return of(Reason.ALLOWED, held, limit - held, 0, reset);
          }
          live.remove(h);
          s.holds = live;
          return of(Reason.ALLOWED, held - h.amount, limit - held + h.amount, 0, resetAfter(live, t));
        }
        case RESET:
          s.holds = new ArrayList<>();
          return of(Reason.ALLOWED, 0, limit, 0, 0);
        default:
          throw new AssertionError(op);
      }
    }

    @Override
    long[] encode(String key) {
      List<Hold> holds = stored(key).holds;
      if (holds.isEmpty()) {
        return null;
      }
      long[] a = new long[3 * holds.size()];
      for (int i = 0; i < holds.size(); i++) {
        Hold h = holds.get(i);
        a[3 * i] = h.id;
        a[3 * i + 1] = h.deadline;
        a[3 * i + 2] = h.amount;
      }
      return a;
    }
  }

  /** Budget: usage per period plus open reservations' estimates. */
  static final class BudgetModel extends Model {
    final Window period;
    final int maxReservations;

    BudgetModel(Budget p) {
      super(p, p.reservationTtl().toNanos());
      this.period = p.period();
      this.maxReservations = p.maxReservations();
    }

    @Override
    boolean supports(Operation op) {
      return true;
    }

    /** The period containing {@code t}: [start, end), computed here independently of Window. */
    long[] periodAt(long t) {
      if (period instanceof Window.Epoch e) {
        long n = e.length().toNanos();
        long start = t / n * n; // t >= 0
        return new long[] {start, start + n};
      }
      if (cached != null && cached[0] <= t && t < cached[1]) {
        return cached.clone();
      }
      ZoneId zone = ((Window.Calendar) period).zone();
      ZonedDateTime start = instant(t).atZone(zone).truncatedTo(ChronoUnit.DAYS);
      ZonedDateTime end = start.plusDays(1);
      cached = new long[] {nanos(start), nanos(end)};
      return cached.clone();
    }

    /** The last calendar period computed (days are looked up for every event). */
    private long[] cached;

    static long nanos(ZonedDateTime z) {
      Instant i = z.toInstant();
      return i.getEpochSecond() * S + i.getNano();
    }

    /** {start, end, used} in force at {@code t}: the stored period until it ends, else a fresh one. */
    long[] current(String key, long t) {
      Stored s = stored(key);
      if (s.hasPeriod && t < s.end) {
        return new long[] {s.start, s.end, s.used};
      }
      long[] p = periodAt(t);
      return new long[] {p[0], p[1], 0};
    }

    @Override
    long usage(String key, long t) {
      return sat(current(key, t)[2], sum(live(key, t)));
    }

    long remaining(long usage) {
      return usage >= limit ? 0 : limit - usage;
    }

    /** The first instant (a deadline or the period's end) from which {@code cost} fits. */
    long retryAfter(long used, long end, List<Hold> live, long t, long cost) {
      TreeSet<Long> instants = new TreeSet<>();
      live.forEach(h -> instants.add(h.deadline));
      instants.add(end);
      for (long u : instants) {
        long usage = u >= end ? 0 : used;
        for (Hold h : live) {
          if (h.deadline > u) {
            usage = sat(usage, h.amount);
          }
        }
        if (usage <= limit - cost) {
          return u - t;
        }
      }
      throw new AssertionError("model: no instant fits " + cost);
    }

    void write(String key, long start, long end, long used, List<Hold> holds) {
      Stored s = stored(key);
      if (used == 0 && holds.isEmpty()) {
        s.hasPeriod = false;
        s.holds = new ArrayList<>();
        return;
      }
      s.hasPeriod = true;
      s.start = start;
      s.end = end;
      s.used = used;
      s.holds = holds;
    }

    /** Also: a period that starts more than its length after {@code t} moves to the period of {@code t}. */
    @Override
    void absorb(String key, long t) {
      boolean any = clamp(key, t);
      Stored s = stored(key);
      if (s.hasPeriod && t < s.start && s.start - t > s.end - s.start) {
        long[] p = periodAt(t);
        s.start = p[0];
        s.end = p[1];
        any = true;
      }
      if (any && s.hasPeriod) { // written as any write: the period in force, open holds only
        long[] cur = current(key, t);
        write(key, cur[0], cur[1], cur[2], live(key, t));
      }
    }

    @Override
    Decision apply(String key, long t, Operation op, long cost, long id) {
      absorb(key, t);
      long[] cur = current(key, t);
      long start = cur[0];
      long end = cur[1];
      long used = cur[2];
      long untilEnd = end - t;
      List<Hold> live = live(key, t);
      long held = sum(live);
      long usage = sat(used, held);
      switch (op) {
        case ACQUIRE:
        case RESERVE:
        case PEEK:
        case HOLD: {
          Decision d;
          if (cost > limit) {
            d = of(Reason.COST_EXCEEDS_LIMIT, usage, remaining(usage), Decision.NEVER, untilEnd);
          } else if (usage <= limit - cost) {
            d = of(Reason.ALLOWED, usage + cost, limit - usage - cost, 0, untilEnd);
          } else {
            d = of(Reason.LIMITED, usage, remaining(usage), retryAfter(used, end, live, t, cost), untilEnd);
          }
          if (!d.allowed() || op == Operation.PEEK) {
            return d;
          }
          if (op == Operation.HOLD) {
            if (live.size() >= maxReservations) {
              long earliest = live.stream().mapToLong(h -> h.deadline).min().getAsLong();
              return of(Reason.LIMITED, usage, remaining(usage), earliest - t, untilEnd);
            }
            live.add(new Hold(id, sat(t, ttl), cost));
            write(key, start, end, used, live);
          } else if (cost > 0) {
            write(key, start, end, used + cost, live);
          }
          return d;
        }
        case RENEW: {
          Hold h = find(live, id);
          if (h == null) {
            return of(Reason.NOT_HELD, usage, remaining(usage), 0, untilEnd);
          }
          h.deadline = Math.max(h.deadline, sat(t, ttl));
          write(key, start, end, used, live);
          return of(Reason.ALLOWED, usage, remaining(usage), 0, untilEnd);
        }
        case RELEASE: {
          Hold h = find(live, id);
          if (h == null) {
            return of(Reason.ALLOWED, usage, remaining(usage), 0, untilEnd);
          }
          live.remove(h);
          write(key, start, end, used, live);
          long after = sat(used, sum(live));
          return of(Reason.ALLOWED, after, remaining(after), 0, untilEnd);
        }
        case SETTLE: {
          Hold h = find(live, id);
          if (h != null) {
            live.remove(h);
          }
          long charged = sat(used, cost);
          write(key, start, end, charged, live);
          long after = sat(charged, sum(live));
          return of(Reason.ALLOWED, after, remaining(after), 0, untilEnd);
        }
        case RECORD: {
          if (cost == 0) {
            return of(Reason.ALLOWED, usage, remaining(usage), 0, untilEnd);
          }
          long charged = sat(used, cost);
          write(key, start, end, charged, live);
          long after = sat(charged, held);
          return of(Reason.ALLOWED, after, remaining(after), 0, untilEnd);
        }
        case REFUND: {
          long left = Math.max(0, used - cost);
          if (left != used) {
            write(key, start, end, left, live);
          }
          long after = sat(left, held);
          return of(Reason.ALLOWED, after, remaining(after), 0, untilEnd);
        }
        case RESET:
          keys.remove(key);
          return of(Reason.ALLOWED, 0, limit, 0, untilEnd);
        default:
          throw new AssertionError(op);
      }
    }

    @Override
    long[] encode(String key) {
      Stored s = stored(key);
      if (!s.hasPeriod) {
        return null;
      }
      long[] a = new long[3 + 3 * s.holds.size()];
      a[0] = s.start;
      a[1] = s.end;
      a[2] = s.used;
      for (int i = 0; i < s.holds.size(); i++) {
        Hold h = s.holds.get(i);
        a[3 + 3 * i] = h.id;
        a[4 + 3 * i] = h.deadline;
        a[5 + 3 * i] = h.amount;
      }
      return a;
    }
  }

  // ------------------------------------------------------------------------------ coverage

  /** What the schedules reached, so a generator that stopped exercising something is noticed. */
  static final class Coverage {
    final Map<Operation, long[]> ops = new EnumMap<>(Operation.class);
    final Map<Reason, long[]> reasons = new EnumMap<>(Reason.class);
    final Map<String, long[]> events = new TreeMap<>();
    final TreeSet<Long> periodHours = new TreeSet<>();

    void op(Operation op) {
      ops.computeIfAbsent(op, o -> new long[1])[0]++;
    }

    void reason(Reason r) {
      reasons.computeIfAbsent(r, o -> new long[1])[0]++;
    }

    void count(String event) {
      events.computeIfAbsent(event, e -> new long[1])[0]++;
    }

    long get(String event) {
      long[] n = events.get(event);
      return n == null ? 0 : n[0];
    }

    void require(String property, boolean budget) {
      String seen = property + ": ops " + ops.keySet() + ", reasons " + reasons.keySet() + ", events " + eventsText();
      for (Operation op : budget ? Operation.values()
          : new Operation[] {Operation.PEEK, Operation.HOLD, Operation.RENEW, Operation.RELEASE, Operation.RESET}) {
        assertThat(ops).as(seen).containsKey(op);
      }
      assertThat(reasons).as(seen).containsKeys(Reason.ALLOWED, Reason.LIMITED, Reason.COST_EXCEEDS_LIMIT, Reason.NOT_HELD);
      List<String> needed = new ArrayList<>(List.of(
          "refused: id already live", "refused: hold of 0", "release of an id not live",
          "second release of a released id", "expiry probe", "clock stepped back", "store swept",
          "renewal extended a deadline", "hold reused an id no longer live", "hold admitted at the limit"));
      if (budget) {
        needed.addAll(List.of("period rolled over", "denied: maxReservations", "settle of an expired reservation",
            "settle of an open reservation", "usage above the limit", "hold carried into the next period"));
      } else {
        needed.add("refused: unsupported op");
      }
      for (String e : needed) {
        assertThat(get(e)).as(seen + " -- missing: " + e).isPositive();
      }
    }

    String eventsText() {
      StringBuilder b = new StringBuilder();
      events.forEach((k, v) -> b.append(k).append('=').append(v[0]).append(", "));
      return b.toString();
    }
  }

  // ------------------------------------------------------------------------------ one schedule

  /** One seeded schedule: a setup, then 50 to 200 events over three keys. */
  static final class Schedule {
    final String property;
    final long seed;
    final SplittableRandom r;
    final Setup setup;
    final Policy policy;
    final long limit;
    final Algorithm algorithm;
    final Model model;
    final ManualClock clock;
    final InMemoryStore store;
    final Partition partition;
    final Coverage cov;
    final Map<String, long[]> pure = new HashMap<>();
    /** Ids recently used, to draw from again. */
    final List<Long> pool = new ArrayList<>();
    /** Per key, ids released (and not held again since), to spot second releases. */
    final Map<String, java.util.Set<Long>> released = new HashMap<>();
    /** Per key, ids ever held: a HOLD of one of them not live reuses an expired (or released) id. */
    final Map<String, java.util.Set<Long>> everHeld = new HashMap<>();
    long nextId;
    long keysSeen;
    long probes;
    long t;
    int event;
    String lastKey;
    Operation lastOp;
    long lastCost;
    long lastArg;
    long lastT;

    Schedule(String property, long seed, java.util.function.Function<SplittableRandom, Setup> setups, Coverage cov) {
      this.property = property;
      this.seed = seed;
      this.r = new SplittableRandom(seed);
      this.setup = setups.apply(r);
      this.policy = setup.policy();
      this.limit = policy.limit();
      this.algorithm = Algorithm.of(policy);
      this.model = policy instanceof Concurrency c ? new ConcurrencyModel(c) : new BudgetModel((Budget) policy);
      this.t = setup.t0();
      this.clock = new ManualClock(t);
      // Sweeping rarely-to-never keeps the store's time equal to the clock's, so time may step
      // back; sweeping often exercises eviction (and then time only moves forward).
      Duration sweep = setup.sweeping() ? Duration.ofNanos(1 + r.nextLong(2 * setup.scale())) : Duration.ofNanos(MAX_T);
      this.store = (InMemoryStore) InMemory.builder().clock(clock).idleSweepInterval(sweep).build();
      this.partition = store.partition(policy);
      this.cov = cov;
      this.nextId = 1 + r.nextLong(1L << 40);
    }

    boolean budget() {
      return policy instanceof Budget;
    }

    String ctx(String key, Operation op, long cost, long arg) {
      return property + " seed=" + seed + " " + policy + (setup.sweeping() ? " (sweeping store)" : "") + " event #"
          + event + " t=" + t + " key=" + key + " op=" + op + " cost=" + cost + " arg=" + arg + " model state before: "
          + model.stored(key) + " | previous: " + lastOp + " key=" + lastKey + " cost=" + lastCost + " arg=" + lastArg
          + " at t=" + lastT;
    }

    void run() {
      int events = 50 + r.nextInt(151);
      for (event = 0; event < events; event++) {
        advance();
        String key = KEYS[r.nextInt(KEYS.length)];
        Operation op = nextOp();
        long cost = nextCost(op);
        long arg = op.usesId() ? nextIdFor(op) : r.nextInt(4) == 0 ? r.nextLong(MAX_T) : 0;
        step(key, op, cost, arg);
        lastKey = key;
        lastOp = op;
        lastCost = cost;
        lastArg = arg;
        lastT = t;
      }
    }

    // ---------------------------------------------------------------- generators

    void advance() {
      int k = r.nextInt(100);
      long scale = setup.scale();
      long next = t;
      if (k < 25) {
        next = t;
      } else if (k < 63) {
        next = t + r.nextLong(scale / 2 + 1);
      } else if (k < 83) {
        next = t + r.nextLong(2 * scale + 1);
      } else if (k < 90) {
        next = t + r.nextLong(10 * scale + 1);
      } else if (k < 95) {
        expiryProbe();
        return;
      } else if (!setup.sweeping()) {
        next = Math.max(0, t - 1 - r.nextLong(scale / 2 + 1));
        cov.count("clock stepped back");
      }
      moveTo(next);
    }

    void moveTo(long next) {
      if (next > MAX_T) {
        next = t;
      }
      t = next;
      clock.set(t);
    }

    Operation nextOp() {
      int k = r.nextInt(100);
      if (!budget()) {
        if (k < 42) {
          return Operation.HOLD;
        } else if (k < 62) {
          return Operation.RELEASE;
        } else if (k < 74) {
          return Operation.RENEW;
        } else if (k < 88) {
          return Operation.PEEK;
        } else if (k < 91) {
          return Operation.RESET;
        }
        // Unsupported: refused, changing nothing.
        Operation[] other = {Operation.ACQUIRE, Operation.RESERVE, Operation.RECORD, Operation.REFUND, Operation.SETTLE};
        return other[r.nextInt(other.length)];
      }
      if (k < 27) {
        return Operation.HOLD;
      } else if (k < 39) {
        return Operation.ACQUIRE;
      } else if (k < 43) {
        return Operation.RESERVE;
      } else if (k < 52) {
        return Operation.PEEK;
      } else if (k < 64) {
        return Operation.RELEASE;
      } else if (k < 76) {
        return Operation.SETTLE;
      } else if (k < 84) {
        return Operation.RENEW;
      } else if (k < 92) {
        return Operation.RECORD;
      } else if (k < 98) {
        return Operation.REFUND;
      }
      return Operation.RESET;
    }

    long nextCost(Operation op) {
      int k = r.nextInt(100);
      switch (op) {
        case HOLD:
        case ACQUIRE:
        case RESERVE:
        case PEEK:
          if (k < 4) {
            return 0; // refused for a hold
          } else if (k < 12) {
            return limit;
          } else if (k < 16) {
            return limit + 1 + r.nextLong(limit);
          } else if (k < 17) {
            return Long.MAX_VALUE;
          }
          return 1 + r.nextLong(Math.max(1, limit / 3));
        case RECORD:
        case SETTLE:
          if (k < 8) {
            return 0;
          } else if (k < 9) {
            return r.nextBoolean() ? Long.MAX_VALUE : Long.MAX_VALUE / 2; // saturates
          } else if (k < 40) {
            return 1 + r.nextLong(2 * limit);
          }
          return 1 + r.nextLong(Math.max(1, limit / 3));
        case REFUND:
          return k < 10 ? Long.MAX_VALUE : r.nextLong(limit + 1);
        default:
          return k < 50 ? 0 : r.nextLong(limit + 2); // ignored
      }
    }

    /** A hold's id: one used recently (maybe live on this key or another), or a new one. */
    long nextIdFor(Operation op) {
      boolean reuse = !pool.isEmpty() && r.nextInt(100) < (op == Operation.HOLD ? 35 : 85);
      long id;
      if (reuse) {
        id = pool.get(r.nextInt(pool.size()));
      } else {
        id = r.nextInt(50) == 0 ? Long.MAX_VALUE : nextId++;
      }
      if (!pool.contains(id)) {
        pool.add(id);
        if (pool.size() > 12) {
          pool.remove(0);
        }
      }
      return id;
    }

    // ---------------------------------------------------------------- one event

    void step(String key, Operation op, long cost, long arg) {
      Supplier<String> ctx = () -> ctx(key, op, cost, arg);
      cov.op(op);
      long[] before = pure.get(key);
      long[] copy = before == null ? null : before.clone();
      long usageBefore = model.usage(key, t);
      List<Hold> liveBefore = model.live(key, t);
      if (budget()) {
        Stored st = model.stored(key);
        if (st.hasPeriod && t >= st.end) {
          cov.count("period rolled over");
          if (!liveBefore.isEmpty()) {
            cov.count("hold carried into the next period");
          }
        }
      }
      String refusal = model.refusal(key, t, op, cost, arg);
      if (refusal != null) {
        cov.count(refusal.startsWith("operation") ? "refused: unsupported op"
            : refusal.startsWith("cost") ? "refused: hold of 0" : "refused: id already live");
        refused(() -> algorithm.step(before, t, Commands.of(op, cost, arg)), refusal, "Algorithm.step", ctx);
        refused(() -> partition.apply(key, Commands.of(op, cost, arg)), refusal, "Partition.apply", ctx);
        require(Arrays.equals(before, copy), () -> ctx.get() + ": a refused step modified the state it was given");
        probe(key, ctx); // nothing changed: store, pure state and model still agree
        return;
      }
      Step s;
      try {
        s = algorithm.step(before, t, Commands.of(op, cost, arg));
      } catch (RuntimeException e) {
        throw new AssertionError(ctx.get() + ": Algorithm.step threw " + e, e);
      }
      Decision viaStore;
      try {
        viaStore = partition.apply(key, Commands.of(op, cost, arg));
      } catch (RuntimeException e) {
        throw new AssertionError(ctx.get() + ": Partition.apply threw " + e, e);
      }
      Decision expected = model.apply(key, t, op, cost, arg);
      Decision pureD = s.decision();
      require(pureD.equals(expected), () -> ctx.get() + ":\n  Algorithm.step decided " + pureD + "\n  the model        " + expected);
      require(viaStore.equals(expected), () -> ctx.get() + ":\n  Partition.apply decided " + viaStore + "\n  the model         " + expected);
      require(Arrays.equals(before, copy), () -> ctx.get() + ": step modified the state it was given");
      require(s.changed() || s.state() == before, () -> ctx.get() + ": unchanged, yet a different state came back");
      long[] encoded = model.encode(key);
      require(Arrays.equals(s.state(), encoded), () -> ctx.get() + ": state " + Arrays.toString(s.state())
          + " but the model holds " + Arrays.toString(encoded));
      pure.put(key, s.state());
      cov.reason(expected.reason());
      invariants(key, op, cost, arg, expected, usageBefore, liveBefore, ctx);
      probe(key, ctx);
    }

    static void refused(Runnable call, String message, String where, Supplier<String> ctx) {
      try {
        call.run();
      } catch (IllegalArgumentException e) {
        require(e.getMessage() != null && e.getMessage().contains(message),
            () -> ctx.get() + ": " + where + " refused with '" + e.getMessage() + "', expected '" + message + "'");
        return;
      }
      fail(ctx.get() + ": " + where + " did not refuse (expected IllegalArgumentException '" + message + "')");
    }

    void invariants(String key, Operation op, long cost, long id, Decision d, long usageBefore,
        List<Hold> liveBefore, Supplier<String> ctx) {
      Supplier<String> c = () -> ctx.get() + " decision=" + d;
      require(d.policy() == policy && d.limit() == limit, () -> c.get() + ": policy/limit");
      require(d.remaining() >= 0 && d.remaining() <= limit, () -> c.get() + ": remaining out of range");
      switch (d.reason()) {
        case ALLOWED, NOT_HELD -> require(d.retryAfterNanos() == 0, () -> c.get() + ": retryAfter without a denial");
        case LIMITED -> require(d.retryAfterNanos() > 0 && d.retryAfterNanos() != Decision.NEVER,
            () -> c.get() + ": LIMITED needs a finite retryAfter > 0");
        case COST_EXCEEDS_LIMIT -> require(d.retryAfterNanos() == Decision.NEVER && cost > limit,
            () -> c.get() + ": COST_EXCEEDS_LIMIT iff cost > limit, retry never");
        default -> fail(c.get() + ": unexpected reason");
      }
      // Slots held never exceed the limit: everything the key's state lists (even holds expired
      // but not yet dropped, which a clock stepping back would count again) sums within it.
      if (!budget()) {
        long[] st = pure.get(key);
        long listed = 0;
        for (int i = 2; st != null && i < st.length; i += 3) {
          listed += st[i];
        }
        long l = listed;
        require(l <= limit, () -> c.get() + ": the state lists " + l + " slots, above the limit");
        require(model.usage(key, t) <= limit, () -> c.get() + ": slots held above the limit");
      }
      // Every admission (acquire or reservation) leaves usage within the limit, and charges exactly.
      boolean admits = op == Operation.HOLD || ((op == Operation.ACQUIRE || op == Operation.RESERVE) && cost > 0);
      if (admits && d.allowed()) {
        require(d.used() == usageBefore + cost && d.used() <= limit,
            () -> c.get() + ": admitted " + cost + " on usage " + usageBefore + ", used is now " + d.used());
        if (op == Operation.HOLD && d.remaining() == 0) {
          cov.count("hold admitted at the limit");
        }
      }
      if (op == Operation.HOLD) {
        java.util.Set<Long> ever = everHeld.computeIfAbsent(key, k -> new java.util.HashSet<>());
        if (d.allowed()) {
          if (ever.contains(id)) {
            cov.count("hold reused an id no longer live");
          }
          ever.add(id);
          released.computeIfAbsent(key, k -> new java.util.HashSet<>()).remove(id);
        } else if (d.reason() == Reason.LIMITED && cost <= limit && usageBefore + cost <= limit) {
          cov.count("denied: maxReservations");
        }
      }
      // Releasing an id not live frees nothing; a live one frees exactly its amount.
      if (op == Operation.RELEASE) {
        Hold h = find(liveBefore, id);
        java.util.Set<Long> rel = released.computeIfAbsent(key, k -> new java.util.HashSet<>());
        if (h == null) {
          cov.count("release of an id not live");
          if (rel.contains(id)) {
            cov.count("second release of a released id");
          }
          require(d.used() == usageBefore, () -> c.get() + ": releasing an id not live changed usage from " + usageBefore);
        } else {
          require(usageBefore == Long.MAX_VALUE || d.used() == usageBefore - h.amount,
              () -> c.get() + ": releasing " + h + " should free exactly its amount, from " + usageBefore);
        }
        rel.add(id);
      }
      if (op == Operation.RENEW && d.allowed()) {
        Hold h = find(liveBefore, id);
        if (h != null && sat(t, model.ttl) > h.deadline) {
          cov.count("renewal extended a deadline");
        }
      }
      if (budget()) {
        if (op == Operation.SETTLE) {
          Hold h = find(liveBefore, id);
          java.util.Set<Long> ever = everHeld.getOrDefault(key, java.util.Set.of());
          cov.count(h != null ? "settle of an open reservation"
              : ever.contains(id) ? "settle of an expired reservation" : "settle without a reservation");
        }
        if (d.used() > limit) {
          cov.count("usage above the limit");
        }
        Stored st = model.stored(key);
        if (st.hasPeriod) {
          cov.periodHours.add((st.end - st.start) / (3600 * S));
        }
      }
    }

    /**
     * The store, the pure state and the model agree on a peek on {@code key} now (of 0, the usage;
     * of 1, a budget's pre-flight check); for leases, slots held are within the limit.
     */
    void probe(String key, Supplier<String> ctx) {
      probes++;
      {
        long cost = probes & 1;
        Decision expected = model.apply(key, t, Operation.PEEK, cost, 0);
        Decision viaStore = partition.apply(key, Command.peek(cost));
        Step s = algorithm.step(pure.get(key), t, Command.peek(cost));
        require(viaStore.equals(expected), () -> ctx.get() + ": after it, a store peek(" + cost + ") says " + viaStore
            + "\n  the model " + expected);
        require(s.decision().equals(expected) && !s.changed() && s.state() == pure.get(key),
            () -> ctx.get() + ": after it, a pure peek(" + cost + ") says " + s.decision() + "\n  the model " + expected);
        if (!budget()) {
          require(viaStore.used() <= limit, () -> ctx.get() + ": the store holds " + viaStore.used() + " slots");
        }
      }
      long keys = store.keyCount();
      if (keys < keysSeen) {
        cov.count("store swept");
      }
      keysSeen = keys;
    }

    /**
     * Jumps to one nanosecond before a live hold's deadline, then to the deadline: the hold counts
     * at the first instant and is gone at the second, on the store and in the pure state.
     */
    void expiryProbe() {
      String key = KEYS[r.nextInt(KEYS.length)];
      List<Hold> live = model.live(key, t);
      if (live.isEmpty()) {
        return;
      }
      Hold h = live.get(r.nextInt(live.size()));
      long d = h.deadline;
      if (d > MAX_T || (setup.sweeping() && d - 1 < t)) {
        return;
      }
      cov.count("expiry probe");
      Supplier<String> ctx = () -> ctx(key, Operation.PEEK, 0, 0) + " (expiry probe of " + h + ")";
      moveTo(d - 1);
      long u1 = model.usage(key, t);
      require(find(model.live(key, t), h.id) != null, () -> ctx.get() + ": model lost the hold early");
      probe(key, ctx);
      long storeBefore = partition.apply(key, Command.peek(0)).used();
      long[] cur = budget() ? ((BudgetModel) model).current(key, t) : null;
      moveTo(d);
      probe(key, ctx);
      long storeAfter = partition.apply(key, Command.peek(0)).used();
      if (u1 == Long.MAX_VALUE) {
        return; // saturated: differences mean nothing
      }
      // Exactly what ends at d goes away: the holds whose deadline is d, and a period ending at d.
      long drop = 0;
      for (Hold x : model.live(key, d - 1)) {
        if (x.deadline == d) {
          drop += x.amount;
        }
      }
      if (cur != null && cur[1] == d) {
        drop += cur[2];
      }
      long expectedDrop = drop;
      require(storeBefore - storeAfter == expectedDrop && expectedDrop >= h.amount,
          () -> ctx.get() + ": from " + (d - 1) + " to " + d + " usage went " + storeBefore + " -> " + storeAfter
              + ", expected a drop of " + expectedDrop);
    }
  }

  // ------------------------------------------------------------------------------ fixed cases

  /** The model's own premises, checked on a fixed case so a wrong model cannot pass by luck. */
  @Test
  void aLeaseFreesExactlyAtItsDeadlineAndAReleaseFreesOnce() {
    Concurrency p = Concurrency.of("c", 2, Duration.ofNanos(100));
    Algorithm a = Algorithm.of(p);
    Step s1 = a.step(null, 1_000, Command.hold(7, 1));
    Step s2 = a.step(s1.state(), 1_050, Command.hold(8, 1));
    assertThat(s2.decision().used()).isEqualTo(2);
    // At 1_099 both count, at 1_100 the first is gone.
    assertThat(a.step(s2.state(), 1_099, Command.peek(1)).decision().reason()).isEqualTo(Reason.LIMITED);
    assertThat(a.step(s2.state(), 1_099, Command.peek(1)).decision().retryAfterNanos()).isEqualTo(1);
    assertThat(a.step(s2.state(), 1_100, Command.peek(1)).decision().allowed()).isTrue();
    // A HOLD of a live id is refused; of the expired id 7 at 1_100 it is a new lease.
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> a.step(s2.state(), 1_099, Command.hold(7, 1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id (7) is already held");
    assertThat(a.step(s2.state(), 1_100, Command.hold(7, 1)).decision().allowed()).isTrue();
    // Release of 8 frees one slot; again, nothing.
    Step r1 = a.step(s2.state(), 1_060, Command.release(8));
    assertThat(r1.decision().used()).isEqualTo(1);
    Step r2 = a.step(r1.state(), 1_060, Command.release(8));
    assertThat(r2.decision().used()).isEqualTo(1);
    assertThat(r2.changed()).isFalse();
  }
}
