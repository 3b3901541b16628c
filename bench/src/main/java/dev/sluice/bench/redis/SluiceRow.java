package dev.sluice.bench.redis;

import dev.sluice.Decision;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.redis.RedisStore;
import java.time.Duration;

/**
 * Sluice's Redis store: {@code RedisStore.standalone(uri).coalescing(...)} under
 * {@code Sluice.builder().store(store).build()}, a token bucket of capacity 10^9 refilled by 10^9
 * per second (like the Bucket4j row: it never runs dry), {@code limiter.tryAcquire(key, 1)}.
 *
 * <p>Two settings differ from the store's defaults, so that it is measured on the same terms as
 * the other rows, which wait for Redis as long as Lettuce lets them (60 s):
 * <ul>
 *   <li>the deadline ({@code commandTimeout}) is {@code --sluice-deadline-ms} (60,000 unless set);
 *       the {@code *-10ms} context rows keep the default 10 ms, to show what the deadline, the
 *       circuit breaker and the failure policy do under this load;
 *   <li>the failure policy is {@link FailurePolicy#closed()} instead of open, so that an answer
 *       Redis did not make is recognisable ({@code STORE_UNAVAILABLE}) and is not counted as a
 *       decision. Either policy answers at once, without Redis.
 * </ul>
 */
public final class SluiceRow implements RedisRow {
  static final long CAPACITY = 1_000_000_000L;

  private final boolean coalescing;
  private final Duration deadline; // null: the store's default

  private SluiceRow(boolean coalescing, Duration deadline) {
    this.coalescing = coalescing;
    this.deadline = deadline;
  }

  static SluiceRow plain(Duration deadline) {
    return new SluiceRow(false, deadline);
  }

  static SluiceRow coalescing(Duration deadline) {
    return new SluiceRow(true, deadline);
  }

  /** Context: the store's default deadline (10 ms). */
  static SluiceRow plainDefaultDeadline() {
    return new SluiceRow(false, null);
  }

  /**
   * Context: the store's default deadline, coalescing; the store as the server opens it for
   * {@code BACKEND_TYPE=redis} (ServerReport's {@code store-redis} row).
   */
  public static SluiceRow coalescingDefaultDeadline() {
    return new SluiceRow(true, null);
  }

  @Override
  public String id() {
    return (coalescing ? "sluice-coalescing" : "sluice") + (deadline == null ? "-10ms" : "");
  }

  @Override
  public String title() {
    String name = coalescing ? "**Sluice** RedisStore, coalescing" : "**Sluice** RedisStore, no coalescing";
    return deadline == null ? "_context:_ " + name + ", default 10 ms deadline" : name;
  }

  @Override
  public boolean context() {
    return deadline == null;
  }

  @Override
  public Session open(String uri, int keys) {
    RedisStore.Builder b = RedisStore.standalone(uri).coalescing(coalescing)
        .failure(FailurePolicy.closed());
    if (deadline != null) {
      b.commandTimeout(deadline);
    }
    RedisStore store = b.build();
    Sluice sluice = Sluice.builder().store(store).build();
    Limiter limiter = sluice.limiter(
        TokenBucket.of("bench", CAPACITY, CAPACITY, Duration.ofSeconds(1)));
    String[] names = new String[keys];
    for (int i = 0; i < keys; i++) {
      names[i] = "k" + i;
    }
    return new Session() {
      @Override
      public int tryAcquire(int key) {
        Decision d = limiter.tryAcquire(names[key], 1);
        if (d.allowed()) {
          return ADMITTED;
        }
        return d.reason() == Decision.Reason.STORE_UNAVAILABLE ? NOT_DECIDED : DENIED;
      }

      @Override
      public String details() {
        return "store.failures() since built: " + store.failures();
      }

      @Override
      public void close() {
        sluice.close(); // closes the store
      }
    };
  }
}
