package dev.sluice.sqlite;

import dev.sluice.Charge;
import dev.sluice.Decision;
import dev.sluice.spi.Command;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import java.util.List;

/**
 * What a caller asks the writer: one record per kind of call, each with the {@link Ticket} its
 * caller waits on and the writer answers on. The writer decides them in the order they were
 * queued ({@link Writer}).
 */
sealed interface Call {

  /** Where the caller waits for the answer, and the writer puts it. */
  Ticket<?> ticket();

  /** The decisions it asks for, counted as asked when it is queued. */
  int decisions();

  /**
   * One decision on one key of one definition ({@link dev.sluice.spi.Partition#apply} and
   * {@code applyAsync}).
   */
  record Apply(Ticket<Decision> ticket, SqlitePartition partition, String key, Command command) implements Call {

    @Override
    public int decisions() {
      return 1;
    }
  }

  /**
   * One decision over several keys and definitions, every charge or none
   * ({@link dev.sluice.spi.Store#applyAll}): {@code parts[i]} and {@code keys[i]} are charge i's.
   */
  record ApplyAll(Ticket<MultiDecision> ticket, List<Charge> charges, SqlitePartition[] parts, String[] keys,
      Operation op) implements Call {

    @Override
    public int decisions() {
      return charges.size();
    }
  }
}
