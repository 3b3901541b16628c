package dev.sluice.servlet;

import dev.sluice.Clock;
import dev.sluice.http.QuotaConfig.StoreSpec;
import dev.sluice.redis.RedisStore;
import dev.sluice.spi.Store;
import dev.sluice.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the store a {@link StoreSpec} describes. SQLite and Redis are optional dependencies of
 * this module: a type whose artifact is not on the class path is refused with its name, before any
 * of its classes is touched (the classes that use them are loaded only past that check).
 */
final class Stores {

  private Stores() {}

  /**
   * Opens the store; the caller closes it.
   *
   * @param spec what to open
   * @param clock the clock of an in-memory or SQLite store (Redis reads the server's time)
   * @param origin where the spec comes from, for messages
   * @return the store, or null for {@link StoreSpec.Type#MEMORY} (the engine's default store)
   * @throws IllegalStateException naming the missing artifact
   */
  static Store open(StoreSpec spec, Clock clock, String origin) {
    return switch (spec.type()) {
      case MEMORY -> null;
      case SQLITE -> {
        require(origin, "sqlite", "dev.sluice.sqlite.SqliteStore", "sluice-sqlite");
        yield Sqlite.open(Path.of(spec.path().orElseThrow()), clock, spec);
      }
      case REDIS -> {
        require(origin, "redis", "dev.sluice.redis.RedisStore", "sluice-redis");
        yield Redis.open(spec);
      }
    };
  }

  static void require(String origin, String type, String className, String artifact) {
    try {
      Class.forName(className, false, Stores.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(origin + ": sluice.store.type: " + type + " needs the artifact dev.sluice:"
          + artifact + " on the class path (an optional dependency of sluice-servlet): add it next to "
          + "sluice-servlet, in the same version");
    }
  }

  /** Loaded only when sluice-sqlite is present. */
  private static final class Sqlite {
    static Store open(Path file, Clock clock, StoreSpec spec) {
      Path parent = file.toAbsolutePath().getParent();
      try {
        if (parent != null) {
          Files.createDirectories(parent);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the directory of the SQLite file " + file, e);
      }
      return SqliteStore.open(file).clock(clock).failure(spec.failure()).build();
    }
  }

  /** Loaded only when sluice-redis is present. */
  private static final class Redis {
    static Store open(StoreSpec spec) {
      RedisStore.Builder b = spec.cluster()
          ? RedisStore.cluster(spec.urls().toArray(String[]::new))
          : RedisStore.standalone(spec.url().orElseThrow());
      return b.failure(spec.failure()).build();
    }
  }
}
