package dev.sluice.spi;

import dev.sluice.Policy;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kinds of policy a store has been asked for, by name. A store keeps a key's state under the
 * policy's kind and name, so one name holds one kind of policy in a store: asking for a policy of
 * another kind under a name already in use is refused, with the same message on every store.
 * Definitions of the same kind under one name (a policy reloaded with a new limit) share the state,
 * each deciding by its own parameters; what a changed definition does to the state it finds is
 * documented per kind in docs/architecture.md ("Policy names and redefinition").
 */
public final class Definitions {

  private final ConcurrentHashMap<String, Policy> byName = new ConcurrentHashMap<>();

  /**
   * Registers {@code policy}'s kind under its name, or checks it against the kind already there.
   *
   * @param policy the policy a store is asked for
   * @return {@code policy}
   * @throws IllegalArgumentException if {@code policy} is null, or if a policy of another kind is
   *     registered under its name
   */
  public Policy register(Policy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    Policy prior = byName.putIfAbsent(policy.name(), policy);
    if (prior != null && prior.getClass() != policy.getClass()) {
      throw new IllegalArgumentException("policy name '" + policy.name() + "' is already used in this store by a "
          + prior.getClass().getSimpleName() + " (" + prior + "); a " + policy.getClass().getSimpleName()
          + " under the same name (" + policy + ") is refused: one name holds one kind of state. Give it another"
          + " name");
    }
    return policy;
  }
}
