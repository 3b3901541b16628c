package dev.sluice.bench.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;

/**
 * A decision as one Lua script call ({@code EVALSHA}, loaded once per session), written here from
 * the algorithms' textbook descriptions, sent through Lettuce's asynchronous API and waited for
 * ({@code RedisFuture.get()}): the leanest blocking call Lettuce offers, and what Sluice's store
 * does (Lettuce's synchronous API adds a reflective proxy per call, which costs measurably more
 * client CPU here, where the 64 callers' client side is the bottleneck). Two of them:
 * <ul>
 *   <li>{@link #gcra()}: the least one script per decision can do, one {@code GET} and one
 *       {@code SET ... PX} of one key: the ceiling for any store that makes one round trip per
 *       decision;
 *   <li>{@link #twoKeyTokenBucket()}: the token bucket as Spring Cloud Gateway's Redis rate limiter
 *       lays it out, two keys (tokens left, time of the last refill in whole seconds), both
 *       rewritten with {@code SETEX} on every call.
 * </ul>
 * Both read the time with Redis's {@code TIME}, as a limiter shared by several clients must.
 */
final class ScriptRow implements RedisRow {

  /**
   * GCRA on one key holding the theoretical arrival time (TAT) in integer microseconds.
   * ARGV[1]: emission interval in µs (one request's worth of time); ARGV[2]: burst window in µs
   * (interval × burst). Admitted iff the new TAT lies at most one window ahead of now. Returns 1
   * if admitted, else minus the µs to wait. The key expires when the TAT is reached, since from
   * then on a missing key means the same as the stored one.
   */
  static final String GCRA = """
      local t = redis.call('TIME')
      local now = t[1] * 1000000 + t[2]
      local tat = tonumber(redis.call('GET', KEYS[1])) or now
      if tat < now then tat = now end
      local nxt = tat + tonumber(ARGV[1])
      local wait = nxt - now - tonumber(ARGV[2])
      if wait > 0 then return -wait end
      redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000))
      return 1
      """;

  /**
   * Token bucket in two keys. KEYS[1]: tokens left; KEYS[2]: when they were counted (Unix seconds).
   * ARGV[1]: refill rate in tokens per second; ARGV[2]: capacity; ARGV[3]: tokens requested. Both
   * keys live twice the time the bucket takes to fill. Returns {admitted (1/0), tokens left}.
   */
  static final String TWO_KEY_TOKEN_BUCKET = """
      local rate = tonumber(ARGV[1])
      local capacity = tonumber(ARGV[2])
      local requested = tonumber(ARGV[3])
      local now = tonumber(redis.call('TIME')[1])
      local ttl = math.max(1, math.floor(2 * capacity / rate))
      local tokens = tonumber(redis.call('GET', KEYS[1])) or capacity
      local counted = tonumber(redis.call('GET', KEYS[2])) or 0
      local elapsed = math.max(0, now - counted)
      tokens = math.min(capacity, tokens + elapsed * rate)
      local admitted = 0
      if tokens >= requested then
        tokens = tokens - requested
        admitted = 1
      end
      redis.call('SETEX', KEYS[1], ttl, string.format('%d', tokens))
      redis.call('SETEX', KEYS[2], ttl, string.format('%d', now))
      return {admitted, tokens}
      """;

  private final String id;
  private final String title;
  private final String script;
  private final ScriptOutputType type;
  private final String[] args;
  private final IntFunction<String[]> keyNames;

  private ScriptRow(String id, String title, String script, ScriptOutputType type, String[] args,
      IntFunction<String[]> keyNames) {
    this.id = id;
    this.title = title;
    this.script = script;
    this.type = type;
    this.args = args;
    this.keyNames = keyNames;
  }

  /**
   * 10^6 per second (an interval of 1 µs, the finest whole microseconds can express), burst 10^6:
   * like every row here, a limit the callers never reach.
   */
  static ScriptRow gcra() {
    return new ScriptRow("gcra", "GCRA, one key, one script (ceiling: one script per decision)",
        GCRA, ScriptOutputType.INTEGER, new String[] {"1", "1000000"},
        i -> new String[] {"gcra:" + i});
  }

  /** Capacity 10^9, 10^9 per second, like the Bucket4j row. Keys hash-tagged as a Cluster needs. */
  static ScriptRow twoKeyTokenBucket() {
    return new ScriptRow("scg", "Token bucket, two keys (Spring Cloud Gateway layout)",
        TWO_KEY_TOKEN_BUCKET, ScriptOutputType.MULTI,
        new String[] {"1000000000", "1000000000", "1"},
        i -> new String[] {"scg.{" + i + "}.tokens", "scg.{" + i + "}.timestamp"});
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String title() {
    return title;
  }

  @Override
  public Session open(String uri, int keys) {
    RedisClient client = RedisClient.create(uri);
    StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8);
    RedisAsyncCommands<String, String> commands = connection.async();
    String sha = connection.sync().scriptLoad(script);
    String[][] names = new String[keys][];
    for (int i = 0; i < keys; i++) {
      names[i] = keyNames.apply(i);
    }
    boolean multi = type == ScriptOutputType.MULTI;
    return new Session() {
      @Override
      public int tryAcquire(int key) {
        Object r;
        try {
          r = commands.evalsha(sha, type, names[key], args).get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        } catch (ExecutionException e) {
          throw new IllegalStateException(e.getCause());
        }
        return (multi ? (Long) ((List<?>) r).get(0) == 1L : (Long) r == 1L) ? ADMITTED : DENIED;
      }

      @Override
      public void close() {
        connection.close();
        client.shutdown();
      }
    };
  }
}
