package dev.sluice.server.settings;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the counters live.
 *
 * @param backend {@code BACKEND_TYPE}, default {@code redis}
 * @param sqlitePath {@code SQLITE_PATH} (Sluice's own), default {@code ./data/sluice.db}: the
 *     database file when the backend is {@link Backend#SQLITE}
 * @param redis the Redis server, present iff the backend is {@link Backend#REDIS}
 * @param redisPerSecond the Redis server of per-second limits ({@code REDIS_PERSECOND=true}),
 *     present only with {@code redis}
 */
public record StoreSettings(Backend backend, Path sqlitePath, Optional<RedisSettings> redis,
    Optional<RedisSettings> redisPerSecond) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code redis} is present iff the backend is not Redis, or
   *     {@code redisPerSecond} is present without {@code redis}
   */
  public StoreSettings {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(sqlitePath, "sqlitePath");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(redisPerSecond, "redisPerSecond");
    if (redis.isPresent() != (backend == Backend.REDIS) || redisPerSecond.isPresent() && redis.isEmpty()) {
      throw new IllegalArgumentException("redis (" + redis.isPresent() + ") must be present iff backend ("
          + backend + ") is REDIS, and redisPerSecond (" + redisPerSecond.isPresent() + ") only with redis");
    }
  }

  /** The stores: {@code BACKEND_TYPE}. */
  public enum Backend {
    /** {@code redis} (and the empty string), the default: shared by every instance. */
    REDIS,
    /** {@code sqlite}: Sluice's SQLite store, one file on this host. */
    SQLITE,
    /** {@code memory}: Sluice's in-memory store, this process only. */
    MEMORY
  }
}
