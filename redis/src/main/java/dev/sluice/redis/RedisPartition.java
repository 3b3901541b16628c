package dev.sluice.redis;

import dev.sluice.Budget;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Policy;
import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Args;
import dev.sluice.spi.Command;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import java.util.concurrent.CompletableFuture;

/**
 * One policy's partition of a {@link RedisStore}: turns a key and a {@link Command} into a
 * {@link Request} on the policy's keys, {@code <prefix><kind>:<name>:{<key>}} ({@link RedisKeys}:
 * the kind is the algorithm's code, and the name and the key are escaped, so no two (policy, key)
 * pairs share a Redis key, and the hash tag is always the whole key), sends it ({@link Calls}) and
 * reads the decision from the reply, or has the policy's failure policy answer ({@link Fallback}).
 */
final class RedisPartition implements Partition {
  final Policy policy;
  final Algorithm algorithm;
  final int code;
  final String keyPrefix;
  final boolean wall;
  /** Parameters that do not depend on time, or null (calendar periods). */
  private final String[] params;
  private volatile CalendarParams calendar;
  /** The caller's clock ({@code RedisStore.Builder.callerTime}), or null: the server's TIME. */
  private final Clock callerClock;
  /** The caller's clock, or the system clock: what calendar periods are computed around. */
  private final Clock clock;
  private final Calls calls;
  private final Fallback fallback;

  /**
   * The partition of {@code policy} under key prefix {@code prefix}; refuses a policy the scripts
   * cannot compute exactly, and registers the scripts its decisions run with {@code link}.
   */
  RedisPartition(Policy policy, String prefix, Clock callerClock, Clock clock, RedisLink link, Calls calls,
      Fallback fallback) {
    this.callerClock = callerClock;
    this.clock = clock;
    this.calls = calls;
    this.fallback = fallback;
    this.policy = policy;
    this.algorithm = Algorithm.of(policy);
    this.code = Protocol.code(policy);
    this.params = Protocol.params(policy);
    if (params == null) {
      Protocol.calendarParams(policy, clock.wallNanos()); // refuse a bad policy now
    }
    this.keyPrefix = prefix + code + ":" + RedisKeys.escape(policy.name()) + ":{";
    this.wall = policy.usesWallClock();
    link.registerPolicy(code, params); // what its decisions run, loaded before the first one
  }

  @Override
  public Policy policy() {
    return policy;
  }

  @Override
  public Decision apply(String key, Command command) {
    Args.apply(key, command, algorithm);
    Request r = request(key, command);
    return decision(r, calls.call(new Request[] {r}), key, command);
  }

  /**
   * Does not wait for Redis: the future completes on the Redis client's event executors (not on
   * the thread that reads Redis's replies) when Redis answers, or at the deadline with the
   * failure policy's answer. Continuations that block should run on an executor of their own.
   */
  @Override
  public CompletableFuture<Decision> applyAsync(String key, Command command) {
    Args.apply(key, command, algorithm);
    Request r = request(key, command);
    return calls.callAsync(new Request[] {r}).thenApply(result -> decision(r, result, key, command));
  }

  /** The decision from Redis's {@code result} for {@code r}, or the failure policy's if null or bad. */
  private Decision decision(Request r, long[] result, String key, Command command) {
    if (result != null) {
      int reason = Protocol.reason(result, 0);
      if (reason >= 0) {
        return Protocol.decision(policy, result, 0);
      }
      if (reason == Protocol.E_HELD) {
        throw new IllegalArgumentException("id (" + command.holdId() + ") is already held on this key");
      }
      fallback.badReply(reason, r.key());
    }
    return fallback.failed(this, key, command);
  }

  /** The script call for {@code command} on {@code key}: its one argument the wait (in µs) or the hold's id. */
  Request request(String key, Command command) {
    String time = "";
    long callerWall = 0;
    if (callerClock != null) {
      long t = wall ? callerClock.wallNanos() : callerClock.nanos();
      time = Long.toString(t / 1000);
      callerWall = wall ? t : callerClock.wallNanos();
    }
    String[] p = params;
    if (p == null) {
      p = calendarParams(callerClock != null ? callerWall : clock.wallNanos());
    }
    Operation op = command.operation();
    String a = op.usesId() ? Long.toString(command.holdId())
        : op == Operation.RESERVE ? Long.toString(Math.min(command.maxWaitNanos() / 1000, Protocol.MAX)) : "0";
    return new Request(redisKey(key), time, code, op.ordinal(), command.cost(), a, p);
  }

  String redisKey(String key) {
    return RedisKeys.key(keyPrefix, key);
  }

  private String[] calendarParams(long wallNanos) {
    CalendarParams c = calendar;
    if (c == null || wallNanos < c.from || wallNanos >= c.until) {
      long from = policy instanceof FixedWindow f ? f.window().startNanos(wallNanos)
          : ((Budget) policy).period().startNanos(wallNanos);
      c = new CalendarParams(from, Protocol.calendarValidUntil(policy, wallNanos),
          Protocol.calendarParams(policy, wallNanos));
      calendar = c;
    }
    return c.params;
  }

  private record CalendarParams(long from, long until, String[] params) {}
}
