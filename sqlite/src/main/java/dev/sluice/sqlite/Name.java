package dev.sluice.sqlite;

import dev.sluice.Policy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A policy name's definitions in a store, all of one kind ({@link dev.sluice.spi.Definitions}):
 * what the writer needs to know of the name as a whole (the kind its rows hold, every definition
 * for the idle sweep, the longest period for the floors).
 */
final class Name {
  /**
   * The kind of the name's policies, as its rows record it: the name of the policy's type
   * ({@code TokenBucket}, {@code FixedWindow}, ...).
   */
  final String kind;
  final List<SqlitePartition> definitions = new CopyOnWriteArrayList<>();
  /** The longest period of the definitions: how far ahead of the clock a floor holds decisions. */
  volatile long periodNanos = 1;

  Name(Policy first) {
    this.kind = first.getClass().getSimpleName();
  }

  synchronized void add(SqlitePartition p) {
    definitions.add(p);
    periodNanos = Math.max(periodNanos, p.algorithm.periodNanos());
  }
}
