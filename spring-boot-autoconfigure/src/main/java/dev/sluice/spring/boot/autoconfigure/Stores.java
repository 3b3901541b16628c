package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.http.QuotaConfig.StoreSpec;
import dev.sluice.redis.RedisStore;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.Store;
import dev.sluice.sqlite.SqliteStore;
import java.nio.file.Path;
import java.util.List;
import org.springframework.util.ClassUtils;

/**
 * Builds the store {@code sluice.store} describes. The SQLite and Redis stores are optional
 * dependencies: each is touched only when chosen (in a class of its own), and a missing one is
 * named in the error.
 */
final class Stores {
  private Stores() {}

  static Store build(StoreSpec spec, ClassLoader loader) {
    return switch (spec.type()) {
      case MEMORY -> InMemory.builder().build();
      case SQLITE -> {
        require("dev.sluice.sqlite.SqliteStore", "sqlite", "sluice-sqlite", loader);
        yield Sqlite.build(spec);
      }
      case REDIS -> {
        require("dev.sluice.redis.RedisStore", "redis", "sluice-redis", loader);
        yield Redis.build(spec);
      }
    };
  }

  /** Whether the store may block the calling thread (it then stays off event loops). */
  static boolean blocking(StoreSpec spec) {
    return spec.type() != StoreSpec.Type.MEMORY;
  }

  static String name(StoreSpec spec) {
    return spec.type().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static void require(String className, String type, String artifact, ClassLoader loader) {
    if (!ClassUtils.isPresent(className, loader)) {
      throw new IllegalStateException("sluice.store.type is " + type + " but " + className
          + " is not on the classpath: add the dependency dev.sluice:" + artifact);
    }
  }

  /** The SQLite store; loaded only when chosen. */
  private static final class Sqlite {
    static Store build(StoreSpec spec) {
      return SqliteStore.open(Path.of(spec.path().orElseThrow())).failure(spec.failure()).build();
    }
  }

  /** The Redis store; loaded only when chosen. */
  private static final class Redis {
    static Store build(StoreSpec spec) {
      List<String> urls = spec.urls();
      RedisStore.Builder b = spec.cluster() ? RedisStore.cluster(urls.toArray(new String[0]))
          : RedisStore.standalone(spec.url().orElseThrow());
      return b.failure(spec.failure()).build();
    }
  }
}
