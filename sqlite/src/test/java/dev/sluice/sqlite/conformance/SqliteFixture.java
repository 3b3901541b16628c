package dev.sluice.sqlite.conformance;

import dev.sluice.ManualClock;
import dev.sluice.conformance.StoreFixture;
import dev.sluice.sqlite.SqliteStore;
import dev.sluice.spi.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The SQLite store for the conformance suite: a new database file in a temporary directory for
 * every store, on the suite's {@link ManualClock}, deleted after each test. Decisions go through
 * the real writer and real commits ({@code synchronous=FULL}).
 */
public final class SqliteFixture implements StoreFixture {
  private final int maxBatch;
  private Path dir;

  public SqliteFixture(int maxBatch) {
    this.maxBatch = maxBatch;
  }

  /** The file of each store created, for {@link #reopen}. */
  private final java.util.Map<Store, Path> files = new java.util.IdentityHashMap<>();

  @Override
  public Store create(ManualClock clock) {
    try {
      if (dir == null) {
        dir = Files.createTempDirectory("sluice-sqlite-conformance");
      }
      return open(Files.createTempFile(dir, "store", ".db"), clock);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The same file after {@code previous} is closed (one store per file): a redeploy. */
  @Override
  public Store reopen(Store previous, ManualClock clock) {
    Path file = files.get(previous);
    if (file == null) {
      throw new IllegalArgumentException("not a store of this fixture: " + previous);
    }
    previous.close();
    return open(file, clock);
  }

  private Store open(Path file, ManualClock clock) {
    Store s = SqliteStore.open(file)
        .clock(clock)
        .maxBatch(maxBatch)
        .decisionTimeout(Duration.ofSeconds(30))
        .build();
    files.put(s, file);
    return s;
  }

  @Override
  public long resolutionNanos() {
    return 1;
  }

  @Override
  public void close() {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dir = null;
  }

  @Override
  public String name() {
    return "sqlite";
  }
}
