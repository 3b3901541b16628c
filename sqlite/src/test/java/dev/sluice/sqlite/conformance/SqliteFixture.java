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

  @Override
  public Store create(ManualClock clock) {
    try {
      if (dir == null) {
        dir = Files.createTempDirectory("sluice-sqlite-conformance");
      }
      return SqliteStore.open(Files.createTempFile(dir, "store", ".db"))
          .clock(clock)
          .maxBatch(maxBatch)
          .decisionTimeout(Duration.ofSeconds(30))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
