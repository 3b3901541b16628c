package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Budget;
import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Policy;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Commands;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Step;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.protocol.CommandType;
import java.math.BigInteger;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The Lua twins against the core's pure functions: seeded random sequences of (time, cost,
 * operation, argument) on one key per sequence, for every policy type, must give the same decisions
 * from {@link Algorithm#step} (nanoseconds) and from the script (microseconds): the same reason,
 * used and remaining, and times equal once the Java value is rounded up to whole microseconds
 * (the script rounds the same exact quantity up to µs instead of ns). A third of the sequences go
 * to Redis as one script call holding all their requests (or calls of 1 to 8, see
 * {@link Gen#chunked}), a third in calls of 1 to 8 steps, applied in order by the batch entry
 * points (token bucket batches half through token_bucket_many.lua, half through main.lua), and a
 * third one step per call, through the single-request scripts.
 */
class TwinDifferentialTest extends DirectRedisTest {

  /**
   * Sequences per policy type: 5,000 in the default run (the suite keeps under 20 minutes on two
   * cores), {@code -Dsluice.twin.sequences=N} for more (10,000 was the default before).
   */
  static final int SEQUENCES = Integer.getInteger("sluice.twin.sequences", 5_000);

  /** Generates a policy, and costs and arguments for it. */
  interface Gen {
    Policy policy(SplittableRandom r);

    /** A typical time step in µs for the policy (window, refill interval...). */
    long scaleMicros(Policy p);

    default long cost(SplittableRandom r, Policy p, Operation op) {
      long limit = p.limit();
      int k = r.nextInt(10);
      if (op == Operation.HOLD) {
        return 1 + r.nextLong(Math.min(limit + 1, 1 + Math.max(1, limit / 2)));
      }
      if (k == 0) {
        return 0;
      }
      if (k == 1) {
        return limit + 1 + r.nextLong(3);
      }
      if (k == 2 && (op == Operation.RECORD || op == Operation.SETTLE)) {
        return r.nextLong(1, 4 * limit + 2);
      }
      return 1 + r.nextLong(Math.max(1, Math.min(limit, 1 + limit / 3)));
    }

    /** The next operation among {@code ops} (those the policy supports). */
    default Operation op(SplittableRandom r, List<Operation> ops) {
      // Mostly the ordinary operations, with the rest mixed in.
      return r.nextInt(3) > 0 && ops.contains(Operation.ACQUIRE) ? Operation.ACQUIRE
          : ops.get(r.nextInt(ops.size()));
    }

    /**
     * Instants (µs) where the decisions change in {@code state} (Java's, in ns): deadlines, a
     * period's end. The sequence sometimes moves exactly to one of them, or 1 µs either side.
     */
    default long[] instants(long[] state) {
      return new long[0];
    }

    /**
     * Whether a sequence goes to Redis as several script calls (cut at points drawn from its key,
     * so the sequences themselves stay those of the seed): a script reads a cacheable state once
     * and writes it once, so with one call per sequence only the first load and the last save
     * would see the stored text.
     */
    default boolean chunked() {
      return false;
    }
  }

  /** Picks {@code op} with weight {@code weights[i]} among {@code ops} (those supported). */
  static Operation weighted(SplittableRandom r, List<Operation> ops, Operation[] choices, int[] weights) {
    int total = 0;
    for (int i = 0; i < choices.length; i++) {
      if (ops.contains(choices[i])) {
        total += weights[i];
      }
    }
    int x = r.nextInt(total);
    for (int i = 0; i < choices.length; i++) {
      if (ops.contains(choices[i])) {
        x -= weights[i];
        if (x < 0) {
          return choices[i];
        }
      }
    }
    throw new AssertionError();
  }

  /** The deadlines in a state laid out as {@code head} values, then {@code {id, deadline, n}*} (ns). */
  static long[] deadlines(long[] state, int head, long... more) {
    if (state == null) {
      return more;
    }
    int n = (state.length - head) / 3;
    long[] out = java.util.Arrays.copyOf(more, more.length + n);
    for (int k = 0; k < n; k++) {
      out[more.length + k] = state[head + 3 * k + 1] / 1000;
    }
    return out;
  }

  static long randomMicros(SplittableRandom r, long maxMicros) {
    // log-uniform from 1 µs to maxMicros
    double e = r.nextDouble() * Math.log(maxMicros);
    return Math.max(1, (long) Math.exp(e));
  }

  static final Gen TOKEN_BUCKET = new Gen() {
    @Override
    public Policy policy(SplittableRandom r) {
      long capacity = r.nextInt(4) == 0 ? 1 + r.nextLong(1_000_000) : 1 + r.nextLong(20);
      long tokens = r.nextInt(3) == 0 ? 1 : 1 + r.nextLong(1000);
      long period = randomMicros(r, 10_000_000);
      return TokenBucket.of("tb", capacity, tokens, Duration.ofNanos(period * 1000));
    }

    @Override
    public long scaleMicros(Policy p) {
      TokenBucket t = (TokenBucket) p;
      return Math.max(1, t.refillPeriod().toNanos() / 1000 / t.refillTokens() * Math.min(t.capacity(), 4));
    }
  };

  static final String[] ZONES = {"UTC", "Europe/Prague", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"};

  static final Gen FIXED_WINDOW = new Gen() {
    @Override
    public Policy policy(SplittableRandom r) {
      long limit = r.nextInt(4) == 0 ? 1 + r.nextLong(100_000) : 1 + r.nextLong(20);
      if (r.nextInt(4) == 0) {
        Window.CalendarUnit unit = Window.CalendarUnit.values()[r.nextInt(2)];
        return new FixedWindow("fw", limit, new Window.Calendar(unit, ZoneId.of(ZONES[r.nextInt(ZONES.length)])));
      }
      return new FixedWindow("fw", limit, new Window.Epoch(Duration.ofNanos(randomMicros(r, 100_000_000) * 1000)));
    }

    @Override
    public long scaleMicros(Policy p) {
      Window w = ((FixedWindow) p).window();
      return w instanceof Window.Epoch e ? e.length().toNanos() / 1000 : 3_600_000_000L;
    }
  };

  static final Gen CONCURRENCY = new Gen() {
    @Override
    public Policy policy(SplittableRandom r) {
      int k = r.nextInt(8);
      long limit = k == 0 ? 1 : k == 1 ? 1 + r.nextLong(Concurrency.MAX_LIMIT) : 1 + r.nextLong(8);
      return Concurrency.of("cc", limit, Duration.ofNanos(randomMicros(r, 10_000_000) * 1000));
    }

    @Override
    public long scaleMicros(Policy p) {
      return ((Concurrency) p).leaseTtl().toNanos() / 1000;
    }

    @Override
    public Operation op(SplittableRandom r, List<Operation> ops) {
      return weighted(r, ops,
          new Operation[] {Operation.HOLD, Operation.PEEK, Operation.RENEW, Operation.RELEASE, Operation.RESET},
          new int[] {8, 4, 4, 4, 1});
    }

    @Override
    public long[] instants(long[] state) {
      return deadlines(state, 0);
    }
  };

  static final Gen BUDGET = new Gen() {
    @Override
    public Policy policy(SplittableRandom r) {
      long limit = r.nextInt(4) == 0 ? 1 + r.nextLong(100_000) : 1 + r.nextLong(20);
      Window period;
      long periodMicros;
      if (r.nextInt(4) == 0) {
        Window.CalendarUnit unit = Window.CalendarUnit.values()[r.nextInt(3)];
        period = new Window.Calendar(unit, ZoneId.of(ZONES[r.nextInt(ZONES.length)]));
        periodMicros = 86_400_000_000L;
      } else {
        periodMicros = randomMicros(r, 100_000_000);
        period = new Window.Epoch(Duration.ofNanos(periodMicros * 1000));
      }
      // reservations shorter than the period, about as long, or outliving it
      long ttl = switch (r.nextInt(3)) {
        case 0 -> randomMicros(r, periodMicros);
        case 1 -> Math.max(1, periodMicros / 2 + r.nextLong(1 + periodMicros));
        default -> randomMicros(r, 100_000_000);
      };
      int max = r.nextInt(3) == 0 ? 1 + r.nextInt(2) : r.nextInt(2) == 0 ? Budget.DEFAULT_MAX_RESERVATIONS
          : 1 + r.nextInt(Budget.MAX_RESERVATIONS);
      return new Budget("bg", limit, period, Duration.ofNanos(ttl * 1000), max);
    }

    @Override
    public long scaleMicros(Policy p) {
      Budget b = (Budget) p;
      long ttl = b.reservationTtl().toNanos() / 1000;
      long period = b.period() instanceof Window.Epoch e ? e.length().toNanos() / 1000 : 3_600_000_000L;
      return Math.min(ttl, period);
    }

    @Override
    public Operation op(SplittableRandom r, List<Operation> ops) {
      return weighted(r, ops,
          new Operation[] {Operation.ACQUIRE, Operation.PEEK, Operation.RESERVE, Operation.RECORD, Operation.REFUND,
              Operation.RESET, Operation.HOLD, Operation.RENEW, Operation.RELEASE, Operation.SETTLE},
          new int[] {5, 2, 1, 2, 1, 1, 7, 3, 3, 4});
    }

    @Override
    public long[] instants(long[] state) {
      return state == null ? new long[0] : deadlines(state, 3, state[1] / 1000);
    }
  };

  /**
   * Exact logs (limits 1-20 and up to {@link SlidingLog#MAX_LIMIT}) and bucketed ones (granules
   * from the whole window down to about 1/4999 of it, so caps from 3 to ~10,000 entries, and a few
   * limits past MAX_LIMIT, which a bucketed log allows). Costs lean small so that logs grow many
   * entries and records hit the entry cap.
   */
  static final Gen SLIDING_LOG = new Gen() {
    @Override
    public Policy policy(SplittableRandom r) {
      long window = r.nextInt(8) == 0 ? randomMicros(r, 1_000_000_000_000L) : randomMicros(r, 100_000_000);
      long limit = r.nextInt(3) == 0 ? 1 + r.nextLong(SlidingLog.MAX_LIMIT) : 1 + r.nextLong(20);
      if (r.nextInt(3) == 0) {
        return SlidingLog.of("sl", limit, Duration.ofNanos(window * 1000));
      }
      long buckets = r.nextInt(3) == 0 ? 1 + r.nextLong(4999) : 1 + r.nextLong(12);
      long granule = Math.max(1, window / buckets);
      if (r.nextInt(8) == 0) {
        limit = 1 + r.nextLong(1_000_000_000L);
      }
      return SlidingLog.bucketed("sl", limit, Duration.ofNanos(window * 1000), Duration.ofNanos(granule * 1000));
    }

    @Override
    public long scaleMicros(Policy p) {
      SlidingLog l = (SlidingLog) p;
      long window = l.window().toNanos() / 1000;
      long granule = l.granularity().toNanos() / 1000;
      // Half the bucketed logs step by a few granules (now in the newest entry's granule), the
      // rest by the window (entries expiring).
      return granule > 0 && l.limit() % 2 == 0 ? Math.max(1, 3 * granule) : window;
    }

    @Override
    public long cost(SplittableRandom r, Policy p, Operation op) {
      if (p.limit() > 20 && r.nextInt(2) == 0) {
        return 1 + r.nextLong(3);
      }
      return Gen.super.cost(r, p, op);
    }

    @Override
    public boolean chunked() {
      return true;
    }
  };

  /**
   * Long logs: limits of 1,000 to {@link SlidingLog#MAX_LIMIT}, exact or in up to 4,999 buckets,
   * costs of 1 or 2, steps of 1/200 to 1/1200 of the window and no resets, so that a key holds
   * hundreds of entries (parsed, cut at the oldest live one and re-encoded on every write).
   */
  static final Gen LONG_SLIDING_LOG = new Gen() {
    @Override
    public Policy policy(SplittableRandom r) {
      long window = 1000 + randomMicros(r, 100_000_000);
      long limit = 1000 + r.nextLong(SlidingLog.MAX_LIMIT - 999);
      if (r.nextBoolean()) {
        return SlidingLog.of("sl", limit, Duration.ofNanos(window * 1000));
      }
      long granule = Math.max(1, window / (500 + r.nextLong(4500)));
      return SlidingLog.bucketed("sl", limit, Duration.ofNanos(window * 1000), Duration.ofNanos(granule * 1000));
    }

    /** The window spans ~600 to ~3,000 steps: some logs keep expiring, others keep growing. */
    @Override
    public long scaleMicros(Policy p) {
      return Math.max(1, ((SlidingLog) p).window().toNanos() / 1000 / (200 + p.limit() % 1000));
    }

    @Override
    public long cost(SplittableRandom r, Policy p, Operation op) {
      int k = r.nextInt(50);
      // (a record of limit + 1 would keep the log full for a whole window)
      return k == 0 ? 0 : k == 1 && op != Operation.RECORD ? p.limit() + 1 : 1 + r.nextLong(2);
    }

    @Override
    public boolean chunked() {
      return true;
    }

    /** No resets: they would empty the log every few dozen steps. */
    @Override
    public Operation op(SplittableRandom r, List<Operation> ops) {
      Operation op;
      do {
        op = Gen.super.op(r, ops);
      } while (op == Operation.RESET);
      return op;
    }
  };

  /**
   * Limits from 1 to 2^44 (records of up to 4 limits stay below 2^53 over a whole sequence, where
   * the twins' saturation points differ), windows from 1 µs to about 4 months: products
   * prev * (W - x) far past a double's 53 bits.
   */
  static final Gen SLIDING_COUNTER = new Gen() {
    @Override
    public Policy policy(SplittableRandom r) {
      int k = r.nextInt(4);
      long limit = k == 0 ? 1 + r.nextLong(1L << 44) : k == 1 ? 1 + r.nextLong(100_000) : 1 + r.nextLong(20);
      long window = r.nextInt(6) == 0 ? randomMicros(r, 10_000_000_000_000L) : randomMicros(r, 100_000_000);
      return SlidingCounter.of("sc", limit, Duration.ofNanos(window * 1000));
    }

    @Override
    public long scaleMicros(Policy p) {
      return ((SlidingCounter) p).window().toNanos() / 1000;
    }

    @Override
    public boolean chunked() {
      return true;
    }
  };

  @Test
  void concurrency() {
    differential(CONCURRENCY, 5);
  }

  @Test
  void budget() {
    differential(BUDGET, 6);
  }

  @Test
  void tokenBucket() {
    differential(TOKEN_BUCKET, 1);
  }

  @Test
  void fixedWindow() {
    differential(FIXED_WINDOW, 2);
  }

  @Test
  void slidingLog() {
    differential(SLIDING_LOG, 3);
  }

  /** A few sequences of up to 3,000 steps: logs of hundreds of entries (up to ~800 with this seed). */
  @Test
  void slidingLogLong() {
    differential(LONG_SLIDING_LOG, 33, 16, 3000);
  }

  /**
   * The sliding log's other path: a log whose costs add up past 2^53 (records only) has no prefix
   * sums and sums its entries one by one. Sequences like slidingLog's (other seeds: keys are named
   * by seed, and those of slidingLog may still hold states), with the prefix sums dropped on load.
   */
  @Test
  void slidingLogWithoutPrefixSums() {
    String drop = "do local load = ALG[3].load\n"
        + "ALG[3].load = function(key, P, now) local st, err = load(key, P, now); if st then st.s = nil end;"
        + " return st, err end end\n";
    scriptText = text -> {
      int at = text.indexOf("\nlocal function bad(");
      assertThat(at).isPositive();
      return text.substring(0, at + 1) + drop + text.substring(at + 1);
    };
    try {
      differential(SLIDING_LOG, 103, 2000, 40);
      differential(LONG_SLIDING_LOG, 133, 4, 3000);
    } finally {
      scriptText = java.util.function.UnaryOperator.identity();
    }
  }

  @Test
  void slidingCounter() {
    differential(SLIDING_COUNTER, 4);
  }

  /**
   * The sliding counter's exact arithmetic on its own, against BigInteger: wcmp (the sign of
   * a * b - c * d) and muldiv (floor(a * b / d), saturated at 2^53 - 1) on operands up to 2^53,
   * near the limb boundaries (2^24, 2^48) and on equal products, where a lost bit shows.
   */
  @Test
  void slidingCounterArithmetic() throws Exception {
    String script = resource("constants") + "\n" + resource("prelude") + "\n" + resource("sliding_counter") + "\n"
        + "local out = {}\n"
        + "for i = 1, #ARGV, 4 do\n"
        + "  local a, b, c, d = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])\n"
        + "  out[#out + 1] = wcmp(a, b, c, d)\n"
        + "  out[#out + 1] = num(muldiv(a, b, math.max(d, 1)))\n"
        + "end\n"
        + "return out\n";
    SplittableRandom r = new SplittableRandom(44);
    long max = Protocol.MAX;
    for (int batch = 0; batch < 50; batch++) {
      List<long[]> cases = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        long a = operand(r);
        long b = operand(r);
        long c;
        long d;
        switch (r.nextInt(4)) {
          case 0 -> { // the same product, factored differently
            long g = 1L << r.nextInt(1, 8);
            boolean scale = a % g == 0 && b <= (1L << 53) / g;
            c = scale ? a / g : b;
            d = scale ? b * g : a;
          }
          case 1 -> { // a product one away
            c = a;
            d = b + (b < max ? 1 : -1);
          }
          default -> {
            c = operand(r);
            d = operand(r);
          }
        }
        cases.add(new long[] {a, b, c, d});
      }
      List<String> argv = new ArrayList<>();
      for (long[] k : cases) {
        for (long v : k) {
          argv.add(Long.toString(v));
        }
      }
      List<Object> out = connection.sync().eval(script, ScriptOutputType.MULTI, new String[0], argv.toArray(new String[0]));
      for (int i = 0; i < cases.size(); i++) {
        long[] k = cases.get(i);
        BigInteger ab = BigInteger.valueOf(k[0]).multiply(BigInteger.valueOf(k[1]));
        BigInteger cd = BigInteger.valueOf(k[2]).multiply(BigInteger.valueOf(k[3]));
        BigInteger q = ab.divide(BigInteger.valueOf(Math.max(k[3], 1))).min(BigInteger.valueOf(max));
        String what = java.util.Arrays.toString(k);
        assertThat((Long) out.get(2 * i)).as("wcmp " + what).isEqualTo((long) ab.compareTo(cd));
        assertThat(out.get(2 * i + 1)).as("muldiv " + what).isEqualTo(q.toString());
      }
    }
  }

  /** Stored values that are not a sliding log's or counter's state are refused, not misread. */
  @Test
  void slidingStatesAreValidated() {
    // limit 3, W 1 ms, exact: it keeps at most 3 entries, and reads logs of up to 10,000 (written
    // under another definition of the name with a higher limit), never more
    SlidingLog log = SlidingLog.of("sl", 3, Duration.ofMillis(1));
    for (String bad : new String[] {"", "x", "5", "5;;", ";5;", "5:;", "5:0;", "5;0;", "5:1:2;", " 5;", "5;x",
        "5; ", "-5;", "1e3;", "1.5;", "1;" + "1;".repeat(10_000), "9007199254740992;", "9007199254740991;1;",
        "5:9007199254740992;", "5:" + "9".repeat(400) + ";"}) {
      assertThat(reasonFor(log, bad)).as("'" + bad + "'").isEqualTo(Protocol.E_STATE);
    }
    for (String good : new String[] {"5;", "0;", "5:3;7;1:2;", "9007199254740990;1;", "1;1;1;1;",
        "1;" + "1;".repeat(9_999)}) {
      assertThat(reasonFor(log, good)).as("'" + good + "'").isGreaterThanOrEqualTo(0);
    }
    SlidingCounter counter = SlidingCounter.of("sc", 3, Duration.ofMillis(1));
    for (String bad : new String[] {"", "1:2", "1:2:3:4", "-1:0:0", "1.5:0:0", "a:b:c", "1:2:3 ",
        "9007199254740992:0:0", "0:0:9007199254740992"}) {
      assertThat(reasonFor(counter, bad)).as("'" + bad + "'").isEqualTo(Protocol.E_STATE);
    }
    assertThat(reasonFor(counter, "0:0:0")).isGreaterThanOrEqualTo(0);
  }

  /**
   * Keys live until their state is idle (plus, on the caller's clock, a second of slack), and no
   * longer.
   */
  @Test
  void slidingTtls() {
    long w = 600_000_000L; // 10 minutes, in µs
    long t = 1_800_000_000_000_000L - 1_800_000_000_000_000L % w + w / 4; // a quarter into a window
    // a log is idle W after its newest entry
    SlidingLog log = SlidingLog.of("ttl", 10, Duration.ofNanos(w * 1000));
    assertThat(ttlAfter(log, t - w / 8, t)).isBetween((w - w / 8) / 1000 + 1000 - 5000, (w - w / 8) / 1000 + 1000);
    // a counter with a current count is idle at s + 2W; refunded down to the previous count, at s + W
    SlidingCounter counter = SlidingCounter.of("ttl", 10, Duration.ofNanos(w * 1000));
    long s = t - w / 4;
    assertThat(ttlAfter(counter, t, t)).isBetween((s + 2 * w - t) / 1000 + 1000 - 5000, (s + 2 * w - t) / 1000 + 1000);
    assertThat(ttlAfter(counter, t - w, t)).isBetween((s + w - t) / 1000 + 1000 - 5000, (s + w - t) / 1000 + 1000);
  }

  /**
   * On the server's clock (no caller time) the TTL's slack is 10 ms, not a second: the clock that
   * computed the state is the one that expires the key. Through each entry point: the token
   * bucket's own script, main_one.lua, and main.lua with two requests.
   */
  @Test
  void serverTimeTtls() {
    // 2 of 10 tokens taken, refilled 1 per second: idle (full again) in 2 s
    TokenBucket bucket = TokenBucket.of("ttl", 10, 1, Duration.ofSeconds(1));
    // 2 taken from a 10-per-hour window: idle when the hour ends (by the server's clock, which is
    // this machine's)
    FixedWindow window = FixedWindow.of("ttl", 10, Window.of(Duration.ofHours(1)));
    long hour = 3_600_000;
    long before;
    long after;
    do {
      connection.sync().del("srv:tb", "srv:fw", "srv:tb2", "srv:fw2");
      before = System.currentTimeMillis();
      await(Request.encode(new Request[] {serverTime("srv:tb", bucket)}));
      await(Request.encode(new Request[] {serverTime("srv:fw", window)}));
      await(Request.encode(List.of(new Request[] {serverTime("srv:tb2", bucket)},
          new Request[] {serverTime("srv:fw2", window)})));
      after = System.currentTimeMillis();
    } while (before / hour != after / hour); // the hour ended meanwhile: again
    long end = (before / hour + 1) * hour;
    for (String key : new String[] {"srv:tb", "srv:tb2"}) {
      assertThat(connection.sync().pttl(key)).as(key).isBetween(2000L + 10 - 1000, 2000L + 10);
    }
    for (String key : new String[] {"srv:fw", "srv:fw2"}) {
      assertThat(connection.sync().pttl(key)).as(key).isBetween(end - after - 1000, end - before + 10 + 1);
    }
  }

  private static Request serverTime(String key, Policy policy) {
    return new Request(key, "", Protocol.code(policy), Operation.ACQUIRE.ordinal(), 2, "0", Protocol.params(policy));
  }

  private static void await(Request.Encoded e) {
    long[] out = evalResults(e.args(e.script().text()), Duration.ofSeconds(60));
    for (int i = 0; i < out.length; i += Protocol.RESULT) {
      assertThat(out[i]).isEqualTo(Decision.Reason.ALLOWED.ordinal());
    }
  }

  /** PTTL (ms) of a key after an ACQUIRE of 2 at {@code first} and a REFUND of 1 at {@code now}. */
  private static long ttlAfter(Policy policy, long first, long now) {
    String key = "ttl:" + policy.getClass().getSimpleName();
    connection.sync().del(key);
    for (long[] s : new long[][] {{first, Operation.ACQUIRE.ordinal(), 2}, {now, Operation.REFUND.ordinal(), 1}}) {
      Request.Encoded e = Request.encode(List.<Request[]>of(new Request[] {new Request(key, Long.toString(s[0]),
          Protocol.code(policy), (int) s[1], s[2], "0", Protocol.params(policy))}));
      connection.sync().eval(e.script().text(), ScriptOutputType.MULTI, e.keys(), e.argv());
    }
    return connection.sync().pttl(key);
  }

  /**
   * EVAL of {@code e}'s script (its text through {@code text}), read as the store reads it
   * ({@link Results}).
   */
  static RedisFuture<long[]> eval(RedisAsyncCommands<String, String> redis, Request.Encoded e, UnaryOperator<String> text) {
    return redis.dispatch(CommandType.EVAL, new Results(), e.args(text.apply(e.script().text())));
  }

  /** The reason of a PEEK on a key holding {@code value}. */
  private static int reasonFor(Policy policy, String value) {
    String key = "stored:" + policy.name();
    connection.sync().set(key, value);
    Request.Encoded e = Request.encode(List.<Request[]>of(new Request[] {new Request(key,
        Long.toString(1_800_000_000_000_000L), Protocol.code(policy), Operation.PEEK.ordinal(), 1, "0",
        Protocol.params(policy))}));
    return Protocol.reason(evalResults(e.args(e.script().text()), Duration.ofSeconds(60)), 0);
  }

  /** An operand up to 2^53: uniform, log-uniform, or next to a limb boundary or the ends. */
  private static long operand(SplittableRandom r) {
    switch (r.nextInt(5)) {
      case 0:
        return r.nextLong(Protocol.MAX + 2);
      case 1:
        return (long) Math.exp(r.nextDouble() * Math.log(Protocol.MAX));
      case 2: {
        long edge = new long[] {1L << 24, 1L << 48, 1L << 53, Protocol.MAX, 1L << 26, 1L << 52}[r.nextInt(6)];
        return Math.max(0, Math.min(1L << 53, edge + r.nextLong(-3, 4)));
      }
      case 3:
        return r.nextLong(1000);
      default:
        return Protocol.MAX - r.nextLong(1L << 30);
    }
  }

  private static String resource(String name) throws java.io.IOException {
    try (java.io.InputStream in = TwinDifferentialTest.class.getResourceAsStream("lua/" + name + ".lua")) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** What the sequences send instead of a script's text (a test may change it, and restores it). */
  static UnaryOperator<String> scriptText = UnaryOperator.identity();

  /** Runs {@link #SEQUENCES} seeded sequences of {@code gen}'s policies. */
  static void differential(Gen gen, long seed) {
    differential(gen, seed, SEQUENCES, 40);
  }

  /** Runs {@code sequences} seeded sequences of 1 to {@code maxSteps} steps. */
  static void differential(Gen gen, long seed, int sequences, int maxSteps) {
    SplittableRandom root = new SplittableRandom(seed);
    RedisAsyncCommands<String, String> redis = connection.async();
    int inFlight = 64;
    List<Sequence> pending = new ArrayList<>();
    long decisions = 0;
    for (int s = 0; s < sequences; s++) {
      Sequence seq = Sequence.generate(gen, root.split(), "diff:" + seed + ":" + s, maxSteps);
      // a third of the sequences go one step per call (the single-request scripts), a third in
      // calls of 1 to 8 steps (batches that load stored states), a third in one call, or chunked
      // where a generator needs it
      seq.send(redis, s % 3 == 2 ? 1 : s % 3 == 1 || gen.chunked() ? 8 : 0);
      pending.add(seq);
      if (pending.size() == inFlight || s == sequences - 1) {
        for (Sequence p : pending) {
          decisions += p.check();
        }
        pending.clear();
      }
    }
    assertThat(decisions).isGreaterThan(sequences * 5L);
  }

  /** One key's random steps, their Java decisions and the script's. */
  static final class Sequence {
    final String key;
    final Policy policy;
    final List<long[]> steps = new ArrayList<>(); // {timeMicros, cost, op, arg}
    final List<Policy> policies = new ArrayList<>(); // the definition each step decides by
    final List<Object> expected = new ArrayList<>(); // Decision, or "HELD"
    final List<RedisFuture<long[]>> results = new ArrayList<>();

    Sequence(String key, Policy policy) {
      this.key = key;
      this.policy = policy;
    }

    /**
     * Another definition of {@code p}'s kind under its name (a redeploy that changed it), whose
     * steps decide on the same state. A token bucket keeps its rate: a state's sub-nanosecond
     * fraction is read under another rate with a documented rounding that differs between
     * nanoseconds and microseconds; every other parameter may change.
     */
    static Policy redefined(Gen gen, SplittableRandom r, Policy p) {
      if (p instanceof dev.sluice.TokenBucket tb) {
        long capacity = 1 + r.nextLong(Math.max(1, 2 * tb.capacity()));
        try {
          return new dev.sluice.TokenBucket(tb.name(), capacity, tb.refillTokens(), tb.refillPeriod());
        } catch (IllegalArgumentException e) {
          return p;
        }
      }
      for (int i = 0; i < 100; i++) {
        Policy q = gen.policy(r);
        if (q.getClass() == p.getClass()) {
          return q;
        }
      }
      return p;
    }

    static Sequence generate(Gen gen, SplittableRandom r, String key, int maxSteps) {
      Policy policy = gen.policy(r);
      Sequence seq = new Sequence(key, policy);
      Algorithm alg = Algorithm.of(policy);
      // a third of the sequences switch between two definitions of the name (a redeploy)
      Policy other = r.nextInt(3) == 0 ? redefined(gen, r, policy) : policy;
      Algorithm otherAlg = Algorithm.of(other);
      long periodMicros = Math.max(alg.periodNanos(), otherAlg.periodNanos()) / 1000 + 1;
      List<Operation> ops = new ArrayList<>();
      for (Operation op : Operation.values()) {
        if (alg.supports(op)) {
          ops.add(op);
        }
      }
      long scale = gen.scaleMicros(policy);
      long t = 1_600_000_000_000_000L + r.nextLong(400_000_000_000_000L);
      long big = 1 + r.nextLong(Long.MAX_VALUE - 1);
      // the fourth id is the first's neighbour: for 63-bit ids both (nearly always) round to the
      // same double, so a script comparing ids as Lua numbers would mix them up
      long[] ids = {big, 1 + r.nextLong(1000), 1 + r.nextLong(Long.MAX_VALUE - 1),
          big < (1L << 53) ? big + 1 : big ^ 1};
      int n = 1 + r.nextInt(maxSteps);
      long[] state = null;
      for (int i = 0; i < n; i++) {
        int k = r.nextInt(20);
        if (k < 5) {
          // same instant
        } else if (k < 17) {
          long[] at = gen.instants(state);
          if (at.length > 0 && r.nextInt(3) == 0) {
            // exactly at a deadline or a period's end, or 1 µs before or after it
            long target = at[r.nextInt(at.length)] + r.nextInt(3) - 1;
            t = Math.max(t, target);
          } else {
            t += r.nextLong(1, Math.max(2, scale / (1 + r.nextInt(8))));
          }
        } else if (k < 19) {
          t += r.nextLong(1, Math.max(2, 3 * scale));
        } else if (r.nextBoolean()) {
          t -= Math.min(t, r.nextLong(1, Math.max(2, scale / 2))); // the clock goes back
        } else {
          // further back than the policy's period: absorbed
          t -= Math.min(t / 2, periodMicros * (2 + r.nextInt(4)) + r.nextLong(periodMicros));
        }
        boolean redefine = other != policy && r.nextInt(3) == 0;
        Policy stepPolicy = redefine ? other : policy;
        Algorithm stepAlg = redefine ? otherAlg : alg;
        Operation op = gen.op(r, ops);
        if (!stepAlg.supports(op)) {
          op = Operation.PEEK;
        }
        long cost = gen.cost(r, stepPolicy, op);
        if (op == Operation.HOLD && cost == 0) {
          cost = 1;
        }
        long arg = op.usesId() ? ids[r.nextInt(ids.length)]
            : op == Operation.RESERVE ? r.nextLong(0, Math.max(1, 2 * scale)) : 0;
        seq.steps.add(new long[] {t, cost, op.ordinal(), arg});
        seq.policies.add(stepPolicy);
        long argNanos = op == Operation.RESERVE ? arg * 1000 : arg;
        try {
          Step step = stepAlg.step(state, t * 1000, Commands.of(op, cost, argNanos));
          state = step.state();
          seq.expected.add(step.decision());
        } catch (IllegalArgumentException e) {
          seq.expected.add("HELD: " + e.getMessage());
        }
      }
      return seq;
    }

    /**
     * Sends the steps in one script call if {@code chunk} is 0, else in calls of 1 to {@code chunk}
     * steps.
     */
    void send(RedisAsyncCommands<String, String> redis, int chunk) {
      SplittableRandom cuts = new SplittableRandom(key.hashCode());
      for (int from = 0; from < steps.size(); ) {
        int to = chunk > 0 ? Math.min(steps.size(), from + 1 + cuts.nextInt(chunk)) : steps.size();
        send(redis, from, to);
        from = to;
      }
    }

    private void send(RedisAsyncCommands<String, String> redis, int from, int to) {
      List<Request[]> groups = new ArrayList<>();
      for (int i = from; i < to; i++) {
        long[] s = steps.get(i);
        long t = s[0];
        Policy p = policies.get(i);
        Operation op = Operation.values()[(int) s[2]];
        String[] params = Protocol.params(p);
        if (params == null) {
          params = Protocol.calendarParams(p, t * 1000);
        }
        groups.add(new Request[] {new Request(key, Long.toString(t), Protocol.code(p), op.ordinal(), s[1],
            Long.toString(s[3]), params)});
      }
      Request.Encoded e = Request.encode(groups);
      if (e.script() == Scripts.tokenBucketBatch() && (key.hashCode() & 1) == 0) {
        // half the token bucket batches through main.lua, which multi-policy calls still use
        e = new Request.Encoded(e.keys(), e.argv(), Scripts.forMask(1 << Protocol.TOKEN_BUCKET));
      }
      results.add(eval(redis, e, scriptText));
    }

    int check() {
      long[] out = new long[Protocol.RESULT * steps.size()];
      try {
        int at = 0;
        for (RedisFuture<long[]> result : results) {
          long[] r = result.get(60, TimeUnit.SECONDS);
          System.arraycopy(r, 0, out, at, r.length);
          at += r.length;
        }
        assertThat(at).as(describe(-1)).isEqualTo(out.length);
      } catch (Exception e) {
        throw new AssertionError(describe(-1) + " failed: " + e, e);
      }
      for (int i = 0; i < steps.size(); i++) {
        Object want = expected.get(i);
        int reason = Protocol.reason(out, i);
        if (want instanceof String) {
          assertThat(reason).as(describe(i)).isEqualTo(Protocol.E_HELD);
          continue;
        }
        assertThat(reason).as(describe(i)).isGreaterThanOrEqualTo(0);
        Decision got;
        Policy policy = policies.get(i);
        try {
          got = Protocol.decision(policy, out, i);
        } catch (IllegalArgumentException e) {
          // numbers no Decision can hold (remaining above the limit...): the script is wrong
          throw new AssertionError(describe(i) + "\n  script answered " + Arrays.toString(Arrays.copyOfRange(out, 5 * i, 5 * i + 5))
              + ": " + e.getMessage(), e);
        }
        Decision java = (Decision) want;
        Decision rounded = Decision.of(policy, java.reason(), java.used(), java.remaining(),
            up(java.retryAfterNanos()), up(java.resetAfterNanos()));
        assertThat(got).as(describe(i)).isEqualTo(rounded);
      }
      return steps.size();
    }

    private static long up(long nanos) {
      return nanos == Decision.NEVER ? nanos : -Math.floorDiv(-nanos, 1000) * 1000;
    }

    private String describe(int upTo) {
      StringBuilder b = new StringBuilder(policy + " key " + key + ":");
      for (int i = 0; i < steps.size() && (upTo < 0 || i <= upTo); i++) {
        long[] s = steps.get(i);
        b.append(policies.get(i) == policy ? "" : "\n  (as " + policies.get(i) + ")");
        b.append("\n  t=").append(s[0]).append("us cost=").append(s[1]).append(' ')
            .append(Operation.values()[(int) s[2]]).append(" arg=").append(s[3]).append(" -> ").append(expected.get(i));
      }
      return b.toString();
    }
  }
}
