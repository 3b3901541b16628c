package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

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
      long[] ids = {1 + r.nextLong(Long.MAX_VALUE - 1), 1 + r.nextLong(1000), 1 + r.nextLong(Long.MAX_VALUE - 1)};
      int n = 1 + r.nextInt(40);
      long[] state = null;
      for (int i = 0; i < n; i++) {
        int k = r.nextInt(20);
        if (k < 5) {
          // same instant
        } else if (k < 17) {
          t += r.nextLong(1, Math.max(2, scale / (1 + r.nextInt(8))));
        } else if (k < 19) {
          t += r.nextLong(1, Math.max(2, 3 * scale));
        } else {
          t -= Math.min(t, r.nextLong(1, Math.max(2, scale / 2))); // the clock goes back
        }
        // Mostly the ordinary operations, with the rest mixed in.
        Operation op = r.nextInt(3) > 0 && ops.contains(Operation.ACQUIRE) ? Operation.ACQUIRE
            : ops.get(r.nextInt(ops.size()));
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
        Decision got = Protocol.decision(policy, out, i);
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
