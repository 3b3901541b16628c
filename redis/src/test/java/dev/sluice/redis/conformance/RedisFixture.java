package dev.sluice.redis.conformance;

import dev.sluice.ManualClock;
import dev.sluice.conformance.StoreFixture;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.redis.RedisStore;
import dev.sluice.redis.testing.RedisServer;
import dev.sluice.spi.Store;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Redis store for the conformance suite: one throwaway redis-server for the whole test run
 * (started on first use, stopped by PID by the fixtures' shutdown backstop), and a fresh key
 * prefix for every store, so each starts empty. Time is the suite's {@link ManualClock}, sent with
 * every call (the store's caller-time option); a generous deadline and fail-closed answers, so a
 * decision Redis did not make shows up as a failed assertion, never as a silent pass.
 */
public final class RedisFixture implements StoreFixture {
  private static final AtomicInteger STORES = new AtomicInteger();
  private static RedisServer server;

  private final boolean coalescing;

  public RedisFixture(boolean coalescing) {
    this.coalescing = coalescing;
  }

  private static synchronized RedisServer server() {
    if (server == null || !server.isAlive()) {
      server = RedisServer.start();
    }
    return server;
  }

  /** The key prefix of each store created, for {@link #reopen}. */
  private final java.util.Map<Store, String> prefixes = new java.util.IdentityHashMap<>();

  @Override
  public Store create(ManualClock clock) {
    return store(clock, "conformance" + STORES.incrementAndGet() + ":");
  }

  /** A second store on the same server and key prefix: another instance, or a redeploy. */
  @Override
  public Store reopen(Store previous, ManualClock clock) {
    String prefix = prefixes.get(previous);
    if (prefix == null) {
      throw new IllegalArgumentException("not a store of this fixture: " + previous);
    }
    return store(clock, prefix);
  }

  private Store store(ManualClock clock, String prefix) {
    Store s = RedisStore.standalone(server().uri())
        .callerTime(clock)
        .coalescing(coalescing)
        .commandTimeout(Duration.ofSeconds(20))
        .failure(FailurePolicy.closed())
        .keyPrefix(prefix)
        .build();
    prefixes.put(s, prefix);
    return s;
  }

  @Override
  public long resolutionNanos() {
    return 1_000;
  }

  @Override
  public long maxLimit() {
    return (1L << 53) - 1;
  }

  @Override
  public String name() {
    return coalescing ? "redis" : "redis (no coalescing)";
  }
}
