package dev.sluice.sqlite;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Args;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import java.util.concurrent.CompletableFuture;

/**
 * One definition's view of its name's keys: rows {@code (policy name, key)} whose kind is the
 * policy's, shared by every definition of the name (a redefinition decides on the same state).
 * It checks a call as the in-memory store does and hands it to its store's writer.
 */
final class SqlitePartition implements Partition {
  private final SqliteStore store;
  final Policy policy;
  final Algorithm algorithm;
  final boolean wall;
  final String name;
  final String kind;
  final Name named;

  SqlitePartition(SqliteStore store, Policy policy, Name named) {
    this.store = store;
    this.policy = policy;
    this.algorithm = Algorithm.of(policy);
    this.wall = policy.usesWallClock();
    this.name = policy.name();
    this.kind = named.kind;
    this.named = named;
  }

  @Override
  public Policy policy() {
    return policy;
  }

  @Override
  public Decision apply(String key, Command command) {
    Args.apply(key, command, algorithm);
    Call.Apply call = new Call.Apply(new Ticket<>(), this, key, command);
    return store.run(call) ? call.ticket().answer : store.failureDecision(policy);
  }

  /**
   * {@link #apply} without waiting: the call is queued for the writer and the future returned at
   * once. It completes after the commit, on the store's completion threads (never on the
   * writer), or with the policy's failure decision at the decision timeout; a call given up
   * before the writer took it is never applied.
   */
  @Override
  public CompletableFuture<Decision> applyAsync(String key, Command command) {
    Args.apply(key, command, algorithm);
    return store.submit(new Call.Apply(new Ticket<>(new CompletableFuture<>()), this, key, command));
  }
}
