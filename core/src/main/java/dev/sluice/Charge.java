package dev.sluice;

/**
 * One part of a multi-policy call: a policy applied to a key with a cost.
 *
 * @param policy the policy
 * @param key the key: 1 to 512 characters of well-formed UTF-16
 * @param cost the cost, {@code >= 0}
 */
public record Charge(Policy policy, String key, long cost) {
  /**
   * Validates the components.
   *
   * @param policy the policy; not null
   * @param key the key: 1 to 512 characters of well-formed UTF-16
   * @param cost the cost, {@code >= 0}
   * @throws IllegalArgumentException if {@code policy} is null, or {@code key} or {@code cost} is
   *     invalid
   */
  public Charge {
    Checks.notNull("policy", policy);
    Checks.key(key);
    Checks.cost(cost);
  }
}
