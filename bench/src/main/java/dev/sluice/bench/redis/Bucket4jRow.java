package dev.sluice.bench.redis;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bucket4j's Redis integration through Lettuce: {@code LettuceBasedProxyManager}, compare-and-swap.
 * Every decision reads the bucket's state ({@code GET}), applies the request on the client, and
 * writes it back with a compare-and-swap script ({@code EVAL}); a lost race starts over (by default
 * Bucket4j retries without limit and without pause). Built exactly as Bucket4j's own
 * {@code Bucket4jLettuce.casBasedBuilder(connection)} builds it, except that the {@link RedisApi}
 * handed to the builder (a public Bucket4j interface; its own adapter is the same three
 * delegations) counts the compare-and-swap scripts, which gives the attempts per decision.
 *
 * <p>Bucket: capacity 10^9, greedy refill of 10^9 per second, so it never runs dry; keys expire
 * 1 s after the bucket would be full again (Bucket4j's
 * {@code basedOnTimeForRefillingBucketUpToMax}). One {@link BucketProxy} per key, built up front
 * (building one is cheap, but the batching variant needs them shared by all callers).
 */
final class Bucket4jRow implements RedisRow {
  static final long CAPACITY = 1_000_000_000L;

  private final boolean batching;

  private Bucket4jRow(boolean batching) {
    this.batching = batching;
  }

  /** Bucket4j's default: no client-side optimization. */
  static Bucket4jRow plain() {
    return new Bucket4jRow(false);
  }

  /**
   * Context: the same with Bucket4j's {@code Optimizations.batching()}, which lets callers of one
   * proxy that arrive while a request is in flight share the next one.
   */
  static Bucket4jRow batching() {
    return new Bucket4jRow(true);
  }

  @Override
  public String id() {
    return batching ? "bucket4j-batching" : "bucket4j";
  }

  @Override
  public String title() {
    return batching
        ? "_context:_ Bucket4j, Lettuce CAS, `Optimizations.batching()`"
        : "Bucket4j, Lettuce CAS proxy manager";
  }

  @Override
  public boolean context() {
    return batching;
  }

  @Override
  public Session open(String uri, int keys) {
    RedisClient client = RedisClient.create(uri);
    StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
    RedisAsyncCommands<byte[], byte[]> commands = connection.async();
    LongAdder casScripts = new LongAdder();
    RedisApi<byte[]> api = new CountingApi<>(commands, casScripts);
    ProxyManager<byte[]> proxies = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(api)
        .expirationAfterWrite(
            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
        .build();
    BucketConfiguration config = BucketConfiguration.builder()
        .addLimit(Bandwidth.builder().capacity(CAPACITY)
            .refillGreedy(CAPACITY, Duration.ofSeconds(1)).build())
        .build();
    RemoteBucketBuilder<byte[]> builder = proxies.builder();
    if (batching) {
      builder = builder.withOptimization(Optimizations.batching());
    }
    BucketProxy[] buckets = new BucketProxy[keys];
    for (int i = 0; i < keys; i++) {
      buckets[i] = builder.build(("b4j:" + i).getBytes(StandardCharsets.UTF_8), config);
    }
    return new Session() {
      @Override
      public int tryAcquire(int key) {
        return buckets[key].tryConsume(1) ? ADMITTED : DENIED;
      }

      @Override
      public long attempts() {
        return casScripts.sum();
      }

      @Override
      public void close() {
        connection.close();
        client.shutdown();
      }
    };
  }

  /**
   * Bucket4j's own Lettuce adapter, plus a count of the compare-and-swap scripts. Generic like
   * Bucket4j's: it hands keys over as {@code (K[]) new Object[] {key}}, which a {@code byte[][]}
   * parameter would refuse.
   */
  private static final class CountingApi<K> implements RedisApi<K> {
    private final RedisAsyncCommands<K, byte[]> commands;
    private final LongAdder casScripts;

    CountingApi(RedisAsyncCommands<K, byte[]> commands, LongAdder casScripts) {
      this.commands = commands;
      this.casScripts = casScripts;
    }

    @Override
    public <V> RedisFuture<V> eval(String script, ScriptOutputType type, K[] keys, byte[][] args) {
      casScripts.increment();
      return commands.eval(script, type, keys, args);
    }

    @Override
    public RedisFuture<byte[]> get(K key) {
      return commands.get(key);
    }

    @SuppressWarnings("unchecked")
    @Override
    public RedisFuture<?> delete(K key) {
      return commands.del(key);
    }
  }
}
