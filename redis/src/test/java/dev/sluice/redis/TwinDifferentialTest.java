package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Budget;
import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Policy;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisServer;
import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Step;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.RedisFuture;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Lua twins against the core's pure functions: seeded random sequences of (time, cost,
 * operation, argument) on one key per sequence, for every policy type, must give the same decisions
 * from {@link Algorithm#step} (nanoseconds) and from the script (microseconds): the same reason,
 * used and remaining, and times equal once the Java value is rounded up to whole microseconds
 * (the script rounds the same exact quantity up to µs instead of ns). Each sequence is one script
 * call holding all its requests, applied in order, so the batch path is what runs.
 */
class TwinDifferentialTest {

  /** Sequences per policy type. */
  static final int SEQUENCES = 10_000;

  static RedisServer server;
  static RedisClient client;
  static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
    client = RedisClient.create(server.uri());
    connection = client.connect();
  }

  @AfterAll
  static void stop() {
    if (connection != null) {
      connection.close();
    }
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    if (server != null) {
      server.close();
    }
  }

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

  /** Runs {@link #SEQUENCES} seeded sequences of {@code gen}'s policies. */
  static void differential(Gen gen, long seed) {
    SplittableRandom root = new SplittableRandom(seed);
    RedisAsyncCommands<String, String> redis = connection.async();
    int inFlight = 64;
    List<Sequence> pending = new ArrayList<>();
    long decisions = 0;
    for (int s = 0; s < SEQUENCES; s++) {
      Sequence seq = Sequence.generate(gen, root.split(), "diff:" + seed + ":" + s);
      seq.send(redis);
      pending.add(seq);
      if (pending.size() == inFlight || s == SEQUENCES - 1) {
        for (Sequence p : pending) {
          decisions += p.check();
        }
        pending.clear();
      }
    }
    assertThat(decisions).isGreaterThan(SEQUENCES * 5L);
  }

  /** One key's random steps, their Java decisions and the script's. */
  static final class Sequence {
    final String key;
    final Policy policy;
    final List<long[]> steps = new ArrayList<>(); // {timeMicros, cost, op, arg}
    final List<Object> expected = new ArrayList<>(); // Decision, or "HELD"
    RedisFuture<List<Object>> result;

    Sequence(String key, Policy policy) {
      this.key = key;
      this.policy = policy;
    }

    static Sequence generate(Gen gen, SplittableRandom r, String key) {
      Policy policy = gen.policy(r);
      Sequence seq = new Sequence(key, policy);
      Algorithm alg = Algorithm.of(policy);
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
      int n = 1 + r.nextInt(40);
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
        } else {
          t -= Math.min(t, r.nextLong(1, Math.max(2, scale / 2))); // the clock goes back
        }
        Operation op = gen.op(r, ops);
        long cost = gen.cost(r, policy, op);
        if (op == Operation.HOLD && cost == 0) {
          cost = 1;
        }
        long arg = op.usesId() ? ids[r.nextInt(ids.length)]
            : op == Operation.RESERVE ? r.nextLong(0, Math.max(1, 2 * scale)) : 0;
        seq.steps.add(new long[] {t, cost, op.ordinal(), arg});
        long argNanos = op == Operation.RESERVE ? arg * 1000 : arg;
        try {
          Step step = alg.step(state, t * 1000, cost, op, argNanos);
          state = step.state();
          seq.expected.add(step.decision());
        } catch (IllegalArgumentException e) {
          seq.expected.add("HELD: " + e.getMessage());
        }
      }
      return seq;
    }

    void send(RedisAsyncCommands<String, String> redis) {
      List<Request[]> groups = new ArrayList<>();
      for (long[] s : steps) {
        long t = s[0];
        Operation op = Operation.values()[(int) s[2]];
        String[] params = Protocol.params(policy);
        if (params == null) {
          params = Protocol.calendarParams(policy, t * 1000);
        }
        groups.add(new Request[] {new Request(key, Long.toString(t), Protocol.code(policy), op.ordinal(), s[1],
            Long.toString(s[3]), params)});
      }
      Request.Encoded e = Request.encode(groups);
      Scripts.Script script = Scripts.forMask(e.mask());
      result = redis.eval(script.text(), ScriptOutputType.MULTI, e.keys(), e.argv());
    }

    int check() {
      List<Object> out;
      try {
        out = result.get(60, TimeUnit.SECONDS);
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
        try {
          got = Protocol.decision(policy, out, i);
        } catch (IllegalArgumentException e) {
          // numbers no Decision can hold (remaining above the limit...): the script is wrong
          throw new AssertionError(describe(i) + "\n  script answered " + out.subList(5 * i, 5 * i + 5)
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
        b.append("\n  t=").append(s[0]).append("us cost=").append(s[1]).append(' ')
            .append(Operation.values()[(int) s[2]]).append(" arg=").append(s[3]).append(" -> ").append(expected.get(i));
      }
      return b.toString();
    }
  }
}
