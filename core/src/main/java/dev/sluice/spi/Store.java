package dev.sluice.spi;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Policy;
import java.util.List;

/**
 * Where state lives, and the only place that knows about atomicity. A store never decides
 * anything itself: it runs a policy's {@link Algorithm} (or, for a remote store, a twin of it)
 * atomically against a key's state, using its own time.
 */
public interface Store extends AutoCloseable {

  /**
   * The state of one policy in this store. Callers keep the partition; it is cheap to reuse.
   *
   * @param policy the policy; not null
   * @return the policy's partition
   * @throws IllegalArgumentException if {@code policy} is null, or a policy of another kind
   *     already uses its name in this store ({@link Definitions})
   */
  Partition partition(Policy policy);

  /**
   * Applies {@code op} ({@link Operation#ACQUIRE} or {@link Operation#PEEK}) to every charge as
   * one atomic step: either every policy admits its cost and all are charged, or none is. The
   * decision names the most restrictive policy: the denying one with the longest retryAfter, or,
   * when all admit, the one with the least remaining (ties: the first in the list).
   *
   * @param charges distinct (policy, key) pairs, at least one
   * @param op {@link Operation#ACQUIRE} or {@link Operation#PEEK}
   * @return the deciding charge's decision and its index in {@code charges}
   * @throws IllegalArgumentException for bad arguments ({@link Args#charges}) or a policy that
   *     does not support {@code op}, before any state changes
   */
  MultiDecision applyAll(List<Charge> charges, Operation op);

  /**
   * The clock this store's decisions are measured on: its retryAfter and resetAfter are durations
   * of this clock, so the engine waits on it ({@code Sluice} takes it from here; a store is the
   * one place a clock is set). A store that reads time elsewhere (the Redis server's) answers the
   * system clock.
   *
   * @return the clock; never null
   */
  Clock clock();

  @Override
  void close();
}
